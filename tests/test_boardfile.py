"""Board-file checks: every shipped board passes, and each wiring mistake seen at the bench is refused by name."""
import copy
import glob
import json
import os

import pytest

from saxaul import boardfile

BOARDS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "boards")
SHIPPED = sorted(glob.glob(os.path.join(BOARDS, "*.json")))


def load(name):
    with open(os.path.join(BOARDS, name + ".json")) as f:
        return json.load(f)


def esp():
    return copy.deepcopy(load("esp32-devkitc"))


def pico():
    return copy.deepcopy(load("pico"))


def one(board):
    """The single problem a mutated board has (a second one would hide the point of the test)."""
    errs = boardfile.check(board)
    assert len(errs) == 1, errs
    return errs[0]


def test_the_four_boards_ship():
    names = [os.path.basename(p)[:-5] for p in SHIPPED]
    assert set(names) >= {"esp32-devkitc", "pico", "pico-ads1115", "virtual"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: os.path.basename(p))
def test_every_shipped_board_passes_without_warnings(path):
    with open(path) as f:
        board = json.load(f)
    assert boardfile.check(board) == []
    assert boardfile.warnings(board) == []


def test_virtual_board_is_an_esp32_with_four_plots_on_adc1_and_no_battery():
    b = load("virtual")
    assert b["chip"] == "esp32" and b["adc_read"] == "uv"
    assert len(b["plots"]) == 4 and b["battery"] is None
    assert all(32 <= p["probe"]["pin"] <= 39 for p in b["plots"])
    assert b["flow"] and b["tank_low"] and b["led"]


# Pins


def test_a_pin_wired_twice_names_both_fields():
    b = esp()
    b["plots"][1]["valve"]["pin"] = 25  # copied the first valve's line and forgot to change it
    assert one(b) == "plots[1].valve.pin = 25: pin used twice, also by plots[0].valve.pin"


def test_probe_on_adc2_is_refused_because_wifi_kills_adc2():
    b = esp()
    b["plots"][0]["probe"]["pin"] = 14
    b["plots"][0]["valve"]["pin"] = 32  # keep the pin count honest
    msg = one(b)
    assert msg.startswith("plots[0].probe.pin = 14: ADC2 pin")
    assert "WiFi" in msg and "GPIO32-39" in msg


def test_probe_on_a_digital_only_esp32_pin_is_refused():
    b = esp()
    b["plots"][0]["probe"]["pin"] = 5
    assert one(b) == "plots[0].probe.pin = 5: not an ADC pin; analog inputs go on ADC1 (GPIO32-39)"


def test_pico_pv_on_gpio29_is_refused_because_it_reads_vsys():
    b = pico()
    b["pv"]["pin"] = 29
    msg = one(b)
    assert msg.startswith("pv.pin = 29:") and "VSYS/3" in msg


def test_pico_probe_off_the_adc_pins_is_refused():
    b = pico()
    b["plots"][0]["probe"]["pin"] = 22
    assert one(b) == "plots[0].probe.pin = 22: not an ADC pin; the rp2040 reads analog on GPIO26-28 only"


@pytest.mark.parametrize("pin", [0, 2, 5, 12, 15])
def test_pump_on_a_strapping_pin_is_refused(pin):
    b = esp()
    b["pump"]["pin"] = pin
    msg = one(b)
    assert msg.startswith("pump.pin = %d: strapping pin" % pin)


def test_valve_on_an_input_only_pin_is_refused():
    b = esp()
    b["plots"][0]["probe"]["pin"] = 37  # free the pin for the mistake
    b["plots"][2]["valve"]["pin"] = 34
    b["plots"][2]["probe"]["pin"] = 38
    assert one(b) == "plots[2].valve.pin = 34: input-only pin: GPIO34-39 cannot drive an output"


def test_flow_meter_on_a_pin_without_pull_up_is_refused():
    b = virtual = copy.deepcopy(load("virtual"))
    virtual["flow"]["pin"] = 39  # free on the virtual board, but no internal pull-up
    assert "no internal pull resistor" in one(b)


def test_flash_and_uart_pins_are_refused():
    b = esp()
    b["led"]["pin"] = 7
    assert one(b) == "led.pin = 7: GPIO6-11 drive the module's SPI flash"
    b["led"]["pin"] = 1
    assert "UART0" in one(b)


# Analog inputs and the ADS1115


def test_pico_with_three_probes_and_no_ads1115_is_told_to_add_one():
    b = pico()
    b["plots"].append({"probe": {"pin": 29, "power_pin": 22}, "valve": {"pin": 14}})
    errs = boardfile.check(b)
    assert any(e.startswith("plots: 3 probes on ADC pins make 4 analog inputs, the rp2040 has 3")
               and "declare an ads1115" in e for e in errs), errs


def test_probe_on_ads_channel_without_an_ads1115_is_refused():
    b = pico()
    b["plots"][0]["probe"] = {"ads": 0, "power_pin": 20}
    assert one(b) == "plots[0].probe.ads = 0: no ads1115 declared; add one or read the probe on an ADC pin"


def test_ads_channel_out_of_range_and_twice():
    b = copy.deepcopy(load("pico-ads1115"))
    b["plots"][3]["probe"]["ads"] = 4
    assert one(b) == "plots[3].probe.ads = 4: the ADS1115 has channels 0-3"
    b["plots"][3]["probe"]["ads"] = 2
    assert one(b) == "plots[3].probe.ads = 2: ADS1115 channel used twice"


def test_rp2040_i2c_pins_must_belong_to_the_bus():
    b = copy.deepcopy(load("pico-ads1115"))
    b["ads1115"]["sda"], b["ads1115"]["scl"] = 2, 3  # the I2C1 pins with i2c 0
    errs = boardfile.check(b)
    assert errs == ["ads1115.sda = 2: not an SDA pin of I2C0 (GPIO0, 4, 8, ...)",
                    "ads1115.scl = 3: not an SCL pin of I2C0 (GPIO1, 5, 9, ...)"]


def test_adc_inputs_lists_pv_battery_and_probes_on_chip_pins():
    assert boardfile.adc_inputs(load("esp32-devkitc")) == [
        ("pv.pin", 36), ("battery.pin", 39), ("plots[0].probe.pin", 32),
        ("plots[1].probe.pin", 33), ("plots[2].probe.pin", 34), ("plots[3].probe.pin", 35)]
    # Probes on the ADS1115 leave the Pico's ADC to PV and battery.
    assert boardfile.adc_inputs(load("pico-ads1115")) == [("pv.pin", 26), ("battery.pin", 27)]


# Dividers


def test_pv_divider_that_overdrives_the_pin_at_open_circuit_is_refused():
    b = esp()
    b["pv"]["ratio"] = 8.0  # 24 V / 8 = 3 V on a pin that reads to 2.45 V
    assert one(b) == ("pv.ratio = 8.0: voc_mv 24000 mV would put 3000 mV on the pin, above the ADC's 2450 mV;"
                      " the ratio must be at least 9.8")


def test_divider_math_max_panel_voltage_is_adc_top_times_ratio():
    b = esp()
    assert boardfile.in_max_mv(b, "pv") == 2450 * 11
    assert boardfile.pin_mv(b, "pv", 24000) == 2182
    # At exactly the minimum ratio the panel's Voc lands on the ADC's top: accepted.
    b["pv"]["ratio"] = 24000 / 2450
    assert boardfile.check(b) == []
    b["pv"]["ratio"] = 24000 / 2450 - 0.01
    assert one(b).startswith("pv.ratio = ")


def test_battery_divider_checked_against_its_charging_voltage():
    b = esp()
    b["battery"]["ratio"] = 5.0  # 14.4 V / 5 = 2.88 V
    assert "the ratio must be at least 5.9" in one(b)


def test_oversized_divider_is_only_a_warning():
    b = esp()
    b["pv"]["ratio"] = 40.0  # 24 V lands at 600 mV: legal, but a quarter of the range
    assert boardfile.check(b) == []
    (w,) = boardfile.warnings(b)
    assert w.startswith("pv.ratio = 40.0: voc_mv 24000 mV gives only 600 mV on the pin")
    assert "a ratio near 10.9" in w


def test_ratio_below_one_is_not_a_divider():
    b = esp()
    b["pv"]["ratio"] = 0.5
    assert one(b) == "pv.ratio = 0.5: a divider ratio is (Rtop + Rbottom) / Rbottom, at least 1"


# Chip limits


def test_rp2040_watchdog_over_8388_ms_is_refused():
    b = pico()
    b["wdt_ms"] = 9000
    assert one(b) == "wdt_ms = 9000: the rp2040 watchdog allows at most 8388 ms"
    b["wdt_ms"] = 8388
    assert boardfile.check(b) == []


def test_esp32_watchdog_under_a_second_is_refused():
    b = esp()
    b["wdt_ms"] = 500
    assert one(b) == "wdt_ms = 500: the esp32 watchdog needs at least 1000 ms"


def test_read_uv_on_a_pico_is_refused():
    b = pico()
    b["adc_read"] = "uv"
    assert one(b) == 'adc_read = "uv": read_uv exists on the ESP32 only; use "u16"'


def test_esp32_adc_range_beyond_the_linear_range_of_the_attenuation():
    b = esp()
    b["adc_range_mv"] = [150, 3100]
    assert one(b) == "adc_range_mv = [150, 3100]: high end above the 2450 mV the ADC reads linearly at this setting"


def test_five_plots_exceed_the_hard_limit():
    b = copy.deepcopy(load("pico-ads1115"))
    b["plots"].append({"probe": {"pin": 28}, "valve": {"pin": 14}})
    assert one(b) == "plots: 5 plots, must be 1 to 4 (limits.HARD_MAX_PLOTS)"


def test_mosfet_output_cannot_be_active_low():
    b = esp()
    b["pump"]["active_low"] = True
    assert one(b).startswith("pump.active_low = true: a low-side N-MOSFET turns on with its gate high")


# Missing and mistyped fields


def test_missing_pump_is_named():
    b = esp()
    del b["pump"]
    assert one(b) == "pump: missing, needs an object {...}"


def test_mistyped_fields_are_named_with_their_value():
    b = esp()
    b["wdt_ms"] = "8000"
    assert one(b) == 'wdt_ms = "8000": must be an int (milliseconds)'
    b = esp()
    b["plots"][0]["valve"]["active_low"] = "yes"
    assert one(b) == 'plots[0].valve.active_low = "yes": must be true or false'
    b = esp()
    b["flow"]["pulses_per_l"] = 7.5  # the L/min factor instead of pulses per litre
    assert one(b) == "flow.pulses_per_l = 7.5: must be an int (pulses per litre)"


def test_misspelt_key_is_refused_rather_than_silently_dropping_the_float():
    b = esp()
    b["tank-low"] = b.pop("tank_low")
    msg = one(b)
    assert msg.startswith("tank-low: unknown field")


def test_not_an_object_at_all():
    assert boardfile.check([1, 2]) == ["board = [1, 2]: must be a JSON object {...}"]


def test_garbage_never_raises():
    for junk in ({"chip": 3, "plots": "x", "pv": [], "pump": {"pin": None}}, {"plots": [None, 4]},
                 {"chip": "esp32", "adc_range_mv": [1], "pv": {"pin": "36", "ratio": "11"}}):
        assert boardfile.check(junk)


def test_driver_defaults_from_polarity():
    assert boardfile.driver({"pin": 1, "active_low": True}) == "relay"
    assert boardfile.driver({"pin": 1}) == "mosfet"
    assert boardfile.driver({"pin": 1, "active_low": False, "driver": "relay"}) == "relay"


# The device says the same


MICROPYTHON = os.path.join(os.path.dirname(BOARDS), ".venv", "bin", "micropython")


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="MicroPython unix port not installed (.venv/bin/micropython)")
def test_device_refuses_with_the_same_lines_as_the_host(tmp_path):
    import subprocess

    cases = [load(os.path.basename(p)[:-5]) for p in SHIPPED]
    bad = esp()
    bad["pv"]["ratio"] = 8.0
    bad["plots"][1]["valve"]["pin"] = 25
    bad["pump"]["pin"] = 12
    bad["wdt_ms"] = True  # a bool is not an int on either runtime
    cases.append(bad)
    bad = pico()
    bad["wdt_ms"] = 9000
    bad["pv"]["pin"] = 29
    bad["adc_read"] = "uv"
    cases.append(bad)
    src = tmp_path / "cases.json"
    src.write_text(json.dumps(cases))
    root = os.path.dirname(BOARDS)
    out = subprocess.run(
        [MICROPYTHON, "-c", "import sys, json; sys.path[:0] = ['boards/sim', 'firmware']\n"
         "from saxaul import boardfile\n"
         "for b in json.load(open(%r)): print(json.dumps(boardfile.check(b)))" % str(src)],
        cwd=root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    device = [json.loads(line) for line in out.stdout.splitlines()]
    assert device == [boardfile.check(b) for b in cases]
    assert device[-1] and device[-2] and not any(device[:-2])
