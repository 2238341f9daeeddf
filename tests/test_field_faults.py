"""Field faults on the simulated field: broken probes, a dry tank, a dead flow meter, a shut valve, a weak panel, burst and clogged lines, frost, a stuck relay.

The firmware boots from main.py on CPython against boards/sim/field.py (the
muynak-summer scenario, a few days of it); each test breaks one thing in the
field at a known moment and reads the journal: when the fault was seen, what
the plot got, that it was journaled and shown in the status. Every test also
watches the field itself: no pump run past the hard 30-minute cap, and the
pump never on with every valve closed (but for a relay stuck on, where the
firmware holds the last valve open on purpose).
"""
import contextlib
import io
import json

import pytest

from host_tools import season

DAY_S = 86400
HARD_MAX_RUN_S = 7200
# Fault bits and reasons (firmware/saxaul/codes.py)
F_OPEN, F_SHORT, F_RANGE, F_JUMP, F_STUCK, F_FLOW_HIGH, F_FLOW_LOW, F_NO_FLOW = 1, 2, 4, 8, 16, 32, 64, 128
G_DRY_RUN, G_TANK_LOW, G_FROST, G_RELAY_STUCK, G_METER = 1, 2, 4, 32, 512
R_MOISTURE_LOW, R_FALLBACK, R_DRY_RUN, R_TANK_LOW, R_FLOW_HIGH, R_PV_SAG, R_RELAY_STUCK = 1, 6, 11, 12, 13, 10, 26
R_METER_CHECK = 29
FAULT_AT_S = DAY_S + 10 * 3600  # 10:00 on the second day
DR0_FRAC = 0.55  # the season starts with the root zone half dry: every plot needs water on day 1


class Run:
    """The firmware over a few days of a scenario, with watchers on the field."""

    def __init__(self, fakes, tmp_path, days, sc_name="muynak-summer", sc_over=None, cfg_over=None,
                 board_over=None, world_over=None):
        sc = season.load_scenario(sc_name)
        sc["days"] = days
        sc["dr0_frac"] = DR0_FRAC
        if sc_over:
            sc_over(sc)
        root, spec = season.prepare_flash(sc, str(tmp_path / "flash"))
        if board_over:
            board_over(spec)
            (tmp_path / "flash" / "board.json").write_text(json.dumps(spec))
        if cfg_over:
            cfg = json.loads((tmp_path / "flash" / "config.json").read_text())
            cfg_over(cfg)
            (tmp_path / "flash" / "config.json").write_text(json.dumps(cfg))
        self.root = root
        self.cfg = json.loads((tmp_path / "flash" / "config.json").read_text())
        fieldmod = fakes.sim_module("field")
        fakes.time.reset(0, season.epoch_s(sc))
        world = fieldmod.Field(sc, spec, fakes.time, fakes.machine)
        if world_over:
            world_over(world)
        fakes.machine.set_world(world)
        world.attach()
        self.world = world
        self.longest_run_s = 0
        self.dead_head_s = 0
        self.cold_starts = 0
        self._on_ms = None
        self._last_ms = 0
        fakes.time.add_hook(self._watch)
        ctls = []
        Controller = fakes.import_firmware().controller.Controller
        real_init = Controller.__init__

        def init(ctl, *a, **kw):
            real_init(ctl, *a, **kw)
            ctls.append(ctl)

        Controller.__init__ = init
        main = fakes.import_main()
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                main.main(root, False)
        except fieldmod.SeasonOver:
            pass
        finally:
            Controller.__init__ = real_init
        self.ctl = ctls[-1]
        self.errors = [x for x in out.getvalue().splitlines() if x.startswith("E ")]
        from saxaul import journal

        self.recs, self.bad = journal.read_dir(root + "log")

    def _watch(self, now_ms):
        w = self.world
        dt = now_ms - self._last_ms
        self._last_ms = now_ms
        if w.pump_on:
            if self._on_ms is None:
                self._on_ms = now_ms
            run_s = (now_ms - self._on_ms) // 1000
            if run_s > self.longest_run_s:
                self.longest_run_s = run_s
            if not any(w.valves):
                self.dead_head_s += dt / 1000
        else:
            self._on_ms = None

    def kinds(self, kind, **match):
        return [r for r in self.recs if r["kind"] == kind and all(r[k] == v for k, v in match.items())]

    def safe(self, relay_stuck=False, dead_head_s=0):
        assert self.bad == 0 and self.errors == []
        assert all(r["b"] <= HARD_MAX_RUN_S for r in self.kinds("STOP"))
        if not relay_stuck:  # a welded relay runs the pump whatever the firmware does
            assert self.longest_run_s <= HARD_MAX_RUN_S
            assert self.dead_head_s <= dead_head_s


def fault_after(world, i, mv_fn, at_s=FAULT_AT_S):
    """Probe i reads mv_fn(clean_mv) from at_s on."""
    real = world.probe_mv

    def probe_mv(j):
        mv = real(j)
        if j == i and world.t_ms >= at_s * 1000:
            return mv_fn(mv)
        return mv

    world.probe_mv = probe_mv


def flow_after(world, plot, fn, at_s=FAULT_AT_S):
    """The flow meter counts pulses for fn(flow) from at_s on while plot's valve is open (plot None: any)."""
    real = world._pulse_to

    def pulse_to(now_ms):
        lpm = world._lpm
        if world.t_ms >= at_s * 1000 and (plot is None or world.valves[plot]):
            world._lpm = fn(lpm)
        try:
            real(now_ms)
        finally:
            world._lpm = lpm

    world._pulse_to = pulse_to


def first_set(run, plot, bit):
    recs = run.kinds("FAULT_SET", plot=plot, a=bit)
    return recs[0]["uptime_s"] if recs else None


def starts_after(run, plot, t_s, reason=None):
    return [r for r in run.kinds("START", plot=plot) if r["uptime_s"] > t_s and (reason is None or r["a"] == reason)]


# Probes

@pytest.mark.parametrize("what,mv,bit", [
    ("unplugged (bottom rail)", 0.0, F_OPEN),
    ("signal shorted to the supply (top rail)", 3300.0, F_SHORT),
])
def test_a_probe_at_a_rail_is_seen_within_minutes_and_the_plot_gets_its_fallback_dose(fakes, tmp_path, what, mv, bit):
    run = Run(fakes, tmp_path, 4, world_over=lambda w: fault_after(w, 1, lambda _mv: mv))
    run.safe()
    seen = first_set(run, 1, bit)
    assert seen is not None and 0 <= seen - FAULT_AT_S <= 30 * 60  # two readings, 15-min samples at worst
    st = run.ctl.status()
    assert st["pfaults"][1] & bit  # shown in `saxaul status`
    # Policy "fallback" (the default): the plot goes on on its water balance
    # without the probe, its ET its daily dose times the good plots' ET over
    # their doses (it failed before its own was learned). It was short of
    # water when the probe failed: the refills take it near field capacity
    # without draining, and keep it there (as long as the sun lets them:
    # which days they fall on is the weather's).
    rows = fakes.sim_module("field").rows_as_dicts(run.world)
    fb = starts_after(run, 1, FAULT_AT_S, R_FALLBACK)
    assert fb and fb[0]["uptime_s"] < 3 * DAY_S, "no fallback water by the end of the next day"
    for day in (2, 3):
        r = rows[day]
        assert r["dr1"] < r["raw1"] / 2  # well out of stress
        assert r["dp_irr1"] <= 0.1 * r["irr1"]  # and nothing much drained
    assert sum(r["irr1"] for r in rows[1:4]) > 2 * sum(r["etc1"] for r in rows[1:4])  # the deficit, not a day's ET


def test_a_probe_with_policy_skip_is_not_watered_once_it_fails(fakes, tmp_path):
    def cfg(c):
        c["plots"][1]["fault_policy"] = "skip"

    run = Run(fakes, tmp_path, 4, cfg_over=cfg, world_over=lambda w: fault_after(w, 1, lambda _mv: 0.0))
    run.safe()
    seen = first_set(run, 1, F_OPEN)
    assert seen is not None
    assert starts_after(run, 1, seen) == []
    assert starts_after(run, 0, seen)  # the other plots carry on


def test_a_stuck_probe_is_found_after_a_run_that_does_not_move_it(fakes, tmp_path):
    # The reading freezes in the evening of day 1 (salt crust on the probe,
    # Kelleners 2004): day 2's refill, 40 min of water or more that do not
    # raise it by a point, judged a soak (30 min) after the run, sets STUCK.
    at_s = DAY_S - 3 * 3600
    run = Run(fakes, tmp_path, 5, world_over=lambda w: fault_after(w, 2, lambda _mv: 1900.0, at_s))
    run.safe()
    seen = first_set(run, 2, F_STUCK)
    assert seen is not None
    runs = [r for r in run.kinds("STOP", plot=2) if r["uptime_s"] > at_s and r["b"] >= 120]
    # Judged a soak after the last run of that morning's cycles.
    assert runs and runs[0]["uptime_s"] < seen <= runs[0]["uptime_s"] + 6 * 3600
    assert run.ctl.status()["pfaults"][2] & F_STUCK


def test_a_noisy_probe_is_flagged_as_jumping_and_its_jumps_are_not_believed(fakes, tmp_path):
    # A loose connector: +-250 mV spikes on every other reading.
    flip = {"n": 0}

    def noisy(mv):
        flip["n"] += 1
        return mv + (250.0 if flip["n"] % 2 else -250.0)

    run = Run(fakes, tmp_path, 3, world_over=lambda w: fault_after(w, 0, noisy))
    run.safe()
    seen = first_set(run, 0, F_JUMP)
    assert seen is not None and seen - FAULT_AT_S <= 30 * 60


def test_a_drifting_probe_leaves_its_calibration_and_is_flagged_out_of_range(fakes, tmp_path):
    # The probe reads 40 mV drier each day from 10:00 on day 2 (a failing
    # supply, water in the cable); the plot's span is ~380 mV, so it leaves
    # its calibration by a quarter of the span within about ten days.
    run = Run(fakes, tmp_path, 14,
              world_over=lambda w: fault_after(w, 3, lambda mv: mv + 40.0 * (w.t_ms / 1000 - FAULT_AT_S) / DAY_S))
    run.safe()
    seen = first_set(run, 3, F_RANGE)
    assert seen is not None and seen - FAULT_AT_S <= 12 * DAY_S
    # Until then the drift reads as drier soil: watered more, never past the
    # longest run or the daily cap.
    per_day = {}
    for r in run.kinds("STOP", plot=3):
        assert r["b"] <= run.cfg["pump_max_run_s"] + 5
        d = r["uptime_s"] // DAY_S
        per_day[d] = per_day.get(d, 0) + r["b"]
    assert per_day and max(per_day.values()) <= run.cfg["plots"][3]["daily_max_s"] + 5


def test_a_salinity_bias_that_reads_wetter_than_water_is_flagged_out_of_range(fakes, tmp_path):
    # Salt builds up round the probe: it reads 800 mV wetter, more than two
    # spans past the wet calibration point, wetter than in water
    # (FIELD-NOTES: strong bias in halophyte plots).
    run = Run(fakes, tmp_path, 3, world_over=lambda w: fault_after(w, 0, lambda mv: mv - 800.0))
    run.safe()
    seen = first_set(run, 0, F_RANGE)
    assert seen is not None and seen - FAULT_AT_S <= 30 * 60
    assert starts_after(run, 0, seen + 3600, R_FALLBACK)  # believed neither wet nor dry: the fallback dose


# Pump and water

def test_a_dry_tank_whose_float_fails_latches_after_three_tries_and_the_meter_check_confirms_it(fakes, tmp_path):
    # 30 L in the tank, no refill, and a float that never reads low: the
    # tank runs dry on the first day the sun carries the pump, and the pump
    # moves no water from then on.
    def dry_tank(sc):
        sc["tank"] = {"volume_l": 200.0, "start_l": 30.0, "low_l": -1.0, "refill_lph": 0.0}

    run = Run(fakes, tmp_path, 3, sc_over=dry_tank)
    run.safe()
    dry = [r for r in run.kinds("STOP") if r["a"] == R_DRY_RUN]
    assert dry and dry[0]["uptime_s"] < 2 * DAY_S
    end_s = (dry[0]["uptime_s"] // DAY_S + 1) * DAY_S  # that day's dawn-to-dawn latch
    dry = [r for r in dry if r["uptime_s"] < end_s]
    assert len(dry) == 3  # dryrun_max_tries
    # The run that emptied the tank stopped when its flow did, not at its
    # cycle's end; the tries after it within the prime time.
    assert dry[0]["b"] < 1200 and dry[0]["c"] > 0
    assert all(r["b"] <= 15 + 5 for r in dry[1:])  # prime_s, plus a run tick
    gaps = [b["uptime_s"] - a["uptime_s"] for a, b in zip(dry, dry[1:])]
    assert all(g >= 20 * 60 for g in gaps)  # dryrun_retry_min (Lorentz: 20 min)
    latched = first_set(run, 255, G_DRY_RUN)
    assert latched == dry[-1]["uptime_s"]
    # After the latch, no start that day but the meter's check (tried again
    # when a cloud stalls it), whose probe saw no water. The latch stays
    # until dawn, and the meter is not blamed.
    after = [r for r in run.kinds("START") if latched < r["uptime_s"] < end_s]
    assert after and all(r["a"] == R_METER_CHECK and r["plot"] == after[0]["plot"] for r in after)
    stops = [r for r in run.kinds("STOP", plot=after[0]["plot"]) if r["uptime_s"] > after[0]["uptime_s"]]
    assert all(r["a"] == R_PV_SAG for r in stops[:len(after) - 1])  # the tries before the last, stalled
    check_stop = stops[len(after) - 1]
    assert check_stop["b"] >= 600 // 2  # long enough to show on the probe
    assert check_stop["c"] == 0  # the meter counted none, and no probe vouched for any
    assert not [r for r in run.kinds("FAULT_CLR", plot=255, a=G_DRY_RUN) if latched < r["uptime_s"] < end_s]
    assert first_set(run, 255, G_METER) is None
    # dryrun_clear = dawn: the next morning it tries again (and stops again).
    assert run.kinds("FAULT_CLR", plot=255, a=G_DRY_RUN)
    assert [r for r in run.kinds("STOP") if r["a"] == R_DRY_RUN and r["uptime_s"] > end_s]


def test_a_meter_that_stops_counting_is_found_by_its_check_and_the_plots_are_watered_by_time(fakes, tmp_path):
    # From 10:00 on day 2 the meter counts nothing; the water still flows.
    run = Run(fakes, tmp_path, 3, world_over=lambda w: flow_after(w, None, lambda lpm: 0.0))
    run.safe()
    dry = [r for r in run.kinds("STOP") if r["a"] == R_DRY_RUN and r["uptime_s"] < 2 * DAY_S]
    assert len(dry) == 3  # it looks like a dry run at first
    latched = first_set(run, 255, G_DRY_RUN)
    assert latched == dry[-1]["uptime_s"]
    check = [r for r in run.kinds("START") if r["uptime_s"] > latched][0]
    assert check["a"] == R_METER_CHECK
    dead = first_set(run, 255, G_METER)
    assert dead is not None and dead - check["uptime_s"] <= 600 + 900 + 120  # the run, the settling, a tick
    assert [r for r in run.kinds("FAULT_CLR", plot=255, a=G_DRY_RUN) if r["uptime_s"] == dead]
    # Watering goes on, by time: no more dry runs, the stops' water from flow_ml_min.
    later = [r for r in run.kinds("STOP") if r["uptime_s"] > dead]
    assert later and not [r for r in later if r["a"] == R_DRY_RUN]
    assert [r for r in run.kinds("START") if r["uptime_s"] > dead and r["a"] == R_MOISTURE_LOW]
    for r in later:
        if r["b"] > 0:
            want = r["b"] * run.cfg["plots"][r["plot"]]["flow_ml_min"] // 60
            assert abs(r["c"] - want) <= 1
    assert run.ctl.gfaults() & G_METER


def test_a_meter_that_counts_again_is_trusted_again(fakes, tmp_path):
    # Dead from 10:00 on day 2 to midnight (sand in the rotor, washed out).
    def revive(world):
        flow_after(world, None, lambda lpm: 0.0 if world.t_ms < 2 * DAY_S * 1000 else lpm)

    run = Run(fakes, tmp_path, 3, world_over=revive)
    run.safe()
    dead = first_set(run, 255, G_METER)
    assert dead is not None and dead < 2 * DAY_S
    back = run.kinds("FAULT_CLR", plot=255, a=G_METER)
    assert back and back[0]["uptime_s"] > 2 * DAY_S
    assert not run.ctl.gfaults() & G_METER
    # It judges the flow again: a burst line would be seen.
    stops = [r for r in run.kinds("STOP") if r["uptime_s"] > back[0]["uptime_s"] and r["b"] > 0]
    assert stops and all(r["c"] != r["b"] * run.cfg["plots"][r["plot"]]["flow_ml_min"] // 60 for r in stops)


def test_a_valve_that_no_longer_opens_costs_its_own_plot_and_not_the_others(fakes, tmp_path):
    # From 10:00 on day 2 plot 1's valve stays shut: its runs move no water.
    def shut(world):
        world._any_shut = True
        world._shut = lambda i: i == 1 and world.t_ms >= FAULT_AT_S * 1000

    run = Run(fakes, tmp_path, 4, world_over=shut)
    # The pump runs against the shut valve only for its dry tries: the prime
    # time, or a flow window after a handover, and a run tick.
    tries = run.kinds("STOP", plot=1, a=R_DRY_RUN)
    run.safe(dead_head_s=len(tries) * (15 + 10 + 10))
    no_flow = first_set(run, 1, F_NO_FLOW)
    assert no_flow is not None and no_flow < 2 * DAY_S
    assert first_set(run, 255, G_METER) is None  # the meter counted the other line's water
    # Once the line is known shut, the other plots get the pump; the dry-run latch is gone.
    others = [r for r in run.kinds("START") if r["uptime_s"] > no_flow and r["plot"] != 1 and r["a"] == R_MOISTURE_LOW]
    assert others
    latches = [r["uptime_s"] for r in run.kinds("FAULT_SET", plot=255, a=G_DRY_RUN)]
    clears = [r["uptime_s"] for r in run.kinds("FAULT_CLR", plot=255, a=G_DRY_RUN)]
    assert len(clears) >= len(latches)
    # Each dawn the shut line is tried again (a valve that stuck once may open).
    assert [r for r in run.kinds("START", plot=1) if r["uptime_s"] > 2 * DAY_S]


def test_a_low_tank_stops_the_pump_and_no_start_comes_until_it_refills(fakes, tmp_path):
    def tank(sc):
        sc["tank"] = {"volume_l": 60.0, "start_l": 40.0, "low_l": 15.0, "refill_lph": 0.0}

    run = Run(fakes, tmp_path, 3, sc_over=tank)
    run.safe()
    low = first_set(run, 255, G_TANK_LOW)
    assert low is not None
    assert [r for r in run.kinds("STOP") if r["a"] == R_TANK_LOW] or \
        [r for r in run.kinds("REFUSE") if r["a"] == R_TANK_LOW]
    assert [r for r in run.kinds("START") if r["uptime_s"] > low] == []
    assert run.ctl.status()["gfaults"] & G_TANK_LOW
    assert run.world.tank_l >= 14.0  # the pump did not drain it below the float


def test_a_panel_too_small_for_the_pump_backs_off_after_each_brownout(fakes, tmp_path):
    def weak(sc):
        sc["panel"]["pstc_w"] = 22.0

    run = Run(fakes, tmp_path, 2, sc_over=weak)
    run.safe()
    sags = [r for r in run.kinds("STOP") if r["a"] == R_PV_SAG]
    assert sags
    for a in sags:
        nxt = [r for r in run.kinds("START") if r["uptime_s"] > a["uptime_s"]]
        if nxt:
            assert nxt[0]["uptime_s"] - a["uptime_s"] >= 90  # sag_backoff_s (Lorentz: ~90 s)


def test_a_burst_line_stops_the_run_and_the_plot(fakes, tmp_path):
    # The line to plot 2 splits: four times the emitters' flow runs out of it.
    run = Run(fakes, tmp_path, 3, world_over=lambda w: flow_after(w, 1, lambda lpm: 4 * lpm))
    run.safe()
    hi = [r for r in run.kinds("STOP", plot=1) if r["a"] == R_FLOW_HIGH]
    # Judged within the first flow windows after the line split (or after the
    # run began, when it began later).
    assert hi and hi[0]["uptime_s"] - max(FAULT_AT_S, hi[0]["uptime_s"] - hi[0]["b"]) <= 60
    assert first_set(run, 1, F_FLOW_HIGH) is not None
    assert starts_after(run, 1, hi[0]["uptime_s"]) == []  # the plot is left dry until the host clears it
    assert run.ctl.status()["pfaults"][1] & F_FLOW_HIGH


def test_clogged_emitters_are_reported_and_the_plot_still_gets_water(fakes, tmp_path):
    # Salt and algae: plot 1's emitters pass a fifth of their flow.
    run = Run(fakes, tmp_path, 4, world_over=lambda w: flow_after(w, 0, lambda lpm: 0.2 * lpm))
    run.safe()
    seen = first_set(run, 0, F_FLOW_LOW)
    assert seen is not None
    assert starts_after(run, 0, seen)


def test_frost_holds_every_start(fakes, tmp_path):
    # A board with an air sensor; frost_c at its top (20 C) so the cool April
    # mornings of the scenario count as frost.
    def board(spec):
        spec["temp"] = {"kind": "adc", "pin": 39, "mv_at_0c": 500, "mv_per_c": 10}

    def cfg(c):
        c["frost_c"] = 20

    run = Run(fakes, tmp_path, 3, board_over=board, cfg_over=cfg)
    run.safe()
    assert first_set(run, 255, G_FROST) is not None
    for r in run.kinds("START"):
        s = r["uptime_s"] % DAY_S
        d = r["uptime_s"] // DAY_S
        assert run.world.days[d].air_c(s) >= 20 - 0.5


def test_a_relay_stuck_on_latches_and_keeps_a_valve_open_for_the_running_pump(fakes, tmp_path):
    # From 10:00 on day 2 the pump relay welds: the first "off" is ignored.
    def weld(w):
        real = w.write
        pin = w._pump_pin

        def write(p, level):
            if p == pin and level == 0 and w.pump_on and w.t_ms >= FAULT_AT_S * 1000:
                return  # the contacts stay closed
            real(p, level)

        w.write = write

    run = Run(fakes, tmp_path, 3, world_over=weld)
    run.safe(relay_stuck=True)
    stuck = [r for r in run.kinds("STOP") if r["a"] == R_RELAY_STUCK]
    assert len(stuck) == 1
    assert first_set(run, 255, G_RELAY_STUCK) == stuck[0]["uptime_s"]
    assert run.kinds("FAULT_CLR", plot=255, a=G_RELAY_STUCK) == []  # only the host clears it
    assert [r for r in run.kinds("START") if r["uptime_s"] > stuck[0]["uptime_s"]] == []
    # The one output that stays on: the stuck plot's valve, so the pump never dead-heads.
    plot = stuck[0]["plot"]
    assert run.world.valves[plot] and run.world.pump_on
    assert run.dead_head_s <= 1 + 5  # valve_lag_s and a tick before the flow gave it away
    st = run.ctl.status()
    assert st["gfaults"] & G_RELAY_STUCK and st["outputs"] == 1 << (plot + 1)
