# A scripted bench: a sun curve, a bucket of soil per plot and a flow meter.
#
# Much simpler than the simulated field: enough to drive the firmware through
# whole days in tests and benchmarks on either runtime. Moisture is a probe
# voltage between the calibration points that falls (wetter) while a plot's
# valve is open with the pump on, and drifts dry otherwise.
import machine
import time


class ScriptedDay(machine.Bench):
    """Bench whose inputs follow the virtual clock."""

    def __init__(self, spec, chip="esp32", sunrise_h=6, sunset_h=20, pv_mv=19000,
                 dry_mv=2200, wet_mv=1100, start_pct=(30, 50, 70, 90),
                 dry_pct_per_h=1, wet_pct_per_min=2, flow_ml_min=2000):
        machine.Bench.__init__(self, chip)
        self.log = None  # days of output writes would fill the heap
        self.spec = spec
        self.sunrise_ms = sunrise_h * 3600000
        self.sunset_ms = sunset_h * 3600000
        self.pv_peak_mv = pv_mv
        self.dry_mv = dry_mv
        self.wet_mv = wet_mv
        n = len(spec["plots"])
        self.moist_pm = [start_pct[i % len(start_pct)] * 10 for i in range(n)]  # permille
        self.peak_pm = list(self.moist_pm)  # the wettest each plot has been
        self.dry_pm_per_h = dry_pct_per_h * 10
        self.wet_pm_per_min = wet_pct_per_min * 10
        self.flow_ml_min = flow_ml_min
        self.ppl = spec["flow"]["pulses_per_l"] if spec.get("flow") else 0
        self._pv_pin = spec["pv"]["pin"]
        self._ratio_pm = int(spec["pv"]["ratio"] * 1000)
        self._probe_pin = {}
        for i, p in enumerate(spec["plots"]):
            pr = p["probe"]
            self._probe_pin[pr["pin"] if "pin" in pr else ("ads", pr["ads"])] = i
        self._valve_pin = [p["valve"]["pin"] for p in spec["plots"]]
        # No noise here: machine.ADC may answer repeated reads from cache.
        self.adc_cache = tuple(self._probe_pin) + (self._pv_pin,)
        self._valve_low = [bool(p["valve"].get("active_low")) for p in spec["plots"]]
        self._pump_pin = spec["pump"]["pin"]
        self._pump_low = bool(spec["pump"].get("active_low"))
        self._flow_pin = spec["flow"]["pin"] if spec.get("flow") else None
        self._t_ms = 0
        self._ml_frac = 0
        self._dry_frac = 0
        self.pumped_ml = 0
        self.pump_on_ms = 0
        time.add_hook(self._advance)

    def _on(self, pin, active_low):
        lvl = self.outputs.get(pin, 1 if active_low else 0)
        return (lvl == 0) if active_low else (lvl == 1)

    def _advance(self, now_ms):
        dt = now_ms - self._t_ms
        if dt <= 0:
            return
        self._t_ms = now_ms
        pump = self._on(self._pump_pin, self._pump_low)
        n = len(self.moist_pm)
        # Drying in short steps rounds to nothing: carry the remainder.
        dry = self.dry_pm_per_h * dt + self._dry_frac
        self._dry_frac = dry % 3600000
        dry //= 3600000
        for i in range(n):
            m = self.moist_pm[i] - dry
            if pump and self._on(self._valve_pin[i], self._valve_low[i]):
                m += self.wet_pm_per_min * dt // 60000
            m = 0 if m < 0 else (1000 if m > 1000 else m)
            self.moist_pm[i] = m
            if m > self.peak_pm[i]:
                self.peak_pm[i] = m
        if pump:
            self.pump_on_ms += dt
            ml = self.flow_ml_min * dt + self._ml_frac
            self._ml_frac = ml % 60000
            ml //= 60000
            self.pumped_ml += ml
            if self._flow_pin is not None and self.ppl:
                machine.pulse(self._flow_pin, ml * self.ppl // 1000)

    def adc_uv(self, pin):
        if pin in self.adc_mv:
            return int(self.adc_mv[pin] * 1000)
        if pin == self._pv_pin:
            t = time.now_ms() % 86400000
            if t < self.sunrise_ms or t > self.sunset_ms:
                return 0
            pump = self._on(self._pump_pin, self._pump_low)
            mv = self.pv_peak_mv * 3 // 4 if pump else self.pv_peak_mv  # some sag under load
            return mv * 1000000 // self._ratio_pm
        i = self._probe_pin.get(pin)
        if i is not None:
            m = self.moist_pm[i]
            return (self.dry_mv - (self.dry_mv - self.wet_mv) * m // 1000) * 1000
        return 0
