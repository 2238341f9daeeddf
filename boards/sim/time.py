# Virtual clock with MicroPython's `time` API; it moves only when code sleeps.
#
# The firmware imports this module as `time` (first on sys.path on the unix
# port, swapped into sys.modules while the firmware is imported on CPython).
# ticks_* wrap like a board's (period 2**30), so wrap bugs show up in tests.
# In real-time mode (virtual board talking to mpremote) a sleep also waits
# wall time, divided by `speed`.

TICKS_PERIOD = 1 << 30
_TICKS_MAX = TICKS_PERIOD - 1
_HALF = TICKS_PERIOD // 2

_now_ms = 0  # virtual milliseconds since the clock started (never wraps)
_ticks0 = 0  # ticks_ms() value at _now_ms == 0: set near the wrap in tests
_epoch_s = None  # wall seconds at _now_ms == 0, None while the RTC is unset
_speed = 0  # 0: as fast as possible; N: N virtual seconds per wall second
_hooks = []  # called with the new _now_ms after every advance
# Two deadlines the clock checks itself, after the hooks: the end of a
# simulated world's time (`_stop_ms`, reached) and the fake watchdog's
# (`_alarm_ms`, passed). A season sleeps millions of watchdog slices: a
# comparison here costs less than a hook called on every one. -1: none.
_stop_ms = -1
_stop_fn = None
_alarm_ms = -1
_alarm_fn = None
_wall = None  # real sleep for real-time mode, found lazily


def reset(ticks0=0, epoch_s=None, speed=0):
    """Start the clock again (tests). Hooks are kept unless cleared; the deadlines are not."""
    global _now_ms, _ticks0, _epoch_s, _speed
    set_stop(-1, None)
    set_alarm(-1, None)
    _now_ms = 0
    _ticks0 = ticks0 & _TICKS_MAX
    _epoch_s = epoch_s
    _speed = speed


def now_ms():
    """Unwrapped virtual milliseconds: for the simulation, not the firmware."""
    return _now_ms


def add_hook(fn, first=False):
    if first:
        _hooks.insert(0, fn)
    else:
        _hooks.append(fn)


def remove_hook(fn):
    if fn in _hooks:
        _hooks.remove(fn)


def clear_hooks():
    del _hooks[:]
    set_stop(-1, None)
    set_alarm(-1, None)


def set_stop(at_ms, fn):
    """fn() once the clock reaches at_ms (after the hooks, before the alarm); -1 disarms."""
    global _stop_ms, _stop_fn
    _stop_ms = at_ms
    _stop_fn = fn


def set_alarm(at_ms, fn):
    """fn() once the clock passes at_ms (checked after the hooks); at_ms -1 disarms.
    A deadline that moves often (a watchdog fed) sets `_alarm_ms` alone."""
    global _alarm_ms, _alarm_fn
    _alarm_ms = at_ms
    _alarm_fn = fn


def set_speed(speed):
    global _speed
    _speed = speed


def set_wall(epoch_s):
    """Set the wall clock (what an RTC set by the host does)."""
    global _epoch_s
    _epoch_s = None if epoch_s is None else epoch_s - _now_ms // 1000


def _real_sleep_ms(ms):
    global _wall
    if _wall is None:
        try:
            import utime as w  # MicroPython: the built-in module

            if not hasattr(w, "sleep_ms"):
                raise ImportError
        except ImportError:
            import sys

            w = sys.modules.get("_saxaul_real_time")
            if w is None:
                raise
        _wall = w
    if hasattr(_wall, "sleep_ms"):
        _wall.sleep_ms(ms)
    else:
        _wall.sleep(ms / 1000)


def advance(ms):
    """Move virtual time forward by ms (an int is taken of it) and run the hooks."""
    global _now_ms
    ms = int(ms)
    if ms < 0:
        raise ValueError("negative sleep")
    if _speed and ms:
        _real_sleep_ms(ms // _speed)
    _now_ms += ms
    for fn in _hooks:
        fn(_now_ms)
    if 0 <= _stop_ms <= _now_ms:
        _stop_fn()
    if 0 <= _alarm_ms < _now_ms:
        _alarm_fn()


def ticks_ms():
    return (_ticks0 + _now_ms) & _TICKS_MAX


def ticks_us():
    return (_ticks0 * 1000 + _now_ms * 1000) & _TICKS_MAX


def ticks_cpu():
    return ticks_us()


def ticks_add(ticks, delta):
    return (ticks + delta) & _TICKS_MAX


def ticks_diff(ticks1, ticks2):
    return ((ticks1 - ticks2 + _HALF) & _TICKS_MAX) - _HALF


# advance itself: a season sleeps millions of watchdog slices, one call each.
sleep_ms = advance


def sleep_us(us):
    advance(int(us) // 1000)


def sleep(s):
    advance(int(s * 1000))


def time():
    if _epoch_s is None:
        return _now_ms // 1000  # like a board whose RTC starts at the epoch
    return _epoch_s + _now_ms // 1000


def time_ns():
    return time() * 1000000000


def gmtime(secs=None):
    if secs is None:
        secs = time()
    days, rem = divmod(int(secs), 86400)
    hh, rem = divmod(rem, 3600)
    mm, ss = divmod(rem, 60)
    wday = (days + 3) % 7  # 1970-01-01 was a Thursday (Monday == 0)
    y = 1970
    while True:
        ylen = 366 if (y % 4 == 0 and (y % 100 or y % 400 == 0)) else 365
        if days < ylen:
            break
        days -= ylen
        y += 1
    yday = days + 1
    mdays = (31, 29 if ylen == 366 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    m = 0
    while days >= mdays[m]:
        days -= mdays[m]
        m += 1
    return (y, m + 1, days + 1, hh, mm, ss, wday, yday)


localtime = gmtime


def mktime(t):
    y, mo, d, hh, mm, ss = t[0], t[1], t[2], t[3], t[4], t[5]
    days = 0
    for yy in range(1970, y):
        days += 366 if (yy % 4 == 0 and (yy % 100 or yy % 400 == 0)) else 365
    leap = y % 4 == 0 and (y % 100 or y % 400 == 0)
    mdays = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
    for i in range(mo - 1):
        days += mdays[i]
    days += d - 1
    return days * 86400 + hh * 3600 + mm * 60 + ss
