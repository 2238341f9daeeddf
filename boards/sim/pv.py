# The panel and the pump on it: what voltage the ADC sees, whether the pump turns, how much it lifts.
#
# Panel: power P = Pstc G/1000 (1 + gamma (Tc - 25)), Tc = Ta + (NOCT - 20)/800 G
# (pvlib pvwatts_dc; FIELD-NOTES), less soiling and other losses. For the
# voltage an ideal-diode I-V curve with a series resistance:
#   V(I) = Voc(G, Tc) + a ln(1 - I/Isc(G)) - I Rs,  Voc = Voc_stc (1 + beta (Tc - 25)) + a ln(G/1000)
# so the open-circuit voltage moves only with the log of irradiance (it tells
# day from night, not power), while a load makes it sag, and it collapses
# once the load asks more current than the sun gives (FIELD-NOTES).
# Pump: a DC diaphragm pump at fixed head draws a roughly constant current;
# it needs a higher current and voltage to start than to keep turning, and
# lifts Q = k (V - V0) (FIELD-NOTES). Stalled, it is a resistance that pulls
# the panel down below its start voltage until the sun comes back.
import math


class Panel:
    def __init__(self, spec):
        self.pstc_w = spec.get("pstc_w", 80.0)
        self.voc_v = spec.get("voc_v", 22.0)
        self.isc_a = spec.get("isc_a", 4.9)
        self.a_v = spec.get("a_v", 1.3)  # n Ns k T / q for 36 cells, n ~1.3
        self.rs_ohm = spec.get("rs_ohm", 0.25)
        self.gamma = spec.get("gamma", -0.004)  # power, per C (pvwatts: -0.002 .. -0.005)
        self.beta = spec.get("beta", -0.0035)  # Voc, per C
        self.noct_c = spec.get("noct_c", 46.0)
        # Global Solar Atlas defaults: soiling 3.5 %, other 7.5 % (salt dust likely more).
        self.soiling = spec.get("soiling", 0.035)
        self.other_loss = spec.get("other_loss", 0.075)

    def cell_c(self, g, ta_c):
        return ta_c + (self.noct_c - 20.0) / 800.0 * g

    def power_w(self, g, ta_c):
        """Most power the panel can give now (what an MPPT would get)."""
        if g <= 0:
            return 0.0
        p = self.pstc_w * g / 1000.0 * (1 + self.gamma * (self.cell_c(g, ta_c) - 25.0))
        return p * (1 - self.soiling) * (1 - self.other_loss)

    def isc(self, g):
        return self.isc_a * g / 1000.0 * (1 - self.soiling)

    def voc(self, g, ta_c):
        if g < 1.0:
            return 0.0
        v = self.voc_v * (1 + self.beta * (self.cell_c(g, ta_c) - 25.0)) + self.a_v * math.log(g / 1000.0)
        return v if v > 0 else 0.0

    def v_at(self, i_a, g, ta_c):
        """Terminal voltage while delivering i_a, or -1.0 when the sun cannot give that current."""
        isc = self.isc(g)
        if i_a >= isc * 0.999:
            return -1.0
        v = self.voc(g, ta_c) + self.a_v * math.log(1 - i_a / isc) - i_a * self.rs_ohm
        return v if v > 0 else -1.0


class Pump:
    def __init__(self, spec):
        self.i_run_a = spec.get("i_run_a", 1.6)
        self.i_start_a = spec.get("i_start_a", 2.2)
        self.v_start = spec.get("v_start", 10.0)
        self.v_run = spec.get("v_run", 8.0)
        self.v0 = spec.get("v0", 5.0)
        self.k_lpm_v = spec.get("k_lpm_v", 0.6)
        self.r_stall = self.v_start / self.i_start_a

    def flow_lpm(self, v):
        """Most the pump can lift at this voltage, L/min."""
        return self.k_lpm_v * (v - self.v0) if v > self.v0 else 0.0


class PvPump:
    """Panel and pump wired together: the operating point and the motor's state."""

    def __init__(self, panel, pump):
        self.panel = panel
        self.pump = pump
        self.running = False  # motor turning
        self.v = 0.0  # panel voltage at the last evaluation
        self.i = 0.0  # current drawn by the pump

    def evaluate(self, g, ta_c, on):
        """Operating voltage with the pump switched on or off; updates whether it turns."""
        panel, pump = self.panel, self.pump
        if not on:
            self.running = False
            self.i = 0.0
            self.v = panel.voc(g, ta_c)
            return self.v
        if not self.running:
            v = panel.v_at(pump.i_start_a, g, ta_c)
            if v >= pump.v_start:
                self.running = True
        if self.running:
            v = panel.v_at(pump.i_run_a, g, ta_c)
            if v >= pump.v_run:
                self.v = v
                self.i = pump.i_run_a
                return v
            self.running = False
        # Stalled: the motor is a resistance; at this low voltage the panel
        # is a current source, so V = Isc R, below the start voltage.
        isc = panel.isc(g)
        v = isc * pump.r_stall
        voc = panel.voc(g, ta_c)
        if v > voc:
            v = voc
        self.v = v
        self.i = v / pump.r_stall
        return v
