# The simulated field: the world behind the fake `machine` pins (weather, soil, salt, PV, pump, tank, probes).
#
# Physics is integrated lazily: when a pin is read or written (or the clock
# moves while the pump runs) the field catches up to the virtual clock in
# steps of at most 15 min by day (60 s while pumping); a night without
# pumping is one step. Each day's weather is computed once, up front.
# Plain Python for CPython and the MicroPython unix port.
import weather
import soil
import pv

DAY_MS = 86400000
_STEP_DAY_MS = 900000  # 15 min: ET, Ks and salt stay close to continuous
_STEP_PUMP_MS = 60000  # 1 min: the sun moves the pump's operating point
# Reads catch up lazily: the soil moves little in two minutes, and a tick
# reads five ADCs 100 ms apart. While the pump runs, reads catch up after 2 s
# and the clock hook after 10 s, so flow pulses reach the firmware well
# within its prime time (15 s) even if it does not read the panel.
_LAZY_READ_MS = 120000
_LAZY_PUMP_MS = 2000
_LAZY_HOOK_MS = 10000
_RAIN_FROM_S = 50400.0  # the day's rain falls 14:00-17:00 (afternoon showers)
_RAIN_TO_S = 61200.0

# Daily row columns: season-wide, then per plot (suffix is the plot index).
COLUMNS = ("day", "doy", "tmax_c", "tmin_c", "rain_mm", "rs_kwh", "et0_mm",
           "starts", "brownouts", "pump_on_s", "pump_run_s", "pump_wh",
           "pv_max_mv", "pv_load_min_mv", "tank_min_l", "pumped_l")
PLOT_COLUMNS = ("dr", "raw", "taw", "etc", "eta", "rain", "irr", "dp", "dp_irr", "ece", "lr", "thr")


class SeasonOver(BaseException):
    """The season's last day ended: raised from the clock, past any `except Exception`."""


class _Lcg:
    """ZX81 LCG on small ints: probe noise without heap allocation on MicroPython."""

    def __init__(self, seed):
        self.x = seed % 65537

    def tri(self):
        """Triangular noise in (-1, 1), sd ~0.41."""
        self.x = (self.x * 75 + 74) % 65537
        a = self.x
        self.x = (self.x * 75 + 74) % 65537
        return (a + self.x) / 65537.0 - 1.0


class Field:
    """A world for `machine.set_world`: answers ADC and input pins, receives output writes."""

    def __init__(self, sc, board, clock=None, machine=None):
        if clock is None:
            import time as clock
        if machine is None:
            import machine
        self.sc = sc
        self.board = board
        self._clock = clock
        self._machine = machine
        self.chip = board.get("chip", "esp32")
        self.uid = b"\x5a\xa1\x00\x00\x0f\x1d"
        self.cause = 1  # PWRON_RESET
        self.n_days = sc["days"]
        self.end_ms = self.n_days * DAY_MS
        w = sc["weather"]
        self.days = weather.of_scenario(sc)
        ecw = sc["water"]["ecw_dsm"]
        self.plots = []
        self.crops = []
        self.area_m2 = []
        self.emit_lpm = []  # what each plot's emitters pass at working pressure, L/min
        for p in sc["plots"]:
            self.plots.append(soil.Plot(sc["soil"], p["crop"], ecw, sc["ece0_dsm"], sc["dr0_frac"]))
            self.crops.append(p["crop"])
            self.area_m2.append(float(p["area_m2"]))
            self.emit_lpm.append(p["emitters"] * p["emitter_lph"] / 60.0)
        n = len(self.plots)
        self.n_plots = n
        self.kc = [soil.kc_on(c, 0) for c in self.crops]
        self.pvp = pv.PvPump(pv.Panel(sc["panel"]), pv.Pump(sc["pump"]))
        tank = sc.get("tank")
        self.tank = tank
        self.tank_l = float(tank.get("start_l", tank["volume_l"])) if tank else 0.0
        self.probes = sc["probes"]
        self._noise = _Lcg(w.get("seed", 1) * 7 + 11)
        self._stuck_mv = [None] * n
        # Water of recent pulses still in the top layer where the probe sits,
        # mm; it spreads down through the root zone over front_tau_s.
        self.front_mm = [0.0] * n
        self._front_k = [1.0 / (1000.0 * pr["depth_m"]) - 1.0 / (1000.0 * p.zr_m)
                         for pr, p in zip(self.probes, self.plots)]
        self._front_gain = [pr["front_gain"] for pr in self.probes]
        # Pins from the board file.
        pvs = board["pv"]
        self._pv_pin = pvs["pin"]
        # Pins whose reading machine.ADC may cache per ms: the panel has no
        # noise of its own, and a probe's is drawn once per ms here
        # (`adc_uv`), so repeated reads in one ms see the same value anyway.
        self.adc_cache = [self._pv_pin]
        self._pv_ratio = float(pvs["ratio"])
        self._pump_pin = board["pump"]["pin"]
        self._pump_low = bool(board["pump"].get("active_low"))
        self._roles = {}  # output pin -> (kind, index, active_low)
        self._roles[self._pump_pin] = (0, 0, self._pump_low)
        self._probe_of = {}  # ADC pin (or ("ads", ch)) -> plot index
        self._has_pwr = []
        bp = board["plots"]
        for i in range(n):
            spec = bp[i]
            pr = spec["probe"]
            key = pr["pin"] if "pin" in pr else ("ads", pr["ads"])
            self._probe_of[key] = i
            if "pin" in pr:
                self.adc_cache.append(key)
            pw = pr.get("power_pin")
            self._has_pwr.append(pw is not None)
            if pw is not None:
                self._roles[pw] = (2, i, False)
            self._roles[spec["valve"]["pin"]] = (1, i, bool(spec["valve"].get("active_low")))
        swap = sc.get("probe_swap")
        if swap:
            # Two probes' cables on each other's channels (an installation
            # slip): each channel reads, and powers, the other plot's probe.
            a, b = swap
            for key, j in list(self._probe_of.items()):
                if j in (a, b):
                    self._probe_of[key] = b if j == a else a
            for pin, role in list(self._roles.items()):
                if role[0] == 2 and role[1] in (a, b):
                    self._roles[pin] = (2, b if role[1] == a else a, role[2])
        flow = board.get("flow")
        self._flow_pin = flow["pin"] if flow else None
        self._ppl = flow["pulses_per_l"] if flow else 0
        # A meter that stops counting (a jammed rotor, a broken wire): the
        # water flows, no pulse reaches the board from that day on.
        meter = sc.get("meter") or {}
        dead = meter.get("fault") == "dead"
        self._meter_dead_ms = meter.get("fault_from_day", 0) * DAY_MS if dead else -1
        # A valve that no longer opens (a burnt coil, sand in the seat): its
        # plot gets no water from that day on, and the pump, against it
        # alone, moves none.
        vf = sc.get("valves") or []
        self._valve_shut_day = [-1] * n
        self._any_shut = False
        for i in range(min(n, len(vf))):
            if vf[i] and vf[i].get("fault") == "shut":
                self._valve_shut_day[i] = vf[i].get("fault_from_day", 0)
                self._any_shut = True
        tl = board.get("tank_low")
        self._tank_pin = tl["pin"] if tl else None
        self._tank_low_level = tl.get("low_level", 0) if tl else 0
        temp = board.get("temp")
        self._temp_pin = temp["pin"] if temp and temp.get("kind") == "adc" else None
        self._temp_spec = temp
        # Outputs as the field sees them.
        self.pump_on = False
        self.valves = [False] * n
        self.probe_pwr = [False] * n
        # Lazy integration state.
        self.t_ms = 0
        self._pulse_frac = 0.0
        self._pulse_ms = 0  # flow pulses delivered up to here
        self._lpm = 0.0  # present flow through the meter, L/min
        self._pv_ms = -1
        self._pv_uv = 0
        self._probe_ms = [-1] * n
        self._probe_uv = [0] * n
        self._run_browned = False
        self._cloud_key = -1
        self._cloud = 1.0
        # Daily counters and the rows of finished days.
        self.rows = []
        self._clear_day()
        self.hooked = False
        self._hook = self._on_clock  # bound once: the clock removes it by identity
        self.on_day = None  # called with the number of days done (progress)

    # The clock

    def attach(self):
        """Follow the virtual clock: end the season on time (the clock's stop),
        deliver flow pulses while pumping (a hook, only then: an idle season
        sleeps millions of slices that would each call it for nothing)."""
        if not self.hooked:
            self.hooked = True
            self._clock.set_stop(self.end_ms, self._end)
            self._follow()

    def _follow(self):
        if self.pump_on:
            self._clock.add_hook(self._hook, True)  # the field catches up before anyone looks
        else:
            self._clock.remove_hook(self._hook)

    def _end(self):
        if self.t_ms < self.end_ms:
            self.advance_to(self.end_ms)
        raise SeasonOver()

    def _on_clock(self, now_ms):
        # Hooked only while the pump runs; the clock's stop ends the season
        # right after its hooks (`_end`).
        if now_ms - self.t_ms >= _LAZY_HOOK_MS:
            self.advance_to(now_ms)
        self._pulse_to(now_ms)

    def _lazy(self, now):
        """Catch up for a read, unless the field is only a moment behind."""
        lag = now - self.t_ms
        if lag >= _LAZY_READ_MS or (lag >= _LAZY_PUMP_MS and self.pump_on):
            self.advance_to(now if now < self.end_ms else self.end_ms)

    def _sync(self):
        now = self._clock.now_ms()
        if now > self.t_ms:
            self.advance_to(now if now < self.end_ms else self.end_ms)

    def on_reset(self, cause):
        """A reset: outputs float off (relay boards and MOSFET gates fall back)."""
        self._sync()
        self._set_pump(False)
        for i in range(self.n_plots):
            self.valves[i] = False
            self.probe_pwr[i] = False
        self.cause = cause

    # machine's world interface

    def adc_uv(self, pin):
        now = self._clock.now_ms()
        if pin == self._pv_pin:
            if now != self._pv_ms:
                self._lazy(now)
                self._pv_uv = int(self.pv_v() * 1000000.0 / self._pv_ratio)
                self._pv_ms = now
            return self._pv_uv
        i = self._probe_of.get(pin)
        if i is not None:
            if now != self._probe_ms[i]:
                self._lazy(now)
                self._probe_uv[i] = int(self.probe_mv(i) * 1000.0)
                self._probe_ms[i] = now
            return self._probe_uv[i]
        if pin == self._temp_pin:
            t = self._temp_spec
            return int((t.get("mv_at_0c", 500) + t.get("mv_per_c", 10) * self.air_c()) * 1000)
        return 0

    def level(self, pin, pull):
        if pin == self._tank_pin:
            self._lazy(self._clock.now_ms())
            low = self.tank is not None and self.tank_l <= self.tank.get("low_l", 0.0)
            return self._tank_low_level if low else 1 - self._tank_low_level
        return 1 if pull == 1 else 0  # machine.Pin.PULL_UP == 1

    def write(self, pin, level):
        role = self._roles.get(pin)
        if role is None:
            return
        kind, i, active_low = role
        on = (level == 0) if active_low else (level != 0)
        if kind == 2:
            if self.probe_pwr[i] != on:
                self.probe_pwr[i] = on
                self._probe_ms[i] = -1  # powered or not: read the probe again
            return
        self._sync()
        if kind == 0:
            self._set_pump(on)
        else:
            if on and self._any_shut and self._shut(i):
                on = False
            if self.valves[i] != on:
                self.valves[i] = on
        self._outputs_changed()

    @property
    def temp_c(self):
        """Air temperature now, whole degrees (the frost rule's sensor)."""
        return int(self.air_c() + 100.5) - 100

    # Direct API (baselines and tests drive the field with these)

    def set_outputs(self, pump_on, valves_mask):
        self._sync()
        for i in range(self.n_plots):
            self.valves[i] = bool(valves_mask & (1 << i)) and not (self._any_shut and self._shut(i))
        self._set_pump(pump_on)
        self._outputs_changed()

    def _shut(self, i):
        return 0 <= self._valve_shut_day[i] <= self.day_index()

    def _outputs_changed(self):
        self._pulse_to(self.t_ms)
        self._lpm = self._flow_now()
        self._pv_ms = -1  # the load changed: read the panel again

    def _set_pump(self, on):
        if on and not self.pump_on:
            self.d_starts += 1
            self._run_browned = False
        was = self.pump_on
        self.pump_on = on
        if self.hooked and on != was:
            self._follow()
        self._electrical(self._sec(self.t_ms))

    def day_index(self):
        d = self.t_ms // DAY_MS
        return d if d < self.n_days else self.n_days - 1

    def _sec(self, t_ms):
        return (t_ms % DAY_MS) / 1000.0

    def g_now(self, s=None):
        """Irradiance on the panel, W/m2, with passing-cloud dips on cloudy days."""
        d = self.day_index()
        day = self.days[d]
        if s is None:
            s = self._sec(self.t_ms)
        g = day.clear_g(s)
        if g <= 0.0 or day.cloud <= 0.0:
            return g
        key = d * 1000 + int(s) // 600
        if key != self._cloud_key:
            self._cloud_key = key
            self._cloud = weather.cloud_mult(d, s, day.cloud)
        return g * self._cloud

    def air_c(self, s=None):
        if s is None:
            self._lazy(self._clock.now_ms())
            s = self._sec(self.t_ms)
        return self.days[self.day_index()].air_c(s)

    def _electrical(self, s):
        was = self.pvp.running
        v = self.pvp.evaluate(self.g_now(s), self.days[self.day_index()].air_c(s), self.pump_on)
        if self.pvp.running != was:
            self._lpm = self._flow_now()  # stalled or started: the meter follows at once
        if self.pump_on and not self.pvp.running and not self._run_browned:
            self._run_browned = True
            self.d_brownouts += 1
        return v

    def pv_v(self):
        """Panel voltage now, volts (what the divider scales down to the ADC)."""
        return self._electrical(self._sec(self.t_ms))

    def can_start(self):
        """Would the pump start now? (what only an oracle knows before trying)"""
        self._sync()
        s = self._sec(self.t_ms)
        day = self.days[self.day_index()]
        pump = self.pvp.pump
        return self.pvp.panel.v_at(pump.i_start_a, self.g_now(s), day.air_c(s)) >= pump.v_start

    def probe_mv(self, i):
        """Probe output, mV: dielectric, unit offset, salinity and temperature bias, noise, faults."""
        if self._has_pwr[i] and not self.probe_pwr[i]:
            return 0.0
        pr = self.probes[i]
        fault = pr["fault"]
        d = self.day_index()
        if fault is not None and d >= pr["fault_from_day"]:
            if fault == "open":
                return 3300.0  # output floats to the supply rail
            if fault == "stuck":
                if self._stuck_mv[i] is None:
                    self._stuck_mv[i] = self._probe_clean(i)
                return self._stuck_mv[i]
        mv = self._probe_clean(i) + pr["noise_mv"] * 2.449 * self._noise.tri()
        if fault == "drift" and d >= pr["fault_from_day"]:
            mv += pr["drift_mv_per_day"] * (self.t_ms / DAY_MS - pr["fault_from_day"])
        return mv if mv > 0 else 0.0

    def _probe_clean(self, i):
        """The probe's layer: the root-zone mean plus the water of recent pulses not yet spread down."""
        pr = self.probes[i]
        plot = self.plots[i]
        theta = plot.theta()
        if self._front_k[i] > 0.0:
            theta += self.front_mm[i] * self._front_k[i]
            if theta > plot.theta_sat:
                theta = plot.theta_sat
        mv = pr["dry_mv"] - (pr["dry_mv"] - pr["wet_mv"]) * theta / plot.theta_sat
        mv += pr["offset_mv"] - pr["sal_mv_per_dsm"] * plot.ece()
        return mv + pr["temp_mv_per_c"] * (self.days[self.day_index()].air_c(self._sec(self.t_ms)) - 20.0)

    # Integration

    def advance_to(self, now_ms):
        """Integrate the field from its own time up to now_ms."""
        while self.t_ms < now_ms:
            d = self.t_ms // DAY_MS
            if d >= self.n_days:
                self.t_ms = now_ms
                return
            day_end = (d + 1) * DAY_MS
            b = now_ms if now_ms < day_end else day_end
            self._span(d, self.t_ms, b)
            if b == day_end:
                self._close_day(d)

    def _span(self, d, a_ms, b_ms):
        day = self.days[d]
        rise_ms = d * DAY_MS + int(day.sunrise_s * 1000)
        set_ms = d * DAY_MS + int(day.sunset_s * 1000)
        t = a_ms
        while t < b_ms:
            if self.pump_on:
                step = _STEP_PUMP_MS
            elif t < set_ms and b_ms > rise_ms:
                step = _STEP_DAY_MS
            else:
                step = b_ms - t
            e = t + step
            if e > b_ms:
                e = b_ms
            self._step(d, day, t, e)
            t = e
            self.t_ms = t

    def _step(self, d, day, a_ms, b_ms):
        sa = (a_ms - d * DAY_MS) / 1000.0
        sb = (b_ms - d * DAY_MS) / 1000.0
        dt_s = sb - sa
        et0 = day.et0_mm * (day.sun_frac(sb) - day.sun_frac(sa))
        rain = 0.0
        if day.rain_mm > 0 and sb > _RAIN_FROM_S and sa < _RAIN_TO_S:
            lo = sa if sa > _RAIN_FROM_S else _RAIN_FROM_S
            hi = sb if sb < _RAIN_TO_S else _RAIN_TO_S
            rain = day.rain_mm * (hi - lo) / (_RAIN_TO_S - _RAIN_FROM_S)
        tank = self.tank
        if tank is not None:
            rate = tank.get("refill_lph", 0.0)
            for lo_hi in tank.get("refill_off_days", ()):
                if lo_hi[0] <= d < lo_hi[1]:
                    rate = 0.0
            if rate:
                self.tank_l += rate * dt_s / 3600.0
                if self.tank_l > tank["volume_l"]:
                    self.tank_l = tank["volume_l"]
        n = self.n_plots
        irr = self._irr
        for i in range(n):
            irr[i] = 0.0
        lpm = 0.0
        if self.pump_on:
            v = self._electrical((sa + sb) / 2)
            pvp = self.pvp
            self.d_pump_on_s += dt_s
            self.d_wh += v * pvp.i * dt_s / 3600.0
            if pvp.running:
                self.d_run_s += dt_s
                if v < self.d_pv_load_min:
                    self.d_pv_load_min = v
                demand = 0.0
                for i in range(n):
                    if self.valves[i]:
                        demand += self.emit_lpm[i]
                if demand > 0:
                    cap = pvp.pump.flow_lpm(v)
                    # Pressure-compensating emitters pass their rate while the
                    # pump keeps up; below that the pump's lift is shared out.
                    scale = 1.0 if cap >= demand else cap / demand
                    litres = demand * scale * dt_s / 60.0
                    if tank is not None:
                        if litres > self.tank_l:
                            scale *= self.tank_l / litres
                            litres = self.tank_l
                        self.tank_l -= litres
                    for i in range(n):
                        if self.valves[i]:
                            irr[i] = self.emit_lpm[i] * scale * dt_s / 60.0 / self.area_m2[i]
                    self.d_pumped_l += litres
                    lpm = litres * 60.0 / dt_s if dt_s > 0 else 0.0
        self._lpm = lpm
        if tank is not None and self.tank_l < self.d_tank_min:
            self.d_tank_min = self.tank_l
        kc = self.kc
        plots = self.plots
        front = self.front_mm
        for i in range(n):
            plots[i].step(kc[i] * et0, rain, irr[i])
            f = front[i] + irr[i] * self._front_gain[i] + rain
            if f > 0.0:
                tau = self.probes[i]["front_tau_s"]
                front[i] = f * tau / (tau + dt_s)

    def _pulse_to(self, now_ms):
        """Flow-meter pulses up to now at the present flow, so they reach the firmware as the clock moves."""
        dt = now_ms - self._pulse_ms
        if dt <= 0:
            return
        self._pulse_ms = now_ms
        if self._lpm > 0.0 and self._flow_pin is not None and not 0 <= self._meter_dead_ms <= now_ms:
            f = self._pulse_frac + self._lpm * dt * self._ppl / 60000.0
            k = int(f)
            self._pulse_frac = f - k
            if k:
                self._machine.pulse(self._flow_pin, k)

    def _flow_now(self):
        """The flow the pump gives right now, L/min (for the pulses until the next step)."""
        pvp = self.pvp
        if not (self.pump_on and pvp.running) or (self.tank is not None and self.tank_l <= 0.0):
            return 0.0
        demand = 0.0
        for i in range(self.n_plots):
            if self.valves[i]:
                demand += self.emit_lpm[i]
        cap = pvp.pump.flow_lpm(pvp.v)
        return demand if cap >= demand else cap

    def _clear_day(self):
        self._irr = [0.0] * self.n_plots
        self.d_starts = 0
        self.d_brownouts = 0
        self.d_pump_on_s = 0.0
        self.d_run_s = 0.0
        self.d_wh = 0.0
        self.d_pv_max = 0.0
        self.d_pv_load_min = 1e9
        self.d_tank_min = self.tank_l if self.tank is not None else 0.0
        self.d_pumped_l = 0.0
        for p in self.plots:
            p.clear_day()

    def _close_day(self, d):
        day = self.days[d]
        # The day's highest open-circuit voltage: clear noon at its air temperature.
        self.d_pv_max = self.pvp.panel.voc(day.g_peak, day.air_c(43200.0)) * 1000.0
        row = [d, day.j, day.tmax_c, day.tmin_c, day.rain_mm, day.rs_kwh, day.et0_mm,
               self.d_starts, self.d_brownouts, self.d_pump_on_s, self.d_run_s, self.d_wh,
               self.d_pv_max, self.d_pv_load_min * 1000.0 if self.d_pv_load_min < 1e8 else 0.0,
               self.d_tank_min, self.d_pumped_l]
        for p in self.plots:
            row.extend((p.dr, p.raw, p.taw, p.etc, p.eta, p.rain, p.irr, p.dp, p.dp_irr, p.ece(), p.lr, p.thr))
        self.rows.append(row)
        self._clear_day()
        if d + 1 < self.n_days:
            self.kc = [soil.kc_on(c, d + 1) for c in self.crops]
        if self.on_day is not None:
            self.on_day(d + 1)

    # Output

    def header(self):
        h = list(COLUMNS)
        for i in range(self.n_plots):
            for c in PLOT_COLUMNS:
                h.append("%s%d" % (c, i))
        return h

    def write_csv(self, path):
        with open(path, "w") as f:
            f.write(",".join(self.header()) + "\n")
            for r in self.rows:
                f.write(",".join([_fmt(x) for x in r]) + "\n")


def _fmt(x):
    if isinstance(x, int):
        return str(x)
    return "%.4f" % x


def read_csv(path):
    """Rows of a field CSV as dicts of floats (host side)."""
    rows = []
    with open(path) as f:
        head = f.readline().strip().split(",")
        for line in f:
            vals = line.strip().split(",")
            if len(vals) != len(head):
                continue
            rows.append(dict(zip(head, [float(v) for v in vals])))
    return rows


def rows_as_dicts(field):
    h = field.header()
    return [dict(zip(h, [float(x) for x in r])) for r in field.rows]
