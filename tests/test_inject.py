"""Software faults injected into the running controller: exceptions in every module, a hang, reboots without a clock.

The firmware boots from main.py on CPython against the fakes and a scripted
sunny day (boards/sim/scripted.py); a method of one module is patched to
raise at a seeded random call, most while the pump runs. A tick that raises
must leave every output off before the board sleeps, journal where it
happened, and the next ticks must go on watering.
"""
import random

import pytest

from bootrig import board_spec, flash, journal, run_for, telemetry

PUMP = 23  # boards/virtual.json
VALVES = (25, 26, 27, 13)  # active-low relays
R_EXCEPTION = 23
G_EXCEPTION = 64
DAY_S = 86400
SEED = 20240601


def scripted(fakes, **kw):
    mod = fakes.sim_module("scripted")
    kw.setdefault("start_pct", (20, 80, 80, 80))
    world = mod.ScriptedDay(board_spec(), **kw)
    fakes.machine.set_world(world)
    return world


def pump_on(world):
    return world.outputs.get(PUMP) == 1


def all_off(world):
    return world.outputs.get(PUMP, 0) == 0 and all(world.outputs.get(v, 1) == 1 for v in VALVES)


def daylight(fakes):
    return 6 * 3600 <= fakes.time.now_ms() // 1000 % DAY_S <= 20 * 3600


class Injector:
    """Patches cls.meth to raise `exc` at the k-th call made while `when()` holds (k=0: count only)."""

    def __init__(self, cls, meth, when, k=0, exc=None):
        self.cls = cls
        self.meth = meth
        self.real = getattr(cls, meth)
        self.when = when
        self.k = k
        self.exc = exc
        self.calls = 0
        self.fired_s = None
        inj = self

        def patched(obj, *a, **kw):
            if inj.when():
                inj.calls += 1
                if inj.calls == inj.k:
                    inj.fired_s = inj.now_s()
                    raise inj.exc
            return inj.real(obj, *a, **kw)

        setattr(cls, meth, patched)

    def now_s(self):
        return self.clock.now_ms() // 1000

    def undo(self):
        setattr(self.cls, self.meth, self.real)


# module: (firmware module, class, method, stage journaled, the moment to hit)
TARGETS = {
    "board reads": ("board", "Board", "read_pv_mv", 1, "pumping"),
    "probe read": ("board", "Board", "read_probe_mv", 2, "pumping"),
    "sensing": ("sensing", "Probe", "update", 2, "pumping"),
    "power": ("power", "Power", "update", 3, "pumping"),
    "planner": ("planner", "Planner", "plan", 4, "daylight"),
    "pump": ("pump", "Sequencer", "step", 5, "pumping"),
    "journal": ("journal", "Journal", "sample", 6, "daylight"),
}


def _run_day(fakes, tmp_path, target, k, exc):
    modname, clsname, meth, _, moment = TARGETS[target]
    world = scripted(fakes)
    tmp_path.mkdir()
    root = flash(tmp_path, board_spec())
    saxaul = fakes.import_firmware()
    mod = getattr(saxaul, modname)
    ctl_mod = saxaul.controller
    when = (lambda: pump_on(world)) if moment == "pumping" else (lambda: daylight(fakes))
    inj = Injector(getattr(mod, clsname), meth, when, k, exc)
    inj.clock = fakes.time
    checks = []
    real_on_exc = ctl_mod.Controller.on_exception

    def on_exception(self, e):
        s = real_on_exc(self, e)
        checks.append((self.now_s, all_off(world), type(e).__name__))
        return s

    ctl_mod.Controller.on_exception = on_exception
    try:
        run_for(fakes, root, DAY_S)  # a WatchdogReset or any escape fails the test
    finally:
        inj.undo()
        ctl_mod.Controller.on_exception = real_on_exc
    return world, root, inj, checks


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_an_exception_in_any_module_turns_outputs_off_in_that_tick_and_watering_goes_on(fakes, tmp_path, capsys, target):
    # First a clean day counts the calls; then the k-th of them (seeded) raises.
    _, _, count, _ = _run_day(fakes, tmp_path / "count", target, 0, None)
    assert count.calls > 0, "the module was never called at that moment"
    k = random.Random("%s %s" % (SEED, target)).randint(1, count.calls)
    fakes.time.clear_hooks()
    fakes.time.reset()
    world, root, inj, checks = _run_day(fakes, tmp_path / "fault", target, k, OSError(5))
    assert inj.fired_s is not None
    # Within that tick: outputs off before the board slept. (The tick's own
    # clock reading may lag the fake's by the probes' settle time.)
    assert len(checks) == 1
    tick_s, off, name = checks[0]
    assert off and name == "OSError" and 0 <= inj.fired_s - tick_s <= 1
    recs, bad = journal(fakes, root)
    assert bad == 0
    exc = [r for r in recs if r["kind"] == "EXC"]
    assert len(exc) == 1 and exc[0]["a"] == TARGETS[target][3] and exc[0]["uptime_s"] == tick_s
    assert any(r["kind"] == "FAULT_SET" and r["plot"] == 255 and r["a"] == G_EXCEPTION for r in recs)
    if TARGETS[target][4] == "pumping":
        # The run that was on is accounted as stopped by the exception.
        stops = [r for r in recs if r["kind"] == "STOP" and r["uptime_s"] == tick_s]
        assert stops and stops[0]["a"] == R_EXCEPTION
    # And the controller went on: the dry plot still reached its target.
    assert world.peak_pm[0] >= 600
    rows = telemetry(capsys.readouterr().out)
    assert rows and rows[-1]["up_s"] >= DAY_S - 600


def test_a_journal_on_a_dead_flash_does_not_stop_the_watering(fakes, tmp_path, capsys):
    # The flash wears out at 07:00: every open() of the journal fails. The
    # journal counts its errors; the plants are still watered.
    world = scripted(fakes)
    root = flash(tmp_path, board_spec())
    saxaul = fakes.import_firmware()
    jn = saxaul.journal

    def dead_open(*a, **kw):
        if fakes.time.now_ms() >= 7 * 3600 * 1000:
            raise OSError(5)
        return open(*a, **kw)

    jn.open = dead_open
    try:
        run_for(fakes, root, 14 * 3600)
    finally:
        del jn.open
    assert world.peak_pm[0] >= 600
    assert "E " not in capsys.readouterr().out.replace("\nT ", "\n")  # no exception reached the loop


def test_a_full_flash_does_not_stop_the_watering(fakes, tmp_path, capsys):
    # At 05:00 the flash is full (ENOSPC on every write): the state file and
    # the journal can no longer be written. The counters live on in RAM; the
    # dry plot must still get its water today.
    world = scripted(fakes)
    root = flash(tmp_path, board_spec())
    saxaul = fakes.import_firmware()

    def full_open(path, mode="r", *a, **kw):
        if fakes.time.now_ms() >= 5 * 3600 * 1000 and ("w" in mode or "a" in mode):
            raise OSError(28)
        return open(path, mode, *a, **kw)

    saxaul.journal.open = full_open
    saxaul.state.open = full_open
    try:
        run_for(fakes, root, 14 * 3600)
    finally:
        del saxaul.journal.open
        del saxaul.state.open
    assert world.pump_on_ms >= 600 * 1000
    assert world.peak_pm[0] >= 600


def test_a_hang_is_ended_by_the_watchdog_and_the_next_boot_journals_why(fakes, tmp_path):
    # At a seeded random moment while the pump runs, the PV read never returns
    # (an I2C bus stuck low, a busy-wait on a flag): it keeps calling
    # sleep_ms(1) without feeding the watchdog.
    world = scripted(fakes)
    root = flash(tmp_path, board_spec())
    saxaul = fakes.import_firmware()
    Board = saxaul.board.Board
    real = Board.read_pv_mv
    k = random.Random(SEED).randint(1, 60)
    seen = {"n": 0, "hung_ms": None}

    def hung_read(self):
        if pump_on(world):
            seen["n"] += 1
            if seen["n"] == k:
                seen["hung_ms"] = fakes.time.now_ms()
                while True:
                    fakes.time.sleep_ms(1)
        return real(self)

    Board.read_pv_mv = hung_read
    try:
        with pytest.raises(fakes.machine.WatchdogReset):
            run_for(fakes, root, DAY_S)
    finally:
        Board.read_pv_mv = real
    reset_ms = fakes.time.now_ms()
    assert seen["hung_ms"] is not None
    wdt_ms = board_spec()["wdt_ms"]
    assert wdt_ms <= reset_ms - seen["hung_ms"] <= wdt_ms + 10
    assert all_off(world)  # the reset (and main's finally) left nothing on

    # The board comes back after the watchdog reset.
    world.cause = fakes.machine.WDT_RESET
    fakes.machine.set_world(world)
    fakes.import_firmware()
    run_for(fakes, root, DAY_S - reset_ms // 1000 % DAY_S)  # to midnight
    recs, bad = journal(fakes, root)
    assert bad == 0
    boots = [r for r in recs if r["kind"] == "BOOT"]
    assert [b["a"] for b in boots] == [1, 3]  # POWER_ON, then WDT
    assert boots[1]["boot"] == boots[0]["boot"] + 1
    assert [r for r in recs if r["kind"] == "START" and r["boot"] == boots[1]["boot"]]
    assert world.peak_pm[0] >= 600


def test_reboots_without_a_wall_clock_keep_watering_by_the_pv_day(fakes, tmp_path):
    # No RTC was ever set (time() starts at 1970): three days with a reset at
    # a seeded random hour each day, some in the night, some mid-run. The day
    # count follows the sun, each day the plot is watered, and the daily
    # budget holds across the resets.
    world = scripted(fakes, dry_pct_per_h=3)
    root = flash(tmp_path, board_spec())
    rng = random.Random(SEED)
    t_s = 0
    for day in range(3):
        at_s = day * DAY_S + rng.randint(0, DAY_S - 1)
        fakes.import_firmware()
        run_for(fakes, root, at_s - t_s)
        t_s = at_s
        world.cause = fakes.machine.HARD_RESET
        fakes.machine.set_world(world)
    fakes.import_firmware()
    run_for(fakes, root, 4 * DAY_S - t_s)
    recs, bad = journal(fakes, root)
    assert bad == 0
    assert all(r["wall_s"] == 0 for r in recs)  # never a made-up date
    assert len([r for r in recs if r["kind"] == "BOOT"]) == 4
    dawns = [r["a"] for r in recs if r["kind"] == "DAWN"]
    assert dawns == sorted(set(dawns)) and len(dawns) >= 3  # one dawn a day, none twice
    starts_by_day = {}
    day = 0
    used = {}
    for r in recs:
        if r["kind"] == "DAWN":
            day = r["a"]
        elif r["kind"] == "START" and r["plot"] == 0:
            starts_by_day[day] = starts_by_day.get(day, 0) + 1
        elif r["kind"] == "STOP" and r["plot"] == 0:
            used[day] = used.get(day, 0) + r["b"]
    for d in dawns[:3]:
        assert starts_by_day.get(d), "no watering on PV day %d" % d
        assert used.get(d, 0) <= 3600 + 1  # daily_max_s default, to the whole second the clock counts
