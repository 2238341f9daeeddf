"""Wiring diagrams and parts lists: drawn from the board files, so they cannot disagree with the firmware."""
import json
import os
import subprocess
import sys

import pytest

from host_tools import fw, wiring
from host_tools.errors import UserError

ROOT = fw.ROOT
BOARDS = wiring.shipped_boards()


def load(name):
    return wiring.load_board(name)[1]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "host_tools", "wiring"] + list(args),
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def bad_board(tmp_path, **changes):
    b = load("esp32-devkitc")
    for k, v in changes.items():
        b[k] = v
    p = tmp_path / "bad.json"
    p.write_text(json.dumps(b))
    return str(p)


# The divider


@pytest.mark.parametrize("ratio, rtop, rbot", [(11, 100000, 10000), (12, 110000, 10000), (7, 120000, 20000)])
def test_divider_resistors_come_from_e24(ratio, rtop, rbot):
    assert wiring.e24_divider(ratio) == (rtop, rbot)


def test_e24_divider_lands_within_three_percent_for_any_ratio_a_panel_needs():
    # E24 steps are about 10 % apart, so a single pair can miss by a few percent.
    worst = 0
    for tenths in range(15, 400):
        ratio = tenths / 10.0
        rtop, rbot = wiring.e24_divider(ratio)
        worst = max(worst, abs((rtop + rbot) / rbot - ratio) / ratio)
        assert 1000 <= rbot <= 100000
    assert worst < 0.03


def test_a_ratio_the_resistors_cannot_make_is_named_with_the_fix():
    board = load("pico")
    board["pv"]["ratio"] = 10.7  # between 91k/10k (10.1) and 100k/10k (11)
    rows = {r[0]: r for r in wiring.parts(board)}
    assert rows["R1"][2] == "100k" and rows["R2"][2] == "10k"
    assert "board file 10.7: set pv.ratio to 11.00 to match" in rows["R1"][3]
    assert "set pv.ratio to 11.00 to match" in wiring.svg(board)
    assert "to match" not in wiring.svg(load("pico"))


def test_max_panel_voltage_is_the_adc_top_times_the_ratio():
    dv = wiring.divider(load("esp32-devkitc"), "pv")
    assert (dv["rtop"], dv["rbot"]) == (100000, 10000)
    assert dv["in_max_mv"] == 2450 * 11 == 26950
    assert dv["pin_mv"] == 2182  # 24 V open circuit through 11:1
    pico = wiring.divider(load("pico"), "pv")
    assert pico["in_max_mv"] == 3300 * 11
    # The diagram prints the limit rounded down, never above the truth.
    assert "reads up to 26.9 V (ADC top 2450 mV x ratio)" in wiring.svg(load("esp32-devkitc"))


def test_ohms_are_written_as_on_the_resistor_bag():
    assert [wiring.ohms(r) for r in (100, 330, 4700, 10000, 100000, 1000000)] == \
        ["100", "330", "4.7k", "10k", "100k", "1M"]


# Parts


def test_parts_list_of_the_devkitc():
    rows = wiring.parts(load("esp32-devkitc"))
    by_ref = {r[0]: r for r in rows}
    assert len(by_ref) == len(rows)  # references are unique
    assert by_ref["R1"][2] == "100k" and "PV panel divider top" in by_ref["R1"][3]
    assert by_ref["R2"][2] == "10k"
    # The pump is on a MOSFET with a gate pull-down and a Schottky across it.
    assert by_ref["Q1"][1].startswith("N-MOSFET")
    assert any(r[0].startswith("D") and "across the pump" in r[3] for r in rows)
    assert any("gate to ground" in r[3] for r in rows)
    # Four valves on low-level relay channels, each coil with its own flyback diode.
    relays = [r for r in rows if r[0].startswith("K")]
    assert len(relays) == 4 and all("low-level" in r[1] for r in relays)
    assert sum(1 for r in rows if "across the valve coil" in r[3]) == 4


def test_parts_list_of_the_pico_with_ads1115_has_the_adc_and_no_relays():
    rows = wiring.parts(load("pico-ads1115"))
    assert any(r[1].startswith("ADS1115") and r[2] == "0x48" for r in rows)
    assert not any(r[0].startswith("K") for r in rows)
    assert sum(1 for r in rows if r[0].startswith("Q")) == 5  # pump and four valves


# The diagram


@pytest.mark.parametrize("name", BOARDS)
def test_diagram_names_every_pin_the_firmware_uses(name):
    board = load(name)
    text = wiring.svg(board)
    bf = fw.module("boardfile")
    for field, pin, role in bf.pins(board):
        assert ">GPIO%d<" % pin in text, field
        assert ">%s (" % field in text, field


@pytest.mark.parametrize("name", BOARDS)
def test_committed_diagram_matches_the_board_file(name):
    """A board-file change without `make wiring` leaves a stale picture in the field guide."""
    path = os.path.join(wiring.WIRING_DIR, name + ".svg")
    assert os.path.exists(path), "docs/wiring/%s.svg missing: run `make wiring`" % name
    with open(path) as f:
        committed = f.read()
    assert committed == wiring.svg(load(name)), "docs/wiring/%s.svg is stale: run `make wiring`" % name


def test_no_diagram_left_for_a_board_that_is_gone():
    drawn = sorted(f[:-4] for f in os.listdir(wiring.WIRING_DIR) if f.endswith(".svg"))
    assert drawn == BOARDS


def test_diagram_changes_when_a_pin_moves():
    board = load("pico")
    before = wiring.svg(board)
    board["pump"]["pin"] = 14
    after = wiring.svg(board)
    assert ">GPIO15<" in before and ">GPIO15<" not in after and ">GPIO14<" in after


def test_ground_note_lists_what_shares_ground():
    text = wiring.svg(load("virtual"))
    assert "One ground: board GND, PV panel -," in text
    assert "Q1 source" in text and "K1 module GND" in text and "FM1 GND" in text


# The command


def test_cli_refuses_an_impossible_board_with_one_line(tmp_path):
    path = bad_board(tmp_path, wdt_ms=500)
    out_svg = tmp_path / "x.svg"
    res = run_cli("--board", path, "--out", str(out_svg))
    assert res.returncode != 0
    assert res.stdout == ""
    assert res.stderr.splitlines() == [
        "saxaul: error: %s: wdt_ms = 500: the esp32 watchdog needs at least 1000 ms" % path]
    assert not out_svg.exists()


def test_cli_prints_each_problem_on_its_own_line(tmp_path):
    b = load("esp32-devkitc")
    b["pv"]["ratio"] = 8.0
    b["pump"]["pin"] = 12
    p = tmp_path / "two.json"
    p.write_text(json.dumps(b))
    res = run_cli("--board", str(p))
    lines = res.stderr.splitlines()
    assert res.returncode != 0 and len(lines) == 2
    assert "pv.ratio = 8.0:" in lines[0] and "pump.pin = 12: strapping pin" in lines[1]
    assert all(str(p) in line for line in lines)


def test_cli_unknown_board_names_the_shipped_ones():
    res = run_cli("--board", "esp8266")
    assert res.returncode != 0
    assert "boards under boards/: esp32-devkitc, pico, pico-ads1115, virtual" in res.stderr
    assert len(res.stderr.splitlines()) == 1


def test_cli_refuses_a_file_that_is_not_json(tmp_path):
    p = tmp_path / "torn.json"
    p.write_text('{"name": "half')
    res = run_cli("--board", str(p))
    assert res.returncode != 0 and "not valid JSON" in res.stderr


def test_cli_prints_the_parts_list():
    res = run_cli("--board", "pico", "--parts")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split() == ["REF", "PART", "VALUE", "FOR"]
    assert any(line.startswith("R1 ") and "100k" in line for line in lines)


def test_cli_writes_svg_and_png(tmp_path):
    svg, png = tmp_path / "pico.svg", tmp_path / "pico.png"
    res = run_cli("--board", "pico", "--out", str(svg))
    assert res.returncode == 0, res.stderr
    assert svg.read_text() == wiring.svg(load("pico"))
    res = run_cli("--board", "pico", "--out", str(png))
    assert res.returncode == 0, res.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_warns_about_a_wasteful_divider_but_draws(tmp_path):
    b = load("pico")
    b["pv"]["ratio"] = 40.0
    p = tmp_path / "wide.json"
    p.write_text(json.dumps(b))
    res = run_cli("--board", str(p), "--out", str(tmp_path / "wide.svg"))
    assert res.returncode == 0
    assert "saxaul: warning:" in res.stderr and "resolution is lost" in res.stderr


def test_load_board_raises_user_error_for_the_host_commands(tmp_path):
    with pytest.raises(UserError) as exc:
        wiring.load_board(bad_board(tmp_path, chip="esp8266"))
    assert 'chip = "esp8266": must be "esp32" or "rp2040"' in str(exc.value)


def test_relay_pump_active_low_led_and_analog_frost_sensor_are_drawn():
    """A bench build: pump on a relay channel, LED sinking into the pin, a TMP36 on the last ADC1 pin."""
    board = load("virtual")
    board["pump"] = {"pin": 23, "active_low": True}
    board["led"] = {"pin": 4, "active_low": True}
    board["temp"] = {"kind": "adc", "pin": 39, "mv_at_0c": 500, "mv_per_c": 10}
    board["plots"][0]["probe"]["power_pin"] = None
    text = wiring.svg(board)
    assert "pump.pin (out, active low)" in text and "pin low = pump on" in text
    assert "led.pin (out, active low)" in text and "temp.pin (ADC)" in text
    assert ">GPIO18<" not in text  # the probe runs from 3V3 now
    rows = wiring.parts(board)
    assert any(r[0] == "K1" and "pump switch" in r[3] for r in rows)
    assert any("analog temperature sensor" in r[1] for r in rows)
