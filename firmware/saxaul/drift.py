# Drift: a probe's dawn readings against what the soil can do, for the
# failures that no drainage shows (pure: no I/O, no clock).
#
# The balance (balance.py) checks a probe where it knows the truth: after a
# refill drained, the root zone was at field capacity. Two failures never
# get there:
# - A probe drifting wet (or a wet seal) reads its plot watered. The plot
#   is never watered, so no refill drains to check the probe, and the plot
#   dies while the probe reads it wet. But soil without water loses its ET
#   every day. A dry spell (no water; each day kept more than half the ET
#   known; no rain on the other plots) whose reading showed not a quarter
#   of three days' ET, while that reading has the plants unstressed, is the
#   probe's. Rain falls on every plot: another plot unwatered since the
#   last dawn that kept half its ET too says it rained, and the spell
#   begins again. With no such plot to tell, the spell must be six days'
#   ET long. An ET learned twice too high still shows half of it.
#   Rain can show a drift sooner. A soil holds no more than field
#   capacity once it has drained for 48 hours (FAO's definition of it:
#   FIELD-NOTES), so a reading past it by more than 4 points beyond the
#   probe's bias at three dawns in a row is the probe's, where no water
#   went in since a drained refill weighed that bias (salt reads wetter
#   too, but it comes only with water) and the reading fell by less than
#   3/4 of the ET known since the first of them. A fine soil drains for
#   longer (a clay loam for some 450 hours: FIELD-NOTES), but its reading
#   falls by the drainage and the ET, where a drifting probe's falls by
#   less than the ET; with no ET known, only a reading that rose counts.
#   The spell misses a drift slower than the ET: the lessons take the
#   reading's fall for the ET, so each day shows half of what they
#   learned, and the plot dried out behind its probe until its stressed
#   plants used less than the drift (`benchmarks/variants.py --seeds
#   tune`: a probe drifting 6 mV a day wet from day 20, in a field of
#   four, left its plot at IA -281 % on one weather seed, 100 now; on a
#   plot alone, found on 5 of 20 weather seeds, IA 6.1 -> 15.5 % on
#   average: docs/architecture.md). A refill sized by the drifted reading
#   fills only what that reading says, so no refill shows the drift: only
#   rain that fills the soil to field capacity does.
# - A probe drifting dry under a refill that the daily cap spreads over
#   days: the refill never reaches field capacity, so it never drains, and
#   the plot gets the cap every day. A reading that fell on three dawns in
#   a row while more than twice the ET went in, into a soil that was not
#   draining at the dawn before, is the probe's; the ET learned since the
#   first of them (short refills took the unseen water for ET) goes back to
#   what it was. "The ET" is the one known at the first of them (`ref`):
#   each lesson between took the water the probe missed for ET, up to twice
#   it a dawn, and weighed by that the water soon stopped coming to twice
#   the ET, so the count began again and the drift was never found (Muynak,
#   a probe drifting 10 mV a day dry from day 40, weather seed 999, by a
#   scratch watch: the plot's ET went from 18 to 57 L a day, and it got
#   the daily cap to the season's end). A sound probe under water past
#   twice its ET reads wetter unless the plants use more than that: three
#   dawns in a row of it is no season's warming (docs/architecture.md).
# (Muynak with a probe drifting 6 mV a day wet from day 20, and with one
# drifting 10 mV a day dry from day 40: `benchmarks/variants.py`.)
from micropython import const

_FELL = const(3)  # dawns in a row the reading fell under water past twice the ET
_SPELL = const(3)  # days of ET a dry spell must show a quarter of (twice that alone)
_FALL_PM = const(10)  # permille: a fall past a dawn's noise
_OVER = const(40)  # permille past field capacity (beyond the bias) that no drained soil holds
_OVER_D = const(3)  # dawns in a row past it: 48 h of drainage between the first and the last


class Drift:
    def __init__(self, n_plots):
        self._spell_m = [-1] * n_plots  # reading at the dawn a dry spell began
        self._spell_et = [0] * n_plots  # ET counted since
        self._fell = [0] * n_plots  # dawns in a row the reading fell under water past twice the ET
        self.et_first = [-1] * n_plots  # the ET known at the first of them
        self._over = [0] * n_plots  # dawns in a row past field capacity with no water since a drained one
        self._over_r = [0] * n_plots  # the reading at the first of them

    def dry(self, i, m, m0, k, e, irr, rain, others, unstressed):
        """A dawn; True when plot i's probe reads a dry spell wet.

        `m`, `m0`: the readings (permille) now and at the last dawn (-1:
        none); `k` mL per permille; `e` the ET known (mL); `irr` the water
        given since; `rain`: another plot unwatered since the last dawn kept
        half its ET; `others`: some plot could have told; `unstressed`: this
        reading has the plants wetter than their stress point.
        """
        if irr or rain or m0 < 0 or e <= 0 or 2 * (m0 - m) * k >= e:
            self._spell_m[i] = m  # water, rain, or a day that showed its ET
            self._spell_et[i] = 0
            return False
        x = self._spell_et[i] + e
        self._spell_et[i] = x
        return unstressed and 4 * (self._spell_m[i] - m) * k < x and x >= (_SPELL if others else 2 * _SPELL) * e

    def over(self, i, r, dry, k, e):
        """A dawn; True when plot i's probe reads past field capacity where
        no soil stays: `r` its reading less its bias (permille), past 1000
        by more than `_OVER` for the `_OVER_D`th dawn in a row with `dry`
        (no water given since a drained refill weighed that bias), and
        fallen since the first of them by less than 3/4 of the ET `e` (mL;
        `k` mL per permille): a soil still draining falls by more than it.
        With no ET known (`e` <= 0), risen."""
        n = self._over[i] + 1 if dry and r > 1000 + _OVER else 0
        self._over[i] = n
        if n == 1:
            self._over_r[i] = r
        return n >= _OVER_D and 4 * (self._over_r[i] - r) * k < 3 * (n - 1) * (e if e > 0 else 0)

    def ref(self, i, e):
        """The ET plot i's water is weighed by at this dawn: the one known at
        the first fall of the count under way, else `e` (the ET known now)."""
        return self.et_first[i] if self._fell[i] else e

    def fell(self, i, under, m, m0, e):
        """A dawn; True when plot i's reading fell for the `_FELL`th time in a
        row under water it should have shown (`under`: past twice the ET
        `ref` gives, into a soil that was not draining). Readings as in
        `dry`."""
        if not (under and m < m0 - _FALL_PM):
            self._fell[i] = 0
            return False
        if self._fell[i] == 0:
            self.et_first[i] = e
        self._fell[i] += 1
        return self._fell[i] >= _FELL

    def clear(self, i):
        self._spell_et[i] = 0
        self._fell[i] = 0
        self._over[i] = 0
