# Root-zone water and salt of one plot: FAO-56 single-coefficient balance with salt stress.
#
# Depletion Dr (mm below field capacity) follows FAO-56 ch. 8 (eq. 85):
# Dr,i = Dr,i-1 - (P - RO) - I - CR + ETc,adj + DP, 0 <= Dr <= TAW, with deep
# percolation only when Dr would go below 0 and no capillary rise (water table
# deeper than ~1 m; FIELD-NOTES). It is stepped finer than a day by the field.
# Salt is a mass in dS/m * mm (EC times water depth): irrigation water brings
# ECw * I, percolation takes the soil water's EC with it, so at steady state
# the drainage water has ECdw = ECw / LF (FAO-29, Ayers & Westcot 1985).


def ks_water(dr_mm, taw_mm, p):
    """FAO-56 eq. 84: 1 while Dr <= RAW, then falling linearly to 0 at TAW."""
    raw = p * taw_mm
    if dr_mm <= raw:
        return 1.0
    if dr_mm >= taw_mm:
        return 0.0
    return (taw_mm - dr_mm) / ((1 - p) * taw_mm)


def ks_salt(ece_dsm, thr_dsm, b_pct, ky=1.0):
    """FAO-56 ch. 8 (salinity stress): 1 - b/(100 Ky) (ECe - ECe,thr) above the threshold (Maas-Hoffman)."""
    if ece_dsm <= thr_dsm:
        return 1.0
    k = 1.0 - b_pct / (100.0 * ky) * (ece_dsm - thr_dsm)
    return k if k > 0 else 0.0


def kc_on(crop, day):
    """Kc on season day `day` from the FAO-56 stage curve (ini, dev, mid, late; Fig. 25)."""
    l_ini, l_dev, l_mid, l_late = crop["stages_d"]
    k_ini, k_mid, k_end = crop["kc_ini"], crop["kc_mid"], crop["kc_end"]
    if day < l_ini:
        return k_ini
    day -= l_ini
    if day < l_dev:
        return k_ini + (k_mid - k_ini) * (day + 0.5) / l_dev
    day -= l_dev
    if day < l_mid:
        return k_mid
    day -= l_mid
    if day < l_late:
        return k_mid + (k_end - k_mid) * (day + 0.5) / l_late
    return k_end


def leaching_requirement(ecw_dsm, thr_dsm):
    """The least leaching fraction that holds this root zone at the crop's threshold: ECw / (2 ECe,thr).

    FAO-29's drip form LR = ECw / (2 max ECe) (Ayers & Westcot 1985) with the
    threshold for max ECe. It is exact for this model: one well-mixed root
    zone drains at ECdw = ECw / LF at steady state, and ECe = ECsw / 2, so
    ECe = ECw / (2 LF). (The 5 ECe - ECw form assumes a layered 40-30-20-10
    uptake whose mean is lower, and would let a mixed root zone salt up.)
    """
    if thr_dsm <= 0:
        return 1.0
    lr = ecw_dsm / (2.0 * thr_dsm)
    return lr if lr < 1.0 else 1.0


class Plot:
    """One plot's root zone. Floats: this is the world, not the device."""

    def __init__(self, soil, crop, ecw_dsm, ece0_dsm=2.0, dr0_frac=0.3):
        self.theta_fc = soil["theta_fc"]
        self.theta_wp = soil["theta_wp"]
        self.theta_sat = soil.get("theta_sat", 0.41)
        self.zr_m = crop["zr_m"]
        self.p = crop["p"]
        self.taw = 1000.0 * (self.theta_fc - self.theta_wp) * self.zr_m  # FAO-56 eq. 82
        self.raw = self.p * self.taw  # eq. 83
        self.w_fc = 1000.0 * self.theta_fc * self.zr_m  # root-zone water at field capacity, mm
        self.thr = crop["ece_thr_dsm"]
        self.b = crop["ece_slope_pct"]
        self.ky = crop.get("ky", 1.0)
        self._b_ky = self.b / (100.0 * self.ky)  # ks_salt's slope
        self._w2 = 2.0 * self.w_fc  # salt / _w2 = ECe
        self.ecw = ecw_dsm
        self.lr = leaching_requirement(ecw_dsm, self.thr)
        self.dr = dr0_frac * self.taw
        # ECe is measured on a saturated paste that holds about twice the water
        # at field capacity (ECsw ~ 2 ECe, FIELD-NOTES), so salt = 2 ECe W_fc.
        self.salt = ece0_dsm * 2.0 * self.w_fc
        self.ks = 1.0
        # Running totals for the day (the field writes and clears them).
        self.etc = 0.0  # potential Kc ET0
        self.eta = 0.0  # adjusted for water and salt stress
        self.rain = 0.0
        self.irr = 0.0
        self.dp = 0.0
        self.dp_irr = 0.0  # percolation that irrigation caused
        self.salt_out = 0.0

    def ece(self):
        return self.salt / (2.0 * self.w_fc)

    def theta(self):
        """Mean volumetric water content of the root zone."""
        return self.theta_fc - self.dr / (1000.0 * self.zr_m)

    def step(self, etc_mm, rain_mm, irr_mm):
        """Advance by one step with potential ETc, rain and irrigation (mm); returns DP mm."""
        # ks_water * ks_salt with ece(), inline and to the same rounding: a
        # MicroPython season steps its plots some 650,000 times.
        dr = self.dr
        taw = self.taw
        raw = self.raw
        ks = 1.0 if dr <= raw else (0.0 if dr >= taw else (taw - dr) / ((1 - self.p) * taw))
        ece = self.salt / self._w2
        if ece > self.thr:
            k = 1.0 - self._b_ky * (ece - self.thr)
            ks *= k if k > 0 else 0.0
        self.ks = ks
        eta = ks * etc_mm
        self.etc += etc_mm
        self.eta += eta
        self.rain += rain_mm
        self.irr += irr_mm
        self.salt += self.ecw * irr_mm
        dr += eta - rain_mm - irr_mm
        dp = 0.0
        if dr < 0:
            dp = -dr
            dr = 0.0
            # Drainage leaves at the EC of the root-zone water it passed through.
            out = self.salt * dp / (self.w_fc + dp)
            self.salt -= out
            self.salt_out += out
            self.dp += dp
            self.dp_irr += dp if dp < irr_mm else irr_mm
        elif dr > self.taw:
            dr = self.taw
        self.dr = dr
        return dp

    def clear_day(self):
        self.etc = self.eta = self.rain = self.irr = self.dp = self.dp_irr = self.salt_out = 0.0
