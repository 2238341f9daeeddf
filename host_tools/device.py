"""A Saxaul board on a serial port: console commands while it runs, files in maintenance.

The raw REPL stops the controller and its watchdog cannot be stopped
(FIELD-NOTES), so the two ways in are kept apart:

- `command(line)`: the controller's console answers one `@ {json}` line
  while the controller keeps running (status, run, stop, clear, cal).
- `maintenance()`: asks for a maintenance boot (`maint`), in which main.py
  starts neither the watchdog nor the controller, and uses the raw REPL
  freely; on leaving, `machine.reset()` and a wait for the controller's
  telemetry. Nothing in between can trigger a watchdog reset.

Paths on the board are used relative to its root ("main.py", not
"/main.py"): the same thing on a board, whose working folder is /, and the
only form the virtual board's flash folder renames and removes (FIELD-NOTES).

    with Device.connect(port) as dev:
        print(dev.command("status"))
        with dev.maintenance():
            dev.write_file("config.json", data)
"""
import contextlib
import json
import time

from host_tools import ports
from host_tools.errors import DeviceError
from host_tools.transport import ExecError, Link

TELEMETRY_FIELDS = ("up_s", "day", "pv_state", "pv_mv", "batt_mv", "temp_c", "outputs", "plot",
                    "reason", "gfaults", "n")
MAINT_BANNER = "saxaul: maintenance"
RUN_BANNER = "saxaul: run"
_ANSWER_TIMEOUT_S = 15  # the console is polled at least every 10 s (board.py slices)


def parse_telemetry(line):
    """A telemetry line as a dict, or None for any other line.

    Format (firmware/saxaul/controller.py): `T up_s day pv_state pv_mv batt_mv
    temp_c outputs plot reason gfaults n [pct_i pfault_i]*n`; plot is 1-based,
    0 for none.
    """
    if not line.startswith("T "):
        return None
    try:
        v = [int(x) for x in line[2:].split()]
    except ValueError:
        return None
    k = len(TELEMETRY_FIELDS)
    if len(v) < k or len(v) != k + 2 * v[k - 1]:
        return None
    d = dict(zip(TELEMETRY_FIELDS, v))
    n = d["n"]
    d["pct"] = v[k:k + 2 * n:2]
    d["pfaults"] = v[k + 1:k + 2 * n:2]
    d["pump"] = bool(d["outputs"] & 1)
    d["valves"] = [bool(d["outputs"] & (2 << i)) for i in range(n)]
    return d


def parse_answer(line):
    """A console answer line (`@ {json}`) as a dict, or None for any other line."""
    if not line.startswith("@ "):
        return None
    try:
        return json.loads(line[2:])
    except ValueError:
        return None


def _not_found(exc, path):
    if "ENOENT" in str(exc) or "Errno 2]" in str(exc):
        raise FileNotFoundError(2, "no such file on the board", path) from None


def _plain(path):
    return path.lstrip("/") or "."


class Device:
    """One board on one port."""

    def __init__(self, link):
        self.link = link
        self.port = link.port
        self.in_maintenance = False
        self.telemetry_seen = []  # telemetry lines met while waiting for answers

    @classmethod
    def connect(cls, port=None):
        """The board on `port`, or the one `saxaul devices` picks."""
        from host_tools.errors import UserError

        try:
            name = ports.resolve_port(port)
        except UserError as exc:
            raise DeviceError(str(exc)) from None
        return cls(Link(name))

    def close(self):
        self.link.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # While the controller runs

    def command(self, line, timeout=_ANSWER_TIMEOUT_S):
        """Send one console command; its answer as a dict (an `error` answer raises DeviceError)."""
        if self.in_maintenance:
            raise DeviceError("console commands need the controller running, not a maintenance boot")
        link = self.link
        link.drain()
        link.write(line + "\n")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            text = link.readline(min(1.0, max(0.05, end - time.monotonic())))
            if text is None:
                if link.pending_text().endswith(">>> ") or link.pending_text().endswith(">"):
                    raise DeviceError("the board is at the REPL, not running the controller: "
                                      "reset it, or run `saxaul deploy`")
                continue
            ans = parse_answer(text)
            if ans is not None:
                if "error" in ans and len(ans) == 1:
                    raise DeviceError("the board refused %r: %s" % (line, ans["error"]))
                return ans
            if text.startswith("T "):
                self.telemetry_seen.append(text)
            elif "Error:" in text or text.startswith(">>> "):
                raise DeviceError("the board is at the REPL, not running the controller: "
                                  "reset it, or run `saxaul deploy`")
        raise DeviceError("no answer from the controller on %s within %d s: is Saxaul firmware "
                          "running? (`saxaul deploy`)" % (self.port, timeout))

    def lines(self, timeout=None):
        """Lines the board prints (telemetry, events), until `timeout` s pass without one."""
        while True:
            text = self.link.readline(timeout if timeout is not None else 3600)
            if text is None:
                if timeout is not None:
                    return
                continue
            yield text

    def _read_for(self, timeout):
        """Lines (None for a quiet half second) until timeout; a port that
        vanished in a reset (USB CDC boards) is opened again."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                yield self.link.readline(0.5)
            except DeviceError:
                self.link.reopen(max(1, end - time.monotonic()))

    def wait_running(self, timeout=30):
        """Wait for the controller's first telemetry line; returns it parsed."""
        for text in self._read_for(timeout):
            if text is None:
                continue
            t = parse_telemetry(text)
            if t is not None:
                return t
            if text.startswith("saxaul: board.json") or text.startswith(MAINT_BANNER):
                raise DeviceError("the controller did not start: %s" % text)
        raise DeviceError("the controller did not start within %d s after the reset" % timeout)

    # Maintenance

    @contextlib.contextmanager
    def maintenance(self, require_firmware=True):
        """A maintenance boot for the duration of the block; the controller runs again after it."""
        self._enter_maintenance(require_firmware)
        self.in_maintenance = True
        try:
            yield self
        finally:
            self.in_maintenance = False
            self.reset()

    def _enter_maintenance(self, require_firmware):
        link = self.link
        try:
            self.command("maint", timeout=12)
            asked = True
        except DeviceError:
            asked = False
        if not asked:
            # No console (no firmware yet, or the board sits at the REPL,
            # maybe with its watchdog running): leave the flag by hand.
            link.enter_raw()
            link.exec("f=open('maint','w')\nf.write('1')\nf.close()")
            link.exec_no_follow("import machine\nmachine.reset()")
        came_up = self._wait_banner(MAINT_BANNER, 20)
        if not came_up and require_firmware:
            raise DeviceError("the board did not come up in maintenance: is Saxaul firmware on it? "
                              "(`saxaul deploy`)")
        link.enter_raw()
        if not came_up:
            # No main.py took the one-shot flag: take it, or the next boot is
            # a maintenance boot too.
            link.exec("import os\ntry:\n os.remove('maint')\nexcept OSError:\n pass")

    def _wait_banner(self, banner, timeout):
        for text in self._read_for(timeout):
            if text is not None and text.startswith(banner):
                return True
            if text is None and self.link.pending_text().endswith(">>> "):
                return False  # at the REPL without the banner: main.py did not print it
        return False

    def reset(self, wait=True):
        """Hard reset (main.py runs); wait for the controller's telemetry when `wait`."""
        link = self.link
        link.exec_no_follow("import machine\nmachine.reset()")
        time.sleep(0.3)
        link.drain()
        if wait:
            return self.wait_running()
        return None

    # Inside maintenance

    def _need_maint(self):
        if not self.in_maintenance:
            raise DeviceError("file access needs a maintenance boot (Device.maintenance())")

    def exec(self, code):
        self._need_maint()
        return self.link.exec(code).decode("utf-8", "replace")

    def eval_json(self, expr):
        self._need_maint()
        return self.link.eval_json(expr)

    def read_file(self, path, offset=0, progress=None):
        """The file's bytes from offset; FileNotFoundError when it is not there."""
        self._need_maint()
        try:
            return self.link.read_file(_plain(path), offset, progress)
        except ExecError as exc:
            _not_found(exc, path)
            raise

    def write_file(self, path, data, progress=None):
        """Write atomically: path.tmp first, then rename over path (LittleFS renames atomically)."""
        self._need_maint()
        p = _plain(path)
        d = p.rsplit("/", 1)[0] if "/" in p else ""
        if d:
            self.makedirs(d)
        self.link.write_file(p + ".tmp", bytes(data), progress)
        self.link.exec("import os\nos.rename(%r,%r)" % (p + ".tmp", p))

    def makedirs(self, path):
        self._need_maint()
        self.link.exec("import os\np=''\nfor d in %r.split('/'):\n p=p+d if not p else p+'/'+d\n"
                       " try:\n  os.mkdir(p)\n except OSError:\n  pass" % _plain(path))

    def listdir(self, path=""):
        """[(name, size)] in path; directories have size -1."""
        self._need_maint()
        p = _plain(path)
        pre = "" if p == "." else p + "/"
        # Not every port's ilistdir carries the size (VfsPosix does not): stat.
        return [tuple(x) for x in self.link.eval_json(
            "(lambda os: [(e[0], os.stat(%r + e[0])[6] if e[1] & 0x8000 else -1)"
            " for e in os.ilistdir(%r)])(__import__('os'))" % (pre, p))]

    def remove(self, path):
        self._need_maint()
        try:
            self.link.exec("import os\nos.remove(%r)" % _plain(path))
        except ExecError as exc:
            _not_found(exc, path)
            raise

    def hash_files(self, paths):
        self._need_maint()
        return self.link.hash_files([_plain(p) for p in paths])

    def info(self):
        """What runs on the board: MicroPython version, .mpy version, board file, memory, flash."""
        self._need_maint()
        return self.link.eval_json(
            "(lambda s, os, gc: {'version': list(s.implementation.version[:3]),"
            " 'mpy': getattr(s.implementation, '_mpy', 0), 'platform': s.platform,"
            " 'machine': getattr(s.implementation, '_machine', ''),"
            " 'mem_free': gc.mem_free() if hasattr(gc, 'mem_free') else -1,"
            " 'flash': list(os.statvfs('.')),"
            " 'device_id': ''.join('%02x' % b for b in __import__('machine').unique_id())})"
            "(__import__('sys'), __import__('os'), __import__('gc'))")

