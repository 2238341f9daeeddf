# Power-cut harness for the MicroPython unix port: cut the supply at every flash operation of a save.
#
# Each scenario builds a LittleFS image on a RAM flash (boards/sim/lfs.py),
# records every erase and program while the firmware writes (a config save,
# a journal append, a journal rotation, the daily state, a whole boot), then
# for every operation N rebuilds the flash as it stood when the N-th one
# landed (and once more with the N-th torn in half), mounts that copy fresh
# and boots the firmware on it against a bench world. Power loss does not
# raise inside littlefs: the writes after the cut simply never happened,
# which is what replaying a prefix of the log gives.
#
#   micropython -c "import sys; sys.path[:0] = [SIM, FIRMWARE]; import powercut; powercut.main()"
#
# prints one line per scenario: "CUT " + JSON {name, ops, cuts, old, new,
# lost, inflight, fails}. `lost` counts records or settings lost that were
# not being written at the cut (must be 0); `inflight` the cuts that lost
# only the record being written.
import builtins
import json
import os
import sys

import vfs

import lfs
import machine
import time

POINT = "/flash"
ROOT = POINT + "/"
_HERE = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
_BOOT_S = 240  # a few ticks: boot, the PV debounce, a sample
_MAX_FAILS = 8  # failure lines kept per scenario


class _Stop(BaseException):
    """Ends a boot at a chosen virtual time (past the loop's `except Exception`)."""


def board_spec(name="virtual"):
    with open(_HERE + "/../" + name + ".json") as f:
        return json.load(f)


_SPEC = None


def spec():
    global _SPEC
    if _SPEC is None:
        _SPEC = board_spec()
    return _SPEC


# Flash and mount

def mount(dev):
    """Mount dev's LittleFS at POINT (unmounting what was there)."""
    try:
        vfs.umount(POINT)
    except OSError:
        pass
    vfs.mount(vfs.VfsLfs2(dev), POINT)


def new_flash(files, blocks=32):
    """A formatted RAM flash holding `files` ({name: str or bytes}), mounted at POINT."""
    dev = lfs.RAMFlash(blocks)
    vfs.VfsLfs2.mkfs(dev)
    mount(dev)
    for name in files:
        data = files[name]
        with open(ROOT + name, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
    return dev


def record(dev, op):
    """(image before, operations) of running op() on the mounted dev."""
    base = dev.image()
    dev.log = []
    op()
    log = dev.log
    dev.log = None
    return base, log


def cuts(log, step=1):
    """(n, torn) for every cut point: after n operations, and with the n-th half done."""
    n = 0
    while n <= len(log):
        yield n, False
        if n:
            yield n, True
        n += step
    if (n - step) != len(log):
        yield len(log), False


def at_cut(base, log, n, torn):
    dev = lfs.replay(base, log, n, torn)
    mount(dev)
    return dev


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


# The firmware

def _fresh_firmware():
    # A reset clears RAM: import every firmware module again, as a board does.
    for name in list(sys.modules):
        if name == "main" or name == "saxaul" or name.startswith("saxaul."):
            del sys.modules[name]


def _quiet(*args, **kw):
    pass


def boot(seconds=_BOOT_S, cause=machine.PWRON_RESET, world=None, start_s=0):
    """main.main on the mounted flash for `seconds` of virtual time from start_s; returns the world."""
    if world is None:
        world = machine.Bench(spec().get("chip", "esp32"))
    world.cause = cause
    machine.set_world(world)
    time.reset()
    time.advance(start_s * 1000)
    _fresh_firmware()
    end_ms = time.now_ms() + seconds * 1000

    def stop(now_ms):
        if now_ms >= end_ms:
            raise _Stop()

    time.add_hook(stop)
    pr = builtins.print
    builtins.print = _quiet
    try:
        import main

        main.main(ROOT, False)
    except _Stop:
        pass
    finally:
        builtins.print = pr
        time._hooks.remove(stop)
    return world


def outputs_off_first(world):
    """True when every output's first write drove it off (pump, valves)."""
    sp = spec()
    want = {sp["pump"]["pin"]: 1 if sp["pump"].get("active_low") else 0}
    for p in sp["plots"]:
        v = p["valve"]
        want[v["pin"]] = 1 if v.get("active_low") else 0
    seen = {}
    for _t, pin, lvl in world.log:
        if pin in want and pin not in seen:
            seen[pin] = lvl
    for pin in want:
        if seen.get(pin) != want[pin]:
            return False
    return True


def _journal():
    from saxaul import journal

    return journal


def _key(r):
    # Records are made unique by their uptime and `a` (the scenarios number them).
    return (r["kind"], r["boot"], r["uptime_s"], r.get("a", -1))


class Result:
    def __init__(self, name, ops):
        self.d = {"name": name, "ops": ops, "cuts": 0, "old": 0, "new": 0, "lost": 0, "inflight": 0, "fails": []}

    def fail(self, n, torn, text):
        f = self.d["fails"]
        if len(f) < _MAX_FAILS:
            f.append("cut %d%s: %s" % (n, " (torn)" if torn else "", text))
        else:
            self.d["more_fails"] = self.d.get("more_fails", 0) + 1

    def count(self, key):
        self.d[key] += 1


def _check_boot(res, n, torn, world, cfg_status=0):
    """What every boot after a cut must show: outputs off first, a clean journal with its BOOT and CONFIG."""
    if not outputs_off_first(world):
        res.fail(n, torn, "an output was driven on before it was driven off at boot")
    recs, bad = _journal().read_dir(ROOT + "log")
    if bad:
        res.fail(n, torn, "journal after boot: %d bad stretches" % bad)
    boots = [r for r in recs if r["kind"] == "BOOT"]
    cfgs = [r for r in recs if r["kind"] == "CONFIG"]
    if not boots or not cfgs:
        res.fail(n, torn, "no BOOT/CONFIG event journaled by the boot")
    elif cfgs[-1]["a"] != cfg_status:
        res.fail(n, torn, "config status %d at boot, expected %d" % (cfgs[-1]["a"], cfg_status))
    return recs


# Scenarios

def config_save():
    """The host pushes a new config while the sun browns the board out."""
    from saxaul import config

    n = len(spec()["plots"])
    old = config.defaults(n)
    new = config.defaults(n)
    new["tick_s"] = 120
    new["plots"][0]["start_pct"] = 30
    dev = new_flash({"board.json": json.dumps(spec()), "config.json": json.dumps(old)})
    base, log = record(dev, lambda: config.save(new, ROOT + "config.json"))
    res = Result("config save", len(log))
    for k, torn in cuts(log):
        res.count("cuts")
        at_cut(base, log, k, torn)
        text = read(ROOT + "config.json")
        try:
            got = json.loads(text)
        except (TypeError, ValueError):
            got = None
        if got == old:
            res.count("old")
        elif got == new:
            res.count("new")
        else:
            res.count("lost")
            res.fail(k, torn, "config.json is neither the old nor the new one: %r" % (text and text[:40]))
        world = boot()
        _check_boot(res, k, torn, world, config.LOADED)
        if read(ROOT + "config.json") != text:
            res.fail(k, torn, "the boot changed config.json")
    return res.d


def state_save():
    """Dawn: the daily counters are written as the supply dies."""
    from saxaul import state

    n = len(spec()["plots"])
    st = state.State(n)
    st.boot = 4
    st.day = 10
    st.night_seen = 1
    st.used_s[0] = 900
    st.since_leach_s[0] = 5400
    st.mark()
    dev = new_flash({"board.json": json.dumps(spec())})
    st.save(ROOT + "state.json")
    old = st.to_dict()
    st.new_day(11)
    st.night_seen = 0
    st.ran(1, 300)
    new = st.to_dict()
    base, log = record(dev, lambda: st.save(ROOT + "state.json"))
    res = Result("state save", len(log))
    for k, torn in cuts(log):
        res.count("cuts")
        at_cut(base, log, k, torn)
        got = state.State(n)
        status = got.load(ROOT + "state.json")
        d = got.to_dict()
        if status != state.LOADED:
            res.count("lost")
            res.fail(k, torn, "state.json did not load (status %d)" % status)
        elif d == old:
            res.count("old")
        elif d == new:
            res.count("new")
        else:
            res.count("lost")
            res.fail(k, torn, "state is neither the old nor the new one: %r" % d)
        world = boot()
        _check_boot(res, k, torn, world, 1)  # no config.json on this flash: defaults
        after = state.State(n)
        after.load(ROOT + "state.json")
        if after.boot != d["boot"] + 1:
            res.fail(k, torn, "boot count %d after a cut at boot %d" % (after.boot, d["boot"]))
        if after.day != d["day"] or after.used_s[0] != d["used_s"][0] or after.used_s[1] != d["used_s"][1]:
            res.fail(k, torn, "the day's counters changed across the boot: %r" % after.to_dict())
    return res.d


def _numbered_events(jr, first, count):
    jn = _journal()
    from saxaul import codes

    for i in range(first, first + count):
        jr.stamp(1, i, 0)
        jr.event(codes.E_START, 0, i, 300)
    return jn


def _journal_sweep(name, file_bytes, cap_bytes, fill):
    """Fill a small journal with `fill(jr)`, then cut the append of one more record."""
    jn = _journal()
    from saxaul import codes

    dev = new_flash({"board.json": json.dumps(spec())})
    jr = jn.Journal(ROOT + "log", cap_bytes=cap_bytes, file_bytes=file_bytes, dev_id=b"\x5a\xa1\x00\x00\x00\x01")
    nxt = fill(jr)
    files_before = jn.files(ROOT + "log")
    before = jn.read_dir(ROOT + "log")[0]

    def op():
        jr.stamp(1, nxt, 0)
        jr.event(codes.E_START, 0, nxt, 300)

    base, log = record(dev, op)
    after = jn.read_dir(ROOT + "log")[0]
    files_after = jn.files(ROOT + "log")
    res = Result(name, len(log))
    res.d["files"] = [files_before, files_after]
    kb = [_key(r) for r in before]
    ka = [_key(r) for r in after]
    keep = [k for k in kb if k in ka]  # not being deleted by the rotation
    allowed = kb + [k for k in ka if k not in kb]
    for k, torn in cuts(log):
        res.count("cuts")
        at_cut(base, log, k, torn)
        recs, bad = jn.read_dir(ROOT + "log")
        got = [_key(r) for r in recs]
        if bad:
            res.fail(k, torn, "%d bad stretches in the journal" % bad)
        missing = [x for x in keep if x not in got]
        extra = [x for x in got if x not in allowed]
        if missing or extra:
            res.count("lost")
            res.fail(k, torn, "missing %r, unknown %r" % (missing[:3], extra[:3]))
        elif [x for x in got if x[3] == nxt]:
            res.count("new")
        else:
            res.count("old")
            res.count("inflight")  # only the record being written is missing
        # The small journal comes back under its cap when opened again (a
        # cut between the new file and the deletion leaves it over).
        j2 = jn.Journal(ROOT + "log", cap_bytes=cap_bytes, file_bytes=file_bytes)
        if j2.total_bytes > cap_bytes:
            res.fail(k, torn, "journal %d bytes over its %d cap after reopening" % (j2.total_bytes, cap_bytes))
        got = [_key(r) for r in jn.read_dir(ROOT + "log")[0]]
        world = boot()
        recs2 = _check_boot(res, k, torn, world, 1)
        if [_key(r) for r in recs2[: len(got)]] != got:
            res.fail(k, torn, "the boot lost records that survived the cut")
    return res.d


def journal_append():
    """An event appended to the journal's current file."""

    def fill(jr):
        # 200 events: a file of two flash blocks, past what LittleFS keeps
        # inline in its directory.
        _numbered_events(jr, 1, 200)
        return 201

    return _journal_sweep("journal append", 16384, 65536, fill)


def journal_rotate():
    """The append that opens a new file and deletes the oldest one (the cap)."""
    file_bytes = 256
    cap_bytes = 800
    event_b = 26
    header_b = 22  # with the 6-byte device id

    def fill(jr):
        i = 1
        # Until the next record needs a new file, and that file pushes the
        # total over the cap so the oldest file goes.
        while not (jr._size + event_b > file_bytes and jr._total + header_b + event_b > cap_bytes):
            _numbered_events(jr, i, 1)
            i += 1
            if i > 200:
                raise RuntimeError("rotation not reached")
        return i

    return _journal_sweep("journal rotate", file_bytes, cap_bytes, fill)


def whole_boot(max_cuts=400):
    """A morning of the firmware itself (state, journal, a watering run), cut anywhere."""
    from saxaul import state

    import scripted

    n = len(spec()["plots"])
    st = state.State(n)
    st.boot = 7
    st.day = 3
    st.used_s[0] = 600
    st.mark()
    dev = new_flash({"board.json": json.dumps(spec())})
    st.save(ROOT + "state.json")
    boot()  # a first boot in the night: the journal exists from here
    first = state.State(n)
    first.load(ROOT + "state.json")
    recs0 = _journal().read_dir(ROOT + "log")[0]
    # 07:00 to 09:00 on a sunny day, plot 1 dry: starts, stops, samples.
    day = scripted.ScriptedDay(spec(), start_pct=(20, 80, 80, 80))
    try:
        base, log = record(dev, lambda: boot(7200, world=day, start_s=7 * 3600))
    finally:
        time._hooks.remove(day._advance)
    ran_s = 0
    for r in _journal().read_dir(ROOT + "log")[0]:
        if r["kind"] == "STOP":
            ran_s += r["b"]
    res = Result("whole boot", len(log))
    res.d["ran_s"] = ran_s
    res.d["budget_lost"] = 0  # cuts after which a finished run is journaled but not counted
    res.d["budget"] = []
    step = len(log) // max_cuts + 1
    for k, torn in cuts(log, step):
        res.count("cuts")
        at_cut(base, log, k, torn)
        got = state.State(n)
        status = got.load(ROOT + "state.json")
        if status != state.LOADED or got.day != 3 or got.used_s[0] < 600 or got.boot < first.boot:
            res.count("lost")
            res.fail(k, torn, "state after the cut: status %d, %r" % (status, got.to_dict()))
        recs, bad = _journal().read_dir(ROOT + "log")
        if bad or [_key(r) for r in recs[: len(recs0)]] != [_key(r) for r in recs0]:
            res.count("lost")
            res.fail(k, torn, "journal after the cut: %d bad, %d of %d old records" % (bad, len(recs), len(recs0)))
        else:
            res.count("new" if len(recs) > len(recs0) else "old")
        # The water the journal says was given is in the state file too: a
        # cut must not let the plot be watered twice for one day's budget.
        given = 600
        for r in recs[len(recs0) :]:
            if r["kind"] == "STOP" and r["plot"] == 0:
                given += r["b"]
        if got.used_s[0] < given:
            res.d["budget_lost"] += 1
            if len(res.d["budget"]) < _MAX_FAILS:
                res.d["budget"].append("cut %d%s: state counts %d s for plot 1, the journal %d s"
                                       % (k, " (torn)" if torn else "", got.used_s[0], given))
        world = boot()
        _check_boot(res, k, torn, world, 1)
        again = state.State(n)
        again.load(ROOT + "state.json")
        if again.boot <= got.boot:
            res.fail(k, torn, "boot count did not move on: %d after %d" % (again.boot, got.boot))
    return res.d


SCENARIOS = (
    ("config", config_save),
    ("state", state_save),
    ("append", journal_append),
    ("rotate", journal_rotate),
    ("boot", whole_boot),
)


def main(names=None):
    for name, fn in SCENARIOS:
        if names is None or name in names:
            d = fn()
            sys.stdout.write("CUT " + json.dumps(d) + "\n")
    try:
        vfs.umount(POINT)
    except OSError:
        pass
