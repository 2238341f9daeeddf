# The ET index: what a plot whose probe failed lives on (pure: no I/O, no clock).
#
# A plot whose probe failed keeps its balance (balance.py) on ET alone:
# its own ET relative to the good plots' (same sun, same air), as a running mean of
# weight 1/4 over the dawns that taught its ET, scaled by how their ET
# has moved since. Not the last good dawn's alone: one hazy day there
# taught nearly a quarter less, and a plot living on that from July dried
# out (probe faults, one weather seed: IA 85.9). Not every good dawn's
# either: between two lessons the plot's ET stands still while the index
# moves with the other plots' lessons, and a mean over every dawn took
# each ratio of a stale ET to a fresh index for news; a deep store, whose
# dry days teach seldom, then failed on near half its own ratio. (Probe
# faults, twenty weather seeds, `benchmarks/fallback.py`: a failed
# plot's ET over its crop's, mean 1.03 either way, spread 0.11 -> 0.08
# across plots and seeds, the lowest 0.74 -> 0.86; `seeds.py`: IE 7.3 ->
# 6.0 %, the IA gap the same.) That move is an index: the summed ET of
# the plots good at this dawn over the sum of their relative ETs, so a
# probe failing (or a failed plot's own estimate) does not move it
# beyond the failed plot's share of it. (It was chained from dawn to
# dawn over the plots good on both sides: a fall seen while many plots
# were good moved it by their mean, the rise after it with the few left
# by their own, and it drifted as probes failed. Probe faults, fourteen
# weather seeds, against the oracle: the IA gap -0.9 -> -0.1 points on
# average, -6.1 -> -0.6 on the worst seed; IE 6.4 -> 7.5 %: the failed
# plots err wet now, not either way.) The index is of the good plots'
# running means, which trail the season; one over their last lessons
# instead (the days that taught their ET) takes out that lag but not its
# own noise, and did no better. (Probe faults, twenty weather seeds,
# `benchmarks/fallback.py`: spread 0.064 -> 0.072, highest 1.24 -> 1.30;
# `seeds.py`: IE 5.8 % either way, 8.0 -> 9.1 at worst; six seeds had
# shown the spread 0.064 -> 0.046.)
# A probe that failed before its plot's ET was learned has no relative
# ET: the plot lives on its daily fallback dose (the season's mean need,
# as the technician set it) times the good plots' ET over their own
# doses, so it follows the season as they do; a dose alone watered April
# three times over and July short. (Muynak with a probe open from day 2,
# `benchmarks/variants.py`: IA 83.6 -> 100, IE 5.7 -> 2.3 %.)
# A plot on its own relative ET never goes below its dose as the good
# plots use theirs (a floor the caller gives as the dose), since the ET it
# learned is likely low (a plot refilled every day has few dry days to
# learn from, the season warms) and nothing corrects it now. (The floor
# was the dose itself while the index stood at its highest: April's failed
# plots got the season's mean need, July's less than they used. Probe
# faults, twenty weather seeds: the worst IA gap to the oracle -8.1 ->
# -2.2 points, IE 6.0 -> 6.7 %; `benchmarks/fallback.py`: spread 0.083 ->
# 0.059, the lowest 0.86 -> 0.96.) With no good plot left nothing tells
# the season's course, and the floor is the dose as configured (it fell
# with the index below its highest, but the index stands still then, at
# whatever a failing probe taught it last). Nor above half again that
# dose: a relative ET that rests on a few early lessons can be far off
# the crop's, and the plot lives on it for the rest of the season (the
# `wet-drift` variant, its own weather seed: a probe drifting wet from
# day 20, found on day 29, left the Haloxylon plot on 1.0 of the others'
# ET where its crop uses 0.58 and its dose says 0.59: IE 47.7 % on that
# plot, a scratch watch). (`benchmarks/variants.py --variant wet-drift
# --seeds tune`: IE 5.9 -> 5.3 % on average, 13.1 -> 8.7 at worst, IA the
# same; `seeds.py --scenario probe-faults --seeds tune`: every season the
# same, the bound never reached.) Between the two it lives halfway from
# its own share to that dose: a share learned in the crops' first weeks,
# when every plot's ET is mostly the soil's (FAO-56's Kc ini is 0.3-0.4
# for all four of the scenarios' crops), overstates a crop whose
# mid-season Kc is low. (Probe faults' field: the young Haloxylon's ETc
# against the Suaeda's falls from 0.86 in April to 0.55 from June, by the
# field's daily rows; its
# probe open from day 60, the plot lived on 1.32 of its crop's ET, now
# 1.17; `benchmarks/fallback.py --seeds own`.) The dose, the season's mean
# need as the technician set it, knows the crop; the share knows the
# plot. (`seeds.py --scenario probe-faults --seeds tune`, paired: IE 5.4 ->
# 4.4 % (-0.9 +- 0.3), 10.7 -> 6.1 at worst; the IA gap -1.4 -> -1.7
# (-0.2 +- 0.1). With the doses of the two plots that fail 30 % low:
# IE 5.1 -> 3.5 %, the IA gap -0.0 -> -1.9 (-1.8 +- 0.5; -5.8 at worst):
# a dose set low now costs some water the plot needed. `benchmarks/variants.py`:
# wet-drift IE 7.8 -> 5.1 %, probes-swapped 6.7 -> 5.5.) A probe
# flagged and then back (a run in weak sun too short to move it, taken for
# a stuck probe) goes on from its own ET, its mean relative ET scaled to
# now: the floor it lived on meanwhile would stay in a running mean that a
# plot short of water may not lower, and over-water it for weeks. A probe
# with no reading yet since a boot is no failed one: its plot keeps its
# own ET. (Cloudy season, seven weather seeds: the IA gap to the oracle
# -3.4 -> -1.8 points on average.)
#
# A drift is found dawns after it began (two strikes, three falls under
# water, a dry spell three days' ET long). Meanwhile the drift was taken
# for ET: too much for a probe drifting dry, too little for one drifting
# wet, and through the index it moved every other plot's relative ET the
# other way. So where the drifting plot's relative ET of 8-16 dawns ago
# (a snapshot every `_SNAP` dawns) is nearer the truth than its
# current one, every plot's goes back to that snapshot. A probe found bad
# at a dawn is left out of that dawn's index, and teaches no relative ET.
# (Probe faults, where probe 1 drifts dry from day 30 and probes 2 and 3
# fail later, on its own weather seed: IE 7.7 -> 5.0 %, IA 100 -> 99.7.
# Twenty weather seeds: IE 6.5 -> 6.0 % on average, 9.9 -> 9.3 at worst;
# the IA gap to the oracle -1.0 -> -1.5 points on average, -3.6 -> -2.6
# at worst: the snapshot is of an earlier stage of the crops, whose
# relative ETs move as they grow. `benchmarks/variants.py`, probes
# swapped between two plots: IE 12.8 -> 7.8 %, IA 99.0 -> 99.6.)
from micropython import const

_BITS = const(10)  # the index's unit
_SNAP = const(8)  # dawns between snapshots of the relative ETs (a drift found goes back 8-16 dawns)


class EtIndex:
    """Every plot's ET relative to the good plots', and the index that scales it to now."""

    def __init__(self, n_plots):
        self.n = n_plots
        # The plot's ET divided by the index (in the index's unit), a
        # running mean of weight 1/4 over the dawns that taught its ET: what
        # a failed probe's plot lives on, scaled by the index, is then not
        # one dawn's error.
        self.rel = [0] * n_plots
        self._struck = [0] * n_plots  # that mean at a drifting probe's first strike
        # That mean 8-16 dawns ago (`_old`), through the last snapshot
        # (`_mid`): what a drift found now rolls back to (`drifted`).
        self._mid = [0] * n_plots
        self._old = [0] * n_plots
        # The season's index (1 << _BITS at boot): the good plots' summed ET
        # over their summed relative ET (see the header).
        self.idx = 1 << _BITS
        self.failed = 0  # bit i: plot i's probe had failed at the last dawn

    def indexed(self, i):
        """Plot i's mean relative ET, scaled by the index to now, mL."""
        return self.rel[i] * self.idx >> _BITS

    def back(self, i):
        """Plot i's probe had failed at the last dawn, and it has a relative ET to go on from."""
        return (self.failed >> i) & 1 and self.rel[i] > 0

    def strike(self, i):
        """Plot i's probe read far drier than its balance once: keep its relative ET of now."""
        self._struck[i] = self.rel[i]

    def unstrike(self, i):
        """A second strike: the days between were read off a drifting probe; back to that ET."""
        if self._struck[i] > 0:
            self.rel[i] = self._struck[i]

    def forget(self, i):
        """Plot i's probe read another plot's soil (crossed.py): it has no relative ET."""
        self.rel[i] = 0
        self._struck[i] = 0
        self._mid[i] = 0
        self._old[i] = 0

    def drifted(self, i, dry):
        """Plot i's probe was found drifting (dry or wet): see the header."""
        # The relative ET learned meanwhile took the drift for ET (dry: too
        # high; wet: too low), and through the index it moved every other
        # plot's the other way. Where the snapshot 8-16 dawns old is nearer
        # the truth for this plot, every plot goes back to it.
        o = self._old[i]
        if o > 0 and (o < self.rel[i] if dry else o > self.rel[i]):
            for j in range(self.n):
                if self._old[j] > 0:
                    self.rel[j] = self._old[j]

    def dawn(self, dawns, et_ml, taught, bad, good, failed, stores, floors=None):
        """After the dawn's readings anchored the good plots (bit i of `good`).

        `dawns`: the balance's dawn count; `et_ml`, `taught` (the dawn each
        plot's ET was last learned at) and `bad`: its lists, of which
        `et_ml[i]` is set here for each plot whose probe failed (bit i of
        `failed`); `stores[i]` its `store_l` (0: no balance); `floors[i]`,
        mL, its daily fallback dose (see the header).
        """
        self.failed = failed & ~good
        # The index: the good plots' summed ET over their summed relative
        # ET; and `per`, their summed ET over their summed fallback doses
        # (in the index's unit), what a failed plot's dose says it uses.
        num = 0
        den = 0
        dose = 0
        per_num = 0
        for i in range(self.n):
            e = et_ml[i]
            if stores[i] > 0 and (good >> i) & 1 and e > 0 and not bad[i]:
                if self.rel[i] > 0:
                    num += e
                    den += self.rel[i]
                if floors is not None and floors[i] > 0:
                    per_num += e
                    dose += floors[i]
        if den > 0:
            x = ((num << _BITS) + (den >> 1)) // den
            self.idx = x if x > 16 else 16
        per = (per_num << _BITS) // dose if dose > 0 else 0
        snap = dawns % _SNAP == 0
        for i in range(self.n):
            if stores[i] <= 0:
                continue
            if snap:
                self._old[i] = self._mid[i]
                self._mid[i] = self.rel[i]
            if (good >> i) & 1:
                o = self.rel[i]
                if et_ml[i] > 0 and not bad[i] and (o <= 0 or taught[i] == dawns):
                    # A dawn that taught its ET (or the first with one).
                    r = (et_ml[i] << _BITS) // self.idx
                    self.rel[i] = r if o <= 0 else o + ((r - o) >> 2)
            elif (self.failed >> i) & 1:
                # Its own relative ET scaled to now, never below its dose as
                # the good plots use theirs (with none good, the dose, once
                # it has an ET at all): the header. Not yesterday's ET, which
                # may be yesterday's floor.
                e = self.indexed(i) if self.rel[i] > 0 else -1
                if floors is not None and floors[i] > 0:
                    if per > 0:
                        f = floors[i] * per >> _BITS
                    else:
                        f = floors[i] if e > 0 or et_ml[i] > 0 else -1
                    if e < f:
                        e = f
                    elif per > 0:
                        e = (e + f) >> 1
                        if 2 * e > 3 * f:
                            e = 3 * f >> 1
                if e > 0:
                    et_ml[i] = e
