# Power: the PV state (night / weak / ok) from the panel voltage, the solar day
# count, start backoff after a sag under load, battery and frost hysteresis.
#
# Open-circuit PV voltage rises only with the log of irradiance (a few percent
# from full sun to a tenth of it: FIELD-NOTES), so it tells day from night and
# not how much power there is. The power shows only under load: the controller
# tries a start and watches for a sag, and after a sag waits before the next
# try, doubling the wait (Lorentz retries a weak-sun start about every 90 s:
# FIELD-NOTES). Pure: no `machine`, no `time`; `update` allocates nothing.
# The state is debounced, so a cloud does not end the day; a start also
# needs the last open-circuit reading itself to say OK, or at dusk the
# debounce would let the pump start on a dark panel.
#
# How far the sun fell short shows in the sag itself. A DC pump that does not
# start is a resistance, and at that low voltage the panel is a current source:
# the stalled pump's voltage is Isc R, in proportion to the irradiance. The
# highest such voltage of a start that failed is a floor under the voltage it
# would start at; a stall at half of it says the sun gave half of what a start
# needs, and a cloud that deep takes longer to pass than one that barely
# dims it. So each stalled start stretches its wait by the square of that
# ratio (at most _STRETCH_MAX times): a dark day costs a few trials, not one
# every sag_backoff_max_s from morning to dusk.
# That floor is the pump's, not the sun's: the stalled voltage measures the
# panel's current, and a start needs the pump's start current, in any
# season and through any dust on the panel (dust lowers the current for
# the same sun, so the stall and the start alike). So it fades only as a
# pump swapped for one that starts on less would need: by 1/256 a day, a
# tenth in a month. At 1/64 a day, the 44-day half-life of a seasonal
# quantity, a sunny month with no stall left it at 0.62 of the start;
# every stall of the next overcast day looked near enough to retry soon,
# and the day was not taken for dark (a scratch watch of the heat wave's
# own seed: 16 stalls on day 88, the floor 7.4 V where that day's stalls
# went up to 9.8). (benchmarks/seeds.py, brown-outs a season, paired:
# `tune` Muynak 63 -> 55, brackish water 90 -> 81, the empty tank 68 ->
# 61, failing probes 183 -> 176, the heat wave 140 -> 136; held-out
# `check` Muynak -6.8 +- 2.5; IA and IE the same within the seeds'
# spread, the cloudy season's brown-outs too: docs/architecture.md.)
#
# The sun's course says when that share can grow. Through a clear day the
# irradiance follows a sine from dawn to dusk (yesterday's length, taken
# here as 4x(1 - x) of the day's fraction x), so after a stall before noon
# at a share q, no start can hold under the same sky until that curve has
# grown by 1/q. The wait asks for 1/(2q) (a cloud that lifts may double
# the sun) and ends at noon at the latest. On a small panel the ladder
# alone tried five times in the first two hours of light. (Cloudy season,
# seven weather seeds: brown-outs 1,873 -> 1,707 a season; see
# docs/architecture.md.)
# Before noon a cloud lifts the sky no higher than the clearest recent noon's (`_clear_mv`, below) at
# this hour: a stall that is already that sky (a clear morning's climb to
# the start) waits for the curve to grow by the whole 1/q, where the
# ladder had tried every few minutes on the way (two to four brown-outs a
# clear morning on the heat wave's own seed, a scratch watch). That noon
# is a sky seen, a floor under the clearest the season gives, so the wait
# errs long, never past noon. (`tune` seeds, brown-outs a season, paired:
# the cloudy season 1,118 -> 964 (-154 +- 11), Muynak 52 -> 46 (-5.9 +-
# 2.1), the heat wave 103 -> 98 (-4.7 +- 2.2), the empty tank 53 -> 49
# (-3.8 +- 1.7), failing probes 138 -> 124 (-13.9 +- 3.3, with the
# afternoon's end below); the cloudy season's IA gap to the oracle -1.5
# -> -2.3 (-0.8 +- 0.7), IE the same or lower: docs/architecture.md.)
# After noon, when the curve only
# falls, twice the stall's sky is the most any later hour is given: where
# the wait a stall sets ends past the hour at which even twice its sky, on the
# falling curve, would give the stalled pump less than the highest stall
# (at once, for a stall under half of it), the trials end until dawn. The
# ladder, or an overcast day's two-hour wait, had tried once more at an
# hour that could only brown the pump out. (`tune` seeds, brown-outs a
# season, paired: the cloudy season 1,167 -> 1,118
# (-49 +- 15), the heat wave 106 -> 103 (-3.5 +- 1.6), the other seasons
# within their spread; IA and IE the same within it.)
#
# After two whole days whose starts all stalled, the clearest recent sky
# bounds what any hour can give. Each stall from the middle of the day
# (where the sine is a fair shape of the sun), scaled to noon by that
# curve, is a sky at least that clear; the highest of them, fading by 1/64
# a day (the season turns, the panel dirties), stands for the clearest
# recent noon. An hour at which even that sky would give the stalled pump
# less than the highest stall cannot start it, and is not tried: on a
# panel too small for the season the ladder browned the pump out from dawn
# to dusk, day after day. The hours round noon are always tried (a
# brighter day or a cleaned panel is found only by a start), and one start
# that holds gives the day back to the ladder. After an overcast spell the
# bound is the clouds', so the first clear day tries from late morning: a
# few hours of pumping for a dozen brown-outs a day. A day with no start
# tried says nothing of the sun and does not count. Past yesterday's dusk
# the sun's course is spent, though an open panel's voltage stays over
# pv_start_mv nearly to the last light: the ladder had tried once more at
# dusk. (Cloudy season, twenty weather seeds: brown-outs 1,548 -> 1,167 a
# season, IA the same within the seeds' spread; with no trial past dusk,
# 1,205 -> 1,170 on the `tune` seeds: see docs/architecture.md.)
#
# How soon to try again also depends on how badly the water is needed. A
# start for plots that would stay wetter than the plants' stress point until
# tomorrow's dusk with no water (`calm`, from the water balance) is not worth
# a brown-out every half hour of an overcast day: after such a stall the
# wait is the longest, sag_backoff_max_s times _STRETCH_MAX, and a few trials
# spread over the day still meet the sun if it comes out. A plot nearer its
# stress point keeps the short ladder, which catches the gaps in the clouds.
# (Muynak season, six weather seeds: brown-outs 297 -> 138 a season, IA the
# same.)
#
# Where the sun has power to spare (a start held on all but one of the
# last _TRIED_D days that tried one, `reliable`, and the learned window
# holds twice the pumping that the plots' learned ET asks for a day, so
# that a day lost to clouds is made up the next: the planner's `need_s`),
# the starts outside the window are explorations: the trial before its
# morning edge, a start past its evening edge. On clear days they brown
# out, and they pay only when the window is too short for the water the
# plots need. So there they are for plots that need water today: for
# plots that can wait until tomorrow (`calm`) the planner holds the start
# back (`edge`), and the window waters them. On a panel that carries the
# pump only some days, or only round noon, the window is learned from few
# starts and is no limit: every start may be the one that finds the sun,
# and none is held back. (Twenty weather seeds each, the `tune` set of
# benchmarks/seeds.py, which flatters what was chosen on it: the sunny
# seasons' brown-outs fell by 15 to 32 %, IE the same or lower, IA the
# same within the seeds' spread; with the narrow windows of the cloudy
# season held to it too, its IA gap to the oracle grew from 2.4 to 4.2
# points: docs/architecture.md.)
#
# Where the window holds twice the need, a stall from the middle of the day
# also says what the rest of the day can give. Scaled to noon by the sun's
# course, it is the most this day's sky gives the stalled pump; under the
# highest stall, only a cloud that lifts can start the pump today. The rest
# of that day (until a start holds: `_dark`) is an edge too: plots that can
# wait until tomorrow wait, where before they tried every two hours of an
# overcast day that could not carry the pump. The window's twice the need is
# what lets a good day make up the water; the sun need not be reliable. A
# trial outside the window finds a window that widens, and on a sun that
# carries the pump some days only, each may be the one that finds it; this
# stall has measured today's sky, and the plots it holds back stay wetter
# than their stress point until tomorrow's dusk by their balance. (On a
# reliable sun alone, the held-out `check` seeds' brown-outs had fallen by 2
# to 8 % a season; on any sun, by a further 7 to 13 % on the sunny seasons:
# Muynak 76 -> 66, the heat wave 149 -> 139, brackish water 97 -> 88, the
# empty tank 67 -> 60; IA and IE the same within the seeds' spread, the
# cloudy season's too: docs/architecture.md.)
# On such a day the plots that cannot wait until tomorrow's dusk may still
# wait until tomorrow's noon: tomorrow's morning, when the sun carries the
# pump again, waters them before their stress point. So after a stall
# there (`dark`, asked by the controller) those plots wait the longest as
# well; the short ladder had tried every half hour of a sky that could not
# carry the pump (Muynak's own weather seed, a scratch watch: 15 brown-outs
# on one day, 6 now). (`tune` seeds, brown-outs a season, paired: the heat
# wave 151 -> 140, brackish water 96 -> 90, the empty tank 72 -> 68,
# Muynak 66 -> 63; IA and IE the same within the seeds' spread; the cloudy
# season's windows never hold twice the need: the same to the last digit.)
# The planner holds them back by that horizon too (the controller gives it
# `dark`): held only by tomorrow's dusk, they were started, stalled, and
# waited the longest, every two hours of the dark day. And the plots that
# cannot wait even until tomorrow's noon: a stall for them that shows the
# day dark again (the controller's `dark`, from the stalls before it, and
# this one's sky scaled to noon under the highest stall too) waits the
# longest as well. Only a cloud that lifts can start the pump, and the
# ladder met the overcast days of the heat wave with a trial every half
# hour to an hour from morning to dusk (its own weather seed, a scratch
# watch: 13, 19 and 12 brown-outs on days 53, 93 and 110; 6, 7 and 6
# now). A stall in a gap of the clouds, whose sky at noon would carry the
# pump, keeps the ladder. (Held-out `check` seeds, brown-outs a season,
# paired: the heat wave 125 -> 103, failing probes 166 -> 133, the empty
# tank 59 -> 48, Muynak 54 -> 48; on `tune` the heat wave 136 -> 106,
# failing probes 177 -> 136; IA and IE the same within the seeds' spread,
# but failing probes' IA gap on `tune`, -1.2 -> -1.4: docs/architecture.md.)
#
# The first day after a boot has learned no window and seen no day's
# length, yet its afternoon is as sure as any: once a start held today and
# the pump later stalls past the latest start that held, in the afternoon,
# the sun only falls from there, and the trials end until dawn, as they do
# on the days after. Without a day's length the afternoon is taken to begin
# at the noon of a long day (16 h: longer than the longest day south of
# about 47 N, the Aral basin's 43-46 N among them; at 50 N in June a stall
# up to some 12 minutes before the true noon may end that first day), so a
# cloud in the morning does not end it. Before, the ladder began again at
# 90 s after each such stall and browned the pump out until dusk, on the
# day a technician installs the controller.
# (benchmarks/trials.py --seeds tune, Muynak: day 0's brown-outs 16.4 ->
# 11.8, the season's 93.7 -> 89.4; see docs/architecture.md.)
#
# That first morning has nothing to measure a stall by: no stall near the
# start seen yet, no day's length. So until a start holds that day, each
# stall before noon waits for the sun to double (the factor a lifting
# cloud is given). Near dawn the sine grows in proportion to the time
# after it, whatever the day's length, so a short (12 h) day's course
# times the wait, and its noon ends it (on a 16 h day that noon comes two
# hours early, the sun within a tenth of noon's). The first start may come
# when the sun is twice what the pump needs: an hour or two of pumping
# lost, once, on the day the controller is installed. Before, the doubling
# ladder tried from first light every 90, 180, 360 ... 1800 s.
# (benchmarks/trials.py --seeds tune, Muynak: day 0's brown-outs 11.8 ->
# 5.9, the season's 85.0 -> 74.4; see docs/architecture.md.)
from micropython import const

from saxaul.codes import R_BACKOFF, R_NIGHT, R_NONE, R_PV_WEAK

NIGHT = const(0)
WEAK = const(1)
OK = const(2)

_NIGHT_MIN_S = const(7200)  # a dark spell shorter than this (a storm) is not a night
_MAX_DOUBLINGS = const(8)  # enough to reach any sane sag_backoff_max_s from 90 s
_NONE = const(-1)
_MARGIN_S = const(600)  # trial starts this long before the earliest start that held ...
_EDGE_EVERY = const(3)  # ... every third morning: on clear days that trial browns out
_CREEP_S = const(600)  # a learned edge of the pumping window moves inward at most this a day
_STRETCH_MAX = const(4)  # a stalled start stretches its backoff at most this many times
_CLOUD = const(2)  # a cloud that lifts may double the irradiance a stall saw
_IDLE_D = const(2)  # days in a row whose starts all stalled before the clearest sky rules out hours
_TRIED_D = const(8)  # days with starts tried that say whether the sun reliably carries the pump
_SKY_MIN = const(500)  # stalls under this share (permille) of noon's sky say little of the noon
# Two guesses at a day's length until one is seen, each on the side that
# tries the pump sooner: the short one ends the first morning's wait at an
# early noon, the long one starts its afternoon (when trials end) late.
_DAY_SHORT_S = const(43200)  # a spring or autumn day (12 h)
_DAY_MAX_S = const(57600)  # longer than any day south of about 47 N (16 h)


def _sky(after, n):
    # The clear sky's irradiance `after` s past dawn of a day n s long, in
    # permille of noon's: 4x(1 - x) of the day's fraction x, near sin(pi x).
    x = after * 1000 // n
    return 4 * x * (1000 - x) // 1000


def _cross(t0, t1, n, need):
    # Where the clear sky of a day n s long crosses `need` (permille of
    # noon's) between t0 and t1 s past dawn, to the minute: the first
    # second on the other side of it from t0 (rising or falling), or t1.
    side = _sky(t0, n) >= need
    while t1 - t0 > 60:
        t = (t0 + t1) >> 1
        if (_sky(t, n) >= need) == side:
            t0 = t
        else:
            t1 = t
    return t1


def _next(state, pv_mv, cfg):
    # The open-circuit rule. NIGHT below pv_night_mv; OK at or above
    # pv_start_mv; once OK, stay OK down to pv_stop_mv (pv_stop_mv <
    # pv_start_mv is the hysteresis); WEAK otherwise.
    if pv_mv < cfg["pv_night_mv"]:
        return NIGHT
    if pv_mv >= cfg["pv_start_mv"]:
        return OK
    if state == OK and pv_mv >= cfg["pv_stop_mv"]:
        return OK
    return WEAK


def frost(temp_c, cfg, current):
    """True while too cold to irrigate: below frost_c, until 1 degree above it."""
    if current:
        return temp_c < cfg["frost_c"] + 1
    return temp_c < cfg["frost_c"]


class Power:
    """PV state machine with debounce, the solar day count and the sag backoff.

    State rule (open-circuit voltage, i.e. while not pumping): see `_next`.
    Every change must hold for pv_debounce_s before it is taken, so a cloud
    or a bird does not toggle it; a deviation that goes from one target to
    another (OK -> WEAK -> NIGHT at dusk) keeps its timer.

    Days. `.day` counts solar days; `.dawn` / `.dusk` are True only on the
    update that confirmed the change. A dawn adds a day only after a night
    that was seen: `.night_seen` is set at a confirmed dusk and cleared at
    the next dawn. A night seen within this uptime must also have lasted
    _NIGHT_MIN_S (a storm at 3 pm is not a night).

    What the controller persists: `.day` and `.night_seen`; copy both into
    the state file every tick (its save writes only when they change) and
    give them back with `restore()` at boot, before the first update. Then:
    - a reboot at noon (night_seen False) adds no day;
    - a board without a battery that saw yesterday's dusk before it browned
      out, and powers up at dawn (night_seen True), counts the new day once;
    - a reboot in the night after the dusk was seen counts the next dawn.
    The first state after boot is taken at once from the reading (so a
    noon reboot can water at once) and confirmed after pv_debounce_s; only
    the confirmation counts a dawn or a dusk. For a board without a battery,
    pv_night_mv must lie above the voltage at which the board browns out,
    or it never sees dusk (and would not count the next day).
    """

    def __init__(self):
        self.state = NIGHT
        self.day = 0
        self.night_seen = False
        self.dawn = False
        self.dusk = False
        self.sag = False
        self.backoff_s = 0  # the wait set by the last sag
        self.batt_low = False
        self._live = NIGHT  # the state rule's verdict on the last open-circuit reading, undebounced
        self._settled = False  # boot state confirmed
        self._cand = NIGHT  # the state the voltage points at
        self._cand_s = _NONE  # since when it points away from .state (or the boot time)
        self._night_s = _NONE  # when this uptime's night began; _NONE: before boot
        self._sags = 0  # consecutive sags
        self._until_s = 0  # starts blocked until then
        # The pumping window, learned in seconds after dawn: a start before
        # the sun can carry the pump only browns it out, and open-circuit
        # volts cannot tell (log of irradiance), but the time after dawn can.
        self._dawn_s = _NONE  # uptime of this day's dawn (_NONE: not seen since boot)
        self._early_s = _NONE  # earliest start that held, after dawn
        self._late_s = _NONE  # latest start that held, after dawn
        self._first_s = _NONE  # today's earliest and latest starts that held
        self._last_s = _NONE
        self._done = False  # an evening sag: no more trials until dawn
        self._sags_d = 0  # today's starts that sagged, and runs that held
        self._held_d = 0
        self._weak_y = False  # yesterday most starts sagged
        self._idle_d = 0  # days in a row, up to yesterday, whose starts all browned out
        self._dusk_s = _NONE  # uptime of the last dusk (the voltage falling)
        self._len_s = _NONE  # yesterday's dawn to dusk
        self._sag_mv = 0  # the loaded reading that saw the last sag
        self._stall_mv = 0  # highest stalled-start voltage: a floor under the start voltage
        self._clear_mv = 0  # the clearest recent sky, as the stall voltage it gives at noon
        self._held_bits = 0  # the last _TRIED_D days with a start tried: bit set where one held (bit 0: last)
        self._tried_d = 0  # how many of them are known (up to _TRIED_D)
        self._dark = False  # today's last stall: even this sky at noon would not start the pump

    def restore(self, day, night_seen):
        """Give back the persisted day count and night flag (at boot)."""
        self.day = day
        self.night_seen = bool(night_seen)

    def update(self, pv_mv, now_s, pumping, cfg):
        """One PV reading; returns the state (NIGHT, WEAK, OK)."""
        self.dawn = False
        self.dusk = False
        if pumping:
            # Under load the voltage is not the open-circuit one: it says only
            # whether the panel holds up, and nothing about the state.
            self.sag = pv_mv < cfg["pv_stop_mv"]
            if self.sag:
                self._sag_mv = pv_mv
            self._cand = self.state
            return self.state
        self.sag = False
        self._live = _next(self.state, pv_mv, cfg)
        deb = cfg["pv_debounce_s"]
        if not self._settled:
            return self._boot(pv_mv, now_s, deb, cfg)
        target = _next(self.state, pv_mv, cfg)
        if target == self.state:
            self._cand = target
        else:
            if self._cand == self.state:
                self._cand_s = now_s  # a deviation begins
            self._cand = target
            if now_s - self._cand_s >= deb:
                self._enter(target, now_s)
        return self.state

    def _boot(self, pv_mv, now_s, deb, cfg):
        # Follow the reading at once; confirm once day-or-night held deb.
        target = _next(self.state, pv_mv, cfg)
        if self._cand_s == _NONE or (target == NIGHT) != (self.state == NIGHT):
            self._cand_s = now_s
        self.state = target
        self._cand = target
        if now_s - self._cand_s >= deb:
            self._settled = True
            if target == NIGHT:
                if not self.night_seen:
                    # Booted into a night whose dusk we missed: count it from now.
                    self.dusk = True
                    self.night_seen = True
                    self._night_s = self._cand_s
                # else: the night began before boot (_night_s stays _NONE).
            elif self.night_seen:
                self._new_day(self._cand_s)
        return self.state

    def _enter(self, new, now_s):
        old = self.state
        self.state = new
        self._cand = new
        if new == NIGHT:
            self.dusk = True
            self.night_seen = True
            self._night_s = now_s
            self._dusk_s = self._cand_s  # when the voltage fell (a storm's is overwritten by the real dusk)
        elif old == NIGHT:
            if self.night_seen and (self._night_s == _NONE or now_s - self._night_s >= _NIGHT_MIN_S):
                self._new_day(self._cand_s)  # when the voltage rose, one debounce ago
            # A dark spell too short to be a night: the day goes on.
            self.night_seen = False

    def _new_day(self, dawn_s):
        self.dawn = True
        self.day += 1
        self.night_seen = False
        self._night_s = _NONE
        self._sags = 0  # yesterday's clouds say nothing about this morning
        self._until_s = 0
        self._done = False
        self._weak_y = self._weak_today()
        if self._held_d:
            self._idle_d = 0
        elif self._sags_d and self._dawn_s != _NONE and self._idle_d < _IDLE_D:
            self._idle_d += 1  # a whole day seen: starts tried, none held
        self._stall_mv -= self._stall_mv >> 8  # the pump's start: forget only as a pump swap would need
        self._clear_mv -= self._clear_mv >> 6  # faster: the season turns, the panel dirties
        if self._sags_d or self._held_d:
            # A day with no start tried in the window says nothing of the
            # sun (the trial before its morning edge is not counted in
            # _sags_d: it browns out on clear days too).
            self._held_bits = (self._held_bits << 1 | (1 if self._held_d else 0)) & ((1 << _TRIED_D) - 1)
            if self._tried_d < _TRIED_D:
                self._tried_d += 1
        self._sags_d = 0
        self._held_d = 0
        self._dark = False
        # Yesterday's window: an earlier start that held widens it at once;
        # with none, it narrows by _CREEP_S a day (a dirtier panel, shorter
        # days) and the trial margin finds the edge again.
        if self._first_s != _NONE:
            e = self._early_s
            self._early_s = self._first_s if e == _NONE or self._first_s < e + _CREEP_S else e + _CREEP_S
            la = self._late_s
            self._late_s = self._last_s if la == _NONE or self._last_s > la - _CREEP_S else la - _CREEP_S
        self._first_s = _NONE
        self._last_s = _NONE
        if self._dawn_s != _NONE and self._dusk_s != _NONE and self._dusk_s > self._dawn_s:
            self._len_s = self._dusk_s - self._dawn_s  # yesterday, dawn to dusk
        self._dawn_s = dawn_s

    def held(self, start_s):
        """A start at start_s carried the pump (the run went on for a while).

        It widens today's window to that hour and to the hour as long before
        dusk (yesterday's day length) as it was after dawn.
        """
        self._held_d += 1
        self._dark = False
        if self._dawn_s == _NONE:
            return
        off = start_s - self._dawn_s
        lo = hi = off
        n = self._len_s
        if n != _NONE and 0 < off < n:
            # The sun stands as high as long before dusk as this start was
            # after dawn: the window holds that hour too. A cloudy day's only
            # start came when a gap opened, perhaps past noon, and is no
            # morning edge (the trials of the days after would wait for it).
            m = n - off
            if m < off:
                lo = m
            else:
                hi = m
        if self._first_s == _NONE or lo < self._first_s:
            self._first_s = lo
        if self._last_s == _NONE or hi > self._last_s:
            self._last_s = hi

    def on_sag(self, now_s, cfg, stalled=False, calm=False, dark=False):
        """The pump browned the panel out and was stopped: back off before retrying.

        The wait starts at sag_backoff_s and doubles with each sag in a row,
        up to sag_backoff_max_s (90, 180, 360, ... s). `stalled`: the start
        never carried the pump, so the reading that saw the sag is the stall
        voltage, and a stall below the highest one seen stretches the wait.
        `calm`: the plots the start was for can wait until tomorrow (see the
        header): a stall then waits sag_backoff_max_s times _STRETCH_MAX.
        `dark`: the controller's `dark()` before this stall; a stall that
        shows the day dark again waits as long, calm or not (the header).
        """
        e = self._early_s
        seen = self._dawn_s != _NONE  # this day's dawn, and so `after`, known
        after = now_s - self._dawn_s
        if e == _NONE or (seen and after >= e):
            # Before a start ever held every sag counts: the sun was too
            # weak all day. Once the window is known, the trial before its
            # morning edge sags on clear days too.
            self._sags_d += 1
        b = cfg["sag_backoff_s"] << self._sags
        top = cfg["sag_backoff_max_s"]
        if b > top:
            b = top
        if self._sags < _MAX_DOUBLINGS:
            self._sags += 1
        if stalled and self._sag_mv > 0:
            b = self._stretch(b)
        if stalled and calm and b < top * _STRETCH_MAX:
            b = top * _STRETCH_MAX
        self.backoff_s = b
        self._until_s = now_s + b
        n = self._len_s
        if stalled and seen:
            # Where the stall stands on the sun's course (see the header).
            # The first day after boot, until a start holds, each morning
            # stall waits for the sun to double; with no day's length seen,
            # a short day's course times it (near dawn the sine grows with
            # the time, whatever the day's length) and ends it at its noon.
            # A stall under half of today's highest waits as on later days
            # (`_climb`): after that noon, the longest wait.
            if n == _NONE:
                if 0 < after < _DAY_SHORT_S and self._first_s == _NONE:
                    self._climb(now_s, top, after, _DAY_SHORT_S, _sky(after, _DAY_SHORT_S), True)
            elif 0 < after < n:
                s = _sky(after, n)
                need = self._climb(now_s, top, after, n, s, False)
                self._noon(s)
                if dark and self._dark and self._until_s < now_s + top * _STRETCH_MAX:
                    # Dark again: only a cloud that lifts starts the pump today.
                    self._until_s = now_s + top * _STRETCH_MAX
                    self.backoff_s = top * _STRETCH_MAX
                if 2 * after >= n and self._spent(after, n, s, need):
                    self._done = True
        if seen and e != _NONE and after < e:
            # A trial before the earliest start that ever held failed: the
            # morning sun only climbs, so the next try waits for that hour
            # rather than browning the pump out on the way to it.
            if self._until_s < self._dawn_s + e:
                self._until_s = self._dawn_s + e
        late = self._late_s
        if late == _NONE:
            late = self._last_s  # today's latest start that held: the first day's only window
        if n == _NONE:
            n = _DAY_MAX_S  # no day length seen yet: no stall before noon is taken for an afternoon's
        if seen and late != _NONE and 2 * after >= n:
            # The sun stands as high as at the earliest start that held
            # until as long before dusk: the window is at least that wide,
            # whatever the latest start that held (a cloudy spell may have
            # seen one start only, round noon). `held` mirrors each start
            # once a day length is known; this covers the starts before it
            # (the first day after boot) and days that have grown longer.
            if e != _NONE and n - e > late:
                late = n - e
            if after >= late - _MARGIN_S:
                # Past the latest start that can hold, in the afternoon: the
                # sun only falls from here, so retrying until dusk would only
                # brown the pump out. (Before noon it climbs: a day whose
                # plots were all watered by 9 learns an early "latest" start,
                # and a morning cloud must not end the next day's trials.)
                self._done = True

    def _climb(self, now_s, top, after, n, s, first):
        # This stall over the highest one is no less than the sun it had
        # over the sun a start needs (the highest stall is below a start's
        # voltage): see the header. It came `after` s past dawn of a day n s
        # long, with the clear sky at s permille of noon's. `first`: the
        # first morning after boot, before noon the sun must double. Before
        # noon the lift is bounded by the clearest recent sky (the header).
        # Returns the sky (permille of noon's) a start needs under that
        # lift, 0 when no stall voltage is known.
        sag = self._sag_mv
        hi = self._stall_mv
        if sag <= 0:
            return 0
        # The lift a cloud may still give, in permille: twice this sky, but
        # no more than the clearest recent sky gives at this hour.
        lift = 1000 * _CLOUD
        c = self._clear_mv
        if c > 0 and not first and 2 * after < n:
            lift = c * s // sag
            if lift < 1000:
                lift = 1000
            elif lift > 1000 * _CLOUD:
                lift = 1000 * _CLOUD
        need = s * hi // sag * 1000 // lift  # hi >= sag (_stretch): at most s when equal
        if first and 2 * after < n and need < _CLOUD * s:
            need = _CLOUD * s
        if need <= s:
            return need
        if 2 * after >= n:
            # The longest wait: with a day's length known, `_spent` ends the
            # day's trials here anyway; this is the first day's afternoon.
            until = now_s + top * _STRETCH_MAX
        else:
            until = self._dawn_s + _cross(after, n >> 1, n, need)  # never past noon
        if until > self._until_s:
            self._until_s = until
            self.backoff_s = until - now_s
        return need

    def _spent(self, after, n, s, need):
        # Past noon the sky only falls. The wait set for this afternoon
        # stall ends at or past the hour when even a cloud that lifts
        # (`need`, from `_climb`: after noon the lift is _CLOUD times this
        # stall's sky) would give the stalled pump less than the highest
        # stall: no later start can hold today.
        if need <= 0:
            return False
        if s < need:
            return True
        return self._until_s >= self._dawn_s + _cross(after, n, n, need)

    def _noon(self, s):
        # The stall's voltage when the clear sky stood at s permille of
        # noon's, scaled by 1000 / s: what this day's sky gives the stalled
        # pump at noon. Only from the middle of the day, where the sine is a
        # fair shape of the sun. A sky at least that clear is a bound on the
        # clearest recent noon (`_dim`); under the highest stall, only a
        # cloud that lifts can start the pump today (`_dark`, `edge`).
        if s >= _SKY_MIN:
            c = self._sag_mv * 1000 // s
            if c > self._clear_mv:
                self._clear_mv = c
            self._dark = c < self._stall_mv

    def _dim(self, after):
        # Not even the clearest recent sky would carry the pump at this hour:
        # it gives no more than the highest stall. When the clearest noon
        # itself falls short, the hour round noon still tries (a brighter
        # day or a cleaned panel is found only by a start). Past yesterday's
        # dusk no hour does; on the ladder's days an evening stall ends the
        # trials instead (`_done`), so that a dusk taken early yesterday (a
        # storm's dark at evening) cannot close a sunny evening today.
        if self._idle_d < _IDLE_D or self._held_d:
            return False  # the ladder's day: the tick's usual path, first
        hi = self._stall_mv
        c = self._clear_mv
        n = self._len_s
        if hi <= 0 or c <= 0 or n == _NONE or after <= 0:
            return False
        if after >= n:
            return True  # past yesterday's dusk: the sine, and the sun, are spent
        need = c - (c >> 4)
        if need > hi:
            need = hi
        return c * _sky(after, n) < need * 1000

    def _stretch(self, b):
        # b times (highest stall / this stall) squared, at most _STRETCH_MAX b;
        # in 16 mV steps, so that the squares stay small ints on the board.
        if self._sag_mv >= self._stall_mv:
            self._stall_mv = self._sag_mv
            return b
        v = self._sag_mv >> 4
        top = self._stall_mv >> 4
        if v * v * _STRETCH_MAX <= top * top:
            return b * _STRETCH_MAX
        return b * top // v * top // v

    def _weak_today(self):
        return self._sags_d >= 2 and self._sags_d > self._held_d

    def weak(self):
        """Marginal sun: more starts browned out than held, today or yesterday.

        Then the next start is the scarce thing, not the water: a running
        pump should not be stopped for a soak (the planner's `weak_sun`).
        The trial before the learned window's morning edge sags on clear
        days too, so it does not count, and one sag alone does not either.
        """
        return self._weak_y or self._weak_today()

    def on_run_ok(self):
        """A run went through without a sag: the sun holds, back to the short wait."""
        self._sags = 0
        self.backoff_s = 0

    def can_start(self, now_s):
        """R_NONE when the sun allows a start, else why not."""
        if self.state == NIGHT:
            return R_NIGHT
        if self.state == WEAK or self._done:
            return R_PV_WEAK
        if self._live != OK:
            # The debounce holds the state while dusk's voltage falls (so a
            # cloud does not end the day); a start needs the panel's own
            # reading to say so too, or the pump starts on a dark panel.
            return R_NIGHT if self._live == NIGHT else R_PV_WEAK
        m = _MARGIN_S if self.day % _EDGE_EVERY == 0 or self.weak() else 0
        if self._dawn_s != _NONE:
            after = now_s - self._dawn_s
            e = self._early_s
            if e != _NONE and after < e - m:
                return R_PV_WEAK  # too early: the learned window has not opened
            # The margin trial before the window's edge is left to its own
            # rule: it is how a widening window is found.
            if (e == _NONE or after >= e) and self._dim(after):
                return R_PV_WEAK  # the sun of this hour cannot carry the pump
        if now_s < self._until_s:
            return R_BACKOFF
        return R_NONE

    def reliable(self):
        """A start held on all but one of the last _TRIED_D days that tried
        one in the window (see `_new_day`); False until that many are known."""
        if self._tried_d < _TRIED_D:
            return False
        b = self._held_bits
        k = 0
        while b:
            k += b & 1
            b >>= 1
        return k >= _TRIED_D - 1

    def _spare(self, need_s):
        # A learned window of at least twice `need_s` (-1: not known).
        e = self._early_s
        la = self._late_s
        if self._dawn_s == _NONE or e == _NONE or la == _NONE or need_s < 0:
            return False
        return la - e >= 2 * need_s

    def dark(self, need_s):
        """Today's last stall said only a cloud that lifts can start the pump
        today, on a sun whose window holds twice `need_s` (see `edge`)."""
        return self._dark and self._spare(need_s)

    def edge(self, now_s, need_s):
        """True where a start now is worth a brown-out only for plots that
        need water today (see the header), on a sun with power to spare: a
        learned window of at least twice `need_s` (the pump seconds the
        plots need a day; -1: not known). Either today's last stall says
        that only a cloud that lifts can start the pump today (`_dark`); or,
        on a `reliable` sun, now lies outside that window (before its
        morning edge, the margin trial's time, or past its evening one): a
        start now explores the window."""
        if not self._spare(need_s):
            return False  # a window under twice the day's need: no sun to spare
        if self._dark:
            return True
        if not self.reliable():
            return False
        after = now_s - self._dawn_s
        return after < self._early_s or after > self._late_s

    def battery_low(self, batt_mv, cfg):
        """Low below batt_low_mv until back at batt_ok_mv (Lorentz: off 11.0 V,
        on 12.0 V per 12 V battery: FIELD-NOTES). Both 0: no battery, never low."""
        low_mv = cfg["batt_low_mv"]
        ok_mv = cfg["batt_ok_mv"]
        if low_mv == 0 and ok_mv == 0:
            self.batt_low = False
        elif self.batt_low:
            self.batt_low = batt_mv < ok_mv
        else:
            self.batt_low = batt_mv < low_mv
        return self.batt_low
