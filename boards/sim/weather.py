# Weather for the simulated field: a seeded daily generator, FAO-56 ET0 and the sun within a day.
#
# Runs on CPython and on the MicroPython unix port alike. The generator uses
# only integer arithmetic and + - * / on floats (exactly rounded on both), so
# a seed gives the same temperatures, rain and irradiation on both runtimes;
# quantities built on sin/acos (Ra, ET0, day length) may differ in the last
# bit between the two libms.
import math

# Monthly normals for Nukus and Muynak (scenarios/README.md gives the sources):
# mean temperature, C (FIELD-NOTES: -5.1 in January to 27.9 in July, annual
# mean 11.4; AJWEP v22 i3), ...
T_MEAN_C = (-5.1, -2.9, 4.0, 13.2, 20.6, 25.6, 27.9, 25.5, 18.5, 10.5, 2.5, -2.6)
# ... mean daily range Tmax - Tmin, C (continental desert: wider in summer; estimate),
DTR_C = (8.0, 8.5, 10.0, 12.5, 14.0, 15.0, 15.0, 15.5, 15.0, 13.5, 10.0, 8.0)
# ... rain, mm/month (110-130 mm/yr, peaks Mar-May and Nov-Dec, driest Jul-Sep),
RAIN_MM = (9.0, 10.0, 18.0, 17.0, 13.0, 5.0, 3.0, 2.0, 3.0, 8.0, 15.0, 14.0)
# ... rain days per month (estimate consistent with the totals),
RAIN_DAYS = (5.0, 5.0, 6.0, 5.0, 4.0, 2.0, 1.0, 1.0, 1.0, 3.0, 4.0, 5.0)
# ... global irradiation on the horizontal, kWh/m2/day (Jun-Jul 7-7.5, Dec ~1.6,
# annual mean ~4.4; FIELD-NOTES, estimate).
RS_KWH = (2.0, 2.9, 4.0, 5.3, 6.6, 7.4, 7.4, 6.6, 5.3, 3.6, 2.2, 1.6)

_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_GSC = 0.0820  # solar constant, MJ m-2 min-1 (FAO-56 eq. 21)


class Rng:
    """xorshift32 (Marsaglia 2003): identical on CPython and MicroPython.

    The seed goes through MurmurHash3's 32-bit finalizer first. The seeds in
    use are small numbers (22, 33, ...), and xorshift's first outputs from a
    state with few bits set are small too: the first draw of every season,
    whether its first day is wet, fell under April's share of wet days for
    all of them, and every season opened on a wet, overcast day.
    """

    def __init__(self, seed):
        h = seed & 0xFFFFFFFF
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & 0xFFFFFFFF
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & 0xFFFFFFFF
        h ^= h >> 16
        self.s = h or 0x9E3779B9  # a zero state stays zero

    def next(self):
        x = self.s
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.s = x
        return x

    def uniform(self):
        """[0, 1) with 24 bits: exact in a double, so equal on both runtimes."""
        return (self.next() >> 8) / 16777216.0

    def normal(self):
        """Irwin-Hall: twelve uniforms, mean 0, sd 1, no transcendental functions."""
        s = 0.0
        for _ in range(12):
            s += self.uniform()
        return s - 6.0


def doy(month, day):
    """Day of the year (non-leap) for a month and day."""
    n = day
    for m in range(month - 1):
        n += _MDAYS[m]
    return n


def month_of(j):
    """Month 1..12 of day of the year j (non-leap)."""
    m = 0
    while m < 11 and j > _MDAYS[m]:
        j -= _MDAYS[m]
        m += 1
    return m + 1


_ADJ = {}


def _mean_preserving(table):
    """Mid-month values whose linear interpolation has the table's monthly means.

    Interpolating the means themselves flattens the extremes (January comes
    out near -4.3 C instead of -5.1); a month's mean of the interpolated
    line is about (t[m-1] + 6 t[m] + t[m+1]) / 8, solved here by iteration.
    """
    key = id(table)
    adj = _ADJ.get(key)
    if adj is None:
        adj = list(table)
        for _ in range(30):
            adj = [adj[m] + table[m] - (adj[m - 1] + 6 * adj[m] + adj[(m + 1) % 12]) / 8 for m in range(12)]
        _ADJ[key] = adj
    return adj


def normal_on(table, j):
    """A monthly normal for day j: linear between mid-months, keeping each month's mean."""
    # Mid-month days of the year: 15.5, 45, 74.5, ...
    mids = _mids()
    table = _mean_preserving(table)
    j = float(j)
    if j < mids[0]:
        a, b, ja, jb = table[11], table[0], mids[11] - 365, mids[0]
    elif j >= mids[11]:
        a, b, ja, jb = table[11], table[0], mids[11], mids[0] + 365
    else:
        i = 0
        while j >= mids[i + 1]:
            i += 1
        a, b, ja, jb = table[i], table[i + 1], mids[i], mids[i + 1]
    return a + (b - a) * (j - ja) / (jb - ja)


_MIDS = []


def _mids():
    if not _MIDS:
        start = 0
        for m in range(12):
            _MIDS.append(start + (_MDAYS[m] + 1) / 2.0)
            start += _MDAYS[m]
    return _MIDS


def solar(lat_deg, j):
    """(Ra MJ m-2 day-1, day length h) for latitude and day of year: FAO-56 eq. 21-25 and 34."""
    phi = lat_deg * math.pi / 180.0
    dr = 1 + 0.033 * math.cos(2 * math.pi * j / 365)  # eq. 23
    dec = 0.409 * math.sin(2 * math.pi * j / 365 - 1.39)  # eq. 24
    x = -math.tan(phi) * math.tan(dec)
    x = -1.0 if x < -1.0 else (1.0 if x > 1.0 else x)
    ws = math.acos(x)  # eq. 25
    ra = 24 * 60 / math.pi * _GSC * dr * (ws * math.sin(phi) * math.sin(dec) +
                                          math.cos(phi) * math.cos(dec) * math.sin(ws))
    return ra, 24 / math.pi * ws


def et0_hargreaves(tmax_c, tmin_c, ra_mj):
    """Reference ET, mm/day: FAO-56 eq. 52 (0.408 turns MJ m-2 into mm of water)."""
    tr = tmax_c - tmin_c
    if tr < 0:
        tr = 0.0
    et0 = 0.0023 * ((tmax_c + tmin_c) / 2 + 17.8) * math.sqrt(tr) * 0.408 * ra_mj
    return et0 if et0 > 0 else 0.0


class Day:
    """One day's weather and the sun's timing (seconds after local solar midnight)."""

    def __init__(self, j, tmax_c, tmin_c, rain_mm, rs_kwh, et0_mm, ra_mj, daylen_h, cloud):
        self.j = j
        self.tmax_c = tmax_c
        self.tmin_c = tmin_c
        self.rain_mm = rain_mm
        self.rs_kwh = rs_kwh
        self.et0_mm = et0_mm
        self.ra_mj = ra_mj
        self.daylen_h = daylen_h
        self.cloud = cloud  # 0 clear .. 1 overcast: depth of passing-cloud dips in irradiance
        half = daylen_h * 1800.0
        self.sunrise_s = 43200.0 - half
        self.sunset_s = 43200.0 + half
        # Irradiance follows a half sine between sunrise and sunset, with the
        # day's energy: peak * 2N/pi = H. Cloud dips remove cloud/4 on average.
        mean_mult = 1.0 - cloud / 4.0
        g = rs_kwh * 1000.0 * math.pi / (2.0 * daylen_h) / mean_mult if daylen_h > 0 else 0.0
        self.g_peak = g if g < 1100.0 else 1100.0

    def sun_frac(self, s):
        """Share of the day's ET (and irradiation) done by second s: (1 - cos)/2 over the day."""
        if s <= self.sunrise_s:
            return 0.0
        if s >= self.sunset_s:
            return 1.0
        return (1.0 - math.cos(math.pi * (s - self.sunrise_s) / (self.sunset_s - self.sunrise_s))) / 2.0

    def clear_g(self, s):
        """Irradiance on the panel plane without cloud dips, W/m2."""
        if s <= self.sunrise_s or s >= self.sunset_s:
            return 0.0
        return self.g_peak * math.sin(math.pi * (s - self.sunrise_s) / (self.sunset_s - self.sunrise_s))

    def air_c(self, s):
        """Air temperature: coldest near 03:00, warmest at 15:00 (a cosine)."""
        mean = (self.tmax_c + self.tmin_c) / 2
        return mean + (self.tmax_c - self.tmin_c) / 2 * math.cos(2 * math.pi * (s - 54000.0) / 86400.0)


def of_scenario(sc):
    """A scenario's days: its weather params at its site, from its start, with its seed."""
    w = sc["weather"]
    start = sc["start"]
    return generate(w, sc["site"]["lat_deg"], doy(start["month"], start["day"]), sc["days"], w.get("seed", 1))


def generate(params, lat_deg, start_j, n_days, seed):
    """The season's days: a list of Day, from scenario weather params.

    params keys (all optional): t_offset_c, rain_scale, rs_scale, et0_bias,
    heatwaves [{start_day, days, dt_c}], days (a list of explicit days
    {tmax_c, tmin_c, rain_mm, rs_kwh[, et0_mm]} that replaces the generator),
    et0_mm (a list overriding ET0 per day).
    """
    rng = Rng(seed)
    t_off = params.get("t_offset_c", 0.0)
    rain_scale = params.get("rain_scale", 1.0)
    rs_scale = params.get("rs_scale", 1.0)
    bias = params.get("et0_bias", 1.0)
    explicit = params.get("days")
    et0_list = params.get("et0_mm")
    waves = params.get("heatwaves", ())
    days = []
    anom = 0.0
    wet = False
    for d in range(n_days):
        j = (start_j - 1 + d) % 365 + 1
        ra, daylen = solar(lat_deg, j)
        rso_kwh = 0.75 * ra / 3.6  # clear-sky, FAO-56 eq. 37 at sea level
        if explicit:
            e = explicit[d % len(explicit)]
            tmax, tmin = e["tmax_c"], e["tmin_c"]
            rain = e.get("rain_mm", 0.0)
            rs = e.get("rs_kwh", rso_kwh)
            et0 = e.get("et0_mm")
        else:
            m = month_of(j) - 1
            p_wet = RAIN_DAYS[m] / _MDAYS[m]
            p_ww = p_wet + 0.25 if p_wet + 0.25 < 0.8 else 0.8
            p_wd = p_wet * (1 - p_ww) / (1 - p_wet)  # keeps the stationary wet share at p_wet
            wet = rng.uniform() < (p_ww if wet else p_wd)
            u = rng.uniform()
            rain = RAIN_MM[m] / RAIN_DAYS[m] * 3 * u * u * rain_scale if wet else 0.0
            # AR(1) temperature anomaly: sd 3 C, day-to-day correlation 0.7 (estimate).
            anom = 0.7 * anom + 3.0 * 0.714 * rng.normal()
            tmean = normal_on(T_MEAN_C, j) + anom + t_off
            for w in waves:
                if w["start_day"] <= d < w["start_day"] + w["days"]:
                    tmean += w["dt_c"]
            dtr = normal_on(DTR_C, j) * (0.65 if wet else 1.0) + rng.normal()
            if dtr < 3.0:
                dtr = 3.0
            tmax, tmin = tmean + dtr / 2, tmean - dtr / 2
            n = rng.normal()
            if wet:
                rs = normal_on(RS_KWH, j) * (0.45 + 0.2 * rng.uniform())
            else:
                rs = normal_on(RS_KWH, j) * (1.05 + 0.08 * n)
            rs *= rs_scale
            et0 = None
        if rs > rso_kwh:
            rs = rso_kwh
        if rs < 0.1 * rso_kwh:
            rs = 0.1 * rso_kwh
        if et0 is None:
            et0 = et0_hargreaves(tmax, tmin, ra) * bias
        if et0_list:
            et0 = et0_list[d % len(et0_list)]
        cloud = 1.0 - rs / rso_kwh
        cloud = 0.0 if cloud < 0.15 else cloud
        days.append(Day(j, tmax, tmin, rain, rs, et0, ra, daylen, cloud))
    return days


def cloud_mult(day_index, s, cloud):
    """Passing-cloud factor for the 10-minute slot holding second s (a hash: no state)."""
    if cloud <= 0.0:
        return 1.0
    h = (day_index * 2654435761 + int(s) // 600 * 40503) & 0xFFFF
    h = (h * 25173 + 13849) & 0xFFFF
    return 1.0 - cloud * (h / 65536.0) * 0.5
