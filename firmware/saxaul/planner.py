# Planner: which plot to water next, for how long and why (pure: no I/O, no clock).
#
# Rules, per plot:
# - With `store_l` and `flow_ml_min` known, a refill sized by the water
#   balance (refill.py). The rules below (episodes to the target by the
#   probe, a leaching dose every `leach_every_days`, a learned fallback
#   dose) are for a plot whose store is unknown (`store_l` 0).
# - Hysteresis: a plot below `start_pct` begins an episode; the episode goes on
#   in cycles of at most `cycle_s`, each followed by a soak (the controller keeps
#   `soak_until_s`), until the plot reaches `target_pct`. Between start and
#   target a plot outside an episode is left alone.
# - Leaching (FAO-29, Ayers & Westcot 1985): with brackish water the gross dose
#   is net / (1 - LR). Instead of stretching every run, the salt-pushing part is
#   given as one extra dose every `leach_every_days`: when the interval since
#   `st.leach_day` is over, the episode that brings the plot to target goes on
#   to field capacity (the wet calibration point, 100 %: below it a dose only
#   wets the soil and drains nothing), then gives `since_leach_s * LR / (1 - LR)`
#   more seconds (reason R_LEACH, in cycles with soaks), so that water drains
#   below the roots and takes the salt with it.
#   One deep dose leaches better than many small excesses that only wet the
#   top. When the dose is given, `leach_day` = today and `since_leach_s` = 0.
# - Faulted probe: policy "fallback" gives a daily dose (counting what the
#   plot already had today), in cycles, only in good sun: the plot's average
#   daily run time while its probe was good, scaled by the good plots' since
#   (`st.fallback_dose_s`), and never less than `fallback_s`;
#   policy "skip" never waters the plot.
# - Priority: the driest plot relative to its start threshold. Episodes in
#   progress get no precedence: every cycle is one pump start whichever plot it
#   serves, so the order does not change the pump's starts, and preferring them
#   would let a plot above its start hold the pump while another is below it.
#   A faulted plot on fallback ranks as a plot just at its threshold (score 0):
#   its need is unknown, a plot known to be dry goes first. Ties: lowest plot.
# - `plots_at_once` > 1: a pump's flow is far above one plot's pressure-
#   compensating drippers, and on a small panel it runs only a few hours
#   around noon, so opening several dry plots' valves together multiplies
#   the water per pump-hour. Besides the primary (the plot chosen above), up
#   to `plots_at_once - 1` riders are taken from the plots that may start now
#   by the same rules, driest first. The group has one run length, the
#   primary's run_s: a rider whose own run_s is shorter is left out, since
#   it would get more than its cycle, dose or daily cap allows (in weak sun,
#   below, it rides and the run shrinks to its own). The riders
#   are `Plan.riders` (bit i = plot i), with each plot's start reason in
#   `Plan.reasons`.
# - Marginal sun (`weak_sun`: most of today's or yesterday's starts browned
#   out): a restart needs more sun than a run (FIELD-NOTES), so the pump is
#   stopped only when the water is given. A cycle is the pump's longest run,
#   not `cycle_s`, and no soak follows it (spreading a pulse matters less
#   than the water a stopped pump may not deliver today); a rider with a
#   shorter run joins anyway and the group runs as long as its shortest,
#   then hands over to the rest; a refill begins at half its start deficit.
# - Outside the pumping window of a sun with power to spare (`edge`:
#   power.Power.edge), a start explores the window and browns out more often
#   than not: a plot that can wait until tomorrow (`can_wait`) does not
#   start there, and the driest plot that cannot goes first, though a calm
#   one ranks above it. A calm plot may still ride on its start (the start
#   is made anyway). Held back so, with no other plot to start, the reason
#   shown is R_PV_WEAK. The window counts as one with sun to spare when it
#   holds twice `need_s`, the pump time a day that the plots' learned ET
#   and leaching water ask for. A day whose stall says that only a cloud
#   that lifts can start the pump is such an edge at every hour, and there
#   a plot that can wait until tomorrow's noon waits (`dark`: the next
#   morning's sun waters it before its stress point; power.py). (Deciding
#   this for the planned group as a whole held a calm primary back together
#   with a plot below it that could not wait: with one plot at a time, past
#   the evening edge, until the next morning.)
# Runs shorter than OpenSprinkler's 10 s are not worth a pump start (FIELD-NOTES).
from micropython import const

from saxaul.codes import (
    F_FLOW_HIGH,
    F_LINE_ANY,
    F_PROBE_ANY,
    NO_PLOT,
    R_DAILY_CAP,
    R_DISABLED,
    R_DRY_RUN,
    R_FALLBACK,
    R_FLOW_HIGH,
    R_LEACH,
    R_MANUAL,
    R_MOISTURE_LOW,
    R_NONE,
    R_PROBE_FAULT,
    R_PV_WEAK,
    R_SOAK,
    R_WET,
)
from saxaul.balance import Balance
from saxaul.limits import HARD_MAX_DAILY_S, HARD_MAX_PLOTS, HARD_MAX_RUN_S
from saxaul.refill import MIN_RUN_S as _MIN_RUN_S  # shorter runs are skipped, refills or not
from saxaul.refill import Refills

_FLAT_CYCLES = const(2)  # cycles in a row that raise nothing: the root zone is at field capacity
_NONE_KEY = const(-1)
# Ranking of plots that do not run, for the reason shown: a plot that wants
# water and is held back explains more than a wet or disabled one.
_CAT_HELD = const(3)
_CAT_FAULT = const(2)
_CAT_WET = const(1)
_CAT_OFF = const(0)


class Plan:
    """The decision: `.plot` (NO_PLOT when nothing runs), `.run_s`, `.reason`.

    `.why_plot` names the plot the reason is about when nothing runs (NO_PLOT
    for a global reason with no plot waiting); `.manual` is true when the plan
    answers a pending manual request (run, or refused by the gate).
    `.riders` (bit i = plot i) are the plots that run beside `.plot` for the
    same `.run_s` (`plots_at_once` > 1); `.reasons[i]` is the start reason of
    each plot of that group, `.plot` included.
    """

    def __init__(self, n_plots=HARD_MAX_PLOTS):
        self.plot = NO_PLOT
        self.run_s = 0
        self.reason = R_NONE
        self.why_plot = NO_PLOT
        self.manual = False
        self.riders = 0
        self.reasons = [R_NONE] * n_plots

    def _set(self, plot, run_s, reason, why_plot):
        self.plot = plot
        self.run_s = run_s
        self.reason = reason
        self.why_plot = why_plot
        self.riders = 0
        if plot != NO_PLOT:
            self.reasons[plot] = reason


class Planner:
    """Decides one plot at a time; keeps episodes and leaching doses in RAM.

    After a reset an episode in progress is forgotten (the plot waits until it
    is below its start again) and a leaching dose in progress is armed again
    in full at the next episode end (`since_leach_s` is only cleared when the
    dose is complete): both err on the side of the plants.
    """

    def __init__(self, n_plots):
        self.n_plots = n_plots
        self._plan = Plan(n_plots)
        self._st = None  # the state given to plan(), where ran() accounts
        self._episode = [False] * n_plots
        self._leach_left_s = [0] * n_plots
        self._fill_day = [-1] * n_plots  # day a plot began filling to field capacity (-1: not)
        self._ref = [0] * n_plots  # reading before the last cycle of an episode
        self._ran = [False] * n_plots  # a cycle ran since that reading
        self._flat = [0] * n_plots  # cycles in a row that did not raise the reading
        self.bal = Balance(n_plots)  # the water balance of plots with a known store_l
        self.refills = Refills(n_plots, self.bal)
        self._flow = [0] * n_plots  # expected mL/min of each plot, for runs with no meter
        self._man_plot = NO_PLOT
        self._man_run_s = 0
        # Marginal sun (power.weak()), set by the controller before plan():
        # see the rules above.
        self.weak_sun = False
        # Outside the pumping window of a sun with power to spare, or on a
        # day its stalls showed dark (power.Power.edge), set by the
        # controller before plan(): see the rules above.
        self.edge = False
        self.dark = False  # with `edge`, a dark day (power.Power.dark): can_wait's horizon is tomorrow's noon
        self._stores = [0] * n_plots
        self._floors = [0] * n_plots
        # The plots that may start now, as plan() found them (run_s 0: not one).
        self._can_s = [0] * n_plots
        self._can_score = [0] * n_plots
        self._can_reason = [R_NONE] * n_plots

    # Host requests.
    def manual(self, plot, run_s):
        if plot < 0 or plot >= self.n_plots:
            raise ValueError("plot")
        self._man_plot = plot
        self._man_run_s = run_s

    def manual_pending(self):
        return self._man_plot != NO_PLOT

    def cancel_manual(self):
        self._man_plot = NO_PLOT
        self._man_run_s = 0

    def leach_left_s(self, plot):
        """Seconds of leaching dose still to give to `plot` (0 when none is due)."""
        return self._leach_left_s[plot]

    def in_episode(self, plot):
        return self._episode[plot]

    # The decision.
    def plan(self, now_s, day, pct, pfaults, gate, st, cfg, soak_until_s):
        """Return the (reused) Plan for this moment."""
        self._st = st
        self.bal.advance(now_s)
        p = self._plan
        p.manual = False
        max_run_s = cfg["pump_max_run_s"]
        if max_run_s > HARD_MAX_RUN_S:
            max_run_s = HARD_MAX_RUN_S
        if self._man_plot != NO_PLOT:
            # A person at the plot asked: moisture, soak and episodes do not
            # matter, but the gate does (night, weak sun, frost, battery, tank,
            # latch are not things to override from a laptop). The sequencer
            # still applies every pump protection and the daily cap.
            p.manual = True
            if gate != R_NONE:
                p._set(NO_PLOT, 0, gate, self._man_plot)
            else:
                run_s = self._man_run_s
                p._set(self._man_plot, run_s if run_s < max_run_s else max_run_s, R_MANUAL, self._man_plot)
            return p

        plots = cfg["plots"]
        every_d = cfg["leach_every_days"]
        if every_d < 1:
            every_d = 1
        best = NO_PLOT
        best_score = 0
        best_run_s = 0
        best_reason = R_NONE
        why = NO_PLOT
        why_key = _NONE_KEY
        why_reason = R_NONE
        calm = NO_PLOT  # the driest plot held back at the window's edge
        calm_score = 0
        can_s = self._can_s
        for i in range(self.n_plots):
            pc = plots[i]
            self._flow[i] = pc["flow_ml_min"]
            can_s[i] = 0
            cat = _CAT_OFF
            reason = R_DISABLED
            score = 0
            dose_s = 0
            on = pc["enabled"]
            if on and pfaults[i] & F_LINE_ANY:
                cat = _CAT_FAULT
                if pfaults[i] & F_FLOW_HIGH:
                    # A burst line wastes the only water there is: no more
                    # runs for this plot until the host clears the fault.
                    # Low flow (clogged emitters) still waters: less is
                    # better than none.
                    self._episode[i] = False
                    reason = R_FLOW_HIGH
                else:
                    # Its line moved no water while another's did (pump.py):
                    # until dawn, the pump's time goes to the lines that work.
                    reason = R_DRY_RUN
            elif on:
                faulted = pfaults[i] & F_PROBE_ANY != 0
                cap_s = pc["daily_max_s"]
                if cap_s > HARD_MAX_DAILY_S:
                    cap_s = HARD_MAX_DAILY_S
                left_s = cap_s - st.used_s[i]  # of today's cap
                if faulted:
                    self._episode[i] = False  # its moisture is unknown now
                    if pc["fault_policy"] != "fallback":
                        self._leach_left_s[i] = 0
                        cat = _CAT_FAULT
                        reason = R_PROBE_FAULT
                    elif self.k_ml(pc) and self.bal.known[i] and self.bal.et_ml[i] > 0:
                        # The balance goes on without the probe, on the ET
                        # the plot used while its probe was good, moved as
                        # the good plots' ET moves (etindex.py).
                        dose_s = self.refills.size(i, None, pc, now_s, cap_s, left_s, self.weak_sun)
                        if dose_s:
                            reason = R_FALLBACK
                        else:
                            cat = _CAT_FAULT
                            reason = R_PROBE_FAULT
                    else:
                        # The plot's own daily run time while its probe was
                        # good, scaled by how the good plots' run time moved
                        # since, knows this week's heat. The configured dose
                        # (the season's mean need) stays the floor: a plot
                        # that lived on the water stored in its root zone
                        # before the fault learned too little.
                        fb_s = st.fallback_dose_s(i)
                        if fb_s < pc["fallback_s"]:
                            fb_s = pc["fallback_s"]
                        if fb_s > cap_s:
                            fb_s = cap_s
                        if st.fallback_day[i] != day:
                            dose_s = fb_s - st.used_s[i]
                            if dose_s < _MIN_RUN_S:
                                st.fallback_day[i] = day
                                st.mark()
                        if st.fallback_day[i] == day:
                            self._arm_leach(i, day, st, pc, every_d)
                        if self._leach_left_s[i]:
                            reason = R_LEACH
                            dose_s = self._leach_left_s[i]
                        elif st.fallback_day[i] != day:
                            reason = R_FALLBACK
                        else:
                            cat = _CAT_FAULT
                            reason = R_PROBE_FAULT
                else:
                    m = pct[i]
                    score = pc["start_pct"] - m
                    k = self.k_ml(pc)
                    if k:
                        dose_s = self.refills.size(i, m, pc, now_s, cap_s, left_s, self.weak_sun)
                        score = self.bal.d_ml[i] // k - 100 + pc["start_pct"]
                        if dose_s:
                            reason = R_MOISTURE_LOW
                        else:
                            cat = _CAT_WET
                            reason = R_WET
                    else:
                        # No store known: episodes to the target by the probe.
                        if self._episode[i]:
                            filling = self._fill_day[i] >= 0
                            full = False
                            if soak_until_s[i] <= now_s:
                                # Field capacity is where a cycle's water drains
                                # instead of raising the reading. The probe itself
                                # may never show the target there: salt, heat and
                                # its own offset move it by several points.
                                # One flat cycle can be the heat of noon or the
                                # probe's dead band; two in a row are the soil.
                                if self._ran[i]:
                                    self._flat[i] = self._flat[i] + 1 if m <= self._ref[i] else 0
                                    self._ran[i] = False
                                self._ref[i] = m
                                full = self._flat[i] >= _FLAT_CYCLES
                            if filling and (full or self._fill_day[i] != day):
                                # At field capacity (or a day spent trying): now
                                # every drop of the dose drains through the roots.
                                self._fill_day[i] = -1
                                self._flat[i] = 0
                                self._episode[i] = False
                                self._arm_leach(i, day, st, pc, every_d)
                            elif not filling and (m >= pc["target_pct"] or (full and 2 * m >= pc["start_pct"] + pc["target_pct"])):
                                self._flat[i] = 0
                                if not full and self._leach_due(i, day, st, pc, every_d):
                                    self._fill_day[i] = day
                                else:
                                    self._episode[i] = False
                                    self._arm_leach(i, day, st, pc, every_d)
                        elif m < pc["start_pct"]:
                            self._episode[i] = True
                        if self._leach_left_s[i]:
                            reason = R_LEACH
                            dose_s = self._leach_left_s[i]
                        elif self._fill_day[i] >= 0:
                            reason = R_LEACH  # the filling part of the dose
                            dose_s = HARD_MAX_DAILY_S
                        elif self._episode[i]:
                            reason = R_MOISTURE_LOW
                            dose_s = HARD_MAX_DAILY_S
                        else:
                            cat = _CAT_WET
                            reason = R_WET
                if cat == _CAT_OFF:  # wants water: can it have some now?
                    cat = _CAT_HELD
                    if left_s < _MIN_RUN_S:
                        reason = R_DAILY_CAP
                    elif soak_until_s[i] > now_s:
                        reason = R_SOAK
                    else:
                        run_s = max_run_s if self.weak_sun else pc["cycle_s"]
                        if left_s < run_s:
                            run_s = left_s
                        if max_run_s < run_s:
                            run_s = max_run_s
                        if dose_s < run_s:
                            run_s = dose_s
                        can_s[i] = run_s
                        self._can_score[i] = score
                        self._can_reason[i] = reason
                        if self.edge and self.can_wait(1 << i, now_s, pfaults, self.dark):
                            # It may ride on a start made for another.
                            if calm == NO_PLOT or score > calm_score:
                                calm = i
                                calm_score = score
                        elif best == NO_PLOT or score > best_score:
                            best = i
                            best_score = score
                            best_run_s = run_s
                            best_reason = reason
                        continue  # a candidate (a drier plot may be ahead)
            key = (cat << 10) | ((score + 512) & 1023)
            if key > why_key:
                why_key = key
                why = i
                why_reason = reason
        if best != NO_PLOT:
            if gate != R_NONE:
                p._set(NO_PLOT, 0, gate, best)
            else:
                p._set(best, best_run_s, best_reason, best)
                if cfg["plots_at_once"] > 1:
                    self._riders(p, cfg["plots_at_once"] - 1)
        elif calm != NO_PLOT:
            p._set(NO_PLOT, 0, gate if gate != R_NONE else R_PV_WEAK, calm)
        else:
            p._set(NO_PLOT, 0, why_reason, why)
        return p

    def _riders(self, p, k):
        """Add up to k plots that may start now to the Plan's group, driest first."""
        can_s = self._can_s
        score = self._can_score
        run_s = p.run_s
        taken = 1 << p.plot
        while k > 0:
            r = NO_PLOT
            for i in range(self.n_plots):
                # A rider runs as long as the primary: only one whose own
                # cycle, dose and daily cap allow that much. In weak sun any
                # may ride, and the group's run shrinks to the rider's.
                if taken & (1 << i) or can_s[i] <= 0 or (can_s[i] < run_s and not self.weak_sun):
                    continue
                if r == NO_PLOT or score[i] > score[r]:
                    r = i
            if r == NO_PLOT:
                return
            taken |= 1 << r
            p.riders |= 1 << r
            if can_s[r] < p.run_s:
                p.run_s = can_s[r]
            p.reasons[r] = self._can_reason[r]
            k -= 1

    def k_ml(self, pc):
        """mL per percent of a plot whose refills the balance sizes (`store_l`
        and `flow_ml_min` known), else 0 (episodes by the probe)."""
        if pc["flow_ml_min"] > 0:
            return pc["store_l"] * 10
        return 0

    def can_wait(self, group, now_s, pfaults, noon=False):
        """Every plot of `group` (bit i = plot i) would stay wetter than the
        plants' stress point until tomorrow's dusk (`noon`: its noon, a dark
        day's horizon: power.py) with no water, by a
        balance whose probe is good (`Balance.can_wait`). False for an empty
        group, and for any plot steered by its probe alone or whose probe
        failed: its need is not known that well."""
        if group == 0:
            return False
        for i in range(self.n_plots):
            if group & (1 << i):
                if pfaults[i] & F_PROBE_ANY or not self.bal.can_wait(i, now_s, self._stores[i], noon):
                    return False
        return True

    def need_s(self, cfg):
        """Pump seconds a day that the enabled plots' learned ET asks for,
        their leaching water with it (one plot at a time); -1 while one of
        them has no ET learned or no flow known: the need is not known."""
        plots = cfg["plots"]
        n = 0
        for i in range(self.n_plots):
            pc = plots[i]
            if not pc["enabled"]:
                continue
            e = self.bal.et_ml[i]
            f = pc["flow_ml_min"]
            if e <= 0 or f <= 0:
                return -1
            n += e * 60 // f * 1000 // (1000 - pc["leach_pml"])
        return n

    def soak_s(self, i, pc, run_s):
        """The soak after a run of `run_s` on plot i.

        A soak lets a pulse's water spread from the dripper before the next
        one, so the wetted bulb does not saturate and drain past the roots.
        A pulse cut short (a sag in weak sun) needs as much less; and dry
        soil takes a pulse in at once, so with the balance known the soak
        shrinks with the plot's deficit (full at field capacity, none when
        air-dry): on a weak panel the few good minutes go to water, not to
        waiting. In weak sun there is none.
        """
        if self.weak_sun:
            return 0
        t = pc["soak_s"]
        c = pc["cycle_s"]
        if run_s < c:
            t = t * run_s // c
        k = self.k_ml(pc)
        if k and self.bal.known[i]:
            wet = 100 - self.bal.d_ml[i] // k
            if wet < 0:
                wet = 0
            if wet < 100:
                t = t * wet // 100
        return t

    def dawn(self, now_s, pm, good, cfg, failed=-1, reads=-1):
        """A new day: anchor the balance of the plots whose probes are good (bit i of `good`).

        `pm[i]`: each probe's average in permille of its span, unclamped.
        `failed` (bit i): the plots whose probe failed, `reads` (bit i) the
        probes whose readings mean something (`Balance.dawn`).
        """
        plots = cfg["plots"]
        stores = self._stores
        floors = self._floors
        for i in range(self.n_plots):
            pc = plots[i]
            stores[i] = self.k_ml(pc) // 10
            floors[i] = pc["fallback_s"] * pc["flow_ml_min"] // 60  # the daily fallback dose
        self.bal.dawn(now_s, pm, good, stores, floors, self.weak_sun, failed, reads)

    def dusk(self, now_s):
        self.bal.dusk(now_s)

    def _leach_due(self, i, day, st, pc, every_d):
        return not self._leach_left_s[i] and pc["leach_pml"] > 0 and day - st.leach_day[i] >= every_d

    def _arm_leach(self, i, day, st, pc, every_d):
        """Arm the leaching dose when its interval is over and it is worth a start."""
        if not self._leach_due(i, day, st, pc, every_d):
            return
        pml = pc["leach_pml"]  # at most 900 (config.leach_pml)
        dose_s = st.since_leach_s[i] * pml // (1000 - pml)
        if dose_s >= _MIN_RUN_S:
            self._leach_left_s[i] = dose_s

    # What happened.
    def ran(self, plot, run_s, now_s, reason, st=None, ml=-1):
        """Account `run_s` pump seconds given to `plot` by a run started for `reason`.

        `reason` is the start reason (the Plan's). May be called once per run
        or with partial seconds as they pass; it adds up. The state (`st`, or
        the one last given to plan()) gets `used_s`, `since_leach_s` and
        `leach_day` updated, then `st.mark()`.
        """
        if st is None:
            st = self._st
        if st is None or plot == NO_PLOT or run_s <= 0:
            return
        st.used_s[plot] += run_s
        # The run's water as the sequencer measured it (0 from a dry run);
        # a caller that gives none gets the expected flow.
        if ml < 0:
            ml = run_s * self._flow[plot] // 60
        self.refills.ran(plot, self.bal.watered(plot, ml, now_s))
        if reason == R_MOISTURE_LOW:
            self._ran[plot] = True
        if reason == R_LEACH and self._fill_day[plot] >= 0:
            self._ran[plot] = True
            st.since_leach_s[plot] += run_s
        elif reason == R_LEACH:
            left_s = self._leach_left_s[plot] - run_s
            if left_s < _MIN_RUN_S:
                left_s = 0
                st.leach_day[plot] = st.day
                st.since_leach_s[plot] = 0
            self._leach_left_s[plot] = left_s
        else:
            st.since_leach_s[plot] += run_s
        st.mark()
