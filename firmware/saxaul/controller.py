# The controller: one tick reads, decides, acts, journals and reports.
#
# Telemetry: one line per tick on stdout, space-separated integers:
#   T up_s day pv_state pv_mv batt_mv temp_c outputs plot reason gfaults n [pct_i pfault_i]*n
# up_s uptime seconds; pv_state 0 night, 1 weak, 2 ok; outputs bit 0 pump,
# bit 1+i valve i; plot the active or most urgent plot (1-based, 0 none);
# reason a code from codes.R_* (the host words them); gfaults global fault bits
# (codes.G_*); n plots, then per plot moisture % and its fault
# bits (codes.F_*). Console answers start with "@ " instead.
#
# A group run (plots_at_once > 1, see planner.py and pump.py) is accounted
# plot by plot, as if each plot had had its own run of the group's seconds:
# a START and a STOP record each (the STOP with the plot's share of the
# water), its soak, its daily time, its probe's watered(). The journal keeps
# one shape, so the host tools read a group as runs that overlap.
import gc
import time

from micropython import const

from saxaul import codes, meter, planner, power, pump, sensing

# Stages, journaled with an exception so the log says where it happened.
_ST_READ = const(1)
_ST_SENSE = const(2)
_ST_POWER = const(3)
_ST_PLAN = const(4)
_ST_PUMP = const(5)
_ST_JOURNAL = const(6)
_ST_CONSOLE = const(7)
_NIGHT_SAMPLE_S = const(3600)  # at night a sample an hour: soil dries slowly, nothing runs
_HELD_S = const(60)  # a start that ran this long was carried by the sun
_IDLE_READ_S = const(300)  # idle by day: every probe at least this often
_BUSY_SLICE_MS = const(4000)  # water running: a host `stop` waits at most this
_IDLE_SLICE_MS = const(10000)  # idle: a command waits at most this (fewer wake-ups)
_EPOCH_2000 = const(946684800)  # seconds from 1970 to 2000, for ports counting from 2000
_WALL_MIN_YEAR = const(2024)  # an RTC reading before this was never set
_TEMP_MIN_C = const(-45)  # air temperatures beyond these are a sensor off its wire, not weather
_TEMP_MAX_C = const(85)  # (a board in a closed box in the sun runs hot, but not past its rating)


class Controller:
    """The loop's state; `tick()` returns the seconds to sleep."""

    def __init__(self, board, cfg, st, journal, state_path="state.json"):
        n = board.n_plots
        self.board = board
        self.cfg = cfg
        self.st = st
        self.journal = journal
        self.state_path = state_path
        self.n = n
        self.probes = [sensing.Probe(*board.probe_range_mv(i)) for i in range(n)]
        self.power = power.Power()
        self.power.restore(st.day, st.night_seen)
        self.planner = planner.Planner(n)
        self.planner.bal.adopt(st.et_ml, st.bias_pm)
        self.seq = pump.Sequencer(n)
        self.meter = meter.Meter(n)  # the flow meter's check after a dry-run latch
        self.pct = [0] * n
        self.level = [0] * n  # the same, unclamped (past the calibration points)
        self._dawn_pm = [0] * n  # the probes' averages at dawn, permille, no dead band
        self.pfaults = [0] * n
        self._pf_seen = [0] * n
        self.soak_until = [0] * n
        self._why = [codes.R_NONE] * n  # each plot's start reason in the run under way
        self._read_s = -_IDLE_READ_S  # when every probe was last read
        self._g_seen = st.gfaults
        self.now_s = 0
        self._ticks = time.ticks_ms()
        self._ms = 0
        self.pv_mv = 0
        self.batt_mv = 0
        self.temp_c = 25
        self.reason = codes.R_NONE
        self.plot = codes.NO_PLOT
        self.frost = False
        self.temp_bad = False  # the temperature reading is impossible: no frost rule on it
        self.pv_bad = False  # the PV reading is above what the panel can give, or at the ADC's rail
        self.batt_low = False
        self.tank_low = False  # the float switch at the last tick
        self._refused = codes.R_NONE
        self._next_sample_s = 0
        self._ml_sample = 0
        self._stage = 0
        self.console = None
        self.exceptions = 0
        self.state_errors = 0
        self._stop_req = False
        self.schema_version = 0  # set by main.start from the config module
        t = time.gmtime(0)
        self._epoch_add = _EPOCH_2000 if t[0] == 2000 else 0

    # Time

    def _clock(self):
        t = time.ticks_ms()
        self._ms += time.ticks_diff(t, self._ticks)
        self._ticks = t
        if self._ms >= 1000:
            s = self._ms // 1000
            self.now_s += s
            self._ms -= s * 1000
        return self.now_s

    def wall_s(self):
        """Seconds since 1970 when the RTC was set, else 0."""
        if time.gmtime()[0] < _WALL_MIN_YEAR:
            return 0
        return int(time.time()) + self._epoch_add

    def _stamp(self):
        self.journal.stamp(self.st.boot, self.now_s, self.wall_s())

    def _event(self, kind, plot, a=0, b=0, c=0):
        self._stamp()
        self.journal.event(kind, plot, a, b, c)

    # The tick

    def tick(self):
        now = self._clock()
        b = self.board
        cfg = self.cfg
        seq = self.seq
        st = self.st
        self._stage = _ST_READ
        pulses = b.take_pulses()
        pv = b.read_pv_mv()
        self.pv_mv = pv
        self.pv_bad = 0 < b.pv_max_mv < pv
        self.batt_mv = b.read_batt_mv()
        self.temp_c = b.temp_c()
        tank = b.tank_low()
        self.tank_low = tank  # one reading a tick: the gate, the faults and the telemetry agree

        self._stage = _ST_POWER
        pw = self.power
        pw.update(pv, now, seq.pump_on, cfg)
        if pw.dawn:
            self._dawn()
        elif pw.dusk:
            self.planner.dusk(now)
            self._event(codes.E_DUSK, codes.NO_PLOT, pw.day)
        # A sensor off its wire reads an ADC rail, tens of degrees below any
        # frost: believed, it would hold every plot dry for good.
        t = self.temp_c
        self.temp_bad = t < _TEMP_MIN_C or t > _TEMP_MAX_C
        self.frost = False if self.temp_bad else power.frost(t, cfg, self.frost)
        self.batt_low = pw.battery_low(self.batt_mv, cfg)

        ns = 1 if pw.night_seen else 0
        if st.day != pw.day or st.night_seen != ns:
            st.day = pw.day
            st.night_seen = ns
            st.mark()

        self._stage = _ST_SENSE
        # Probes are read when a decision or a sample needs them; while a plot
        # is watered only its own probe changes fast enough to matter. Idle
        # soil dries by about a point an hour: a reading every _IDLE_READ_S,
        # and at the end of each soak (the episode's check), is enough, and
        # spares the probes' power and the ADC most of the day's reads.
        busy = seq.state != pump.IDLE
        mt = self.meter
        # A meter check compares the probes before and after its run: every
        # good probe is read each tick from the tick that may begin it. (The
        # meter is asked only while a dry-run latch or a check is on: the
        # other ticks of a season pay no calls for it.)
        checking = mt.plot != codes.NO_PLOT
        latched = st.gfaults & codes.G_DRY_RUN
        needed = (now >= self._next_sample_s or checking
                  or latched and pw.state == power.OK and mt.due(pw.day, latched))
        if not busy and pw.state != power.NIGHT:
            if now - self._read_s >= _IDLE_READ_S or self._soak_ended(now):
                needed = True
        if needed:
            self._read_s = now
        self._sense(now, needed)

        self._stage = _ST_PUMP
        # Every tick, idle too (the tank float, a relay stuck on). The pulses of
        # the last sleep belong to the run that made them: step first, then
        # decide whether the plot has had enough.
        # A meter found dead, or a check's run: no meter (volumes by time).
        ppl = 0 if st.gfaults & codes.G_METER or mt.running else b.pulses_per_l
        ended = seq.step(now, pulses, pw.sag, tank, cfg, ppl)
        if ended == codes.R_RELAY_STUCK:
            self._event(codes.E_STOP, seq.plot, ended, seq.run_s, seq.ml)
        elif ended:
            self._ended(ended, now)
        elif self._stop_req and seq.pump_on:
            seq.stop(codes.R_HOST_STOP, now)
            self._ended(codes.R_HOST_STOP, now)
        elif seq.state == pump.RUNNING and self._target_reached(seq.plot):
            # The primary's target ends the group: the riders had the run they were planned for.
            seq.stop(codes.R_TARGET, now)
            self._ended(codes.R_TARGET, now)
        if self._stop_req:
            self._stop_req = False
            seq.stop(codes.R_HOST_STOP, now)  # a valve still opening closes unused
        gate = self._gate(now, tank)

        self._stage = _ST_PLAN
        self.planner.weak_sun = pw.weak()
        if seq.awaiting:
            # A cycle ended with the pump carrying its load: hand the water to
            # the next plot without a restart, or stop.
            plan = self.planner.plan(now, pw.day, self.level, self.pfaults, gate, st, cfg, self.soak_until)
            if plan.plot == codes.NO_PLOT or not self._start(plan, now):
                seq.stop(codes.R_CYCLE_DONE, now)
        if checking:
            self._meter_verdict(now)
        if seq.state == pump.IDLE and not (st.gfaults & codes.G_RELAY_STUCK) and not (
                st.gfaults & codes.G_DRY_RUN and self._meter_check(now, tank)):
            # Outside the pumping window of a sun with power to spare, or on
            # a day whose stalls showed that only a lifting cloud can start
            # the pump (`Power.edge`), a start browns out more often than
            # not: the planner starts only plots that cannot wait until
            # tomorrow, and the window, or tomorrow's sun, waters the rest
            # (power.py, planner.py); on the dark day, those that cannot
            # wait until tomorrow's noon. Not for a handover above: the pump
            # already carries its load there.
            need = self.planner.need_s(cfg)
            self.planner.edge = gate == codes.R_NONE and pw.edge(now, need)
            self.planner.dark = self.planner.edge and pw.dark(need)
            plan = self.planner.plan(now, pw.day, self.level, self.pfaults, gate, st, cfg, self.soak_until)
            self.planner.edge = False
            self.planner.dark = False
            self.plot = plan.plot
            self.reason = plan.reason
            if plan.plot != codes.NO_PLOT:
                self._start(plan, now)
        else:
            self.plot = seq.plot
            self.reason = seq.start_reason if seq.pump_on or seq.state != pump.IDLE else seq.reason

        b.set_outputs(seq.pump_on, seq.valves)
        b.led(seq.pump_on)

        self._stage = _ST_JOURNAL
        self._faults()
        if now >= self._next_sample_s:
            every_s = cfg["sample_every_min"] * 60
            if pw.state == power.NIGHT and every_s < _NIGHT_SAMPLE_S:
                every_s = _NIGHT_SAMPLE_S  # nothing runs at night: the journal keeps more days
            self._next_sample_s = now + every_s
            self._stamp()
            self.journal.sample(pv, self.batt_mv, self.pct, self.pfaults, b.outputs_mask(), self._ml_sample)
            self._ml_sample = 0
        self._save_state()
        self.telemetry()
        self._stage = 0
        return self._sleep_s(now)

    def _target_reached(self, p):
        # Only a run for dryness stops at the target: a leaching or fallback
        # dose is meant to go past it, and a manual run is the host's call.
        if self.seq.start_reason != codes.R_MOISTURE_LOW or self.pfaults[p]:
            return False
        pc = self.cfg["plots"][p]
        if self.planner.k_ml(pc):
            return False  # a sized refill: the wetting front would end it early
        return self.pct[p] >= self.cfg["plots"][p]["target_pct"]

    def _soak_ended(self, now):
        r = self._read_s
        for i in range(self.n):
            if r < self.soak_until[i] <= now:
                return True
        return False

    def _sense(self, now, needed):
        b = self.board
        plots = self.cfg["plots"]
        seq = self.seq
        bal = self.planner.bal
        for i in range(self.n):
            mine = seq.state != pump.IDLE and seq.group & (1 << i) != 0
            if needed or mine:
                pr = self.probes[i]
                wet = seq.pump_on and mine
                f = pr.update(b.read_probe_mv(i), now, plots[i], wet) | seq.plot_fault[i]
                if bal.bad[i]:
                    f |= codes.F_PROBE_RANGE  # far from what the water balance allows
                bal.margin[i] = pr.margin()
                self.pfaults[i] = f
                self.pct[i] = pr.pct
                self.level[i] = pr.level

    def _gate(self, now, tank, check=False):
        """Why no pump may start now (R_NONE when starts are allowed); `check`:
        for the meter's check, which the dry-run latch does not stop."""
        st = self.st
        if self.frost:
            return codes.R_FROST
        if self.batt_low:
            return codes.R_BATTERY
        if tank:
            return codes.R_TANK_LOW
        if st.gfaults & (codes.G_RELAY_STUCK if check else codes.G_DRY_RUN | codes.G_RELAY_STUCK):
            return codes.R_LATCHED
        return self.power.can_start(now)

    # The flow meter's check (meter.py)
    def _meter_check(self, now, tank):
        """Begin the meter's check run when one is due and allowed; True when it began."""
        mt = self.meter
        st = self.st
        if not mt.due(self.power.day, st.gfaults & codes.G_DRY_RUN) or self._gate(now, tank, True) != codes.R_NONE:
            return False
        p = mt.pick(self.probes, self.pfaults, self.cfg["plots"], self.seq.dry_plots)
        if p == codes.NO_PLOT:
            return False
        if self.seq.request(p, meter.CHECK_S, codes.R_METER_CHECK, now, self.cfg, st, 0, True) != codes.R_NONE:
            return False
        mt.begin(p, self.power.day, self.probes, self.pfaults)
        self._why[p] = codes.R_METER_CHECK
        self._event(codes.E_START, p, codes.R_METER_CHECK, meter.CHECK_S)
        return True

    def _meter_verdict(self, now):
        mt = self.meter
        p = mt.plot
        if mt.verdict(now, self.probes, self.pfaults):
            # The probe saw the water the meter did not count: watering goes
            # on by time, and the check's water goes into the balance.
            self.st.gfaults |= codes.G_METER
            self.seq.dry_over(self.st)
            self.planner.bal.watered(p, mt.ml, now)

    def _start(self, plan, now):
        """Ask the sequencer for the plan's run; True when it was accepted."""
        p = plan.plot
        seq = self.seq
        r = seq.request(p, plan.run_s, plan.reason, now, self.cfg, self.st, plan.riders)
        if r == codes.R_NONE:
            self._refused = codes.R_NONE
            self._event(codes.E_START, p, plan.reason, plan.run_s)
            g = seq.group
            for i in range(self.n):
                if g & (1 << i):
                    self._why[i] = plan.reasons[i]
                    if i != p:
                        self._event(codes.E_START, i, plan.reasons[i], plan.run_s)
            if plan.manual:
                self.planner.cancel_manual()
            return True
        else:
            self.reason = r
            if r != self._refused:  # journal a refusal once, not every tick
                self._refused = r
                self._event(codes.E_REFUSE, p, r, plan.reason)
            if plan.manual:
                self.planner.cancel_manual()
            return False

    def _ended(self, why, now):
        seq = self.seq
        p = seq.plot
        g = seq.group
        cfg = self.cfg
        run_s = seq.run_s
        self._ml_sample += seq.ml
        ran_s = now - seq.on_s  # since the pump started
        stalled = why == codes.R_PV_SAG and ran_s < _HELD_S
        st = self.st
        mt = self.meter
        # Pulses that the meter counted: a check's water came and was
        # metered (the dry run is over), a dead meter counts again.
        came = meter.counted(seq.pulses, seq.ml, self.board.pulses_per_l)
        check = mt.running
        if check and came:
            mt.drop()
            seq.flowed(st)  # the lines that went dry are shut, not the source
            seq.dry_over(st)  # and the water moves again (a tank refilled since)
        elif check:
            mt.ran(run_s, seq.ml, now)  # the probe will say whether the water came
        if came and st.gfaults & codes.G_METER:
            st.gfaults &= ~codes.G_METER
        unseen = check and not came  # a check's water is the balance's only once a probe saw it
        for i in range(self.n):
            if g & (1 << i):
                r = seq.start_reason if i == p else self._why[i]
                self.planner.ran(i, run_s, now, r, None, 0 if unseen else seq.share_ml(i))
                self.soak_until[i] = now + self.planner.soak_s(i, cfg["plots"][i], run_s)
                if not stalled and not unseen:
                    # A stall gave no water: counted, an overcast day's
                    # stalls added up to the run after which an unmoved
                    # reading is a stuck probe.
                    self.probes[i].watered(now, run_s)
        # The line faults the run set, this run's plots' and a shut line's
        # that another line's water showed (F_NO_FLOW), before this tick's
        # plans (a handover) see them; a plot's probe read adds them too.
        for i in range(self.n):
            self.pfaults[i] |= seq.plot_fault[i]
        # What the sun did is told by the pump's start, not this cycle's: a
        # cycle handed over with the pump running began with no start (a run
        # needs less sun than a start), and its sag is a running pump's.
        if run_s > 0 and ran_s >= _HELD_S:
            self.power.held(seq.on_s)  # the start carried the pump
        if why == codes.R_PV_SAG:
            # A stall for plots that can wait until tomorrow need not be
            # tried again every half hour of an overcast day (power.py).
            # On a dark day, until tomorrow's noon (`Power.dark`: the day's
            # stalls before this one said so), and a stall that says so
            # again waits as long for any plot. Asked only for a stall.
            dark = stalled and self.power.dark(self.planner.need_s(cfg))
            calm = stalled and self.planner.can_wait(g, now, self.pfaults, dark)
            self.power.on_sag(now, cfg, stalled, calm, dark)
        elif run_s > 0:
            self.power.on_run_ok()
        # The daily budget first: a power cut between the two must not lose
        # a run that the journal already shows.
        self.st.mark()
        self._save_state()
        self._event(codes.E_STOP, p, why, run_s, 0 if unseen else seq.share_ml(p))
        for i in range(self.n):
            if g & (1 << i) and i != p:
                self._event(codes.E_STOP, i, why, run_s, seq.share_ml(i))

    def _save_state(self):
        # A full or worn flash must not stop the watering: the state lives on
        # in RAM and the next save tries again (the journal counts its own).
        try:
            self.st.save(self.state_path)
        except OSError:
            self.state_errors += 1

    def _dawn(self):
        st = self.st
        good = 0
        for i in range(self.n):
            # Yesterday's run time teaches the fallback dose only when the
            # probe steered it (not faulted, no fallback dose given).
            if not self.pfaults[i] & codes.F_PROBE_ANY and st.fallback_day[i] != st.day:
                good |= 1 << i
        st.learn_dose(good)
        # The balance anchors to a probe that is not faulted and has given
        # a usable reading since boot (or since its faults were cleared).
        # Its readings mean something, failed or not, when it is neither
        # open nor shorted (crossed.py).
        good = 0
        failed = 0
        reads = 0
        pm = self._dawn_pm
        for i in range(self.n):
            pm[i] = self.probes[i].pm
            f = self.pfaults[i]
            if f & codes.F_PROBE_ANY:
                failed |= 1 << i
            elif pm[i] != sensing.NO_READING:
                good |= 1 << i
            if pm[i] != sensing.NO_READING and not f & (codes.F_PROBE_OPEN | codes.F_PROBE_SHORT):
                reads |= 1 << i
        self.planner.dawn(self.now_s, pm, good, self.cfg, failed, reads)
        st.new_day(self.power.day)
        self.seq.new_day(st, self.cfg)
        self._event(codes.E_DAWN, codes.NO_PLOT, self.power.day)

    def _faults(self):
        seen = self._pf_seen
        for i in range(self.n):
            f = self.pfaults[i]
            if f != seen[i]:
                self._fault_diff(i, seen[i], f)
                seen[i] = f
        g = self.gfaults()
        if g != self._g_seen:
            self._fault_diff(codes.NO_PLOT, self._g_seen, g)
            self._g_seen = g

    def _fault_diff(self, plot, old, new):
        bit = 1
        while bit <= codes.G_METER:
            if (new & bit) and not (old & bit):
                self._event(codes.E_FAULT_SET, plot, bit)
            elif (old & bit) and not (new & bit):
                self._event(codes.E_FAULT_CLR, plot, bit)
            bit <<= 1

    def gfaults(self):
        """Global fault bits: the latched ones plus the conditions of this tick."""
        g = self.st.gfaults
        if self.frost:
            g |= codes.G_FROST
        if self.temp_bad:
            g |= codes.G_TEMP_SENSOR
        if self.pv_bad:
            g |= codes.G_PV_SENSOR
        if self.batt_low:
            g |= codes.G_BATTERY
        if self.tank_low:
            g |= codes.G_TANK_LOW
        return g

    def _sleep_s(self, now):
        cfg = self.cfg
        seq = self.seq
        if seq.state != pump.IDLE:
            s = seq.next_s(now)
            t = cfg["run_tick_s"]
            if s > t:
                s = t
            return s if s > 0 else 1
        s = cfg["night_tick_s"] if self.power.state == power.NIGHT else cfg["tick_s"]
        due = self._next_sample_s - now  # wake for the journal sample on time
        if 0 < due < s:
            s = due
        return s

    def telemetry(self):
        print("T", self.now_s, self.power.day, self.power.state, self.pv_mv, end=" ")
        print(self.batt_mv, self.temp_c, self.board.outputs_mask(), end=" ")
        p = self.plot
        print(0 if p == codes.NO_PLOT else p + 1, self.reason, self.gfaults(), self.n, end="")
        for i in range(self.n):
            print("", self.pct[i], self.pfaults[i], end="")
        print()

    # The loop

    def step(self):
        """One tick with its safety net; returns the seconds to sleep."""
        try:
            return self.tick()
        except Exception as exc:  # any bug or I/O error: outputs off, log, go on
            return self.on_exception(exc)

    def on_exception(self, exc):
        seq = self.seq
        self.board.all_off()
        ran = seq.abort(codes.R_EXCEPTION, self.now_s)
        self.hold_stuck_valve()
        self.exceptions += 1
        stage = self._stage
        self._stage = 0
        try:
            print("E", stage, repr(exc))
            if ran:
                self._ended(codes.R_EXCEPTION, self.now_s)
            self.st.gfaults |= codes.G_EXCEPTION
            self.st.mark()
            self._event(codes.E_EXC, codes.NO_PLOT, stage)
        except Exception:
            pass  # the journal itself may be what failed
        return self.cfg["tick_s"]

    def hold_stuck_valve(self):
        """After all outputs went off: a pump whose relay is stuck on still
        runs, so its valve opens again and it never dead-heads."""
        if self.seq.stuck:
            self.board.set_outputs(False, 1 << self.seq.plot)

    def run(self, ticks=-1):
        """Run forever (or `ticks` ticks); the caller turns outputs off in a finally."""
        while ticks != 0:
            s = self.step()
            self.board.sleep_s(s, self._poll, self.slice_ms())
            if ticks > 0:
                ticks -= 1

    def slice_ms(self):
        """Longest sleep between console polls now: short while water runs."""
        return _BUSY_SLICE_MS if self.seq.state != pump.IDLE else _IDLE_SLICE_MS

    def _poll(self):
        """Between sleep slices: serve the console; True wakes the loop for a request."""
        c = self.console
        if c is not None:
            try:
                c.poll()
            except Exception as exc:
                self._stage = _ST_CONSOLE
                self.on_exception(exc)
        return self._stop_req or self.planner.manual_pending()

    # Host requests (from the console)

    def manual(self, plot, run_s):
        if not 0 <= plot < self.n or run_s <= 0:
            return codes.R_DISABLED
        self.planner.manual(plot, run_s)
        return codes.R_NONE

    def host_stop(self):
        """Stop at the next tick, after the sequencer has counted the run's
        last flow pulses (stopped here, they would read as a stuck relay)."""
        self.planner.cancel_manual()
        self._stop_req = True
        return codes.R_NONE

    def reset(self):
        """Outputs off, then a hard reset (the maintenance boot asks for it)."""
        self.board.all_off()
        self.hold_stuck_valve()
        self.board.reset()

    def clear_faults(self):
        st = self.st
        self.seq.clear_latch(st)
        self.meter.drop()
        st.gfaults = 0
        st.mark()
        for i in range(self.n):
            self.probes[i].clear()
            self.planner.bal.clear(i)
            self.pfaults[i] = 0
        return codes.R_NONE

    def probe_median_mv(self, plot, n=15):
        vals = [self.board.read_probe_mv(plot) for _ in range(n)]
        vals.sort()
        return vals[n // 2]

    def status(self):
        import os

        try:
            fs = os.statvfs(".")
            flash_free = fs[0] * fs[3]
        except (OSError, AttributeError):
            flash_free = -1
        from saxaul import __version__

        return {
            "fw": __version__,
            "board": self.board.name,
            "reset_cause": self.board.reset_cause(),
            "schema": self.schema_version,
            "uptime_s": self.now_s,
            "boot": self.st.boot,
            "day": self.power.day,
            "pv_state": self.power.state,
            "pv_mv": self.pv_mv,
            "batt_mv": self.batt_mv,
            "temp_c": self.temp_c,
            "outputs": self.board.outputs_mask(),
            "plot": self.plot,
            "reason": self.reason,
            "gfaults": self.gfaults(),
            "pct": list(self.pct),
            "pfaults": list(self.pfaults),
            "used_s": list(self.st.used_s),
            "exceptions": self.exceptions,
            "state_errors": self.state_errors,
            "mem_free": gc.mem_free() if hasattr(gc, "mem_free") else -1,
            "flash_free": flash_free,
        }
