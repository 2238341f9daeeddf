"""The simulated field behind the fake `machine`: what the firmware's board module reads and drives."""
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "boards", "sim")
if SIM not in sys.path:
    sys.path.append(SIM)

import field  # noqa: E402
import scenario  # noqa: E402

H_MS = 3600000


def _board():
    with open(os.path.join(ROOT, "boards", "virtual.json")) as f:
        return json.load(f)


def _world(fakes, name="short-day", **over):
    with open(os.path.join(ROOT, "scenarios", name + ".json")) as f:
        raw = json.load(f)
    raw.update(over)
    sc = scenario.resolve(raw)
    spec = _board()
    f = field.Field(sc, spec, fakes.time, fakes.machine)
    fakes.machine.set_world(f)
    f.attach()
    board = fakes.import_firmware().board.Board(spec)
    return f, board, spec


def test_pv_reads_zero_at_night_and_the_divided_panel_voltage_by_day(fakes):
    f, board, spec = _world(fakes)
    assert board.read_pv_mv() == 0  # midnight
    fakes.time.sleep_ms(12 * H_MS)
    mv = board.read_pv_mv()
    v = f.pv_v()
    assert 17000 < mv < 22000
    # Only the ADC's millivolt steps and the divider's scaling separate the two.
    assert abs(mv - v * 1000) < spec["pv"]["ratio"] * 2


def test_the_pump_sags_the_panel_voltage_the_firmware_reads(fakes):
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(12 * H_MS)
    open_mv = board.read_pv_mv()
    board.set_outputs(True, 1)
    fakes.time.sleep_ms(5000)
    load_mv = board.read_pv_mv()
    assert open_mv - load_mv > 1000
    assert load_mv > 11500  # noon in June: the pump keeps running
    assert f.pvp.running


def test_a_probe_without_power_reads_zero_and_reads_wetter_after_watering(fakes):
    f, board, spec = _world(fakes)
    pin = spec["plots"][0]["probe"]["pin"]
    assert f.adc_uv(pin) == 0  # power pin low: the probe is dead
    fakes.time.sleep_ms(11 * H_MS)
    dry = board.read_probe_mv(0)
    assert 1700 < dry < 2100
    board.set_outputs(True, 1)  # plot 0's valve and the pump
    fakes.time.sleep_ms(H_MS)
    board.set_outputs(False, 0)
    wet = board.read_probe_mv(0)
    assert wet < dry - 50  # the output falls as the soil wets (FIELD-NOTES)
    assert board.read_probe_mv(1) > wet  # plot 1 got nothing


def test_a_probe_powered_in_the_same_millisecond_as_a_read_reads_at_once(fakes):
    # The field draws a probe's noise once per ms and machine.ADC caches the
    # read for that ms: powering the probe must end both, or the first
    # reading after power-up would be the dead probe's 0.
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(11 * H_MS)
    pin = spec["plots"][0]["probe"]["pin"]
    pwr = spec["plots"][0]["probe"]["power_pin"]
    adc = fakes.machine.ADC(fakes.machine.Pin(pin), atten=fakes.machine.ADC.ATTN_11DB)
    power = fakes.machine.Pin(pwr, fakes.machine.Pin.OUT)
    power.value(0)
    assert adc.read_uv() == 0
    power.value(1)
    assert 1700000 < adc.read_uv() < 2100000
    power.value(0)
    assert adc.read_uv() == 0


def test_flow_pulses_count_the_litres_at_the_boards_rate(fakes):
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 1)
    for _ in range(60):
        fakes.time.sleep_ms(5000)
    board.set_outputs(False, 0)
    pulses = board.take_pulses()
    litres = f.d_pumped_l
    assert litres == pytest.approx(8 * 4.0 / 60 * 5, rel=0.02)  # 8 emitters of 4 L/h for 5 min
    assert pulses == pytest.approx(litres * spec["flow"]["pulses_per_l"], abs=1)


def test_no_flow_pulse_arrives_after_the_pump_is_switched_off(fakes):
    # The firmware counts pulses after a stop as a stuck relay: pulses must
    # come as the clock moves, not when the field next catches up.
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 1)
    seen = 0
    for _ in range(20):
        board.sleep_s(5)  # sliced like the firmware's run ticks, no reads between
        n = board.take_pulses()
        assert n > 0
        seen += n
    board.set_outputs(False, 0)
    assert board.take_pulses() == 0
    fakes.time.sleep_ms(60000)
    assert board.take_pulses() == 0
    assert seen == pytest.approx(f.d_pumped_l * spec["flow"]["pulses_per_l"], rel=0.02)


def test_a_dead_meter_counts_nothing_while_the_water_flows(fakes):
    f, board, spec = _world(fakes, meter={"fault": "dead", "fault_from_day": 0})
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 1)
    fakes.time.sleep_ms(300000)
    board.set_outputs(False, 0)
    assert board.take_pulses() == 0
    assert f.d_pumped_l > 2.0 and f.front_mm[0] > 0  # the plot got it


def test_a_shut_valve_passes_no_water_whoever_opens_it(fakes):
    f, board, spec = _world(fakes, valves=[{}, {"fault": "shut", "fault_from_day": 0}])
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 2)  # plot 1 alone: the pump dead-heads
    fakes.time.sleep_ms(60000)
    assert board.take_pulses() == 0 and f.d_pumped_l == 0.0 and not f.valves[1]
    f.set_outputs(True, 1 | 2)  # the baselines' direct API: the same valve
    fakes.time.sleep_ms(60000)
    assert board.take_pulses() > 0 and f.front_mm[1] == 0.0 and f.front_mm[0] > 0


def test_swapped_probe_cables_read_and_power_the_other_plots_probe(fakes):
    f, board, spec = _world(fakes, probe_swap=[0, 1], probes=[{"noise_mv": 0.0}, {"noise_mv": 0.0}])
    fakes.time.sleep_ms(12 * H_MS)
    before = [board.read_probe_mv(i) for i in range(2)]
    board.set_outputs(True, 1)  # water plot 0: channel 1's reading answers
    fakes.time.sleep_ms(600000)
    board.set_outputs(False, 0)
    after = [board.read_probe_mv(i) for i in range(2)]
    assert before[1] - after[1] > 20 and abs(after[0] - before[0]) < 5


def test_an_empty_tank_lowers_the_float_and_stops_the_flow(fakes):
    tank = {"volume_l": 3.0, "start_l": 3.0, "low_l": 1.0, "refill_lph": 0.0}
    f, board, spec = _world(fakes, tank=tank)
    fakes.time.sleep_ms(12 * H_MS)
    assert not board.tank_low()
    board.set_outputs(True, 1 | 2 | 4 | 8)
    fakes.time.sleep_ms(120000)  # 1.87 L/min with every valve open: more than the tank holds
    assert board.tank_low()
    board.take_pulses()
    fakes.time.sleep_ms(60000)
    assert board.take_pulses() == 0  # running dry
    assert f.tank_l == 0.0


def test_probe_faults_open_stuck_and_drift(fakes):
    probes = [{"fault": "open", "fault_from_day": 0},
              {"fault": "stuck", "fault_from_day": 0},
              {"fault": "drift", "fault_from_day": 0, "drift_mv_per_day": 48.0, "noise_mv": 0.0},
              {"noise_mv": 0.0}]
    f, board, spec = _world(fakes, probes=probes)
    fakes.time.sleep_ms(11 * H_MS)
    assert board.read_probe_mv(0) >= 3000  # open circuit floats to the rail
    stuck = board.read_probe_mv(1)
    d2, d3 = board.read_probe_mv(2), board.read_probe_mv(3)
    board.set_outputs(True, 2)
    fakes.time.sleep_ms(H_MS)
    board.set_outputs(False, 0)
    assert board.read_probe_mv(1) == stuck  # watered, yet the same reading
    fakes.time.sleep_ms(H_MS)
    # Two more hours of drift (4 mV) on top of what plot 3 did in the same time.
    assert (board.read_probe_mv(2) - d2) - (board.read_probe_mv(3) - d3) == pytest.approx(4, abs=2)


def test_air_temperature_is_coldest_before_dawn(fakes):
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(3 * H_MS)
    cold = f.temp_c
    fakes.time.sleep_ms(12 * H_MS)
    assert cold == 19 and f.temp_c == 35  # the short-day scenario's Tmin and Tmax


def test_the_season_ends_from_the_clock_past_any_except_exception(fakes):
    f, board, spec = _world(fakes)
    ended = False
    try:
        while True:
            try:
                board.sleep_s(600)
            except Exception:  # a firmware loop's guard must not catch the end
                pass
    except field.SeasonOver:
        ended = True
    assert ended
    assert len(f.rows) == 2 and f.rows[-1][0] == 1


def test_the_field_follows_the_clock_only_while_the_pump_runs(fakes):
    # Idle, the clock calls nothing of the field on each of a season's
    # millions of sleeps; running, the field catches up first, then others look.
    f, board, spec = _world(fakes)
    hooks = fakes.time._hooks
    assert f._hook not in hooks
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 1)
    assert hooks[0] is f._hook
    board.set_outputs(False, 0)
    assert f._hook not in hooks


def test_a_reset_drops_every_output(fakes):
    f, board, spec = _world(fakes)
    fakes.time.sleep_ms(12 * H_MS)
    board.set_outputs(True, 1)
    assert f.pump_on and f.valves[0]
    f.on_reset(3)
    assert not f.pump_on and not any(f.valves) and f.cause == 3
