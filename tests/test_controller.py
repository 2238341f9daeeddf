"""The controller and boot, on CPython against the fakes: a day at the plots, tick by tick."""
import json

import pytest

from bootrig import board_spec, flash, journal, run_for, telemetry

PUMP = 23  # boards/virtual.json
VALVES = (25, 26, 27, 13)  # active low


def scripted(fakes, **kw):
    mod = fakes.sim_module("scripted")
    world = mod.ScriptedDay(board_spec(), **kw)
    fakes.machine.set_world(world)
    return world


def kinds(recs, kind):
    return [r for r in recs if r["kind"] == kind]


def test_outputs_go_off_at_boot_before_the_config_is_read(fakes, tmp_path, capsys):
    world = fakes.machine.Bench()
    fakes.machine.set_world(world)
    root = flash(tmp_path, board_spec())
    (tmp_path / "flash" / "config.json").write_text("{not json")  # corrupt: boots on defaults
    run_for(fakes, root, 60)
    first = {}
    for t, pin, lvl in world.log:
        first.setdefault(pin, (t, lvl))
    assert first[PUMP] == (0, 0)
    for v in VALVES:
        assert first[v] == (0, 1)  # active-low relay: 1 is off
    recs, bad = journal(fakes, root)
    assert bad == 0
    cfg_ev = kinds(recs, "CONFIG")[0]
    assert cfg_ev["a"] == 2  # bad file: defaults
    assert any(r["kind"] == "FAULT_SET" and r["a"] == 16 for r in recs)  # G_CONFIG


def test_a_dry_plot_is_watered_in_the_morning_and_stops_at_its_target(fakes, tmp_path, capsys):
    world = scripted(fakes, start_pct=(20, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    run_for(fakes, root, 24 * 3600)
    recs, _ = journal(fakes, root)
    starts = kinds(recs, "START")
    stops = kinds(recs, "STOP")
    assert starts and starts[0]["plot"] == 0 and starts[0]["a"] == 1  # MOISTURE_LOW
    assert all(s["plot"] == 0 for s in starts)  # the wet plots were left alone
    assert 2 in [s["a"] for s in stops]  # TARGET: the default 60 %
    # Every run happened in daylight (06:00-20:00 on the scripted sun).
    for s in starts:
        assert 6 * 3600 <= s["uptime_s"] % 86400 <= 20 * 3600
    rows = telemetry(capsys.readouterr().out)
    assert rows and rows[-1]["n"] == 4
    assert any(r["outputs"] & 1 for r in rows)


def test_valve_opens_before_the_pump_and_closes_after_it(fakes, tmp_path):
    world = scripted(fakes, start_pct=(20, 80, 80, 80))
    world.log = []
    root = flash(tmp_path, board_spec())
    run_for(fakes, root, 12 * 3600)
    events = [(t, pin, lvl) for t, pin, lvl in world.log if pin in (PUMP, VALVES[0])]
    pump_on = [t for t, pin, lvl in events if pin == PUMP and lvl == 1]
    assert pump_on
    for t_on in pump_on:
        opened = [t for t, pin, lvl in events if pin == VALVES[0] and lvl == 0 and t <= t_on]
        assert opened and t_on - opened[-1] >= 1000  # valve_lead_s
    end_ms = fakes.time.now_ms()  # the shutdown at the end turns all off at once
    pump_off = [t for t, pin, lvl in events if pin == PUMP and lvl == 0 and 0 < t < end_ms]
    assert pump_off
    for t_off in pump_off:
        closed = [t for t, pin, lvl in events if pin == VALVES[0] and lvl == 1 and t >= t_off]
        assert closed and closed[0] - t_off >= 1000  # valve_lag_s


def test_an_exception_in_a_tick_turns_outputs_off_is_journaled_and_the_loop_goes_on(fakes, tmp_path, capsys):
    world = scripted(fakes, start_pct=(20, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    from saxaul import pump

    calls = {"n": 0}
    real_step = pump.Sequencer.step

    def flaky_step(self, *a):
        if self.pump_on:
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(5)  # an I/O error in the middle of a run
        return real_step(self, *a)

    pump.Sequencer.step = flaky_step
    try:
        run_for(fakes, root, 24 * 3600)
    finally:
        pump.Sequencer.step = real_step
    out = capsys.readouterr().out
    assert "E 5 OSError(5" in out
    recs, _ = journal(fakes, root)
    exc = kinds(recs, "EXC")
    assert len(exc) == 1 and exc[0]["a"] == 5  # the pump stage
    stop = [r for r in kinds(recs, "STOP") if r["a"] == 23]  # EXCEPTION
    assert stop and stop[0]["uptime_s"] == exc[0]["uptime_s"]
    rows = telemetry(out)
    after = [r for r in rows if r["up_s"] == exc[0]["uptime_s"]]
    assert not after or after[0]["outputs"] == 0
    # The controller went on watering after it.
    assert [r for r in kinds(recs, "START") if r["uptime_s"] > exc[0]["uptime_s"]]


def test_ctrl_c_leaves_outputs_off(fakes, tmp_path):
    world = scripted(fakes, start_pct=(20, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    t = fakes.time

    def interrupt(now_ms):
        if world.outputs.get(PUMP) == 1:
            raise KeyboardInterrupt

    t.add_hook(interrupt)
    main = fakes.import_main()
    with pytest.raises(KeyboardInterrupt):
        main.main(root, console=False)
    t._hooks.remove(interrupt)
    assert world.outputs[PUMP] == 0
    assert all(world.outputs[v] == 1 for v in VALVES)


def test_maintenance_boot_has_no_watchdog_and_outputs_off(fakes, tmp_path, capsys):
    fakes.machine.set_world(fakes.machine.Bench())
    root = flash(tmp_path, board_spec())
    (tmp_path / "flash" / "maint").write_text("")
    main = fakes.import_main()
    board = main.main(root)
    assert board is not None
    assert fakes.machine.wdt_active() is None
    assert not (tmp_path / "flash" / "maint").exists()  # one-shot
    assert "saxaul: maintenance" in capsys.readouterr().out
    assert fakes.machine.world.outputs[PUMP] == 0


def test_a_bad_board_file_drives_no_pin(fakes, tmp_path, capsys):
    fakes.machine.set_world(fakes.machine.Bench())
    spec = board_spec()
    spec["pump"]["pin"] = 12  # an ESP32 strapping pin
    root = flash(tmp_path, spec)
    main = fakes.import_main()
    assert main.main(root) is None
    assert fakes.machine.world.log == []
    assert "board.json" in capsys.readouterr().out


def test_the_watchdog_is_fed_through_days_of_sleep(fakes, tmp_path):
    scripted(fakes)
    root = flash(tmp_path, board_spec())
    run_for(fakes, root, 3 * 86400)  # a WatchdogReset would escape run_for
    assert fakes.machine.wdt_active() is not None


def test_a_reboot_at_noon_keeps_the_day_and_the_water_used(fakes, tmp_path):
    world = scripted(fakes, start_pct=(20, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    run_for(fakes, root, 36 * 3600)  # to noon of the second day
    state1 = json.loads((tmp_path / "flash" / "state.json").read_text())
    fakes.machine.set_world(world)  # a reset: same field, fresh firmware
    fakes.import_firmware()
    run_for(fakes, root, 3600)
    state2 = json.loads((tmp_path / "flash" / "state.json").read_text())
    assert state2["boot"] == state1["boot"] + 1
    assert state2["day"] == state1["day"]
    assert state2["used_s"][0] >= state1["used_s"][0]


def test_manual_run_goes_through_the_protections(fakes, tmp_path):
    world = scripted(fakes, start_pct=(80, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    fakes.time.sleep(3 * 3600)  # 03:00: night
    from saxaul import codes

    ctl = _controller_of(fakes, root, world)
    assert ctl.manual(1, 300) == codes.R_NONE
    ctl.step()
    assert ctl.seq.state == 0 and ctl.reason == codes.R_NIGHT  # refused: no sun
    fakes.time.sleep(5 * 3600)  # 08:00
    ctl.manual(1, 300)
    ctl.step()
    assert ctl.seq.plot == 1 and ctl.seq.state != 0


def _controller_of(fakes, root, world):
    """A controller built the way main.py builds it, without running its loop."""
    from saxaul import config, journal, state
    from saxaul.board import Board
    from saxaul.controller import Controller

    spec = board_spec()
    board = Board(spec)
    cfg = config.derive(config.defaults(board.n_plots))
    st = state.State(board.n_plots)
    return Controller(board, cfg, st, journal.Journal(root + "log2"), root + "state2.json")


def test_a_stop_from_the_host_ends_the_run_at_once_and_is_not_a_stuck_relay(fakes, tmp_path):
    world = scripted(fakes, start_pct=(80, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    fakes.time.sleep(9 * 3600)  # a sunny morning
    from saxaul import codes

    ctl = _controller_of(fakes, root, world)
    ctl.step()  # the sun is seen
    ctl.manual(0, 600)
    ctl.step()
    for _ in range(5):
        ctl.board.sleep_s(ctl.step())
    assert ctl.seq.pump_on
    t0 = fakes.time.now_ms()
    polls = []

    def host_stop_soon():  # the console's poll: `saxaul stop` arrives
        polls.append(1)
        if len(polls) == 1:
            ctl.host_stop()
        return ctl._poll()

    ctl.board.sleep_s(10, host_stop_soon, ctl.slice_ms())  # as run() sleeps
    assert fakes.time.now_ms() - t0 <= 4000  # the sleep ended at the request
    ctl.step()
    assert not ctl.seq.pump_on and ctl.seq.reason == codes.R_HOST_STOP
    for _ in range(3):
        ctl.board.sleep_s(ctl.step())
    assert not ctl.st.gfaults & codes.G_RELAY_STUCK
    from saxaul import journal as j

    recs, _ = j.read_dir(root + "log2")
    stops = [r for r in recs if r["kind"] == "STOP"]
    assert stops and stops[-1]["a"] == codes.R_HOST_STOP and stops[-1]["c"] > 0


class _CountingBoard:
    """Just enough of board.Board for ticks: sunny, wet plots, probe reads counted."""

    n_plots = 2
    pulses_per_l = 0
    pv_max_mv = 0  # no limit known

    def __init__(self):
        self.probe_reads = 0

    def probe_range_mv(self, i):
        return 150, 2450

    def take_pulses(self):
        return 0

    def read_pv_mv(self):
        return 20000

    def read_batt_mv(self):
        return 0

    def temp_c(self):
        return 25

    def tank_low(self):
        return False

    def read_probe_mv(self, i):
        self.probe_reads += 1
        return 1500  # wet: no plot wants water

    def set_outputs(self, pump_on, valves):
        pass

    def led(self, on):
        pass

    def outputs_mask(self):
        return 0


class _NoJournal:
    def stamp(self, *a):
        pass

    def event(self, *a):
        pass

    def sample(self, *a):
        pass


def test_idle_by_day_the_probes_are_read_every_five_minutes_not_every_tick(fakes, tmp_path, capsys):
    # An hour of a sunny morning with wet plots: 60 ticks of 60 s. Every probe
    # read powers the probe and takes 16 ADC samples; the soil moves about a
    # point an hour, so twelve reads of each probe tell as much as sixty.
    from saxaul import config, controller, state

    b = _CountingBoard()
    cfg = config.derive(config.defaults(2))
    ctl = controller.Controller(b, cfg, state.State(2), _NoJournal(), str(tmp_path / "state.json"))
    for _ in range(60):
        fakes.time.sleep(ctl.tick())
    assert 2 * 12 <= b.probe_reads <= 2 * 16  # every 5 min, and the 15-min journal samples
    # A soak that ends reads the probes at once: the episode's check needs a fresh value.
    before = b.probe_reads
    ctl.soak_until[0] = ctl.now_s + 30
    fakes.time.sleep(ctl.tick())
    fakes.time.sleep(ctl.tick())
    assert b.probe_reads - before == 2


class _FlippingTankBoard(_CountingBoard):
    """The float switch says low on every other read, as one that bounces does."""

    def __init__(self):
        super().__init__()
        self.tank_reads = 0

    def tank_low(self):
        self.tank_reads += 1
        return self.tank_reads % 2 == 1


def test_a_tick_reads_the_tank_float_once_so_its_gate_and_fault_bits_agree(fakes, tmp_path):
    # The gate, the fault bits the telemetry and the status show, and the
    # fault events come from one reading of the float switch a tick: read
    # again for the bits, a bouncing float showed "tank low" in the gate and
    # "tank fine" in the same tick's telemetry.
    from saxaul import codes, config, controller, state

    b = _FlippingTankBoard()
    cfg = config.derive(config.defaults(2))
    ctl = controller.Controller(b, cfg, state.State(2), _NoJournal(), str(tmp_path / "state.json"))
    for n in range(1, 5):
        fakes.time.sleep(ctl.tick())
        assert b.tank_reads == n
        low = n % 2 == 1
        assert ctl.tank_low == low
        assert bool(ctl.gfaults() & codes.G_TANK_LOW) == low


class _TempBoard(_CountingBoard):
    """A board whose temperature sensor reads what the test sets."""

    t = 25

    def temp_c(self):
        return self.t


class _Events(_NoJournal):
    def __init__(self):
        self.events = []

    def event(self, kind, plot, a=0, b=0, c=0):
        self.events.append((kind, plot, a))


def test_a_temperature_sensor_off_its_wire_is_a_fault_not_a_frost_that_holds_the_plots_dry(fakes, tmp_path):
    # An analog sensor whose wire is off reads the ADC's rail: -60 C here.
    # Believed, the frost rule would refuse every start until someone drove
    # out; a real frost is a few degrees below 0, never that.
    from saxaul import codes, config, controller, state

    b = _TempBoard()
    j = _Events()
    cfg = config.derive(config.defaults(2))
    ctl = controller.Controller(b, cfg, state.State(2), j, str(tmp_path / "state.json"))
    b.t = -5
    fakes.time.sleep(ctl.tick())
    assert ctl.frost and ctl.gfaults() & codes.G_FROST  # a frost is a frost
    assert not ctl.gfaults() & codes.G_TEMP_SENSOR
    for t in (-60, 120):
        b.t = t
        fakes.time.sleep(ctl.tick())
        assert not ctl.frost
        assert ctl.gfaults() & codes.G_TEMP_SENSOR and not ctl.gfaults() & codes.G_FROST
    assert (codes.E_FAULT_SET, codes.NO_PLOT, codes.G_TEMP_SENSOR) in j.events
    b.t = 20
    fakes.time.sleep(ctl.tick())
    assert not ctl.gfaults() & codes.G_TEMP_SENSOR
    assert (codes.E_FAULT_CLR, codes.NO_PLOT, codes.G_TEMP_SENSOR) in j.events


class _PvBoard(_CountingBoard):
    pv_max_mv = 26730
    pv = 20000

    def read_pv_mv(self):
        return self.pv


def test_a_pv_reading_past_what_the_panel_can_give_raises_the_pv_sensor_fault(fakes, tmp_path):
    from saxaul import codes, config, controller, state

    b = _PvBoard()
    cfg = config.derive(config.defaults(2))
    ctl = controller.Controller(b, cfg, state.State(2), _NoJournal(), str(tmp_path / "state.json"))
    fakes.time.sleep(ctl.tick())
    assert not ctl.gfaults() & codes.G_PV_SENSOR
    b.pv = 26950  # the pin at the ADC's rail: the divider's low side is off
    fakes.time.sleep(ctl.tick())
    assert ctl.gfaults() & codes.G_PV_SENSOR
    b.pv = 21000
    fakes.time.sleep(ctl.tick())
    assert not ctl.gfaults() & codes.G_PV_SENSOR


class _FlowBoard(_CountingBoard):
    """Sunny, a plot short of water, and a meter that counts while `water` and the pump runs."""

    pulses_per_l = 450
    water = True

    def __init__(self, time):
        _CountingBoard.__init__(self)
        self.time = time
        self.pump = False
        self._ms = time.now_ms()

    def set_outputs(self, pump_on, valves):
        self.pump = pump_on

    def take_pulses(self):
        now = self.time.now_ms()
        n = (now - self._ms) * 450 * 2 // 60000 if self.pump and self.water else 0  # 2 L/min
        self._ms = now
        return n

    def read_probe_mv(self, i):
        return 1900  # 27 %: below its start (35 %), room below field capacity


def test_a_meter_check_whose_water_the_meter_counts_ends_the_dry_run_latch(fakes, tmp_path):
    # Starts ran dry (the tank was empty); by the check the water is back.
    # The check's pulses say so: the latch clears and the plots are watered,
    # without waiting for dawn, and nothing blames the meter.
    from saxaul import codes, config, controller, state

    b = _FlowBoard(fakes.time)
    j = _Events()
    cfg = config.derive(config.defaults(2))
    st = state.State(2)
    st.gfaults = codes.G_DRY_RUN
    ctl = controller.Controller(b, cfg, st, j, str(tmp_path / "state.json"))
    for _ in range(400):
        fakes.time.sleep(ctl.tick())
    starts = [e[2] for e in j.events if e[0] == codes.E_START]
    assert starts[0] == codes.R_METER_CHECK
    assert codes.R_MOISTURE_LOW in starts[1:]  # watered the same day
    assert not ctl.gfaults() & (codes.G_DRY_RUN | codes.G_METER)


def test_a_group_run_journals_and_accounts_each_plot(fakes, tmp_path):
    # Three dry plots, three at once: one pump start waters them all, and the
    # journal reads as three runs that overlap, each with its share of water.
    from saxaul import codes, config

    world = scripted(fakes, start_pct=(20, 20, 20, 80), flow_ml_min=6000)
    cfg = config.defaults(4)
    cfg["plots_at_once"] = 3
    root = flash(tmp_path, board_spec(), cfg)
    run_for(fakes, root, 14 * 3600)
    recs, _ = journal(fakes, root)
    starts, stops = kinds(recs, "START"), kinds(recs, "STOP")
    first = [s for s in starts if s["uptime_s"] == starts[0]["uptime_s"]]
    assert sorted(s["plot"] for s in first) == [0, 1, 2]
    assert {(s["a"], s["b"]) for s in first} == {(codes.R_MOISTURE_LOW, first[0]["b"])}
    assert all(s["plot"] != 3 for s in starts)  # the wet plot was left alone
    for s in first:  # every plot of the group has its own STOP, same time, same reason
        stop = next(r for r in stops if r["plot"] == s["plot"] and r["uptime_s"] >= s["uptime_s"])
        assert stop["uptime_s"] == next(r for r in stops if r["plot"] == 0)["uptime_s"]
    group_stops = [r for r in stops if r["uptime_s"] == stops[0]["uptime_s"]]
    assert len(group_stops) == 3 and len({(r["a"], r["b"]) for r in group_stops}) == 1
    ml = [r["c"] for r in group_stops]
    assert max(ml) - min(ml) <= sum(ml) // 1000  # equal flows: equal shares
    assert sum(ml) == pytest.approx(6000 * group_stops[0]["b"] / 60, rel=0.05)
    st = json.loads((tmp_path / "flash" / "state.json").read_text())
    used = st["used_s"]
    assert used[0] == used[1] == used[2] > 0 and used[3] == 0
    # Each plot soaked after its run: the next group start came a soak later.
    later = [s for s in starts if s["uptime_s"] > starts[0]["uptime_s"]]
    assert later and later[0]["uptime_s"] - stops[0]["uptime_s"] >= cfg["plots"][0]["soak_s"]
    assert not [r for r in kinds(recs, "FAULT_SET") if r["a"] in (codes.F_FLOW_HIGH, codes.F_FLOW_LOW)]


def test_a_run_cut_short_soaks_as_much_less(fakes, tmp_path):
    # A soak lets a pulse's water spread before the next one: a run stopped
    # after a fifth of its cycle (here from the host; in weak sun a sag) is a
    # fifth of the water, and soaks a fifth of soak_s.
    scripted(fakes, start_pct=(80, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    fakes.time.sleep(9 * 3600)
    ctl = _controller_of(fakes, root, None)
    ctl.step()
    ctl.manual(0, 600)
    while not ctl.seq.pump_on:
        ctl.board.sleep_s(ctl.step())
    while ctl.seq.run_s < 120:
        ctl.board.sleep_s(ctl.step())
    ctl.host_stop()
    ctl.step()
    run_s = ctl.seq.run_s
    pc = ctl.cfg["plots"][0]
    assert run_s < pc["cycle_s"] // 3
    assert ctl.soak_until[0] - ctl.now_s == pc["soak_s"] * run_s // pc["cycle_s"]


def test_on_a_day_of_browned_out_starts_a_run_goes_on_past_its_cycle(fakes, tmp_path):
    # Most of today's starts sagged: the next start may not come, so a dry
    # plot's run is not stopped after cycle_s for a soak; it runs to the
    # pump's longest run. On a sunny day the same plot stops at cycle_s.
    for weak, want_s in ((False, 600), (True, 1200)):
        scripted(fakes, start_pct=(20, 80, 80, 80))
        (tmp_path / str(weak)).mkdir()
        root = flash(tmp_path / str(weak), board_spec())
        fakes.time.sleep(9 * 3600)
        ctl = _controller_of(fakes, root, None)
        if weak:
            ctl.power.weak = lambda: True  # power.py's own tests say when
        while not ctl.seq.pump_on:
            ctl.board.sleep_s(ctl.step())
        on_s = ctl.now_s
        while ctl.seq.pump_on:
            ctl.board.sleep_s(ctl.step())
        assert ctl.seq.run_s == want_s
        assert abs(ctl.now_s - on_s - want_s) <= 10
        pc = ctl.cfg["plots"][0]
        assert (pc["cycle_s"], ctl.cfg["pump_max_run_s"]) == (600, 1200)
        assert (ctl.soak_until[0] > ctl.now_s) == (not weak)


def pv_under_load(world, mv):
    """The panel reads mv while the pump is on (set `load["mv"]` to change it); returns that dict."""
    adc_uv = world.adc_uv
    load = {"mv": mv}

    def loaded(pin):
        uv = adc_uv(pin)
        if pin == world._pv_pin and world._on(world._pump_pin, world._pump_low):
            return load["mv"] * 1000000 // world._ratio_pm
        return uv

    world.adc_uv = loaded
    return load


def loaded_at_nine(fakes, tmp_path, start_pct, mv):
    """A controller at 9:00 whose panel reads mv under the pump: (controller, the load dict)."""
    load = pv_under_load(scripted(fakes, start_pct=start_pct), mv)
    root = flash(tmp_path, board_spec())
    fakes.time.sleep(9 * 3600)
    return _controller_of(fakes, root, None), load


def sags_of(ctl):
    """The `stalled` flag of every sag the controller reports to power, in order."""
    sags = []
    on_sag = ctl.power.on_sag
    ctl.power.on_sag = lambda now, cfg, stalled=False, calm=False, dark=False: (
        sags.append(stalled), on_sag(now, cfg, stalled, calm, dark))
    return sags


def test_a_stall_for_plots_that_can_wait_waits_the_longest_and_a_dark_day_asks_until_tomorrows_noon(fakes, tmp_path):
    # The controller asks the planner whether the stalled start's plots can
    # wait (their balance: wetter than the stress point until tomorrow's
    # dusk) and power then waits the longest (power.py). When power says
    # today's stalls showed only a lifting cloud can start the pump, on a
    # sun with power to spare (`Power.dark`), it asks until tomorrow's noon.
    for dark in (False, True):
        ctl, load = loaded_at_nine(fakes, tmp_path, (20, 80, 80, 80), 6000)
        asked = []

        def can_wait(group, now, pfaults, noon=False):
            asked.append((group, noon))
            return noon == dark

        ctl.planner.can_wait = can_wait
        ctl.power.dark = lambda need_s: dark
        sags = sags_of(ctl)
        for _ in range(5000):
            if sags:
                break
            ctl.board.sleep_s(ctl.step())
        assert asked == [(1, dark)]  # plot 1's start, with the day's horizon
        assert ctl.power.backoff_s == 4 * ctl.cfg["sag_backoff_max_s"]


def test_outside_the_window_of_a_reliable_sun_only_plots_that_need_water_today_start(fakes, tmp_path):
    # Power says a start now would explore the window's edge (power.py):
    # the controller tells the planner, which holds the start back while
    # the plot can wait until tomorrow and starts it once it cannot. On a
    # day whose stalls showed it dark (`Power.dark`) the planner asks until
    # tomorrow's noon, as the stall's wait did.
    from saxaul import codes

    for dark in (True, False):
        ctl, load = loaded_at_nine(fakes, tmp_path, (20, 80, 80, 80), 16000)
        ctl.power.edge = lambda now, need_s: True
        ctl.power.dark = lambda need_s: dark
        calm = {"v": True}
        asked = []

        def can_wait(group, now, pfaults, noon=False):
            asked.append((group, noon))
            return calm["v"]

        ctl.planner.can_wait = can_wait
        for _ in range(20):
            ctl.board.sleep_s(ctl.step())
            assert not ctl.seq.pump_on and ctl.seq.state == 0  # IDLE
        assert asked and set(asked) == {(1, dark)} and ctl.reason == codes.R_PV_WEAK
    calm["v"] = False
    for _ in range(20):
        ctl.board.sleep_s(ctl.step())
        if ctl.seq.state:
            break
    assert ctl.seq.state and ctl.seq.plot == 0


def test_a_start_that_browns_out_at_once_is_a_stall_and_a_run_that_sags_later_is_not(fakes, tmp_path):
    # Only a start the sun never carried reads the stalled pump's voltage
    # (power.py stretches its wait by it); a run that held and then met a
    # cloud reads its working point.
    ctl, load = loaded_at_nine(fakes, tmp_path, (20, 80, 80, 80), 6000)
    sags = sags_of(ctl)
    while not sags:
        ctl.board.sleep_s(ctl.step())
    assert sags == [True]
    load["mv"] = 14000  # the sun comes out: the next start holds
    while not ctl.seq.pump_on:
        ctl.board.sleep_s(ctl.step())
    while ctl.seq.run_s < 120:
        ctl.board.sleep_s(ctl.step())
    load["mv"] = 9000  # a cloud two minutes into the run
    while len(sags) < 2:
        ctl.board.sleep_s(ctl.step())
    assert sags == [True, False]


def test_a_stalled_start_is_no_watering_to_judge_the_probe_by(fakes, tmp_path):
    # A stall gives no water. Counted as a run, an overcast day's stalls
    # added up to the 40 min after which a reading that did not move is a
    # stuck probe, and a good probe was flagged (the cloudy season).
    ctl, load = loaded_at_nine(fakes, tmp_path, (20, 80, 80, 80), 6000)
    runs = []
    watered = ctl.probes[0].watered
    ctl.probes[0].watered = lambda now, run_s: (runs.append(run_s), watered(now, run_s))
    sags = sags_of(ctl)
    while len(sags) < 2:
        ctl.board.sleep_s(ctl.step())
    assert sags == [True, True] and runs == []
    load["mv"] = 14000  # the sun comes out: the next start holds
    while not runs:
        ctl.board.sleep_s(ctl.step())
    assert runs[0] >= 60


def test_a_cycle_handed_over_with_the_pump_running_is_no_start(fakes, tmp_path):
    # Plot 0's cycle ends and plot 1 takes the running pump. What the sun
    # did is told by the pump's start: power.py learns its window from
    # starts that held (a run needs less sun than a start), and a sag soon
    # after a handover is a running pump's, not a stall.
    ctl, load = loaded_at_nine(fakes, tmp_path, (20, 20, 80, 80), 14000)
    held = []
    on_held = ctl.power.held
    ctl.power.held = lambda start_s: (held.append(start_s), on_held(start_s))
    sags = sags_of(ctl)
    while not ctl.seq.pump_on:
        ctl.board.sleep_s(ctl.step())
    start_s = ctl.now_s
    while ctl.seq.plot != 1:
        ctl.board.sleep_s(ctl.step())
    assert ctl.seq.pump_on  # handed over, no restart
    handover_s = ctl.now_s
    assert held == [start_s]
    while ctl.now_s < handover_s + 30:
        ctl.board.sleep_s(ctl.step())
    load["mv"] = 9000  # a cloud half a minute after the handover
    while not sags:
        ctl.board.sleep_s(ctl.step())
    assert sags == [False]
    assert held == [start_s, start_s]


def test_the_dawn_anchors_no_plot_whose_probe_has_no_usable_reading(fakes, tmp_path):
    # A probe cleared from the host (or one whose readings were all off the
    # rails since boot) has no average: the balance must not take its
    # sentinel for a reading of bone-dry soil. Nor is it a failed probe,
    # whose plot goes on on the ET index (and its floor): that is plot 3's.
    scripted(fakes, start_pct=(60, 60, 60, 60))
    root = flash(tmp_path, board_spec())
    fakes.time.sleep(9 * 3600)
    ctl = _controller_of(fakes, root, None)
    for _ in range(3):
        ctl.board.sleep_s(ctl.step())
    taken = []
    dawn = ctl.planner.dawn
    ctl.planner.dawn = lambda now, pm, good, cfg, failed, reads: (taken.append((good, failed, reads)),
                                                                  dawn(now, pm, good, cfg, failed, reads))
    from saxaul import codes

    ctl.probes[1].clear()
    ctl.pfaults[3] |= codes.F_PROBE_STUCK
    ctl.pfaults[2] |= codes.F_PROBE_OPEN
    ctl._dawn()
    # Plot 3's stuck probe still reads (crossed.py weighs it); plot 2's open one does not.
    assert taken == [(0b0001, 0b1100, 0b1001)]
