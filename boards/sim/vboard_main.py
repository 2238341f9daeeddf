# Virtual board boot, run by the unix port: fakes first, clock and field restored, then main.py.
#
#   micropython -i vboard_main.py MODE CAUSE STATE_DIR FLASH_DIR
#
# MODE is "main" (hard reset, power-on, watchdog: run main.py as a board
# does) or "repl" (soft reset from the raw REPL: no main.py). CAUSE is the
# machine.reset_cause() value the firmware sees. The supervisor in
# host_tools/virtual.py owns the pseudo-terminal and restarts this process on
# every reset; a reset asked for here is written to STATE_DIR/reset and the
# process waits to be ended (sys.exit from a script run with -i only drops
# into the REPL). STATE_DIR/board.json carries the virtual clock, the field
# and the last watchdog feed in wall time across those restarts.
import sys

_sim = sys.argv[0].rsplit("/", 1)[0] if "/" in sys.argv[0] else "."
sys.path[:] = [_sim, "", ".frozen", "/lib"]

import json  # noqa: E402
import os  # noqa: E402
import os as _ros  # noqa: E402  the REPL shares these globals and rebinds `os`

import utime as _wall  # noqa: E402  the unix port's own clock (boards/sim has no utime.py)

import machine  # noqa: E402  boards/sim/machine.py
import time  # noqa: E402  boards/sim/time.py


class _VBoard:
    """What survives a reset, and the bridge to the supervisor."""

    def __init__(self, mode, cause, state_dir, flash_dir):
        self.mode = mode
        self.cause = cause
        self.state_dir = state_dir
        self.flash_dir = flash_dir
        self.wdt_ms = 0
        self.fed_wall_ms = 0
        self._last_pub = _wall.ticks_ms()
        self.sim = {}
        self.world = None
        try:
            with open(state_dir + "/sim.json") as f:
                self.sim = json.load(f)
        except OSError:
            pass
        self.saved = {}
        try:
            with open(state_dir + "/board.json") as f:
                self.saved = json.load(f)
        except (OSError, ValueError):
            pass
        self.saved.pop("reset", None)
        if cause == machine.SOFT_RESET:
            # The hardware watchdog runs on through a soft reset: it still bites.
            self.wdt_ms = self.saved.get("wdt_ms", 0)
            self.fed_wall_ms = self.saved.get("fed_wall_ms", 0)
        self._f = None
        self._len = 0

    def open_state(self):
        self._f = open(self.state_dir + "/board.json", "w")
        self.publish(True)

    def restore_clock(self):
        s = self.saved
        speed = self.sim.get("speed", 1)
        now_ms = s.get("now_ms", 0)
        if speed and "wall_ms" in s:
            # A board's clock runs on while it resets or sits in the REPL.
            away = _wall_ms() - s["wall_ms"]
            if away > 0:
                now_ms += away * speed
        time.reset(s.get("ticks0", self.sim.get("ticks0", 0)), None, speed)
        time._now_ms = now_ms
        if s.get("epoch0") is not None:
            time._epoch_s = s["epoch0"]

    def make_world(self):
        spec = None
        try:
            with open(self.flash_dir + "/board.json") as f:
                spec = json.load(f)
        except (OSError, ValueError):
            pass
        chip = spec.get("chip", "esp32") if spec else "esp32"
        name = self.sim.get("scenario") or "noon"
        w = None
        try:
            import field  # boards/sim/field.py: the simulated field, when present

            maker = getattr(field, "make_world", None)
            if maker is not None and spec is not None:
                w = maker(name, spec, self.saved.get("world"))
        except ImportError:
            pass
        if w is None:
            w = _bench_world(name, spec, chip)
            wstate = self.saved.get("world") or {}
            for key in _WORLD_KEYS:
                if key in wstate and hasattr(w, key):
                    setattr(w, key, wstate[key])
        if hasattr(w, "_t_ms"):
            w._t_ms = time.now_ms()  # no jump of field time across the restart
        w.cause = self.cause
        machine.set_world(w)
        self.world = w

    def world_state(self):
        w = self.world
        save = getattr(w, "state_dict", None)
        if save is not None:
            return save()
        d = {}
        for key in _WORLD_KEYS:
            if hasattr(w, key):
                d[key] = getattr(w, key)
        return d

    def publish(self, force=False, reset=None):
        now = _wall.ticks_ms()
        if not force and _wall.ticks_diff(now, self._last_pub) < _PUBLISH_MS:
            return
        self._last_pub = now
        d = {
            "wdt_ms": self.wdt_ms,
            "fed_wall_ms": self.fed_wall_ms,
            "now_ms": time.now_ms(),
            "ticks0": time._ticks0,
            "epoch0": time._epoch_s,
            "wall_ms": _wall_ms(),
            "mode": self.mode,
            "world": self.world_state(),
        }
        if reset is not None:
            d["reset"] = reset
        # Rewritten in place through a file opened before the flash took over
        # "/": padded so a shorter state leaves no tail of the longer one.
        data = json.dumps(d)
        if len(data) < self._len:
            data += " " * (self._len - len(data))
        self._len = len(data)
        f = self._f
        f.seek(0)
        f.write(data)
        f.flush()

    def fed(self, timeout_ms):
        self.wdt_ms = timeout_ms
        self.fed_wall_ms = _wall_ms()
        self.publish()

    def reset(self, cause):
        """Ask the supervisor for a reset and wait for it to end this process."""
        self.publish(True, cause)
        while True:
            try:
                _wall.sleep_ms(1000)
            except KeyboardInterrupt:
                pass


_PUBLISH_MS = 200
_WORLD_KEYS = ("moist_pm", "pumped_ml", "pump_on_ms", "temp_c")


class _Os:
    """`os` as the firmware and the host see it on this board.

    VfsPosix remounted at / renames and removes wrongly with absolute paths
    (FIELD-NOTES: ENOENT, or a rename that reports success and does
    nothing), while a board's LittleFS takes them. Built-in modules cannot
    be patched, but `import` looks in sys.modules first, so this stands in:
    absolute paths go relative to / (the working folder), everything else
    is the real module.
    """

    def __getattr__(self, name):
        return getattr(_ros, name)

    def rename(self, a, b):
        return _ros.rename(_rel(a), _rel(b))

    def remove(self, p):
        return _ros.remove(_rel(p))

    def unlink(self, p):
        return _ros.remove(_rel(p))

    def rmdir(self, p):
        return _ros.rmdir(_rel(p))

    def mkdir(self, p):
        return _ros.mkdir(_rel(p))


def _rel(p):
    if p[:1] == "/" and _ros.getcwd() == "/":
        return p.lstrip("/") or "."
    return p


def _wall_ms():
    return _wall.time_ns() // 1000000


def _bench_world(name, spec, chip):
    """A world without the simulated field, by scenario name:

    "noon"  sun all day, plots from dry to wet (30, 50, 70, 90 %)
    "wet"   sun all day, every plot wet: nothing runs unless asked
    "day"   sunrise 06:00, sunset 20:00 (virtual clock), plots as "noon"
    "bench" every input reads zero (night, probes shorted)
    """
    if name == "bench" or spec is None:
        return machine.Bench(chip)
    try:
        import scripted

        if name == "day":
            return scripted.ScriptedDay(spec, chip)
        if name == "wet":
            return scripted.ScriptedDay(spec, chip, sunrise_h=0, sunset_h=24, start_pct=(95,))
        return scripted.ScriptedDay(spec, chip, sunrise_h=0, sunset_h=24)
    except ImportError:
        pass
    w = machine.Bench(chip)
    pv = spec["pv"]
    w.adc_mv[pv["pin"]] = int(pv.get("voc_mv", 20000) * 9 // 10 / pv["ratio"])
    for p in spec["plots"]:
        pr = p["probe"]
        w.adc_mv[pr["pin"] if "pin" in pr else ("ads", pr["ads"])] = 1650
    return w


def _boot():
    mode, cause, state_dir, flash_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    vb = _VBoard(mode, cause, state_dir, flash_dir)
    vb.restore_clock()
    vb.make_world()
    vb.open_state()

    feed0 = machine.WDT.feed
    init0 = machine.WDT.__init__

    def wdt_init(self, id=0, timeout=5000):
        init0(self, id, timeout)
        vb.fed(timeout)

    def wdt_feed(self):
        feed0(self)
        vb.fed(self.timeout_ms)

    machine.WDT.__init__ = wdt_init
    machine.WDT.feed = wdt_feed
    machine.reset = lambda: vb.reset(machine.HARD_RESET)
    machine.soft_reset = lambda: vb.reset(machine.SOFT_RESET)
    time.add_hook(lambda now_ms: vb.publish())

    # The flash folder becomes the board's root.
    os.mount(os.VfsPosix(flash_dir), "/")
    os.chdir("/")
    sys.modules["os"] = _Os()
    vb.publish(True)
    return vb


_vb = _boot()
if _vb.mode == "main":
    try:
        _src = None
        try:
            with open("main.py") as _f:
                _src = _f.read()
        except OSError:
            pass  # no main.py: a board without firmware goes straight to the REPL
        if _src is not None:
            exec(_src, {"__name__": "__main__"})
    except machine.WatchdogReset:
        _vb.reset(machine.WDT_RESET)
    except machine.ResetRequest as _exc:
        _vb.reset(_exc.cause)
    except KeyboardInterrupt:
        print("Traceback (most recent call last):\r\n  File \"main.py\"\r\nKeyboardInterrupt: ")
del _boot
