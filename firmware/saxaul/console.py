# Console: one-line host commands served by the running controller, answered as `@ {json}`.
#
# The raw REPL stops the controller's loop and the watchdog cannot be stopped
# (FIELD-NOTES, "MicroPython facts"), so everything the host needs while the
# controller runs goes through here, between the controller's sleep slices.
# Input is read without blocking, one byte at a time, into a preallocated
# line buffer; an idle poll allocates nothing.
#
#   status            the controller's status dict
#   run PLOT SECONDS  manual run through every protection -> reason code
#   stop              stop any run (host stop)
#   clear             clear latched faults
#   cal PLOT N        median of N raw probe reads, millivolts at the pin
#   maint             next boot is a maintenance boot (no controller, no watchdog)
#
# Plots are numbered from 1 on the wire. Bad input changes nothing and gets
# `@ {"error": "..."}`.
import json
import select
import sys

from micropython import const

from saxaul import __version__
from saxaul.limits import HARD_MAX_PLOTS, HARD_MAX_RUN_S

_LINE_MAX = const(64)  # longest command; longer lines are refused whole
_BYTES_PER_POLL = const(128)  # a flood of input cannot hold the loop past the watchdog
_CAL_MAX_N = const(64)
MAINT_FLAG = "maint"  # relative: cwd is / on a board, the flash folder on the virtual board

_CR = const(13)
_LF = const(10)


def _stream_in():
    return getattr(sys.stdin, "buffer", sys.stdin)


class Console:
    """Reads commands from the serial line and answers them."""

    def __init__(self, ctl, stream_in=None, stream_out=None):
        self._ctl = ctl
        self._in = _stream_in() if stream_in is None else stream_in
        self._out = sys.stdout if stream_out is None else stream_out
        self._poll = select.poll()
        self._poll.register(self._in, select.POLLIN)
        # MicroPython's ipoll reuses its result tuple; CPython has only poll.
        self._ipoll = getattr(self._poll, "ipoll", None)
        self._line = bytearray(_LINE_MAX)
        self._n = 0
        self._overflow = False
        self._one = bytearray(1)
        self._readinto = getattr(self._in, "readinto", None)
        self.served = 0  # commands answered since boot (tests, status)

    def _ready(self):
        if self._ipoll is not None:
            for _ in self._ipoll(0):
                return True
            return False
        return bool(self._poll.poll(0))

    def _read_byte(self):
        if self._readinto is not None:
            if not self._readinto(self._one):
                return -1
            return self._one[0]
        ch = self._in.read(1)
        if not ch:
            return -1
        return ord(ch) if isinstance(ch, str) else ch[0]

    def poll(self):
        """Serve complete lines waiting on the input; returns at once when there are none."""
        budget = _BYTES_PER_POLL
        while budget and self._ready():
            budget -= 1
            b = self._read_byte()
            if b < 0:
                return
            if b == _CR or b == _LF:
                if self._overflow:
                    self._overflow = False
                    self._n = 0
                    self.answer({"error": "line longer than %d bytes" % _LINE_MAX})
                elif self._n:
                    n = self._n
                    self._n = 0
                    self.handle(bytes(self._line[:n]))
                continue
            if self._n < _LINE_MAX:
                self._line[self._n] = b
                self._n += 1
            else:
                self._overflow = True

    def answer(self, obj):
        out = self._out
        out.write("@ ")
        out.write(json.dumps(obj))
        out.write("\n")
        flush = getattr(out, "flush", None)
        if flush is not None:
            flush()

    def handle(self, line):
        """Run one command line (bytes) and print its answer."""
        self.served += 1
        try:
            words = line.decode().split()
        except Exception:
            self.answer({"error": "not text"})
            return
        if not words:
            return
        cmd = words[0]
        args = words[1:]
        try:
            if cmd == "status":
                self._noargs(cmd, args)
                self.answer(self._status())
            elif cmd == "run":
                plot = self._plot(args, 2, "run PLOT SECONDS")
                run_s = _int(args[1], "SECONDS", 1, HARD_MAX_RUN_S)
                reason = self._ctl.manual(plot - 1, run_s)
                self.answer({"ok": reason == 0, "plot": plot, "run_s": run_s, "reason": reason})
            elif cmd == "stop":
                self._noargs(cmd, args)
                self._ctl.host_stop()
                self.answer({"ok": True})
            elif cmd == "clear":
                self._noargs(cmd, args)
                self._ctl.clear_faults()
                self.answer({"ok": True})
            elif cmd == "cal":
                plot = self._plot(args, 2, "cal PLOT N")
                n = _int(args[1], "N", 1, _CAL_MAX_N)
                mv = self._ctl.probe_median_mv(plot - 1, n)
                self.answer({"plot": plot, "n": n, "mv": mv})
            elif cmd == "maint":
                self._noargs(cmd, args)
                self._maint()
            else:
                raise ValueError("unknown command %r: status, run, stop, clear, cal, maint" % cmd)
        except ValueError as exc:
            self.answer({"error": str(exc.args[0]) if exc.args else "bad input"})
        except Exception as exc:  # the controller must keep running whatever a command does
            self.answer({"error": "%s: %s" % (type(exc).__name__, exc)})

    def _status(self):
        d = self._ctl.status()
        # What the host checks after a deploy, if the controller left it out.
        if "fw" not in d:
            d["fw"] = __version__
        board = getattr(self._ctl, "board", None)
        if board is not None:
            if "board" not in d:
                d["board"] = getattr(board, "name", "?")
            if "reset_cause" not in d and hasattr(board, "reset_cause"):
                d["reset_cause"] = board.reset_cause()
        return d

    def _noargs(self, cmd, args):
        if args:
            raise ValueError("%s takes no arguments" % cmd)

    def _plot(self, args, n_args, usage):
        if len(args) != n_args:
            raise ValueError("usage: " + usage)
        n_plots = getattr(self._ctl, "n", HARD_MAX_PLOTS)
        return _int(args[0], "PLOT", 1, n_plots)

    def _maint(self):
        # Outputs off before the reset: a board's pins float during reset and
        # a relay board may hold its last state for a moment.
        self._ctl.host_stop()
        f = open(MAINT_FLAG, "w")
        f.write("1")
        f.close()
        self.answer({"ok": True, "maint": True})
        self._ctl.reset()


def _int(text, name, lo, hi):
    try:
        v = int(text)
    except ValueError:
        raise ValueError("%s must be a whole number, not %r" % (name, text))
    if v < lo or v > hi:
        raise ValueError("%s %d out of range %d..%d" % (name, v, lo, hi))
    return v
