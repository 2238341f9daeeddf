# Refills: a plot whose store is known gets its water by the balance (pure: no I/O, no clock).
#
# With `store_l` and `flow_ml_min` known, a plot is refilled: when the water
# balance (balance.py) says the plot will be below `start_pct` by dusk
# (so the pump starts while the sun is high, not in the evening), it gets what
# brings it to `target_pct`, or with salty water to field capacity plus the
# leaching fraction on top (net / (1 - LR), FAO-29), in cycles with soaks,
# counted in metered mL. A plot watered every day has no dry day to teach
# its ET: once its ET is four dawns old, a refill stops 10 points short of
# field capacity instead (one a day), its leaching water left to the next
# refill (not in weak sun, where every litre counts), and the next dawn
# teaches the ET (balance.py). The probe anchors the balance at dawn and
# does not end the refill: it reads the front of each pulse. But a dawn
# whose reading saw less than half the water given since the last one
# ends it: the rest sank past field capacity unseen (a probe that reads
# dry there, by its calibration or a slow drift, would keep a refill that
# the daily cap spreads over days going for good). A failed probe's plot
# goes on with its balance on ET alone (R_FALLBACK), an ET never below its
# `fallback_s` dose as the good plots use theirs (etindex.py). It has no dry day
# to wait for, and an open-loop refill that the daily cap spreads over days
# adds up the ET's error while the soil drains: its refill begins as soon
# as one would fill three quarters of a day's cap. With salty water a
# refill also begins as soon as it and its leaching water would fill a
# day's cap, and its leaching water is what the day's cap leaves past
# field capacity, no more (see `Refills.size`). The planner (planner.py)
# chooses which plot's refill runs, in cycles of `cycle_s` with soaks.
from micropython import const

MIN_RUN_S = const(10)  # shorter runs are skipped (OpenSprinkler, FIELD-NOTES)
_SALT_PCT = const(5)  # probe bias (points) within a dawn's error: not salt yet
_SALT_SPAN = const(15)  # points of bias past it that double the leaching fraction
_LEARN_PCT = const(90)  # a refill that teaches ET stops here: 10 points below field capacity drain nothing


class Refills:
    """The refill under way for each plot, in RAM (a reset forgets it: the
    next dawn's balance begins a new one if the plot still needs it)."""

    def __init__(self, n_plots, bal):
        self.bal = bal  # the planner's Balance
        self._refilling = [False] * n_plots
        self._learn = [False] * n_plots  # the refill under way stops short to teach ET
        self._owed_ml = [0] * n_plots  # leaching water such a refill left to the next
        self._leach_ml = [0] * n_plots  # water still to drain past field capacity in it

    def size(self, i, m, pc, now_s, cap_s, left_s, weak_sun):
        """Seconds of the refill under way for plot i (0: none).

        A refill begins when the balance says the plot will be below
        `start_pct` by dusk: in the morning, while the sun climbs, rather
        than in the afternoon, when a small panel may no longer start the
        pump (and the plot would wait for tomorrow's sun below its start).

        `m` is the plot's reading, None when its probe failed; `cap_s` its
        daily cap (the hard limit applied), `left_s` what is left of it today;
        `weak_sun` the planner's.
        Sized by the water balance (balance.py), not ended by the probe: for
        an hour after a pulse it reads the wetting front around it, well
        above the root zone's mean. The refill brings the deficit to
        `target_pct`, or, when the water brings salt, to field capacity (the
        wet calibration point) plus the leaching fraction on top, gross =
        net / (1 - LR) (FAO-29), so that water drains below the roots and
        takes the salt with it on every refill, as FAO-56 ch. 8 has it.

        With salty water the leaching water drains on the day the refill
        reaches field capacity, and the leaching requirement asks it of
        that day's water alone. A refill that the daily cap spreads over
        days drains the leaching water of all of them on the last, against
        that day's little water: waste, which the salt did not need that
        day (IE counts it so, per day). So with salty water a refill begins
        as soon as it, with its leaching water, would fill a day's cap,
        rather than at `start_pct`; and a refill's leaching water is no
        more than the day's cap leaves past field capacity, so a refill
        that cannot reach field capacity early enough (one that follows a
        short refill, a day's cap partly spent) does not carry its
        leaching water into tomorrow. At least two shortest runs' water is
        left (a refill ends with less than one left): the refill passes
        field capacity, and the next dawn checks the probe there
        (balance.py).
        (`benchmarks/seeds.py`, seven weather seeds each, IE: brackish
        9.4 -> 5.1 %, Muynak 2.4 -> 1.8, failing probes 8.1 -> 5.9; loamy
        sand's small store 3.4 -> 3.8; and 35 to 47 % more brownouts on
        the sunny seasons, from more watering days.)
        """
        bal = self.bal
        if m is not None:  # None: a failed probe, the balance alone
            bal.probe(i, m, now_s, pc["store_l"])
        if not bal.known[i]:
            return 0
        k = pc["store_l"] * 10
        d = bal.d_ml[i]
        if bal.sank[i]:
            # The refill's water went past field capacity unseen (balance.py):
            # it is done, its leaching water with it.
            bal.sank[i] = False
            self._refilling[i] = False
            self._leach_ml[i] = 0
        if not self._refilling[i]:
            start = (100 - pc["start_pct"]) * k >> (1 if weak_sun else 0)
            pml = pc["leach_pml"]  # at most 900 (config.leach_pml)
            if m is None or pml > 0:
                # No probe: no dry day to wait for (nothing learns from
                # it now), and an open-loop refill spread over days by the
                # daily cap adds up the balance's errors: a refill that
                # fits in three quarters of a day's cap instead. Salty
                # water: a refill that fits a day's cap, its leaching
                # water with it (see the docstring).
                c = cap_s * pc["flow_ml_min"] // (80 if m is None else 60) * (1000 - pml) // 1000
                if c < start:
                    start = c
            if bal.by_dusk(i, now_s) < start:
                return 0  # not below start_pct (half-way in weak sun) before dusk
            b = bal.bias[i] // 10  # permille -> points
            if pml > 0 and b > _SALT_PCT and m is not None:
                # The probe reads wetter at field capacity than when it was
                # calibrated, by more than a dawn's error: salt is building
                # up round it and the leaching falls behind (FIELD-NOTES), so
                # leach harder, up to twice the fraction.
                b -= _SALT_PCT
                pml = pml * (_SALT_SPAN + (b if b < _SALT_SPAN else _SALT_SPAN)) // _SALT_SPAN
                if pml > 900:
                    pml = 900  # doubled, still no more than 0.9
            # Watered every day, the plot has no dry day to teach its ET,
            # and a stale ET hides in the bias. Every few days such a refill
            # stops 10 points short of field capacity: nothing drains, and
            # the next dawn's reading teaches the ET. Its leaching water
            # comes with the next refill.
            learn = m is not None and bal.stale(i) and not weak_sun
            if learn and bal.short[i]:
                # One a day: begun again whenever the ET took the plot past
                # where it stops, it topped the day's ET up in runs of
                # seconds, a pump start each. The next dawn learns the ET.
                return 0
            self._learn[i] = learn
            self._leach_ml[i] = d * pml // (1000 - pml) if pml > 0 else 0
            self._refilling[i] = True
            if self._learn[i]:
                self._owed_ml[i] = self._leach_ml[i]
            else:
                self._leach_ml[i] += self._owed_ml[i]
                self._owed_ml[i] = 0
                # Leaching water only as far as today's cap reaches past
                # field capacity: the rest would drain tomorrow, against
                # tomorrow's water. At least two shortest runs' worth.
                room = left_s * pc["flow_ml_min"] // 60 - d
                least = pc["flow_ml_min"] * MIN_RUN_S // 30
                if room < least:
                    room = least
                if self._leach_ml[i] > room:
                    self._leach_ml[i] = room
        if self._learn[i]:
            left = d - (100 - _LEARN_PCT) * k
        elif pc["leach_pml"] > 0:
            left = d + self._leach_ml[i]  # field capacity, then the leaching water
        else:
            left = d - (100 - pc["target_pct"]) * k
        flow = pc["flow_ml_min"]
        if left * 60 < flow * MIN_RUN_S:
            self._refilling[i] = False
            return 0
        return (left * 60 + flow - 1) // flow

    def ran(self, i, drained):
        """A run gave plot i water, `drained` mL of it past field capacity (`Balance.watered`)."""
        if self._refilling[i]:
            self._leach_ml[i] -= drained if drained < self._leach_ml[i] else self._leach_ml[i]
            if self._learn[i]:
                self.bal.short[i] = True  # it stops short on purpose: the next dawn may learn from it
