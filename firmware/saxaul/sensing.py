# Sensing: millivolts at a probe pin -> smoothed moisture percent and probe faults.
#
# Pure: readings, calibration and the time come in, `.pct` and `.faults` go
# out. No `machine`, no `time`, and `Probe.update` allocates nothing (it runs
# every tick for every plot).
#
# Rails (which end means what). The board reads an unplugged probe as ~0 V:
# the cut signal line floats down to the pin's pull-down, an unpowered probe
# drives nothing, and an ADS1115 that does not answer reads 0. So:
#   bottom rail -> F_PROBE_OPEN  (unplugged, cable cut, probe not powered)
#   top rail    -> F_PROBE_SHORT (signal shorted to the supply)
# "Near a rail" is within 3 % of the ADC's usable span of its end (ESP32 at
# 11 dB: 150..2450 mV, so below 219 or above 2381 mV). A capacitive probe
# gives 0-3.0 V and reads highest in air (FIELD-NOTES, DFRobot SEN0193), so
# on an ESP32 a probe pulled out into dry air can also show as SHORT:
# calibrate dry_mv well inside the usable range.
from micropython import const

from saxaul.codes import (
    F_PROBE_JUMP,
    F_PROBE_OPEN,
    F_PROBE_RANGE,
    F_PROBE_SHORT,
    F_PROBE_STUCK,
)

_RAIL_PCT = const(3)  # of the ADC span: how close to an end counts as the rail
_RANGE_PM = const(250)  # drier than dry by more than 25 % of the span: RANGE
# Wetter than the wet point is real: it is field capacity, the soil by a
# dripper is wetter for an hour after a pulse, and salt reads wetter still.
# Twice the span past it is wetter than the probe reads in water (air-dry
# to field capacity is a third to a half of the way from air to water).
_RANGE_WET_PM = const(1000)
_SET_N = const(2)  # OPEN/SHORT/RANGE need two bad readings in a row (one glitch is not a fault)
_CLEAR_N = const(3)  # ... and three good ones in a row to clear
_HOLD_S = const(600)  # a fault stays at least this long, so a marginal one cannot flap every tick
_JUMP_PM = const(300)  # > 30 points between two readings ...
_JUMP_WINDOW_S = const(600)  # ... within 10 minutes, with no water, is implausible
_STABLE_PM = const(50)  # readings within 5 points of the last one are "stable again"
_EMA_SHIFT = const(3)  # EMA weight 1/8: ~8 readings of memory (40 s at the 5 s run tick); +-3 points of noise -> +-1
_PCT_DEADBAND_PM = const(7)  # .pct moves only when the average is 0.7 point past it
_SCATTER_SHIFT = const(4)  # the mean bend of the idle readings runs over ~16 of them
_BEND_MAX_PM = const(300)  # a bend past 30 points (a JUMP) is not the probe's noise (it counts as 30)
_STUCK_RUN_S = const(2400)  # 40 min of pumping must show on any probe, even a deep root zone
_SETTLE_S = const(1800)  # a soak's worth: the wetting front reaches the probe by then
_STUCK_MOVE_PM = const(10)  # ... and moving it by less than a point either way is STUCK
_FLAT_S = const(43200)  # a window of half a day ...
_FLAT_MV = const(2)  # ... in which the raw reading spans no more than this is a dead line
# No value yet: below any position a usable reading takes (-_RANGE_PM) and
# any time. (-1 was a position too: an average 0.1 point drier than the dry
# calibration read as "no reading" and restarted the smoothing.)
NO_READING = const(-30000)
_NONE = const(NO_READING)  # the same "no value yet", for times too

# Index of each tracked fault in the counter arrays.
_I_OPEN = const(0)
_I_SHORT = const(1)
_I_RANGE = const(2)


def median(buf):
    """Median of the ints in the list buf, which it sorts in place.

    For an even count the mean of the two middle values, as the board's
    oversampling uses it: one or two spikes among 16 reads cannot move it.
    `list.sort` is MicroPython's quicksort in C and allocates nothing:
    several times faster than an insertion sort in bytecode, and the board
    sorts twice a tick.
    """
    buf.sort()
    n = len(buf)
    h = n >> 1
    if n & 1:
        return buf[h]
    return (buf[h - 1] + buf[h]) // 2


def _pos_pm(mv, dry_mv, wet_mv):
    # Position in the calibration span in permille, unclamped: 0 at dry, 1000
    # at wet, negative drier than dry. Sign handling makes either orientation
    # work (capacitive probes read lower when wetter: FIELD-NOTES).
    num = (mv - dry_mv) * 1000
    den = wet_mv - dry_mv
    if den == 0:
        return 0  # no span; config validation refuses dry_mv == wet_mv
    if den < 0:
        num = -num
        den = -den
    if num >= 0:
        return (num + (den >> 1)) // den
    return -((-num + (den >> 1)) // den)


def _div(pm, d):
    """pm / d rounded half away from zero (floor division would pull negatives down)."""
    if pm >= 0:
        return (pm + (d >> 1)) // d
    return -((-pm + (d >> 1)) // d)


def moisture_pct(mv, dry_mv, wet_mv):
    """Moisture 0..100: 0 at the dry calibration point, 100 at the wet one, clamped."""
    p = _pos_pm(mv, dry_mv, wet_mv)
    if p <= 0:
        return 0
    if p >= 1000:
        return 100
    return (p + 5) // 10


class Probe:
    """One capacitive probe: calibration, smoothing and fault detection.

    `lo_mv`, `hi_mv`: the usable range of the ADC input the probe is on
    (150, 2450 on an ESP32 at 11 dB; 0, 3300 on an RP2040; for a probe on an
    ADS1115, 0 and the probe's supply voltage).

    Faults (bits of codes.F_PROBE_*), and how each goes away:
    - OPEN / SHORT: reading at the bottom / top rail (see the file header) on
      two readings in a row; cleared after three good readings in a row, and
      not before _HOLD_S since it was set.
    - RANGE: more than 25 % of the span beyond dry or wet (wrong calibration,
      probe moved to other soil); same set and clear rule.
    - JUMP: more than 30 points between two readings less than 10 minutes
      apart, unless water is on its way (`wetting=True`, or within _SETTLE_S
      after `watered()`, a rise is water). A fall that fast is never water.
      Cleared once three readings in a row are within 5 points of the one
      before, and not before _HOLD_S.
    - STUCK: after a run (or the runs of a cycle-and-soak) of at least
      _STUCK_RUN_S, the smoothed reading _SETTLE_S after the last run is less
      than 2 points above where it was before watering. Salty soil makes
      capacitive probes stop responding (FIELD-NOTES: Kelleners 2004). Not
      judged when the soil was already at the plot's target (a leaching dose
      on wet soil cannot raise it). A start the sun never carried gave no
      water and is no run here (the controller does not report it): an
      overcast day's stalls added up to the verdict. Cleared only by a
      later run that does move the reading, or by `clear()`.
      Also STUCK: a raw reading that spans no more than _FLAT_MV over
      _FLAT_S (half a day). A live probe in a root zone under ET dries by
      several mV a day and follows the day's temperature (a 10 C swing is
      ~5 mV), besides its own noise; a frozen output (a held ADC, a probe
      stuck on a value) does neither, and may be stuck at a wet value where
      no run would ever be asked to test it. Cleared by a window that moves.

    `.pct` is the smoothed moisture (integer EMA with a small dead band).
    Readings at a rail, beyond the RANGE limit, or that JUMPed are kept out
    of the average, so `.pct` holds the last believable value.
    """

    def __init__(self, lo_mv, hi_mv):
        rail = (hi_mv - lo_mv) * _RAIL_PCT // 100
        self._open_mv = lo_mv + rail
        self._short_mv = hi_mv - rail
        self._bad = bytearray(3)  # consecutive readings with the condition, per tracked fault
        self._good = bytearray(3)  # consecutive readings without it
        self._set_s = [0, 0, 0, 0]  # when each of OPEN, SHORT, RANGE, JUMP was set
        self.pct = 0
        self.level = 0  # .pct before clamping to 0..100 (within RANGE of the calibration)
        self.mv = 0
        self.faults = 0
        self._reset()

    def _reset(self):
        for i in range(3):
            self._bad[i] = 0
            self._good[i] = 0
        # The average in permille of the span (0..1000), times 8 (`pm` is
        # it): `ema += (pos - ema) >> 3` would stop up to 7 short of a level
        # it rises to (the shift floors), and a dawn anchored there reads
        # most of a point dry. _NONE until the first good reading.
        self._acc = _NONE
        self._prev_pm = _NONE  # last reading's position (for JUMP), _NONE when it was at a rail
        self._sc = 0  # mean bend between idle readings, permille, times 16 (`margin`)
        self._bend_pm = _NONE  # the idle reading before the last (_NONE: none in a row)
        self._prev_s = 0
        self._stable_n = 0
        self._wet_until_s = _NONE  # rises are water until then (after watered())
        self._check_s = _NONE  # when the STUCK verdict is due
        self._base_pm = 0  # the reading before watering
        self._low_pm = _NONE  # lowest average since the last verdict: the pre-run level
        self._run_s = 0  # run time since the pending check was armed
        self._target_pm = 1000
        self._fl_s = _NONE  # start of the dead-line window
        self._fl_lo = 0  # lowest and highest raw reading in it
        self._fl_hi = 0
        self._fl_set = False  # STUCK was set by a dead line (cleared by a live window)

    def clear(self):
        """Host command: forget every fault and the history behind them."""
        self.faults = 0
        self._reset()

    def margin(self):
        """Permille by which the average's noise alone carries `.level` drier
        than the soil in a day of readings (0 where the dead band hides it).

        Idle soil dries at a nearly even pace, a point or so an hour, so
        the bend of three readings minutes apart, a - 2b + c, is the
        probe's noise alone: its mean is 1.95 sd of one reading (white
        noise). The average (weight 1/8) scatters by a quarter of that sd,
        and a day's driest average lies some 2.5 of its own sd below the
        soil: 5/16 of the mean bend. Under the dead band (0.7 point, and
        half a point of rounding) the shown level does not follow it; past
        the band it follows the whole of it.
        """
        e = (self._sc >> _SCATTER_SHIFT) * 5 >> 4
        return e if e > 5 + _PCT_DEADBAND_PM else 0

    def watered(self, now_s, run_s):
        """A run of this plot ended: judge the probe one soak later (STUCK)."""
        self._wet_until_s = now_s + _SETTLE_S
        if self._check_s == _NONE and self._run_s == 0:
            # Before the run the soil was at its driest since the last
            # verdict: the lowest average is the level to beat.
            base = self.pm if self._low_pm == _NONE else self._low_pm
            if base == _NONE:
                return  # no believable reading yet: nothing to compare with
            self._base_pm = base
            self._run_s = 0
        self._run_s += run_s
        self._check_s = now_s + _SETTLE_S

    def _track(self, i, bit, cond, now_s):
        # Set after _SET_N bad readings in a row; clear after _CLEAR_N good
        # ones in a row once the fault has stood for _HOLD_S.
        if cond:
            self._good[i] = 0
            n = self._bad[i]
            if n < 200:
                self._bad[i] = n + 1
            if not self.faults & bit and n + 1 >= _SET_N:
                self.faults |= bit
                self._set_s[i] = now_s
        else:
            self._bad[i] = 0
            if self.faults & bit:
                n = self._good[i]
                if n < 200:
                    self._good[i] = n + 1
                if n + 1 >= _CLEAR_N and now_s - self._set_s[i] >= _HOLD_S:
                    self.faults &= ~bit
                    self._good[i] = 0

    @property
    def pm(self):
        """The average, permille of the span, unclamped and with no dead band
        (what the water balance's dawn takes); NO_READING before the first
        good reading."""
        a = self._acc
        return _NONE if a == _NONE else a >> _EMA_SHIFT

    def update(self, mv, now_s, plot_cfg, wetting=False):
        """One reading (millivolts at the pin, median of the board's reads).

        `wetting`: True while this plot is being watered, so a fast rise is
        water and not a JUMP. Returns the fault bits.
        """
        self.mv = mv
        pos = _pos_pm(mv, plot_cfg["dry_mv"], plot_cfg["wet_mv"])
        self._target_pm = plot_cfg["target_pct"] * 10
        usable = False
        if mv <= self._open_mv or mv >= self._short_mv:
            self._track(_I_OPEN, F_PROBE_OPEN, mv <= self._open_mv, now_s)
            self._track(_I_SHORT, F_PROBE_SHORT, mv >= self._short_mv, now_s)
            # RANGE is neither confirmed nor cleared by a reading at a rail.
        else:
            self._track(_I_OPEN, F_PROBE_OPEN, False, now_s)
            self._track(_I_SHORT, F_PROBE_SHORT, False, now_s)
            far = pos < -_RANGE_PM or pos > 1000 + _RANGE_WET_PM
            self._track(_I_RANGE, F_PROBE_RANGE, far, now_s)
            usable = not far

        if usable:
            prev = self._prev_pm
            gap_s = now_s - self._prev_s
            # A run, or the front spreading after it: a rise is water.
            water = wetting or (self._wet_until_s != _NONE and now_s < self._wet_until_s)
            usable = self._jump(pos, now_s, water)
            if usable and prev != _NONE and gap_s <= _JUMP_WINDOW_S and not water:
                self._bend(pos, prev)
            else:
                self._bend_pm = _NONE
        else:
            self._prev_pm = _NONE
            self._stable_n = 0

        if usable:
            # Past the calibration points within RANGE: salt and heat move
            # the reading, and the water balance needs to see by how much.
            if self._acc == _NONE:
                ema = pos
                self._acc = pos << _EMA_SHIFT
                self.level = _div(pos, 10)
            else:
                acc = self._acc + pos - (self._acc >> _EMA_SHIFT)
                self._acc = acc
                ema = acc >> _EMA_SHIFT
                # Dead band: the smoothed value must be clearly past the
                # shown one before it moves, so it does not flicker.
                d = ema - self.level * 10
                if d >= 5 + _PCT_DEADBAND_PM or d <= -5 - _PCT_DEADBAND_PM:
                    self.level = _div(ema, 10)
            lv = self.level
            self.pct = 0 if lv < 0 else 100 if lv > 100 else lv
            if self._low_pm == _NONE or ema < self._low_pm:
                self._low_pm = ema

        self._deadline(mv, now_s)
        if self._check_s != _NONE and now_s >= self._check_s:
            self._verdict()
        return self.faults

    def _deadline(self, mv, now_s):
        if self._fl_s == _NONE:
            self._fl_s = now_s
            self._fl_lo = mv
            self._fl_hi = mv
            return
        if mv < self._fl_lo:
            self._fl_lo = mv
        elif mv > self._fl_hi:
            self._fl_hi = mv
        if now_s - self._fl_s < _FLAT_S:
            return
        dead = self._fl_hi - self._fl_lo <= _FLAT_MV
        if dead and not self.faults & (F_PROBE_OPEN | F_PROBE_SHORT):
            if not self.faults & F_PROBE_STUCK:
                self._fl_set = True
            self.faults |= F_PROBE_STUCK
        elif not dead and self._fl_set:
            self._fl_set = False
            self.faults &= ~F_PROBE_STUCK
        self._fl_s = now_s
        self._fl_lo = mv
        self._fl_hi = mv

    def _bend(self, pos, prev):
        # The noise's running mean (`margin`): the bend of this idle reading
        # and the two before it, whose soil dries at a nearly even pace.
        b = self._bend_pm
        if b != _NONE:
            d = pos - 2 * prev + b
            if d < 0:
                d = -d
            if d > _BEND_MAX_PM:
                d = _BEND_MAX_PM
            self._sc += d - (self._sc >> _SCATTER_SHIFT)
        self._bend_pm = prev

    def _jump(self, pos, now_s, water):
        # JUMP bookkeeping; returns False when this reading jumped (kept out
        # of the average). `water`: a rise now is water, not a jump.
        prev = self._prev_pm
        ok = True
        if prev != _NONE and now_s - self._prev_s <= _JUMP_WINDOW_S:
            d = pos - prev
            if d < -_JUMP_PM or (d > _JUMP_PM and not water):
                ok = False
                self._stable_n = 0
                if not self.faults & F_PROBE_JUMP:
                    self.faults |= F_PROBE_JUMP
                    self._set_s[3] = now_s
            elif d <= _STABLE_PM and d >= -_STABLE_PM:
                if self._stable_n < 200:
                    self._stable_n += 1
            else:
                self._stable_n = 0
        if (
            self.faults & F_PROBE_JUMP
            and self._stable_n >= _CLEAR_N
            and now_s - self._set_s[3] >= _HOLD_S
        ):
            self.faults &= ~F_PROBE_JUMP
            self._stable_n = 0
        self._prev_pm = pos
        self._prev_s = now_s
        return ok

    def _verdict(self):
        self._check_s = _NONE
        base = self._base_pm
        ema = self.pm
        if ema == _NONE:
            return
        moved = not (-_STUCK_MOVE_PM < ema - base < _STUCK_MOVE_PM)
        if moved and self.faults & F_PROBE_STUCK:
            self.faults &= ~F_PROBE_STUCK  # it answers again, however short the run
        if self._run_s < _STUCK_RUN_S:
            return  # short cycles add up until they are worth a verdict
        self._run_s = 0
        self._low_pm = ema
        if self.faults & (F_PROBE_OPEN | F_PROBE_SHORT | F_PROBE_RANGE):
            return  # a probe off the rails says nothing about sticking
        if base >= self._target_pm:
            return  # already at target: no room for the reading to rise
        # A probe that reads the soil moves: up when the water arrives, or
        # down when the heat takes more than the runs gave. Flat is STUCK.
        if not moved:
            self.faults |= F_PROBE_STUCK
