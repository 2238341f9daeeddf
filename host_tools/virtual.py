"""The virtual board: the firmware on the MicroPython unix port, behind a pseudo-terminal.

To mpremote it looks like a board on a serial port:

- The unix port runs `boards/sim/vboard_main.py`, which puts the fake
  `machine` and the virtual clock first on `sys.path`, mounts the flash
  folder at `/` and runs `main.py` like a board after a hard reset.
- It runs on its own pty (`setsid` + `TIOCSCTTY`, so Ctrl-C raises
  KeyboardInterrupt: FIELD-NOTES), and this process relays bytes between that
  pty and a second one whose name is the port (the other end stays the same
  across restarts, as a USB-serial bridge's port does).
- Resets restart the process: `machine.reset()` (the driver writes a request
  and waits), Ctrl-D at the REPL (a soft reset: "soft reboot", then from the
  raw REPL no main.py, from the friendly REPL main.py again), and the
  watchdog. The fake WDT only sees virtual time, so the driver publishes the
  wall time of the last feed and this supervisor bites when the loop stops
  feeding it, in the REPL for example, as a board's watchdog does.
- The virtual clock and the field's state survive the restarts in
  STATE_DIR/board.json; in real-time mode (`speed` > 0) the clock also
  carries on for the time the board was away.
"""
import errno
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import termios
import threading
import time
import tty

from host_tools import unixport
from host_tools.errors import UserError
from host_tools.fw import FIRMWARE_DIR, SIM_DIR

DRIVER = os.path.join(SIM_DIR, "vboard_main.py")

# machine.reset_cause() values of boards/sim/machine.py
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
SOFT_RESET = 5

_WDT_MARGIN_MS = 400  # the driver publishes feeds at most every 200 ms
_RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
_OUTPUT_KEEP = 256 * 1024
_PORT_BACKLOG = 16 * 1024  # above this the board waits to print, as under USB flow control
_NO_READER_S = 0.5


def _set_board_tty(fd):
    """Like a board's USB serial: no echo, no line editing, but Ctrl-C interrupts."""
    attrs = termios.tcgetattr(fd)
    attrs[0] = 0  # iflag: no CR/NL translation
    attrs[1] = 0  # oflag: the REPL writes "\r\n" itself (print writes "\n", unlike a board)
    attrs[2] = termios.CS8 | termios.CREAD | termios.CLOCAL
    attrs[3] = termios.ISIG  # lflag: Ctrl-C -> SIGINT only
    attrs[6][termios.VMIN] = 1
    attrs[6][termios.VTIME] = 0
    attrs[6][termios.VINTR] = 3
    termios.tcsetattr(fd, termios.TCSANOW, attrs)


def _nonblock(fd):
    fl = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, fl | os.O_NONBLOCK)


def seed_flash(flash_dir, board="esp32-devkitc", config=None):
    """Put the firmware sources, a board file and (optionally) a config in an empty flash folder."""
    from host_tools.fw import BOARDS_DIR

    os.makedirs(os.path.join(flash_dir, "lib", "saxaul"), exist_ok=True)
    main_src = os.path.join(FIRMWARE_DIR, "main.py")
    if os.path.exists(main_src):
        shutil.copy(main_src, os.path.join(flash_dir, "main.py"))
    for name in sorted(os.listdir(os.path.join(FIRMWARE_DIR, "saxaul"))):
        if name.endswith(".py"):
            shutil.copy(os.path.join(FIRMWARE_DIR, "saxaul", name), os.path.join(flash_dir, "lib", "saxaul", name))
    src = os.path.join(BOARDS_DIR, board + ".json")
    if os.path.exists(src):
        shutil.copy(src, os.path.join(flash_dir, "board.json"))
        if config is None:
            # Defaults, so the first boot does not latch the missing-config fault.
            from host_tools import fw

            with open(src) as f:
                n = len(json.load(f)["plots"])
            config = fw.module("config").defaults(n)
    if config is not None:
        with open(os.path.join(flash_dir, "config.json"), "w") as f:
            json.dump(config, f)


class VirtualBoard:
    """One virtual board: start() returns the port; stop() ends it."""

    def __init__(self, flash_dir, scenario=None, speed=1, state_dir=None, link=None,
                 exe=None, wdt=True, log_path=None):
        self.flash_dir = os.path.abspath(flash_dir)
        self.state_dir = os.path.abspath(state_dir or self.flash_dir.rstrip("/") + ".sim")
        self.scenario = scenario
        self.speed = speed
        self.link = link
        self.wdt = wdt
        self.exe = exe or unixport.find()
        if self.exe is None:
            raise UserError(unixport.MISSING)
        self.port = None
        self.boots = []  # (mode, cause) of every start, in order
        self.output = bytearray()  # what the board printed (the last 256 kB)
        self.raw = False  # the REPL mode the host last asked for
        self._log = open(log_path, "ab") if log_path else None
        self._proc = None
        self._ma = None  # our end of the board's pty
        self._mb = None  # our end of the host's pty
        self._sb = None  # the host's end, held open so the port stays up
        self._to_board = bytearray()
        self._to_port = bytearray()
        self._stalled = None
        self._swallow = None  # after a raw soft reset: None, "prompt" or "banner"
        self._state_mtime = 0
        self._state_size = -1
        self._reset_asked = False
        self._wdt_ms = 0
        self._fed_wall_ms = 0
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()
        self.bites = 0

    # Lifecycle

    def start(self):
        os.makedirs(self.flash_dir, exist_ok=True)
        os.makedirs(self.state_dir, exist_ok=True)
        with open(os.path.join(self.state_dir, "sim.json"), "w") as f:
            json.dump({"scenario": self.scenario, "speed": self.speed}, f)
        self._mb, self._sb = os.openpty()
        tty.setraw(self._sb)  # board output must not echo back as host input
        _nonblock(self._mb)
        self.port = os.ttyname(self._sb)
        if self.link:
            try:
                os.remove(self.link)
            except FileNotFoundError:
                pass
            os.symlink(self.port, self.link)
        self._spawn("main", PWRON_RESET)
        self._thread = threading.Thread(target=self._loop, name="vboard", daemon=True)
        self._thread.start()
        return self.port

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._kill()
        for fd in (self._mb, self._sb):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._mb = self._sb = None
        if self.link:
            try:
                os.remove(self.link)
            except OSError:
                pass
        if self._log:
            self._log.close()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def pid(self):
        return self._proc.pid if self._proc else None

    def state(self):
        """The driver's last published state (clock, field, watchdog), or {}."""
        try:
            with open(os.path.join(self.state_dir, "board.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def wait_output(self, text, timeout=10, start=0):
        """Wait until the board printed `text` (bytes) after offset `start`; returns its end offset."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                i = self.output.find(text, start)
            if i >= 0:
                return i + len(text)
            time.sleep(0.02)
        raise TimeoutError("virtual board did not print %r within %ss" % (text, timeout))

    # The board process

    def _spawn(self, mode, cause):
        self._reset_asked = False
        # The old process is gone: its reset request and watchdog go with it.
        s = self.state()
        if s:
            s.pop("reset", None)
            if cause != SOFT_RESET:  # a soft reset leaves a board's hardware watchdog running
                s["wdt_ms"] = 0
            with open(os.path.join(self.state_dir, "board.json"), "w") as f:
                json.dump(s, f)
        ma, sa = os.openpty()
        _set_board_tty(sa)
        _nonblock(ma)

        def ctty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self._proc = subprocess.Popen(
            [self.exe, "-i", DRIVER, mode, str(cause), self.state_dir, self.flash_dir],
            stdin=sa, stdout=sa, stderr=sa, cwd=self.flash_dir,
            start_new_session=True, preexec_fn=ctty, close_fds=True)
        os.close(sa)
        if self._ma is not None:
            os.close(self._ma)
        self._ma = ma
        self._to_board.clear()
        if cause != SOFT_RESET:
            self._wdt_ms = 0
        self._state_mtime = 0
        self._state_size = -1
        self.boots.append((mode, cause))
        if mode == "repl":
            self._swallow = "prompt"

    def _kill(self):
        p = self._proc
        if p is not None and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait(5)

    def _restart(self, mode, cause, say=b""):
        self._kill()
        if self._ma is not None:
            self._drain(self._ma)  # what it printed before the reset still reaches the host
        if say:
            self._to_host(say)
        self._spawn(mode, cause)

    # The relay

    def _to_host(self, data):
        with self._lock:
            self.output += data
            if len(self.output) > _OUTPUT_KEEP:
                del self.output[:len(self.output) - _OUTPUT_KEEP]
        if self._log:
            self._log.write(data)
            self._log.flush()
        self._to_port += data

    def _flush_to_host(self):
        """Write what waits for the host; a reader that takes nothing for a while is no reader."""
        try:
            n = os.write(self._mb, bytes(self._to_port[:4096]))
            del self._to_port[:n]
            self._stalled = None
        except BlockingIOError:
            now = time.monotonic()
            if self._stalled is None:
                self._stalled = now
            elif now - self._stalled > _NO_READER_S:
                # Nobody has the port open: drop, as a board's USB does.
                termios.tcflush(self._sb, termios.TCIFLUSH)
                self._to_port.clear()
                self._stalled = None
        except OSError:
            self._to_port.clear()

    def _from_board(self, data):
        if self._swallow == "prompt":
            with self._lock:
                self.output += data
            if b">>> " in data or self.output.endswith(b">>> "):
                self._swallow = "banner"
                self._to_board += b"\r\x01"
            return
        if self._swallow == "banner":
            i = data.find(_RAW_BANNER)
            if i < 0:
                return
            self._swallow = None
            data = data[i:]
        self._to_host(data)

    def _from_host(self, data):
        # Track the REPL mode for Ctrl-D: a soft reset from the raw REPL does
        # not run main.py on a board, one from the friendly REPL does.
        for b in data:
            if b == 1:
                self.raw = True
            elif b == 2:
                self.raw = False
        if self._swallow is None:
            self._to_board += data

    def _check_state(self):
        try:
            st = os.stat(os.path.join(self.state_dir, "board.json"))
        except FileNotFoundError:
            return
        if st.st_mtime_ns != self._state_mtime or st.st_size != self._state_size:
            s = self.state()
            if not s:
                return  # caught mid-write: read it again next time
            self._state_mtime = st.st_mtime_ns
            self._state_size = st.st_size
            self._wdt_ms = s.get("wdt_ms", 0)
            self._fed_wall_ms = s.get("fed_wall_ms", 0)
            cause = s.get("reset")
            if cause is not None:
                self._reset_asked = True
                if cause == SOFT_RESET:
                    self._restart("main", SOFT_RESET, b"MPY: soft reboot\r\n")
                else:
                    self._restart("main", cause)
                return
        if self.wdt and self._wdt_ms:
            late_ms = time.time() * 1000 - self._fed_wall_ms - self._wdt_ms
            if late_ms > _WDT_MARGIN_MS:
                self.bites += 1
                self._restart("main", WDT_RESET)

    def _loop(self):
        while not self._stop.is_set():
            fds = [self._mb]
            ma = self._ma
            if ma is not None and len(self._to_port) < _PORT_BACKLOG:
                fds.append(ma)
            wfds = [ma] if (ma is not None and self._to_board) else []
            if self._to_port:
                wfds.append(self._mb)
            try:
                r, w, _ = select.select(fds, wfds, [], 0.02)
            except (OSError, ValueError):
                r, w = [], []
            if self._to_port:
                self._flush_to_host()
            if self._mb in r:
                try:
                    data = os.read(self._mb, 4096)
                except OSError:
                    data = b""
                if data:
                    self._from_host(data)
            if ma is not None and ma in r:
                try:
                    data = os.read(ma, 4096)
                except OSError as exc:
                    data = b""
                    if exc.errno not in (errno.EIO, errno.EAGAIN):
                        raise
                if data:
                    self._from_board(data)
            if ma is not None and self._to_board and ma in w:
                try:
                    n = os.write(ma, bytes(self._to_board[:1024]))
                    del self._to_board[:n]
                except BlockingIOError:
                    pass
                except OSError:
                    self._to_board.clear()
            rc = self._proc.poll()
            if rc is not None and not self._reset_asked:
                # Ctrl-D at the REPL ends the unix port: a soft reset.
                if self.raw:
                    self._restart("repl", SOFT_RESET, b"MPY: soft reboot\r\n")
                else:
                    self._restart("main", SOFT_RESET, b"MPY: soft reboot\r\n")
                continue
            self._check_state()

    def _drain(self, ma):
        while True:
            try:
                data = os.read(ma, 4096)
            except OSError:
                return
            if not data:
                return
            self._from_board(data)
