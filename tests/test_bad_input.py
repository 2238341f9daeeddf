"""Bad input from every side: random configs at the board and the laptop, corrupt files on flash, wrong command lines.

Each input is either valid and applied, or refused with a message that names
the problem, and what was there before stays as it was, byte for byte.
"""
import contextlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bootrig import board_spec, flash, journal, run_for
from host_tools import configtool, fw
from host_tools.errors import UserError

config = fw.module("config")
schema = fw.module("config_schema")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUMP = 23  # boards/virtual.json
VALVES = (25, 26, 27, 13)  # active-low relays
G_CONFIG = 16

GLOBAL_KEYS = [e[0] for e in schema.GLOBAL]
PLOT_KEYS = [e[0] for e in schema.PLOT]

# Anything JSON can carry, NaN and infinities included (CPython's json writes them).
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.integers(-10**40, 10**40),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["off", "drip", "surface", "fraction", "dawn", "host", "fallback", "skip", "true", "60"]),
)
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
                      max_leaves=6)
keys = st.one_of(st.sampled_from(GLOBAL_KEYS + PLOT_KEYS + ["version", "plots"]), st.text(max_size=10))


@st.composite
def mutated_configs(draw):
    """(n_plots, a config dict): the defaults with random keys set, removed or added."""
    n = draw(st.integers(1, 4))
    cfg = config.defaults(n)
    for _ in range(draw(st.integers(0, 4))):
        where = draw(st.sampled_from(["global", "plot", "drop", "version", "plots"]))
        if where == "global":
            cfg[draw(keys)] = draw(values)
        elif where == "plot":
            p = cfg["plots"][draw(st.integers(0, n - 1))] if isinstance(cfg.get("plots"), list) and \
                len(cfg["plots"]) == n and all(isinstance(x, dict) for x in cfg["plots"]) else None
            if p is not None:
                p[draw(keys)] = draw(values)
        elif where == "drop":
            cfg.pop(draw(st.sampled_from(GLOBAL_KEYS + ["version", "plots"])), None)
        elif where == "version":
            cfg["version"] = draw(st.one_of(st.integers(-2, 5), values))
        else:
            cfg["plots"] = draw(st.one_of(values, st.lists(st.just(config.defaults(1)["plots"][0]), max_size=5)))
    return n, cfg


def _load_from_file(data, n):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "config.json")
        with open(path, "wb") as f:
            f.write(data)
        cfg, status = config.load(path, n)
        with open(path, "rb") as f:
            after = f.read()
    return cfg, status, after


def _board_accepts(cfg, n):
    """What the boot does with a loaded config: it must validate and derive."""
    assert config.validate(cfg, n) == []
    derived = config.derive(cfg)
    for p in derived["plots"]:
        assert 0 <= p["leach_pml"] <= 900


# The board's config load

@settings(max_examples=300, deadline=None)
@given(mutated_configs())
def test_any_config_file_is_either_loaded_as_written_or_refused_for_the_defaults(nc):
    n, cfg = nc
    data = json.dumps(cfg).encode()
    got, status, after = _load_from_file(data, n)
    assert after == data  # the board never rewrites the user's file
    _board_accepts(got, n)
    errs = config.validate(cfg, n)
    if status == config.LOADED:
        assert errs == [] and got == cfg
    elif status == config.MIGRATED:
        assert cfg.get("version") != config.SCHEMA_VERSION
    else:
        assert status == config.BAD
        assert got == config.defaults(n)
        if cfg.get("version") == config.SCHEMA_VERSION:
            assert errs  # refused only for a reason validate can name


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["global", "plot"]), st.data())
def test_each_bad_value_is_named_with_its_key_and_value(where, data):
    # A technician types one wrong value into the file: the refusal names it.
    n = data.draw(st.integers(1, 4))
    cfg = config.defaults(n)
    if where == "global":
        key = data.draw(st.sampled_from(GLOBAL_KEYS))
        target, prefix = cfg, ""
    else:
        i = data.draw(st.integers(0, n - 1))
        key = data.draw(st.sampled_from(PLOT_KEYS))
        target, prefix = cfg["plots"][i], "plots[%d]." % i
    value = data.draw(values)
    target[key] = value
    errs = config.validate(cfg, n)
    got, status, _ = _load_from_file(json.dumps(cfg).encode(), n)
    if errs:
        assert status == config.BAD and got == config.defaults(n)
        assert all("\n" not in e for e in errs)
        # The key is named: as the bad value itself (with the value as
        # written), or as the other side of a pair it broke (pv_start_mv must
        # be above pv_stop_mv ...).
        own = [e for e in errs if e.startswith(prefix + key + " = ")]
        if own:
            assert json.dumps(value) in own[0]
        else:
            assert any(key in e for e in errs), errs
    else:
        assert status == config.LOADED and got == cfg


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
                 st.builds(lambda d, k: json.dumps(config.defaults(2)).encode()[:k] + d,
                           st.binary(max_size=8), st.integers(0, 2000))))
def test_random_bytes_in_config_json_never_stop_the_boot(data):
    # Flash wear, a torn copy by hand, the erased 0xFF of a fresh sector.
    got, status, after = _load_from_file(data, 2)
    assert after == data
    _board_accepts(got, 2)
    if status != config.LOADED:
        assert status == config.BAD and got == config.defaults(2)


# The laptop's `saxaul config set`

class FakeDevice:
    """A board in maintenance over a folder: its own config module judges what is sent."""

    def __init__(self, root, n_plots):
        self.root = root
        self.writes = []
        with open(self._local("/board.json"), "w") as f:
            json.dump({"name": "bench", "chip": "esp32", "plots": [{}] * n_plots}, f)
        with open(self._local("/config.json"), "w") as f:
            json.dump(config.defaults(n_plots), f)

    def _local(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def info(self):
        return {"schema": config.SCHEMA_VERSION}

    def read_file(self, path, offset=0):
        with open(self._local(path), "rb") as f:
            return f.read()[offset:]

    def write_file(self, path, data):
        self.writes.append(path)
        with open(self._local(path), "wb") as f:
            f.write(data)

    def exec(self, code):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code.replace("'/", "'" + self.root + "/"), {})
        return out.getvalue()


assign_keys = st.one_of(
    st.sampled_from(GLOBAL_KEYS),
    st.builds(lambda i, k: "plot%d.%s" % (i, k), st.integers(-1, 6), st.sampled_from(PLOT_KEYS)),
    st.sampled_from(PLOT_KEYS),
    st.text(min_size=0, max_size=10),
)
assign_values = st.one_of(
    st.integers(-100000, 100000).map(str), st.floats(allow_nan=True).map(repr), st.text(max_size=8),
    st.sampled_from(["true", "false", "on", "off", "drip", "flood", "dawn", "1e3", "0x10", " 60 ", ""]),
)
assignments = st.one_of(st.builds(lambda k, v: "%s=%s" % (k, v), assign_keys, assign_values), st.text(max_size=12))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(assignments, min_size=1, max_size=3))
def test_config_set_applies_a_valid_change_or_refuses_naming_it_and_sends_nothing(n, texts):
    # An empty key is its own known case (below).
    assume(all(t.split("=", 1)[0].strip() for t in texts if "=" in t))
    with tempfile.TemporaryDirectory() as d:
        dev = FakeDevice(d, n)
        path = dev._local("/config.json")
        with open(path, "rb") as f:
            before = f.read()
        lines = []
        try:
            configtool.set_on_device(dev, texts, out=lines.append)
        except UserError as exc:
            msg = str(exc)
            assert "nothing sent" in msg
            # The message names what was wrong: one of the keys the user wrote.
            # (`plot0.enabled` may be answered about `plot0`, the part that is wrong).
            parts = [p for t in texts for p in t.split("=", 1)[0].strip().split(".") if p]
            assert any(p in msg for p in parts) or "write KEY=VALUE" in msg, msg
            assert dev.writes == []
            with open(path, "rb") as f:
                assert f.read() == before
            return
        with open(path, "rb") as f:
            after = f.read()
        saved, status = config.load(path, n)
        assert status == config.LOADED
        assert config.validate(saved, n) == []
        if lines == ["no change"]:
            assert after == before and dev.writes == []
        else:
            assert dev.writes == [configtool.TMP_PATH]
            assert not os.path.exists(dev._local(configtool.TMP_PATH))
            # Exactly the keys written changed, each shown old -> new.
            changed = [row[0] for row in configtool.diff(config.defaults(n), saved)]
            assert len(lines) == len(changed)
            for key in changed:
                assert any(line.startswith(key + ": ") for line in lines)


def test_an_assignment_without_a_key_is_named():
    # `saxaul config set =60` (the key lost in a copy): the refusal must show
    # what was typed, not a message that starts with a colon.
    with pytest.raises(UserError) as exc:
        configtool.set_values(config.defaults(1), ["=60"])
    assert "=60" in str(exc.value) or "no key" in str(exc.value)


@pytest.mark.parametrize("text", [".=0", "plot1.=2", "plot.start_pct=3", "ecw.dsm=4"])
def test_a_dot_with_no_key_around_it_is_answered_with_the_form_to_write(text):
    # A dot alone, or a plot with its key cut off: "unknown key" after a bare
    # "." names nothing the user can fix; the refusal shows the form instead.
    with pytest.raises(UserError) as exc:
        configtool.set_values(config.defaults(2), [text])
    msg = str(exc.value)
    assert text.split("=")[0] in msg and "plotN.KEY=VALUE" in msg


def test_a_key_with_a_line_break_is_refused_in_one_line():
    # A paste from a spreadsheet: `saxaul config set "tick_s\n=60"`. The
    # refusal is printed as one line, so the message must not carry the break.
    with pytest.raises(UserError) as exc:
        configtool.set_values(config.defaults(1), ["tick\n_s=60"])
    assert "\n" not in str(exc.value)


@settings(max_examples=200, deadline=None)
@given(mutated_configs())
def test_config_check_on_the_laptop_agrees_with_the_board(nc):
    # `saxaul config push FILE` checks before connecting: what it passes the
    # board loads as written, what it refuses the board would run on defaults.
    n, cfg = nc
    assume(cfg.get("version") == config.SCHEMA_VERSION)
    got, status, _ = _load_from_file(json.dumps(cfg).encode(), n)
    try:
        configtool.check(cfg, n)
    except UserError as exc:
        msg = str(exc)
        # (A key with a line break breaks the line: the known case above.)
        assert msg.startswith("invalid config, nothing sent: ")
        assert status == config.BAD
    else:
        assert status == config.LOADED and got == cfg


# Corrupt files on the board's flash

CORRUPT_CONFIGS = {
    "empty": b"",
    "torn in half": json.dumps(config.defaults(4)).encode()[:300],
    "erased flash": b"\xff" * 256,
    "a list": b"[1, 2, 3]",
    "strings for numbers": json.dumps(dict(config.defaults(4), tick_s="60")).encode(),
    "a future version": json.dumps(dict(config.defaults(4), version=99)).encode(),
    "plots for another board": json.dumps(config.defaults(2)).encode(),
    "NaN start": json.dumps(config.defaults(4)).replace('"start_pct": 35', '"start_pct": NaN', 1).encode(),
}


def _scripted(fakes, **kw):
    mod = fakes.sim_module("scripted")
    world = mod.ScriptedDay(board_spec(), **kw)
    world.log = []
    fakes.machine.set_world(world)
    return world


@pytest.mark.parametrize("what", sorted(CORRUPT_CONFIGS))
def test_a_corrupt_config_on_flash_boots_on_defaults_with_the_config_fault(fakes, tmp_path, capsys, what):
    world = _scripted(fakes, start_pct=(20, 80, 80, 80))
    root = flash(tmp_path, board_spec())
    path = tmp_path / "flash" / "config.json"
    path.write_bytes(CORRUPT_CONFIGS[what])
    run_for(fakes, root, 12 * 3600)  # midnight to noon
    first = {}
    for t, pin, lvl in world.log:
        first.setdefault(pin, lvl)
    assert first[PUMP] == 0 and all(first[v] == 1 for v in VALVES)  # off before anything
    recs, bad = journal(fakes, root)
    assert bad == 0
    assert [r["a"] for r in recs if r["kind"] == "CONFIG"] == [2]  # defaults: the file is bad
    assert any(r["kind"] == "FAULT_SET" and r["plot"] == 255 and r["a"] == G_CONFIG for r in recs)
    # The plants are watered on the defaults all the same, and the user's
    # file is left for the host to read and fix.
    assert any(r["kind"] == "START" and r["plot"] == 0 for r in recs)
    assert path.read_bytes() == CORRUPT_CONFIGS[what]


def _events(jn, dir, count, first=0):
    jr = jn.Journal(dir, cap_bytes=64 * 1024, file_bytes=1024, dev_id=b"\x5a\xa1\x00\x00\x00\x01")
    for i in range(first, first + count):
        jr.stamp(1, 100 + i, 0)
        jr.event(3, 0, i, 300)  # E_START, a = sequence number
    return jr


def _flip(data, at):
    data = bytearray(data)
    data[at] ^= 0x5A
    return bytes(data)


JOURNAL_DAMAGE = {
    # name: (damage(bytes of the first file) -> bytes, bad stretches, records lost)
    "a flipped byte in a record": (lambda d: _flip(d, 22 + 26 * 5 + 10), 1, 1),
    "a record torn at the end": (lambda d: d[:-13], 1, 1),
    "erased flash appended": (lambda d: d + b"\xff" * 300, 1, 0),
    "garbage in the middle": (lambda d: d[:22 + 26 * 3] + bytes(range(0, 250, 7)) + d[22 + 26 * 3:], 1, 0),
    "a false sync byte": (lambda d: d[:22 + 26 * 2] + b"\xa5\x03\x15" + d[22 + 26 * 2:], 1, 0),
    "two damaged stretches": (lambda d: _flip(_flip(d, 22 + 26 * 2 + 3), 22 + 26 * 7 + 3), 2, 2),
    "an empty file": (lambda d: b"", 0, 30),
}


@pytest.mark.parametrize("what", sorted(JOURNAL_DAMAGE))
def test_a_damaged_journal_is_read_around_and_the_board_boots_on_it(fakes, tmp_path, what):
    jn = fakes.import_firmware().journal
    root = flash(tmp_path, board_spec())
    log = root + "log"
    _events(jn, log, 30)  # j00001.bin: header + 30 events
    first = tmp_path / "flash" / "log" / "j00001.bin"
    damage, want_bad, want_lost = JOURNAL_DAMAGE[what]
    first.write_bytes(damage(first.read_bytes()))
    recs, bad = jn.read_dir(log)
    assert bad == want_bad  # says how many stretches it skipped
    seqs = [r["a"] for r in recs if r["kind"] == "START"]
    assert len(seqs) == 30 - want_lost and seqs == sorted(seqs)
    # The board boots on that flash, journals its boot after the damage, and
    # the reader still finds everything that was readable before.
    fakes.machine.set_world(fakes.machine.Bench())
    run_for(fakes, root, 600)
    recs2, bad2 = journal(fakes, root)
    assert bad2 == bad
    assert [r["a"] for r in recs2 if r["kind"] == "START"] == seqs
    assert [r for r in recs2 if r["kind"] == "BOOT"]


def test_garbage_files_in_the_log_folder_are_left_alone(fakes, tmp_path):
    jn = fakes.import_firmware().journal
    root = flash(tmp_path, board_spec())
    _events(jn, root + "log", 5)
    (tmp_path / "flash" / "log" / "notes.txt").write_text("not a journal")
    (tmp_path / "flash" / "log" / "j0000x.bin").write_bytes(b"\xa5" * 40)
    fakes.machine.set_world(fakes.machine.Bench())
    run_for(fakes, root, 600)
    recs, bad = journal(fakes, root)
    assert bad == 0 and len([r for r in recs if r["kind"] == "START"]) == 5
    assert (tmp_path / "flash" / "log" / "notes.txt").read_text() == "not a journal"


# The command line

def run_cli(*args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "host_tools"] + list(args), cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=e)


def _one_line_refusal(r):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    errors = [x for x in lines if "error: " in x]
    assert len(errors) == 1, r.stderr
    # argparse puts its usage line first; the tool's own refusals are the one line.
    assert len(lines) <= 2 and (len(lines) == 1 or lines[0].startswith("usage: saxaul"))
    assert errors[0].startswith("saxaul")
    return errors[0]


@pytest.mark.parametrize("args,words", [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["config", "set"], "required: KEY=VALUE"),
    (["run", "plot1", "--minutes", "5"], "invalid int value: 'plot1'"),
    (["run", "1", "--minutes", "-5"], "--minutes must be more than 0"),
    (["run", "1", "--minutes", "600"], "hard limit of 120 minutes"),
    (["logs", "tail", "-n", "many"], "invalid int value: 'many'"),
    (["calibrate", "1", "--dry", "--samples", "0"], "--samples must be"),
    (["wiring", "--board", "nosuch"], "boards under boards/: "),
    (["flash", "--board", "nosuch", "--image", "x.bin"], "unknown board 'nosuch'"),
])
def test_bad_arguments_get_one_line_and_a_non_zero_exit(args, words):
    assert words in _one_line_refusal(run_cli(*args))


@pytest.mark.parametrize("args", [["status"], ["config", "get"], ["logs", "pull"], ["stop"], ["clear-fault"]])
def test_no_board_plugged_in_is_said_in_one_line(args, tmp_path):
    # No serial port at all: the field laptop before the cable is in.
    r = run_cli(*args, env={"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)})
    line = _one_line_refusal(r)
    assert "no board" in line and ("--port" in line or "devices" in line)


def test_a_port_that_is_gone_is_said_in_one_line():
    line = _one_line_refusal(run_cli("--port", "/dev/ttyUSB-nosuch", "status"))
    assert "/dev/ttyUSB-nosuch" in line


def test_an_image_for_the_wrong_chip_is_refused_before_anything_is_written(tmp_path):
    # An ESP32 image (magic 0xE9) offered to a Pico: refused, naming the board.
    img = tmp_path / "ESP32.bin"
    img.write_bytes(b"\xe9\x03\x02\x20" + b"\x00" * 4092)
    line = _one_line_refusal(run_cli("flash", "--board", "pico", "--image", str(img)))
    assert "pico" in line or "rp2040" in line.lower()


def test_a_port_that_is_not_a_serial_device_is_not_called_busy(tmp_path):
    # `--port` pointed at a file (a typo, a log): nothing else holds it open,
    # so telling the user to close another program sends them the wrong way.
    f = tmp_path / "ttyUSB0.log"
    f.write_text("hello")
    line = _one_line_refusal(run_cli("--port", str(f), "status"))
    assert "busy" not in line


def test_nan_is_not_a_float_the_schema_accepts():
    # json on CPython reads NaN; a NaN in a float key must not pass range checks.
    cfg = config.defaults(1)
    cfg["ecw_dsm"] = math.nan
    assert any(e.startswith("ecw_dsm = NaN") for e in config.validate(cfg, 1))
