"""The field guide stays true: every command it shows runs and prints what it shows.

A technician follows docs/guide/ at a plot with a laptop. If a command there
has changed its arguments or its words, or a table lists a fault the
firmware no longer has, they lose an afternoon. So each `$ saxaul ...` line
of a ```console block runs here, in the guide's order:

- against the virtual board (the firmware on the MicroPython unix port
  behind a pty, a bench where plot 1 is dry and the sun is up), for the
  commands that talk to a controller;
- in a temporary folder for the ones that work on files (`wiring`, `sim`
  with the scenario file the guide shows);
- with a stand-in USB port (a CP2102 at /dev/ttyUSB0, or none) for
  `devices` and `flash`: the UF2 lands in a folder that looks like the
  RPI-RP2 drive, and esptool is replaced by a recorder.

The lines under a command must each appear in what it printed, with any
numbers (they move with the clock) and `…` (words left out) as wildcards.
The worked leaching example is recomputed with the firmware's own code, and
the generated tables must match what host_tools/guide.py renders now.
"""
import contextlib
import io
import json
import math
import os
import re
import shlex
import struct

import pytest

from host_tools import cli, codes_text, flash, fw, guide, unixport
from host_tools.device import TELEMETRY_FIELDS, parse_telemetry

GUIDE_DIR = guide.GUIDE_DIR
SHOWN_PORT = "/dev/ttyUSB0"
SHOWN_DRIVE = "/media/tech"
SHOWN_DATA = "~/.local/share/saxaul/logs"
HAVE_UNIX = unixport.find() is not None

# Verbs that never need a controller; `devices` and `flash` need a USB port.
LOCAL_VERBS = ("wiring", "sim")
USB_VERBS = ("devices", "flash")

_NUM = r"\d+(?:\.\d+)?"


def _chapters():
    out = []
    for path in guide.chapters(GUIDE_DIR):
        with open(path, encoding="utf-8") as f:
            out.append((os.path.basename(path), f.read()))
    return out


def parse_guide():
    """(commands, files, marked blocks) in reading order.

    commands: dicts with file, line, cmd (after `$ `), shown (lines), ctx;
    files: {name: text} from fences after `<!-- file: NAME -->`;
    marked: {mark: [block text, ...]} for other `<!-- mark -->` comments.
    """
    commands, files, marked = [], {}, {}
    for name, text in _chapters():
        lines = text.split("\n")
        i = 0
        mark = None
        while i < len(lines):
            raw = lines[i]
            s = raw.strip()
            m = re.fullmatch(r"<!-- (.+?) -->", s)
            if m and not s.startswith("<!-- generated") and not s.startswith("<!-- end generated"):
                mark = m.group(1)
                i += 1
                continue
            if s.startswith("```") and len(s) > 3:
                lang = s[3:].split()[0]
                indent = len(raw) - len(raw.lstrip())
                body = []
                i += 1
                while i < len(lines) and lines[i].strip() != "```":
                    body.append(lines[i][indent:])
                    i += 1
                start = i - len(body)
                if mark and mark.startswith("file: "):
                    files[mark[6:].strip()] = "\n".join(body) + "\n"
                elif mark and not mark.startswith("run: "):
                    marked.setdefault(mark, []).append("\n".join(body))
                if lang == "console":
                    ctx = mark[5:].strip() if mark and mark.startswith("run: ") else None
                    for j, b in enumerate(body):
                        if b.startswith("$ "):
                            commands.append({"file": name, "line": start + j + 1, "cmd": b[2:].strip(),
                                             "shown": [], "ctx": ctx})
                        elif commands and commands[-1]["file"] == name and b.strip():
                            commands[-1]["shown"].append(b)
                mark = None
            elif s:
                mark = None
            i += 1
    return commands, files, marked


COMMANDS, FILES, MARKED = parse_guide()


def context(c):
    if c["ctx"]:
        return c["ctx"]
    verb = shlex.split(c["cmd"])[1]
    if verb in LOCAL_VERBS:
        return "local"
    if verb in USB_VERBS:
        return "usb"
    return "board"


def _norm(s):
    return " ".join(s.split())


def line_pattern(shown):
    """A shown line as a regex: numbers and `…` are wildcards, runs of spaces are one."""
    out = ""
    for piece in re.split(r"(…|%s)" % _NUM, _norm(shown)):
        if piece == "…":
            out += ".*"
        elif re.fullmatch(_NUM, piece):
            out += "-?" + _NUM
        else:
            out += re.escape(piece)
    return re.compile(out)


# Stand-ins for the laptop's USB side


class FakePort:
    def __init__(self, device, vid, pid, description):
        self.device, self.vid, self.pid = device, vid, pid
        self.description, self.serial_number = description, "0001"


def uf2_image(blocks=8):
    out = b""
    for i in range(blocks):
        head = struct.pack("<8I", flash.UF2_MAGIC0, flash.UF2_MAGIC1, flash.UF2_FLAG_FAMILY,
                           0x10000000 + 256 * i, 256, i, blocks, flash.RP2040_FAMILY)
        out += head + bytes([i & 0xFF]) * 476 + struct.pack("<I", flash.UF2_MAGIC_END)
    return out


def esp32_image(size=4096):
    head = struct.pack("<BBBBI", flash.ESP_MAGIC, 3, 2, 0x20, 0x40080000)
    ext = struct.pack("<B3sHBHH4sB", 0xEE, b"\0\0\0", 0, 0, 0, 0xFFFF, b"\0" * 4, 0)
    return (head + ext).ljust(size, b"\xff")


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    """A work folder with the guide's files, the laptop's data folder, a Pico drive; the board lazily."""
    work = tmp_path_factory.mktemp("plot")
    for name, text in FILES.items():
        (work / name).write_text(text)
    media = tmp_path_factory.mktemp("media")
    drive = media / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n")
    b = {"work": str(work), "media": str(media), "drive": str(drive),
         "data": str(tmp_path_factory.mktemp("data")), "vb": None, "esptool": []}
    yield b
    if b["vb"] is not None:
        b["vb"].stop()


def virtual_board(b, tmp_path_factory, verb):
    if b["vb"] is None:
        from host_tools import deploy
        from host_tools.device import Device
        from host_tools.virtual import VirtualBoard

        flash_dir = tmp_path_factory.mktemp("flash")
        # Sun all day, plot 1 dry (30 %) and the others wetter: the controller
        # waters plot 1 by itself, as on a first morning at a plot.
        vb = VirtualBoard(str(flash_dir), scenario="noon", speed=60, log_path=str(flash_dir) + ".log")
        vb.start()
        b["vb"] = vb
        if verb != "deploy":  # one command picked alone (-k): the guide deploys first
            with Device.connect(vb.port) as dev:
                deploy.deploy(dev, "esp32-devkitc", out=lambda *a: None)
    return b["vb"]


def run_saxaul(argv, b, monkeypatch):
    monkeypatch.chdir(b["work"])
    monkeypatch.setenv("SAXAUL_DATA", b["data"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    text = out.getvalue() + err.getvalue()
    subs = [(b["data"], SHOWN_DATA), (b["media"], SHOWN_DRIVE), (b["work"] + os.sep, "")]
    if b["vb"] is not None:
        subs.append((b["vb"].port, SHOWN_PORT))
    for real, shown in subs:
        text = text.replace(real, shown)
    return rc, text


@pytest.mark.parametrize("c", COMMANDS, ids=["%s:%d %s" % (c["file"], c["line"], c["cmd"][7:]) for c in COMMANDS])
def test_every_command_in_the_guide_runs_and_prints_what_it_shows(c, bench, monkeypatch, tmp_path_factory):
    assert c["cmd"].startswith("saxaul "), "%s:%d: a command the test cannot run: %s" % (c["file"], c["line"], c["cmd"])
    argv = shlex.split(c["cmd"])[1:]
    ctx = context(c)
    import serial.tools.list_ports as list_ports

    if ctx in ("usb", "no-board"):
        ports = [FakePort(SHOWN_PORT, 0x10C4, 0xEA60, "CP2102 USB to UART Bridge Controller")] if ctx == "usb" else []
        monkeypatch.setattr(list_ports, "comports", lambda: ports)
        monkeypatch.setattr(flash, "drive_roots", lambda: [bench["media"]])
        monkeypatch.setattr(flash.subprocess, "call", lambda args: bench["esptool"].append(args) or 0)
        if "--image" in argv:
            image = os.path.join(bench["work"], argv[argv.index("--image") + 1])
            with open(image, "wb") as f:
                f.write(uf2_image() if image.endswith(".uf2") else esp32_image())
    elif ctx == "board" or (ctx == "local" and argv[0] == "sim"):
        if not HAVE_UNIX:
            pytest.skip("needs the MicroPython unix port: " + unixport.MISSING)
        if ctx == "board":
            argv = ["--port", virtual_board(bench, tmp_path_factory, argv[0]).port] + argv
    elif ctx != "local":
        pytest.fail("%s:%d: unknown run context %r" % (c["file"], c["line"], ctx))

    rc, text = run_saxaul(argv, bench, monkeypatch)
    got = [_norm(x) for x in text.splitlines()]
    where = "%s:%d `%s`" % (c["file"], c["line"], c["cmd"])
    want_error = any(s.strip().startswith("saxaul: error:") for s in c["shown"])
    assert (rc != 0) == want_error, "%s exited %d:\n%s" % (where, rc, text)
    for shown in c["shown"]:
        if shown.strip() == "…":
            continue
        rx = line_pattern(shown)
        assert any(rx.fullmatch(g) for g in got), "%s: the guide shows\n  %s\nbut it printed:\n%s" % (where, shown, text)
    if argv[0] == "flash" and argv[argv.index("--image") + 1].endswith(".bin"):
        args = bench["esptool"][-1]
        assert "write-flash" in args and "0x1000" in args  # classic ESP32: bootloader at 0x1000


def test_the_guide_shows_the_commands_a_technician_needs():
    # A chapter rewritten without its commands would pass the test above by
    # running nothing: these verbs carry the work at a plot.
    verbs = {shlex.split(c["cmd"])[1] for c in COMMANDS}
    for verb in ("devices", "flash", "deploy", "status", "calibrate", "run", "config", "sim",
                 "monitor", "logs", "clear-fault", "wiring"):
        assert verb in verbs, "the guide shows no `saxaul %s`" % verb
    # Each command with output to check, so a command's words are tested too.
    assert all(c["shown"] for c in COMMANDS), [c["cmd"] for c in COMMANDS if not c["shown"]]


def test_generated_tables_match_what_the_code_renders_now():
    stale = []
    seen = set()
    for name, text in _chapters():
        _, changed = guide.update_text(text)
        stale += ["%s: %s" % (name, s) for s in changed]
        seen.update(re.findall(r"<!-- generated: ([a-z0-9-]+) -->", text))
    assert not stale, "stale generated sections (run `make guide`): %s" % ", ".join(stale)
    assert seen == set(guide.SECTIONS)


def test_a_stale_table_is_found_and_rewritten():
    # Someone adds a fault bit to the firmware: the table in the guide no
    # longer matches, and the regeneration puts the new row in.
    text = "x\n<!-- generated: faults -->\n| old table |\n<!-- end generated -->\ny\n"
    new, changed = guide.update_text(text)
    assert changed == ["faults"]
    assert "`PROBE_OPEN`" in new and "| old table |" not in new and new.startswith("x\n") and new.endswith("y\n")
    assert guide.update_text(new)[1] == []


def test_every_fault_and_reason_of_the_firmware_is_in_the_guide():
    text = "".join(t for _, t in _chapters())
    c = fw.codes()
    for name in c.PLOT_FAULT_NAMES + c.GLOBAL_FAULT_NAMES + tuple(n for n in c.REASON_NAMES if n):
        assert "`%s`" % name in text, name
    for scope, bit, name, words, meaning in codes_text.fault_table():
        assert meaning.replace("|", "\\|") in text


def test_parts_lists_carry_each_boards_dividers():
    text = dict(_chapters())["1-parts.md"]
    from host_tools import wiring

    for name in wiring.shipped_boards():
        if name in guide.SKIP_BOARDS:
            assert "### %s " % name not in text
            continue
        _, board = wiring.load_board(name)
        dv = wiring.divider(board, "pv")
        assert "### %s " % name in text
        assert "Panel divider: %s over %s" % (wiring.ohms(dv["rtop"]), wiring.ohms(dv["rbot"])) in text


def _plot_a_config():
    """Plot 1's settings as chapter 5 sets them with `saxaul config set`."""
    cmd = next(c["cmd"] for c in COMMANDS if c["cmd"].startswith("saxaul config set ecw_dsm="))
    config = fw.module("config")
    cfg = config.defaults(4)
    for a in shlex.split(cmd)[3:]:
        path, value = config.parse_assignment(a, 4)
        cfg = config.apply(cfg, path, value)
    return cfg


def test_worked_leaching_example_agrees_with_the_firmware():
    # Suaeda salsa (ECe threshold 20 dS/m, slope 2 %/(dS/m)) on 2.5 dS/m water.
    text = dict(_chapters())["5-thresholds.md"]
    config = fw.module("config")
    cfg = _plot_a_config()
    p = cfg["plots"][0]
    assert (cfg["ecw_dsm"], p["ece_thr_dsm"], p["ece_slope_pct"]) == (2.5, 20.0, 2.0)
    for mode in ("drip", "surface", "fraction"):
        c = dict(cfg, leach_mode=mode)
        assert "**%d ‰**" % config.leach_pml(c, p) in text, mode
    # leach_pct from ECw / (2 ECe,thr), rounded up; and saxaul's at 12 dS/m.
    assert p["leach_pct"] == math.ceil(100 * 2.5 / (2 * 20)) and "**%d %%**" % p["leach_pct"] in text
    assert "needs %d %%" % math.ceil(100 * 2.5 / (2 * 12)) in text
    # The weekly dose after 7 x 1140 s of runs, as the planner arms it.
    from saxaul import planner

    class St:
        leach_day = [0]
        since_leach_s = [7 * 1140]

    pl = planner.Planner(1)
    pc = config.derive(cfg)["plots"][0]
    pl._arm_leach(0, cfg["leach_every_days"], St, pc, cfg["leach_every_days"])
    assert "**%d s**" % pl.leach_left_s(0) in text
    # RAW as moisture percent on this calibration (FIELD-NOTES: sandy loam 0.18 / 0.08, p 0.55).
    from boards.sim.scenario import CROPS, SOILS

    soil, crop = SOILS["sandy loam"], CROPS["suaeda"]
    dry = soil["theta_wp"] / 2
    raw_pct = (soil["theta_fc"] - crop["p"] * (soil["theta_fc"] - soil["theta_wp"]) - dry) / (soil["theta_fc"] - dry)
    assert "**%d %%**" % round(100 * raw_pct) in text
    assert p["start_pct"] > 100 * raw_pct and p["target_pct"] < 100


def test_the_simulated_plot_uses_the_settings_the_guide_sets():
    sc = json.loads(FILES["plot-a-july.json"])
    cfg = _plot_a_config()
    sp = sc["config"]["plots"][0]
    for key in ("start_pct", "target_pct", "ece_thr_dsm", "ece_slope_pct", "leach_pct"):
        assert sp[key] == cfg["plots"][0][key], key
    assert sc["config"]["ecw_dsm"] == cfg["ecw_dsm"] == sc["water"]["ecw_dsm"]
    assert sc["config"]["leach_mode"] == cfg["leach_mode"]
    from boards.sim.scenario import CROPS

    crop = CROPS[sc["plots"][0]["crop"]]
    assert (crop["ece_thr_dsm"], crop["ece_slope_pct"]) == (sp["ece_thr_dsm"], sp["ece_slope_pct"])


def test_telemetry_example_reads_as_the_guide_explains():
    line = MARKED["telemetry example"][0].strip()
    t = parse_telemetry(line)
    assert t is not None, line
    text = dict(_chapters())["6-journal-faults.md"]
    rows = re.findall(r"^\| `(\w+)` \| (\d*) \|", text, re.M)
    described = {k: v for k, v in rows}
    assert set(TELEMETRY_FIELDS) <= set(described), set(TELEMETRY_FIELDS) - set(described)
    for k in TELEMETRY_FIELDS:
        assert t[k] == int(described[k]), k
    c = fw.codes()
    assert t["pump"] and t["valves"] == [True, False, False, False]
    assert c.REASON_NAMES[t["reason"]] == "MOISTURE_LOW"
    assert t["pct"] == [28, 55, 0, 90] and t["pfaults"] == [0, 0, c.F_PROBE_OPEN, 0]


def test_links_in_the_guide_lead_somewhere():
    for name, text in _chapters():
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert os.path.exists(os.path.join(GUIDE_DIR, target)), "%s links to missing %s" % (name, target)
