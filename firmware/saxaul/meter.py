# The flow meter, checked against the probes when every start reads dry (pure: no I/O, no clock).
#
# A dry-run latch says that starts moved no water past the meter: the tank or
# the well is empty, the intake clogged, a valve shut, or the meter itself
# counts nothing (sand jams its rotor, a wire breaks). The sequencer cannot
# tell these apart, and the last one leaves the water flowing while every
# plot goes unwatered until someone drives out: a season's plots die in a
# week (`benchmarks/variants.py`, a meter dead from day 30: IA -98 in sixty
# days). The probes can tell. Water that reaches a plot shows within
# minutes as the wetting front round its emitters (balance.py), and the
# plot's probe already has to show 40 minutes of water (sensing.py, STUCK).
#
# So once a dry-run latch is set, once a day, one plot is run for CHECK_S
# with its flow not judged, and its reading _SETTLE_S after the run is
# compared with the reading before it, less what the other good probes
# rose meanwhile (rain; not what they fell, which may be the front of
# their own last run spreading down). The plot is the one whose probe
# can show the most: a good probe, room below field capacity, and the most
# water per litre of its store. A rise of _SEEN_PM says the water came: the
# meter is dead (`G_METER`), the latch is cleared, and the sequencer goes on
# as on a board without a meter (volumes from `flow_ml_min`, no dry-run or
# flow checks) until a run counts pulses again. No rise: a dry run, and the
# latch stays (the pump ran dry for CHECK_S more, once a day). Pulses
# during the check say that water flows again and the meter counts it (a
# tank refilled since): the latch is cleared.
from micropython import const

from saxaul.codes import F_PROBE_ANY, NO_PLOT

CHECK_S = const(600)  # pump seconds of the check run (about 5 L at 500 mL/min)
_SETTLE_S = const(900)  # after it: the front has spread round the probe, not yet down
_SEEN_PM = const(15)  # permille rise that is water: four times a dawn-to-dawn EMA's noise
_ROOM_PM = const(900)  # a reading above this has too little room below field capacity to show it
_NONE = const(-1)


def counted(pulses, ml, ppl):
    """A run of `ml` (by its time) whose meter gave `pulses` at `ppl` per litre:
    the meter counts (a quarter of the water's pulses, three at least)."""
    return ppl > 0 and pulses >= 3 and pulses * 4000 >= ml * ppl


class Meter:
    """The check of the meter after a dry-run latch: which plot, when, and the verdict."""

    def __init__(self, n_plots):
        self.n = n_plots
        self.plot = NO_PLOT  # the plot under check, from its run to its verdict
        self.running = False  # its run is under way: the flow is not judged
        self.ml = 0  # the check run's water by its time (credited if it came)
        self._m0 = 0  # its reading before the run, permille
        self._o0 = 0  # the other good probes' summed readings before it
        self._others = 0  # which plots those are (bit i)
        self._n = 0  # and how many
        self._until_s = _NONE  # the verdict is due then
        self._day = _NONE  # the day of the last check begun

    def due(self, day, latched):
        """A check should run now (when the sun and the other protections allow)."""
        return latched and self.plot == NO_PLOT and self._day != day

    def pick(self, probes, pfaults, plots, dry=0):
        """The plot whose probe can show the check's water best, or NO_PLOT.

        Not one whose own runs went dry today (bit i of `dry`) while another
        qualifies: water on another line says that line is shut, not the
        source (pump.py, F_NO_FLOW)."""
        best = NO_PLOT
        score = -1
        wet = False  # the best so far is on a line that has not gone dry
        for i in range(self.n):
            pc = plots[i]
            m = probes[i].pm
            if not pc["enabled"] or pfaults[i] & F_PROBE_ANY or m < 0 or m > _ROOM_PM or pc["flow_ml_min"] <= 0:
                continue
            k = pc["store_l"]
            s = pc["flow_ml_min"] * 1000 // (k if k > 0 else 1000)
            w = not dry & (1 << i)
            if (w and not wet) or (w == wet and s > score):
                best = i
                score = s
                wet = w
        return best

    def begin(self, plot, day, probes, pfaults):
        """The check run of `plot` was accepted."""
        self.plot = plot
        self.running = True
        self._day = day
        self._m0 = probes[plot].pm
        self._n, self._o0, self._others = self._good(probes, pfaults, ((1 << self.n) - 1) & ~(1 << plot))

    def ran(self, run_s, ml, now_s):
        """The check run ended after `run_s` pump seconds (`ml` by its time).

        Cut short (a sag, the tank float) it shows too little: tried again
        when the sun allows, the same day."""
        self.running = False
        if run_s < CHECK_S // 2:
            self.plot = NO_PLOT
            self._day = _NONE
            return
        self.ml = ml
        self._until_s = now_s + _SETTLE_S

    def drop(self):
        """No verdict: the check is over (pulses came, or the host cleared the faults)."""
        self.plot = NO_PLOT
        self.running = False
        self._until_s = _NONE

    def verdict(self, now_s, probes, pfaults):
        """None until the verdict is due; then True when the plot's probe saw the water."""
        p = self.plot
        if p == NO_PLOT or self.running or now_s < self._until_s:
            return None
        self.drop()
        m = probes[p].pm
        if m < 0 or pfaults[p] & F_PROBE_ANY:
            return False  # the probe failed meanwhile: it shows nothing
        rise = m - self._m0
        n, s, _ = self._good(probes, pfaults, self._others)
        if n > 0 and n == self._n and s > self._o0:
            # The other plots rose too: rain, not the check's water. (They
            # may fall faster than a plot at rest: a run's front spreading.)
            rise -= (s - self._o0) // n
        return rise >= _SEEN_PM

    def _good(self, probes, pfaults, mask):
        # The good probes among `mask` (bit i): how many, their summed
        # readings, and which (a tuple: once a check, not a tick).
        n = 0
        s = 0
        m = 0
        for i in range(self.n):
            if mask & (1 << i) and not pfaults[i] & F_PROBE_ANY and probes[i].pm >= 0:
                n += 1
                s += probes[i].pm
                m |= 1 << i
        return n, s, m
