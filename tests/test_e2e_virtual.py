"""End to end: the saxaul commands, through mpremote, against a virtual board with its watchdog on.

One virtual board (the firmware on the MicroPython unix port, on a
pseudo-terminal) is deployed to from an empty flash, then worked the way a
technician works a controller at a plot: status, a manual run and a stop,
the telemetry, a probe calibration, clearing a fault, a redeploy, a long
maintenance session, and Ctrl-C at the wrong moment.
"""
import json
import os
import time

import pytest

from host_tools import unixport

if unixport.find() is None:
    pytest.skip("needs the MicroPython unix port: " + unixport.MISSING, allow_module_level=True)

from host_tools import cli, deploy  # noqa: E402
from host_tools.device import Device, parse_telemetry  # noqa: E402
from host_tools.transport import Link  # noqa: E402
from host_tools.virtual import VirtualBoard  # noqa: E402

BOARD = "esp32-devkitc"
SPEED = 60  # virtual seconds per wall second: a 4 s watchdog slice takes 67 ms


@pytest.fixture(scope="module")
def vboard(tmp_path_factory):
    flash = tmp_path_factory.mktemp("flash")
    # Every plot wet and the sun up all day: nothing runs unless asked.
    vb = VirtualBoard(str(flash), scenario="wet", speed=SPEED, log_path=str(flash) + ".log")
    vb.start()
    yield vb
    vb.stop()


@pytest.fixture(scope="module")
def deployed(vboard):
    with Device.connect(vboard.port) as dev:
        summary = deploy.deploy(dev, BOARD, out=lambda *a: None)
    return summary


@pytest.fixture
def dev(vboard, deployed):
    d = Device.connect(vboard.port)
    yield d
    d.close()


def telemetry(dev, n=1, timeout=20):
    out = []
    for line in dev.lines(timeout=timeout):
        t = parse_telemetry(line)
        if t is not None:
            out.append(t)
            if len(out) >= n:
                break
    return out


def test_deploy_to_an_empty_flash_boots_our_firmware(vboard, deployed):
    # A fresh board: everything is sent, the board file is the checked one,
    # and the board came up with our version on the board we named.
    assert "main.py" in deployed["sent"] and "board.json" in deployed["sent"]
    assert "lib/saxaul/controller.mpy" in deployed["sent"]
    assert deployed["status"]["board"] == BOARD
    with open(os.path.join(vboard.flash_dir, "board.json")) as f:
        assert json.load(f)["name"] == BOARD
    assert os.path.exists(os.path.join(vboard.flash_dir, "config.json"))


def test_redeploy_with_no_change_sends_no_file_bytes(dev, deployed):
    again = deploy.deploy(dev, BOARD, out=lambda *a: None)
    assert again["sent"] == [] and again["file_bytes"] == 0
    # The config is the board's now: kept as it is, not even compared.
    assert set(again["kept"]) == set(deployed["sent"]) - {"config.json"}
    # What still crosses the wire is the REPL dialogue: hashes, clock, reset.
    assert again["wire_bytes"] < 4000


def test_a_half_copied_file_is_repaired_by_the_next_deploy(vboard, dev):
    path = os.path.join(vboard.flash_dir, "lib", "saxaul", "pump.mpy")
    with open(path, "rb") as f:
        whole = f.read()
    with open(path, "r+b") as f:
        f.truncate(len(whole) // 2)  # the cable came out half way
    again = deploy.deploy(dev, BOARD, out=lambda *a: None)
    assert again["sent"] == ["lib/saxaul/pump.mpy"]
    with open(path, "rb") as f:
        assert f.read() == whole


def test_status_while_the_controller_runs(vboard, dev, capsys):
    s = dev.command("status")
    assert s["board"] == BOARD and s["fw"] == deploy._local_version()
    dev.close()
    assert cli.main(["--port", vboard.port, "status"]) == 0
    out = capsys.readouterr().out
    assert "on %s" % BOARD in out and "plot 1: moisture" in out


def test_run_then_stop_through_the_console(dev):
    # Every plot is wet: only a manual run waters plot 2.
    assert not any(t["pump"] for t in telemetry(dev, 2))
    assert dev.command("run 2 600")["ok"] is True
    on = [t for t in telemetry(dev, 8) if t["pump"] and t["valves"][1]]
    assert on, "plot 2 never started"
    assert on[-1]["reason"] == 7  # R_MANUAL
    dev.command("stop")
    t = telemetry(dev, 2)[-1]
    assert not t["pump"]


def test_a_refused_command_changes_nothing(dev):
    from host_tools.errors import DeviceError

    with pytest.raises(DeviceError, match="PLOT 9 out of range"):
        dev.command("run 9 60")


def test_monitor_prints_a_row_per_tick(vboard, capsys, tmp_path, deployed):
    csv_path = tmp_path / "ticks.csv"
    assert cli.main(["--port", vboard.port, "monitor", "--count", "3", "--csv", str(csv_path)]) == 0
    out = capsys.readouterr().out
    assert "PV V" in out and out.count("\n") >= 4
    rows = csv_path.read_text().splitlines()
    assert rows[0].startswith("wall,up_s,day") and len(rows) == 4


def test_calibrate_reads_the_probe_and_saves_it_in_the_config(vboard, capsys, deployed):
    assert cli.main(["--port", vboard.port, "calibrate", "1", "--dry", "--samples", "8"]) == 0
    out = capsys.readouterr().out
    mv = int(out.split("probe: ")[1].split(" mV")[0])
    assert 1000 < mv < 2300  # the field's probe between its wet and dry points
    with open(os.path.join(vboard.flash_dir, "config.json")) as f:
        assert json.load(f)["plots"][0]["dry_mv"] == mv, out


def test_clear_fault_after_the_config_went_missing(vboard, dev):
    # Someone deleted the config: the board runs on defaults with the CONFIG
    # fault; a deploy puts a config back and clear-fault clears the latch.
    with dev.maintenance():
        dev.remove("config.json")
    s = dev.command("status")
    assert s["gfaults"] & 16
    dev.close()
    with Device.connect(vboard.port) as d2:
        deploy.deploy(d2, BOARD, out=lambda *a: None)
        d2.command("clear")
        assert d2.command("status")["gfaults"] & 16 == 0


def test_a_maintenance_session_longer_than_the_watchdog_does_not_reset(vboard, dev):
    with open(os.path.join(vboard.flash_dir, "board.json")) as f:
        wdt_s = json.load(f)["wdt_ms"] / 1000
    bites = vboard.bites
    boots = len(vboard.boots)
    with dev.maintenance():
        t0 = time.monotonic()
        while time.monotonic() - t0 < wdt_s + 2:
            assert dev.eval_json("1 + 1") == 2  # the REPL stays ours the whole time
            time.sleep(0.5)
    assert vboard.bites == bites
    # One reset into maintenance, one out of it: nothing else.
    assert [c for m, c in vboard.boots[boots:]] == [2, 2]
    assert dev.command("status")["reset_cause"] == 2


def test_ctrl_c_stops_the_controller_with_outputs_off_and_the_watchdog_bites(vboard, dev):
    # A technician opens a plain serial terminal and presses Ctrl-C mid-run.
    dev.command("clear")  # whatever an earlier stop latched must not refuse this run
    assert dev.command("run 2 600")["ok"]
    assert any(t["pump"] for t in telemetry(dev, 12))
    dev.close()
    link = Link(vboard.port)
    try:
        link.enter_raw()  # sends Ctrl-C first, as mpremote does
        outputs = link.eval_json("__import__('machine').world.outputs")
        with open(os.path.join(vboard.flash_dir, "board.json")) as f:
            spec = json.load(f)
        pump = spec["pump"]
        assert outputs[str(pump["pin"])] == (1 if pump.get("active_low") else 0)
        for p in spec["plots"]:
            v = p["valve"]
            assert outputs.get(str(v["pin"]), 1 if v.get("active_low") else 0) == (1 if v.get("active_low") else 0)
        # Left at the REPL, the loop no longer feeds the watchdog: it resets
        # the board and the controller runs again.
        bites = vboard.bites
        deadline = time.monotonic() + spec["wdt_ms"] / 1000 + 5
        while vboard.bites == bites and time.monotonic() < deadline:
            time.sleep(0.2)
        assert vboard.bites == bites + 1
    finally:
        link.close()
    with Device.connect(vboard.port) as d2:
        d2.wait_running()
        assert d2.command("status")["reset_cause"] == 3  # WDT
