# Pump sequencer: valve before pump, pump before valve, and every pump protection.
#
# The controller calls request() to start a run, step() every tick (also while
# idle: a stuck relay shows as flow after a stop), stop() for its own reasons,
# and applies `.pump_on` and `.valves` to the pins after each call. Order
# (FIELD-NOTES, sequencing): the valve opens `valve_lead_s` before the pump
# starts and closes `valve_lag_s` after it stops, so the pump never dead-heads
# and the line depressurises through the emitters.
#
# Handover: when a cycle's time ends with the pump carrying its load, the run
# ends (`awaiting` is set and step() returns R_CYCLE_DONE with the pump still
# on); in the same tick the controller either requests the next plot, which
# opens that valve beside the old one and closes the old one valve_lead_s
# later without stopping the pump, or calls stop(). A DC pump needs more
# voltage to start than to keep running (FIELD-NOTES), so in weak sun every
# restart it avoids is a brownout it avoids. The pump's continuous time
# across handovers stays under pump_max_run_s and the hard 2 h.
#
# Groups (`plots_at_once` > 1): request(..., riders) opens the riders'
# valves with the primary's, for one run length; they close together after
# the pump (valve_lag_s). A rider that would pass its daily cap is left out.
# The flow is judged against the sum of the open plots' `flow_ml_min` (none
# judged when one of them is unknown), and the metered mL are split between
# them in proportion to their `flow_ml_min` (share_ml()): pressure-
# compensating drippers pass their rating whatever else is open, so the
# ratings say where the water went. A burst or clog seen with several plots
# open is set on the primary's `plot_fault`: one meter cannot tell which
# line it is, and the primary is the plot the run was for. A stuck relay
# holds the primary's valve open, as with one plot. A handover moves the
# water from one group to the next: the new valves open beside the old ones,
# then the old ones close.
#
# Stop reasons when the run time ends: R_CYCLE_DONE when the planned time ran
# out, R_MAX_RUN when the plan asked for more than `pump_max_run_s` / the hard
# 2 h and was cut to it, so the journal shows that a limit acted.
# Dry runs: no pulses within `prime_s` of a start, or none in a flow window
# where the expected flow gives _JUDGE_PULSES (a handover to a line whose
# valve does not open, a tank whose float failed running dry mid-run). A
# line that went dry while another then moves water is shut, not the
# source: F_NO_FLOW on it until dawn, and the tries and latch are cleared
# (`flowed`), so one failed valve does not hold every plot dry.
# Without a flow meter (pulses_per_l 0) dry running, flow faults and a stuck
# relay cannot be seen; volume is then estimated from the plot's flow_ml_min.
# The flow checks assume no flow without the pump (no gravity head at a valve).
from micropython import const

from saxaul.codes import (
    F_FLOW_HIGH,
    F_FLOW_LOW,
    F_NO_FLOW,
    G_DRY_RUN,
    G_RELAY_STUCK,
    NO_PLOT,
    R_BACKOFF,
    R_CYCLE_DONE,
    R_DAILY_CAP,
    R_DRY_RUN,
    R_FLOW_HIGH,
    R_FLOW_LOW,
    R_LATCHED,
    R_MAX_RUN,
    R_MIN_OFF,
    R_NONE,
    R_PV_SAG,
    R_RELAY_STUCK,
    R_STARTS,
    R_TANK_LOW,
)
from saxaul.limits import (
    HARD_MAX_DAILY_S,
    HARD_MAX_PRIME_S,
    HARD_MAX_RUN_S,
    HARD_MAX_STARTS_H,
    HARD_MIN_OFF_S,
    HARD_MIN_VALVE_LAG_S,
    HARD_MIN_VALVE_LEAD_S,
)

IDLE = const(0)
OPENING = const(1)  # valve open, pump off (valve_lead_s)
PRIMING = const(2)  # pump on, waiting for the first flow pulses (prime_s)
RUNNING = const(3)  # pump on, water moving
STOPPING = const(4)  # pump off, valve still open (valve_lag_s)
HANDOVER = const(5)  # pump on, the next plot's valve open beside the last one's (valve_lead_s)
STATE_NAMES = ("IDLE", "OPENING", "PRIMING", "RUNNING", "STOPPING", "HANDOVER")

_FAR_S = const(1 << 28)  # "long ago" for events not seen since boot (8 years)
_HOUR_S = const(3600)
_IDLE_NEXT_S = const(3600)  # idle: nothing of ours is due; the controller's tick decides
_PRIMED_PULSES = const(3)  # pulses that prove water moves (one could be meter jitter)
_STRAY_PULSES = const(5)  # after a stop: the column coasting, a meter settling
_JUDGE_MIN_S = const(10)  # shortest flow window
_JUDGE_PULSES = const(20)  # pulses the expected flow gives in a window before judging (5 % steps)
_FLOW_FAULTS = const(96)  # F_FLOW_HIGH | F_FLOW_LOW
_STUCK_CHECK_S = const(10)  # seconds of open valve after a stop to see a welded relay
_MIN_HANDOVER_S = const(30)  # a handover for less run time than this is not worth the valves
_LATCHES = G_DRY_RUN | G_RELAY_STUCK
_WHOLE = const(8192)  # a group's water in parts: flow_ml_min (<= 100000) x _WHOLE stays a small int


class Sequencer:
    """One run at a time on one pump; plots are valves (bit i = plot i)."""

    def __init__(self, n_plots):
        self.n_plots = n_plots
        self.state = IDLE
        self.pump_on = False
        self.valves = 0
        self.plot = NO_PLOT  # the plot of the current / last run (a group's primary)
        self.group = 0  # the plots of the current / last run (bit i = plot i), the primary's included
        self.run_s = 0  # pump seconds of the current / last run
        self.ml = 0  # millilitres of the current / last run
        self.reason = R_NONE  # why the last run stopped
        self.start_reason = R_NONE  # what the current / last run was started for
        self.plot_fault = [0] * n_plots  # F_FLOW_HIGH / F_FLOW_LOW / F_NO_FLOW per plot
        self.dry_plots = 0  # plots whose runs went dry since dawn, or since water last moved (bit i)
        self.stuck = False  # relay stuck latched: the last valve is held open
        self._st = None  # the state given to request(): latches and dry-run tries go there
        self._t0_s = 0  # when the current state began
        self._pump_s = 0  # when the pump started
        self._limit_s = 0  # pump seconds this run may last
        self.on_s = 0  # when the pump last started (continuous across handovers)
        self.awaiting = False  # a cycle ended with the pump on: request() or stop() now
        self._cut = False  # the plan asked for more than a limit allows
        self._lead_s = HARD_MIN_VALVE_LEAD_S
        self._lag_s = HARD_MIN_VALVE_LAG_S
        self._prime_s = HARD_MAX_PRIME_S
        self._tick_s = 5
        self._flow_ml_min = 0  # the group's expected flow; 0 when a plot's is unknown (not judged)
        self._flow_sum = 0  # the known part of it: the volume without a meter
        self._share = [0] * n_plots  # each plot's part of the group's water, in _WHOLE
        self._ppl = 0  # pulses per litre as the last step gave it
        self._pulses = 0  # pulses in this run, pump start to valve closed
        self._lag_pulses = 0
        self._win_s = 0  # flow window: start and pulses
        self._win_pulses = 0
        self._last_s = 0  # time of the last step
        self._stop_s = -_FAR_S  # last pump stop (min off)
        self._retry_s = -_FAR_S  # dry-run backoff ends
        self._tank_low = False
        self._tank_ok_s = -_FAR_S  # when the tank float last came back
        self._starts = [-_FAR_S] * HARD_MAX_STARTS_H  # ring of pump start times
        self._start_i = 0

    # Starting.
    def request(self, plot, run_s, reason, now_s, cfg, st, riders=0, check=False):
        """Start a run of `plot` (and the plots of the `riders` mask beside it) for
        `run_s` pump seconds; R_NONE or the refusal. `.group` says who runs.

        `check`: the meter's check after a dry-run latch (meter.py), which
        that latch does not refuse; the caller steps it with no meter
        (`pulses_per_l` 0), so it is not judged dry."""
        if plot < 0 or plot >= self.n_plots or run_s <= 0:
            raise ValueError("plot or run_s")
        if self.awaiting:
            return self._handover(plot, run_s, reason, now_s, cfg, st, riders)
        if self.state != IDLE:
            return R_MIN_OFF  # the pump is not off, so its off time has not begun
        self._st = st
        if st.gfaults & (G_RELAY_STUCK if check else _LATCHES) or self.stuck:
            return R_LATCHED
        if self._tank_low or now_s - self._tank_ok_s < cfg["tank_restart_min"] * 60:
            return R_TANK_LOW
        if now_s < self._retry_s:
            return R_BACKOFF
        off_s = cfg["pump_min_off_s"]
        if off_s < HARD_MIN_OFF_S:
            off_s = HARD_MIN_OFF_S
        if now_s - self._stop_s < off_s:
            return R_MIN_OFF
        starts = cfg["pump_max_starts_h"]
        if starts > HARD_MAX_STARTS_H:
            starts = HARD_MAX_STARTS_H
        n = 0
        for t in self._starts:
            if now_s - t < _HOUR_S:
                n += 1
        if n >= starts:
            return R_STARTS
        max_s = cfg["pump_max_run_s"]
        if max_s > HARD_MAX_RUN_S:
            max_s = HARD_MAX_RUN_S
        self._cut = run_s > max_s
        if self._cut:
            run_s = max_s
        if self._over_cap(plot, run_s, cfg, st):
            return R_DAILY_CAP
        self._limit_s = run_s
        self._lead_s = max(cfg["valve_lead_s"], HARD_MIN_VALVE_LEAD_S)
        self._lag_s = max(cfg["valve_lag_s"], HARD_MIN_VALVE_LAG_S)
        self._prime_s = min(cfg["prime_s"], HARD_MAX_PRIME_S)
        self._tick_s = max(cfg["run_tick_s"], 1)
        self._begin(plot, riders, run_s, reason, cfg, st, now_s)
        self.state = OPENING
        self.valves = self.group
        self.pump_on = False
        return R_NONE

    def _over_cap(self, plot, run_s, cfg, st):
        cap_s = cfg["plots"][plot]["daily_max_s"]
        if cap_s > HARD_MAX_DAILY_S:
            cap_s = HARD_MAX_DAILY_S
        return st.used_s[plot] + run_s > cap_s

    def _begin(self, plot, riders, run_s, reason, cfg, st, now_s):
        # A new run's accounts (a start, or a handover with the pump on).
        plots = cfg["plots"]
        g = 1 << plot
        for i in range(self.n_plots):
            if riders & (1 << i) and i != plot and not self._over_cap(i, run_s, cfg, st):
                g |= 1 << i
        self.group = g
        judge = True
        total = 0
        n = 0
        for i in range(self.n_plots):
            if g & (1 << i):
                f = plots[i]["flow_ml_min"]
                if f <= 0:
                    judge = False
                total += f
                n += 1
        self._flow_sum = total
        self._flow_ml_min = total if judge else 0
        for i in range(self.n_plots):
            if not g & (1 << i):
                self._share[i] = 0
            elif judge:
                self._share[i] = (plots[i]["flow_ml_min"] * _WHOLE + total // 2) // total
            else:
                self._share[i] = _WHOLE // n  # no ratings to go by: even shares
        self.plot = plot
        self.start_reason = reason
        self.reason = R_NONE
        self.run_s = 0
        self.ml = 0
        self._pulses = 0
        self._t0_s = now_s
        self._last_s = now_s

    # Stopping.
    def stop(self, reason, now_s):
        """Stop the current run from any state (no effect when idle)."""
        if self.state == OPENING:
            self.valves = 0  # the pump never started: nothing to depressurise
            self.state = IDLE
            self.reason = reason
        elif self.state == PRIMING or self.state == RUNNING or self.state == HANDOVER:
            self._pump_off(reason, now_s)

    def _pump_off(self, reason, now_s):
        self.pump_on = False
        self.state = STOPPING
        self._t0_s = now_s
        self._stop_s = now_s
        if self.awaiting:
            self.awaiting = False  # the run was already accounted when its time ended
        else:
            self.run_s = now_s - self._pump_s
        self._volume()
        self.reason = reason
        self._lag_pulses = 0
        return reason

    # The tick.
    def step(self, now_s, pulses, sag, tank_low, cfg, pulses_per_l):
        """Advance the sequence; returns the stop reason on the step a run ended."""
        if tank_low:
            self._tank_low = True
        elif self._tank_low:
            self._tank_low = False
            self._tank_ok_s = now_s  # the restart wait counts from here
        dt_s = now_s - self._last_s
        self._last_s = now_s
        s = self.state
        if s == IDLE:
            if (
                pulses_per_l > 0
                and not self.stuck
                and self.plot != NO_PLOT
                and pulses > self._stray(dt_s)
            ):
                return self._relay_stuck()
            return R_NONE
        if s == OPENING:
            if tank_low:
                self.stop(R_TANK_LOW, now_s)
                return R_TANK_LOW
            if now_s - self._t0_s >= self._lead_s:
                self.pump_on = True
                self._pump_s = now_s
                self.on_s = now_s
                self._win_s = now_s
                self._win_pulses = 0
                self._starts[self._start_i] = now_s
                self._start_i = (self._start_i + 1) % HARD_MAX_STARTS_H
                self.state = PRIMING if pulses_per_l > 0 else RUNNING
            return R_NONE
        self._ppl = pulses_per_l
        self._pulses += pulses
        if s != STOPPING:
            self.run_s = now_s - self._pump_s
        self._volume()
        if s == STOPPING:
            self._lag_pulses += pulses
            if now_s - self._t0_s >= self._lag_now():
                if pulses_per_l > 0 and self._lag_pulses > self._stray(now_s - self._t0_s):
                    return self._relay_stuck()
                self.valves = 0
                self.state = IDLE
            return R_NONE
        # PRIMING, RUNNING or HANDOVER: the pump is on.
        if self.awaiting:
            # Nobody took the handover: the run was reported, the pump stops.
            self._pump_off(self.reason, now_s)
            return R_NONE
        if tank_low:
            return self._pump_off(R_TANK_LOW, now_s)
        if sag:
            return self._pump_off(R_PV_SAG, now_s)
        if s == HANDOVER:
            if now_s - self._t0_s >= self._lead_s:
                self.valves = self.group  # the old valves close: the new group has the water
                self.state = RUNNING
                self._win_s = now_s
                self._win_pulses = 0
        elif s == PRIMING:
            if self._pulses >= _PRIMED_PULSES:
                self.flowed(self._st)
                self.state = RUNNING
                self._win_s = now_s
                self._win_pulses = 0
            elif self.run_s >= self._prime_s:
                return self._dry_run(now_s, cfg)
        else:
            self._win_pulses += pulses
            r = self._judge_flow(now_s, cfg, pulses_per_l)
            if r == R_DRY_RUN:
                return self._dry_run(now_s, cfg)
            if r != R_NONE:
                return self._pump_off(r, now_s)
        if self.run_s >= self._limit_s:
            if self._cut or s == HANDOVER:
                return self._pump_off(R_MAX_RUN if self._cut else R_CYCLE_DONE, now_s)
            self.awaiting = True  # the pump stays on for a handover in this tick
            self.reason = R_CYCLE_DONE
            return R_CYCLE_DONE
        return R_NONE

    def _handover(self, plot, run_s, reason, now_s, cfg, st, riders):
        # The pump runs on: no start, so neither min off nor starts per hour.
        if st.gfaults & _LATCHES or self.stuck:
            return R_LATCHED
        if self._tank_low:
            return R_TANK_LOW
        max_s = cfg["pump_max_run_s"]
        if max_s > HARD_MAX_RUN_S:
            max_s = HARD_MAX_RUN_S
        left_s = max_s - (now_s - self.on_s)
        if left_s < _MIN_HANDOVER_S:
            return R_MAX_RUN  # the pump has run its longest in one go: it rests
        if run_s > left_s:
            run_s = left_s
        if self._over_cap(plot, run_s, cfg, st):
            return R_DAILY_CAP
        self.awaiting = False
        self._st = st
        self._cut = False
        self._limit_s = run_s
        self._begin(plot, riders, run_s, reason, cfg, st, now_s)
        self.valves |= self.group  # the new valves open beside the old ones
        self._pump_s = now_s
        self.state = HANDOVER
        return R_NONE

    def _lag_now(self):
        # With a flow meter the valve stays open long enough to tell a pump
        # that stopped (the column coasts for a second) from a welded relay
        # (full flow on): after the valve closes no water moves to count.
        if self._ppl > 0 and self._lag_s < _STUCK_CHECK_S:
            return _STUCK_CHECK_S
        return self._lag_s

    def _volume(self):
        if self._ppl > 0:
            self.ml = self._pulses * 1000 // self._ppl
        else:
            self.ml = self.run_s * self._flow_sum // 60

    @property
    def pulses(self):
        """Flow pulses of the current / last run, counted whatever `pulses_per_l` said."""
        return self._pulses

    def share_ml(self, plot):
        """The millilitres of the current / last run that went to `plot`.

        In proportion to the group's `flow_ml_min`; the rounding goes to the
        primary, so the shares add up to `.ml`.
        """
        g = self.group
        if not g & (1 << plot):
            return 0
        if plot != self.plot:
            return self._part(self._share[plot])
        ml = self.ml
        for i in range(self.n_plots):
            if i != plot and g & (1 << i):
                ml -= self._part(self._share[i])
        return ml if ml > 0 else 0  # the riders' rounding up may pass a tiny primary share

    def _part(self, share):
        # ml * share // _WHOLE without the product: it stays a small int on the device.
        ml = self.ml
        return ml // _WHOLE * share + ml % _WHOLE * share // _WHOLE

    def _judge_flow(self, now_s, cfg, ppl):
        """Compare the flow of the window since the last judgement with the group's."""
        want = self._flow_ml_min
        if ppl <= 0 or want <= 0:
            return R_NONE
        w_s = now_s - self._win_s
        if w_s < _JUDGE_MIN_S or want * w_s // 60 * ppl // 1000 < _JUDGE_PULSES:
            return R_NONE  # too few pulses yet to tell a fault from meter granularity
        n = self._win_pulses
        ml_min = n * 1000 // ppl * 60 // w_s
        self._win_s = now_s
        self._win_pulses = 0
        hi = cfg["flow_high_pct"]
        lo = cfg["flow_low_pct"]
        p = self.plot
        if hi > 0 and ml_min * 100 > want * hi:
            self.plot_fault[p] |= F_FLOW_HIGH
            return R_FLOW_HIGH
        if n < _PRIMED_PULSES:
            # No flow where the expected gave _JUDGE_PULSES or more: a dry
            # run, as in the prime time, whatever started the run (a
            # handover to a line whose valve does not open dead-heads the
            # pump; a tank whose float failed runs dry mid-run).
            return R_DRY_RUN
        if lo > 0 and ml_min * 100 < want * lo:
            # Clogged emitters: reported, but the run goes on, since a plot
            # that gets less water still lives; the probe ends the episode.
            self.plot_fault[p] |= F_FLOW_LOW
            return R_NONE
        self.plot_fault[p] &= ~_FLOW_FAULTS  # the line measured normal again
        return R_NONE

    def _dry_run(self, now_s, cfg):
        # Retry after dryrun_retry_min (Lorentz waits 20 min), latch after the
        # last try of the day (Grundfos MQ needs a reset after 24 h): FIELD-NOTES.
        st = self._st
        self.dry_plots |= self.group
        if st is not None:  # always: a run began with request(..., st)
            st.dry_tries += 1
            if st.dry_tries >= cfg["dryrun_max_tries"]:
                st.gfaults |= G_DRY_RUN
            st.mark()
        self._retry_s = now_s + cfg["dryrun_retry_min"] * 60
        return self._pump_off(R_DRY_RUN, now_s)

    def flowed(self, st):
        """Water moved in the run under way (its pulses, or a probe saw it).

        A line that went dry today while this one moves water is shut (its
        valve does not open, the line is blocked), not the source: those
        plots get F_NO_FLOW, skipped until dawn, and the dry-run tries and
        latch are cleared, so one failed valve does not hold every plot dry.
        """
        d = self.dry_plots & ~self.group
        self.dry_plots = 0  # a line that went dry and moves water now was the source's
        if not d:
            return
        for i in range(self.n_plots):
            if d & (1 << i):
                self.plot_fault[i] |= F_NO_FLOW
        if st is not None:
            self.dry_over(st)

    def dry_over(self, st):
        """Water moves (another line's, a refilled tank's, or a dead meter's seen
        by a probe): the day's dry-run tries and their latch are over."""
        self.dry_plots = 0
        st.dry_tries = 0
        st.gfaults &= ~G_DRY_RUN
        st.mark()

    def _stray(self, dt_s):
        """Pulses allowed after a stop over dt_s: a few, plus half the last run's rate."""
        run_s = self.run_s if self.run_s > 0 else 1
        return _STRAY_PULSES + self._pulses * dt_s // (2 * run_s)

    def _relay_stuck(self):
        # The pump still runs: hold its last valve open so it never dead-heads.
        self.stuck = True
        self.state = IDLE
        self.pump_on = False
        self.valves = 1 << self.plot
        self.reason = R_RELAY_STUCK
        st = self._st
        if st is not None:
            st.gfaults |= G_RELAY_STUCK
            st.mark()
        return R_RELAY_STUCK

    def abort(self, reason, now_s):
        """Everything off at once (an exception in the tick: the board is already off).

        Returns True when the pump was running, so the caller can account the
        run. A stuck relay keeps its valve: the pump it cannot stop must never
        dead-head.
        """
        was_on = self.pump_on and not self.awaiting  # an awaiting run is accounted already
        if self.pump_on:
            self._pump_off(reason, now_s)
        self.pump_on = False
        self.state = IDLE
        self.valves = (1 << self.plot) if self.stuck else 0
        return was_on

    # Latches.
    def clear_latch(self, st):
        """The host clears dry-run and relay latches (after fixing the cause)."""
        st.gfaults &= ~G_RELAY_STUCK
        self.dry_over(st)
        self._retry_s = -_FAR_S
        for i in range(self.n_plots):
            self.plot_fault[i] = 0
        if self.stuck:
            self.stuck = False
            if self.state == IDLE:
                self.valves = 0

    def new_day(self, st, cfg):
        """At dawn: a new day's dry-run tries; the dry-run latch clears if `dryrun_clear` is dawn.

        A stuck relay does not heal overnight: only the host clears it.
        """
        st.dry_tries = 0
        if cfg["dryrun_clear"] == "dawn":
            st.gfaults &= ~G_DRY_RUN
        st.mark()
        self.dry_plots = 0
        for i in range(self.n_plots):
            self.plot_fault[i] &= ~F_NO_FLOW  # a valve that stuck once may open today

    def next_s(self, now_s):
        """Seconds until the sequencer needs its next step (0: now)."""
        s = self.state
        if s == IDLE:
            return _IDLE_NEXT_S
        if s == OPENING or s == HANDOVER:
            r = self._t0_s + self._lead_s - now_s
        elif s == STOPPING:
            r = self._t0_s + self._lag_now() - now_s
        else:
            end_s = self._pump_s + self._limit_s
            if s == PRIMING and self._pump_s + self._prime_s < end_s:
                end_s = self._pump_s + self._prime_s
            r = end_s - now_s
            if r > self._tick_s:
                r = self._tick_s
        return r if r > 0 else 0
