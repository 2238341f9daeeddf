"""The board module: outputs off at construction, polarity, valve/pump order, ADC scaling."""
import pytest

ESP = {
    "name": "bench-esp32",
    "chip": "esp32",
    "adc_read": "uv",
    "adc_atten_db": 11,
    "adc_range_mv": [150, 2450],
    "wdt_ms": 8000,
    "pv": {"pin": 36, "ratio": 11.0, "voc_mv": 24000},
    "battery": {"pin": 39, "ratio": 2.0},
    "pump": {"pin": 25, "active_low": False},
    "led": {"pin": 23, "active_low": False},
    "plots": [
        {"probe": {"pin": 32, "power_pin": 21}, "valve": {"pin": 26, "active_low": True}},
        {"probe": {"pin": 33, "power_pin": None}, "valve": {"pin": 27, "active_low": True}},
    ],
    "flow": {"pin": 17, "pulses_per_l": 450},
    "tank_low": {"pin": 16, "low_level": 0, "pull": "up"},
    "temp": None,
    "ads1115": None,
}

PICO = {
    "name": "bench-pico",
    "chip": "rp2040",
    "adc_read": "u16",
    "adc_range_mv": [0, 3300],
    "adc_vref_mv": 3300,
    "wdt_ms": 8000,
    "pv": {"pin": 26, "ratio": 10.0, "voc_mv": 24000},
    "battery": None,
    "pump": {"pin": 15, "active_low": False},
    "led": {"pin": 25},
    "plots": [{"probe": {"ads": 1, "power_pin": 14}, "valve": {"pin": 16, "active_low": False}}],
    "flow": None,
    "tank_low": None,
    "temp": {"kind": "rp2040"},
    "ads1115": {"i2c": 0, "sda": 4, "scl": 5, "addr": 72},
}


@pytest.fixture
def esp(fakes):
    from saxaul.board import Board

    return Board(ESP), fakes.machine.world, fakes


def test_outputs_are_driven_off_at_construction_with_their_polarity(esp):
    board, world, _ = esp
    assert world.outputs[25] == 0  # pump active high: off is 0
    assert world.outputs[26] == 1  # valves active low: off is 1
    assert world.outputs[27] == 1
    assert board.outputs_mask() == 0


def test_valve_opens_before_pump_and_pump_stops_before_valve(esp):
    board, world, fakes = esp
    world.log.clear()
    board.set_outputs(True, 0b01)
    assert [(pin, lvl) for _, pin, lvl in world.log] == [(26, 0), (25, 1)]
    assert board.outputs_mask() == 0b011
    world.log.clear()
    board.set_outputs(False, 0)
    assert [(pin, lvl) for _, pin, lvl in world.log] == [(25, 0), (26, 1)]


def test_all_off_turns_pump_off_first(esp):
    board, world, _ = esp
    board.set_outputs(True, 0b11)
    world.log.clear()
    board.all_off()
    assert world.log[0][1:] == (25, 0)
    assert board.outputs_mask() == 0


def test_pv_volts_through_the_divider_with_spikes_rejected(esp):
    board, world, fakes = esp
    world.adc_mv[36] = 1800
    assert board.read_pv_mv() == 19800
    # A spike on a few of the 16 reads does not move the median.
    reads = iter([3100] * 3 + [1800] * 13)
    board._pv = lambda: next(reads) * 1000
    assert board.read_pv_mv() == 19800


def test_a_pv_reading_past_the_panel_or_at_the_adcs_rail_is_the_dividers_wiring(fakes):
    from saxaul.board import Board

    # 24 V panel on a divider of 11 to an ADC that reads to 2450 mV: the
    # rail (26.7 V) comes before a quarter over the rating (30 V).
    assert Board(ESP).pv_max_mv == (2450 - 20) * 11
    # A divider of 20 reads to 49 V: a quarter over the rating comes first.
    assert Board(dict(ESP, pv={"pin": 36, "ratio": 20.0, "voc_mv": 24000})).pv_max_mv == 30000


def test_probe_is_powered_only_while_read(esp):
    board, world, _ = esp
    world.adc_mv[32] = 1500
    world.log.clear()
    assert board.read_probe_mv(0) == 1500
    assert [(pin, lvl) for _, pin, lvl in world.log] == [(21, 1), (21, 0)]


def test_flow_pulses_and_tank_float(esp):
    board, world, fakes = esp
    fakes.machine.pulse(17, 42)
    assert board.take_pulses() == 42
    assert board.take_pulses() == 0
    assert board.tank_low() is False  # pulled up: high means not low
    world.levels[16] = 0
    assert board.tank_low() is True


def test_sleep_feeds_the_watchdog_in_slices(esp):
    board, world, fakes = esp
    board.start_watchdog()
    board.sleep_s(600)  # far longer than the 8 s watchdog
    assert fakes.time.now_ms() == 600000
    polls = []
    board.sleep_s(20, lambda: polls.append(fakes.time.now_ms()))
    assert len(polls) == 5  # 4 s slices: half the watchdog timeout
    polls.clear()
    board.sleep_s(20, lambda: polls.append(fakes.time.now_ms()), 2000)
    assert len(polls) == 10  # water running: the controller asks for shorter ones


def test_pico_reads_u16_ads1115_probe_and_internal_temperature(fakes):
    from saxaul.board import Board

    m = fakes.machine
    m.set_world(m.Bench(chip="rp2040"))
    board = Board(PICO)
    m.world.adc_mv[26] = 1650
    assert abs(board.read_pv_mv() - 16500) < 20
    m.world.adc_mv[("ads", 1)] = 1234
    assert abs(board.read_probe_mv(0) - 1234) <= 1
    m.world.temp_c = -3
    assert -4 <= board.temp_c() <= -2
