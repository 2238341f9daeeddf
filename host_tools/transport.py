"""The serial link to a board: the only module that imports mpremote.

mpremote's transport API is marked unstable (FIELD-NOTES), so it is pinned
(pyproject.toml: mpremote==1.29.0) and used only here. Besides mpremote's raw
REPL this offers plain line I/O for the console and telemetry, which run
while the controller runs, and file transfer in base64 chunks (a third of the
bytes mpremote's repr-per-256-bytes costs, and far fewer round trips).
"""
import binascii
import errno
import json
import os
import time

from mpremote.transport import TransportError, TransportExecError
from mpremote.transport_serial import SerialTransport

from host_tools.errors import DeviceError

_CHUNK = 1536  # raw bytes per base64 line; a classic ESP32 compiles it in a few kB
_CHUNKS_PER_EXEC = 4
_BUSY_GRACE_S = 1.0  # how long a port may stay locked after its last holder closed it


class ExecError(DeviceError):
    """Code sent to the raw REPL raised on the board."""


class Link:
    """One open serial port: lines while the controller runs, raw REPL in maintenance."""

    def __init__(self, port, baudrate=115200):
        self.port = port
        self.baudrate = baudrate
        self.bytes_out = 0  # every byte written to the port (the no-change deploy figure)
        self.bytes_in = 0  # every byte read from it
        self._buf = bytearray()
        self._t = None
        self.open()

    # The port

    def open(self):
        port = self.port
        if not os.path.exists(port):
            raise DeviceError("no board at %s: check the cable, or run `saxaul devices`" % port)
        if os.path.isfile(port) or os.path.isdir(port):
            raise DeviceError("%s is not a serial port (a file or folder): pass the board's port, "
                              "as `saxaul devices` lists it" % port)
        if not os.access(port, os.R_OK | os.W_OK):
            raise DeviceError("no permission to open %s: add yourself to the dialout (or uucp) group" % port)
        t = None
        end = time.monotonic() + _BUSY_GRACE_S
        while t is None:
            try:
                t = SerialTransport(port, baudrate=self.baudrate)
            except TransportError:
                # mpremote locks the port (flock) and reports any failure to
                # open as this one error. A lock lets go a moment after its
                # holder closes (or a child forked mid-close execs), so only
                # one that holds past a short grace is another program's.
                if time.monotonic() > end:
                    raise DeviceError("%s is busy: close the other program using it (mpremote, a "
                                      "serial monitor, another saxaul)" % port) from None
                time.sleep(0.1)
        ser = t.serial
        write = ser.write

        def counted_write(data):
            self.bytes_out += len(data)
            return write(data)

        read = ser.read

        def counted_read(size=1):
            data = read(size)
            self.bytes_in += len(data)
            return data

        ser.write = counted_write
        ser.read = counted_read
        self._t = t

    def close(self):
        if self._t is not None:
            try:
                self._t.close()
            except OSError:
                pass
            self._t = None

    def reopen(self, timeout=15):
        """After a reset: a native-USB board's port goes away and comes back."""
        self.close()
        end = time.monotonic() + timeout
        while True:
            try:
                self.open()
                return
            except DeviceError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.3)

    # Lines (controller running)

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self._t.serial.write(data)
        self._t.serial.flush()

    def drain(self):
        """Drop what the board printed so far."""
        self._buf.clear()
        self._read(0)
        self._buf.clear()

    def _read(self, timeout):
        ser = self._t.serial
        ser.timeout = timeout
        try:
            n = ser.in_waiting
            data = ser.read(n if n else 1)
            if data and ser.in_waiting:
                data += ser.read(ser.in_waiting)
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.ENXIO, errno.ENODEV, None):
                raise DeviceError("%s went away: the board was unplugged or reset" % self.port) from None
            raise
        finally:
            ser.timeout = None
        self._buf += data
        return len(data)

    def readline(self, timeout=1.0):
        """The next line (str, no line end) or None when none completed in time."""
        end = time.monotonic() + timeout
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line = bytes(self._buf[:i]).rstrip(b"\r")
                del self._buf[:i + 1]
                return line.decode("utf-8", "replace")
            left = end - time.monotonic()
            if left <= 0:
                return None
            self._read(min(left, 0.2))

    def pending_text(self):
        """What arrived but is not yet a full line (a REPL prompt has no line end)."""
        return bytes(self._buf).decode("utf-8", "replace")

    # Raw REPL (maintenance)

    def enter_raw(self, soft_reset=False, deadline_s=20):
        """Enter the raw REPL, or fail with one line within deadline_s.

        mpremote waits on a port that never answers, and on one that never
        stops talking (a board in a reset loop), so a timer closes the port
        at the deadline: the blocked read then fails and is reported.
        """
        import threading

        self._buf.clear()
        fired = []

        def give_up():
            fired.append(True)
            try:
                self._t.serial.close()
            except Exception:
                pass

        timer = threading.Timer(deadline_s, give_up)
        timer.daemon = True
        timer.start()
        try:
            self._t.enter_raw_repl(soft_reset=soft_reset, timeout_overall=10)
        except Exception as exc:
            why = "no raw REPL within %d s" % deadline_s if fired else str(exc)
            raise DeviceError("%s does not answer at the REPL (could not enter raw repl: %s): is it a "
                              "MicroPython board, and is no other program using the port?"
                              % (self.port, why)) from None
        finally:
            timer.cancel()
        if fired:
            raise DeviceError("%s does not answer at the REPL (could not enter raw repl in %d s)"
                              % (self.port, deadline_s))

    def exit_raw(self):
        self._t.exit_raw_repl()

    def exec(self, code, timeout=30):
        """Run code at the raw REPL; returns what it printed (bytes)."""
        try:
            out, err = self._t.exec_raw(code, timeout=timeout)
        except TransportError as exc:
            raise DeviceError("the board stopped answering: %s" % exc) from None
        if err:
            raise ExecError("the board raised: %s" % err.decode("utf-8", "replace").strip().splitlines()[-1])
        return out

    def exec_no_follow(self, code):
        """Send code at the raw REPL prompt and do not wait for it (machine.reset()).

        Plain raw mode, not raw-paste: no acknowledgement to wait for from a
        board that is already resetting.
        """
        ser = self._t.serial
        self._t.read_until(1, b">", timeout=2)
        ser.write(code.encode() if isinstance(code, str) else code)
        ser.write(b"\x04")
        ser.flush()

    def eval_json(self, expr):
        out = self.exec("import json\nprint(json.dumps(%s))" % expr)
        return json.loads(out.decode())

    def read_file(self, path, offset=0, progress=None):
        size = self.eval_json("__import__('os').stat(%r)[6]" % path)
        code = ("import binascii\nf=open(%r,'rb')\nf.seek(%d)\nr=f.read\nb=binascii.b2a_base64\n"
                "while 1:\n d=r(%d)\n if not d:break\n print(b(d).decode(),end='')\nf.close()\n"
                % (path, offset, _CHUNK))
        out = bytearray()
        got = [0]

        def consume(b):
            out.extend(b)
            if progress and b == b"\n":
                got[0] = min(size - offset, len(out) * 3 // 4)
                progress(got[0], size - offset)

        try:
            _, err = self._t.exec_raw(code, timeout=30, data_consumer=consume)
        except TransportError as exc:
            raise DeviceError("the board stopped answering: %s" % exc) from None
        if err:
            raise ExecError("reading %s: %s" % (path, err.decode("utf-8", "replace").strip().splitlines()[-1]))
        data = b"".join(binascii.a2b_base64(l) for l in bytes(out).replace(b"\x04", b"").split(b"\n") if l)
        if progress:
            progress(len(data), size - offset)
        return data

    def write_file(self, path, data, progress=None):
        """Write path from bytes (not atomic by itself: see Device.write_file)."""
        self.exec("import binascii\nf=open(%r,'wb')\nw=f.write\na=binascii.a2b_base64" % path)
        try:
            step = _CHUNK * _CHUNKS_PER_EXEC
            for i in range(0, len(data), step):
                block = data[i:i + step]
                lines = []
                for j in range(0, len(block), _CHUNK):
                    lines.append("w(a(%r))" % binascii.b2a_base64(block[j:j + _CHUNK], newline=False))
                self.exec("\n".join(lines))
                if progress:
                    progress(min(len(data), i + step), len(data))
        finally:
            self.exec("f.close()")
        if progress and not data:
            progress(0, 0)

    def hash_files(self, paths):
        """{path: sha256 hex or None (missing)}; raises ExecError when the board lacks hashlib."""
        code = ("import hashlib,binascii,json\nbuf=bytearray(512)\no={}\nfor p in %r:\n"
                " try:\n  f=open(p,'rb')\n except OSError:\n  o[p]=None\n  continue\n"
                " h=hashlib.sha256()\n while 1:\n  n=f.readinto(buf)\n  if not n:break\n"
                "  h.update(buf[:n])\n f.close()\n o[p]=binascii.hexlify(h.digest()).decode()\n"
                "print(json.dumps(o))" % list(paths))
        return json.loads(self.exec(code, timeout=60).decode())


def exec_failed(exc):
    """True when exc is the board raising (not the link failing)."""
    return isinstance(exc, (ExecError, TransportExecError))
