"""Settings from the laptop: checked here and on the board, shown as old -> new, nothing sent when wrong."""
import contextlib
import io
import json
import os
import subprocess
import sys

import pytest
from folderboard import FolderBoard

from host_tools import configtool, fw, unixport
from host_tools.errors import UserError

config = fw.module("config")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class FakeBoard(FolderBoard):
    """The device over a folder; exec() runs the code on CPython with the board's
    absolute paths moved into the folder, so the firmware's own config module
    judges what the laptop sent."""

    def __init__(self, root, schema=config.SCHEMA_VERSION, n_plots=2):
        FolderBoard.__init__(self, root, schema)
        self.execs = 0
        self._put("/board.json", json.dumps({"name": "bench", "chip": "esp32", "plots": [{}] * n_plots}).encode())

    def exec(self, code):
        assert self.in_maintenance
        self.execs += 1
        code = code.replace("'/", "'" + self.root + "/")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code, {})
        return out.getvalue()

    def config_on_board(self):
        path = self._local("/config.json")
        return json.load(open(path)) if os.path.exists(path) else None


@pytest.fixture
def board(tmp_path):
    b = FakeBoard(tmp_path / "flash", n_plots=2)
    b._put("/config.json", json.dumps(config.defaults(2)).encode())
    return b


def lines_of(fn, board, *args):
    out = []
    with board.maintenance():
        fn(board, *args, out=out.append)
    return out


def test_lowering_a_start_threshold_is_saved_and_shown_old_to_new(board):
    # Plot 1's saxaul seedlings wilt before the controller starts: start watering at 30 % instead of 35 %.
    out = lines_of(configtool.set_on_device, board, ["plot1.start_pct=30", "tick_s=120"])
    assert out == ["tick_s: 60 -> 120 s", "plot1.start_pct: 35 -> 30 %"]
    saved = board.config_on_board()
    assert saved["plots"][0]["start_pct"] == 30 and saved["tick_s"] == 120
    assert saved["plots"][1]["start_pct"] == 35
    assert not os.path.exists(board._local("/config.json.tmp"))


def test_a_value_out_of_range_names_key_value_and_range_and_nothing_is_sent(board):
    before = board.config_on_board()
    with pytest.raises(UserError) as exc:
        lines_of(configtool.set_on_device, board, ["plot2.cycle_s=9000"])
    msg = str(exc.value)
    assert "plot2.cycle_s = 9000" in msg and "10..7200 s" in msg and "nothing sent" in msg
    assert "\n" not in msg
    assert board.writes == [] and board.config_on_board() == before


def test_a_target_below_the_start_is_refused_with_both_values(board):
    with pytest.raises(UserError, match=r"plot1.target_pct = 30: must be above start_pct \(35\)"):
        lines_of(configtool.set_on_device, board, ["plot1.target_pct=30"])
    assert board.writes == []


@pytest.mark.parametrize("text,words", [
    ("start_pct=30", "is a plot setting: write plot1.start_pct=30"),
    ("plot3.start_pct=30", "no such plot (the board has plot1..plot2)"),
    ("pump_max_run_s=ten", "expected an integer"),
    ("leach_mode=flood", "one of off, drip, surface, fraction"),
    ("speed", "write KEY=VALUE"),
    ("colour=red", "colour: unknown key"),
])
def test_typos_in_the_field_are_explained(board, text, words):
    with pytest.raises(UserError, match=words.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        lines_of(configtool.set_on_device, board, [text])
    assert board.writes == []


def test_a_board_with_another_schema_is_refused_and_told_to_deploy(board):
    board.schema = config.SCHEMA_VERSION + 1
    with pytest.raises(UserError) as exc:
        lines_of(configtool.set_on_device, board, ["tick_s=120"])
    msg = str(exc.value)
    assert "schema %d" % (config.SCHEMA_VERSION + 1) in msg and "has %d" % config.SCHEMA_VERSION in msg
    assert "saxaul deploy" in msg
    assert board.writes == []


def test_schema_is_asked_from_the_board_when_info_lacks_it(board):
    board.info = lambda: {"device_id": "x"}
    with board.maintenance():
        assert configtool.device_schema(board) == config.SCHEMA_VERSION
    assert board.execs == 1


def test_the_board_has_the_last_word(board):
    # The laptop's check passed, but the board's own schema refuses: its config stays as it was.
    before = board.config_on_board()
    cfg = config.defaults(2)
    cfg["plots"][0]["start_pct"] = 20
    original = board.exec

    def stricter(code):
        return original(code.replace("e = config.validate(c, n)", "e = ['plots[0].start_pct = 20: board says no']"))

    board.exec = stricter
    with pytest.raises(UserError, match="board refused the config, nothing changed: plot1.start_pct = 20"):
        with board.maintenance():
            configtool.write_device(board, cfg)
    assert board.config_on_board() == before
    assert not os.path.exists(board._local("/config.json.tmp"))


def test_push_of_the_same_config_sends_nothing(board):
    out = []
    with board.maintenance():
        configtool.push(board, config.defaults(2), out=out.append)
    assert out == ["no change"] and board.writes == []


def test_a_board_without_config_runs_on_defaults_and_says_so(board):
    os.remove(board._local("/config.json"))
    with board.maintenance():
        cfg, note = configtool.read_device(board)
    assert cfg == config.defaults(2) and "defaults" in note


def test_diff_lists_only_changed_keys_with_units():
    old = config.defaults(2)
    new = configtool.set_values(old, ["plot2.dry_mv=2300", "leach_mode=off"])
    assert configtool.format_diff(configtool.diff(old, new)) == ['leach_mode: "drip" -> "off"', "plot2.dry_mv: 2200 -> 2300 mV"]
    assert configtool.diff(old, old) == []
    assert old["plots"][1]["dry_mv"] == 2200  # set_values works on a copy


def test_get_reads_keys_as_the_user_writes_them():
    cfg = config.defaults(2)
    assert configtool.get_value(cfg, "plot2.target_pct") == 60
    assert configtool.get_value(cfg, "pump_max_run_s") == 1200
    with pytest.raises(UserError, match="is a plot setting"):
        configtool.get_value(cfg, "target_pct")


def test_a_local_file_is_edited_atomically_and_an_old_version_is_migrated(tmp_path):
    path = tmp_path / "plot-a.json"
    v1 = config.defaults(1)
    v1["version"] = 1
    del v1["plots"][0]["ece_slope_pct"]
    path.write_text(json.dumps(v1))
    cfg = configtool.load_file(str(path))
    assert cfg["version"] == config.SCHEMA_VERSION and "ece_slope_pct" in cfg["plots"][0]
    configtool.save_file(str(path), configtool.set_values(cfg, ["plot1.soak_s=900"]))
    assert json.loads(path.read_text())["plots"][0]["soak_s"] == 900
    assert os.listdir(tmp_path) == ["plot-a.json"]


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "host_tools"] + list(args), cwd=cwd, capture_output=True, text=True)


def test_cli_errors_are_one_line_and_non_zero(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config.defaults(1)))
    r = run_cli("config", "set", "--file", str(path), "plot1.start_pct=300")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("saxaul: error: ")
    assert "plot1.start_pct = 300: must be an integer 0..100 %" in r.stderr
    assert json.loads(path.read_text())["plots"][0]["start_pct"] == 35
    r = run_cli("config", "get", "--file", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "cannot read" in r.stderr
    r = run_cli("config", "get", "plot1.start_pct", "--file", str(path))
    assert r.returncode == 0 and r.stdout == "35\n"


@pytest.mark.skipif(unixport.find() is None, reason=unixport.MISSING)
def test_the_save_code_runs_on_micropython(tmp_path):
    # The code sent to the board must run on MicroPython's json/os, not only on CPython.
    (tmp_path / "board.json").write_text(json.dumps({"plots": [{}]}))
    good = config.defaults(1)
    good["plots"][0]["start_pct"] = 25
    (tmp_path / "config.json.tmp").write_text(json.dumps(good))
    code = unixport.prelude() + configtool.SAVE_CODE.replace("'/", "'" + str(tmp_path) + "/")
    r = subprocess.run([unixport.find(), "-c", code], capture_output=True, text=True, timeout=30)
    line = [x for x in r.stdout.splitlines() if x.startswith(configtool.MARK)]
    assert line and json.loads(line[0][len(configtool.MARK):])["ok"] is True, r.stdout + r.stderr
    assert json.loads((tmp_path / "config.json").read_text())["plots"][0]["start_pct"] == 25
