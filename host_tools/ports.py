"""Serial ports that look like Saxaul boards, by USB VID:PID, and which one to use.

Picking rule (`pick_port`): one board-like port -> that one. Several -> the
one that is a board itself (RP2040 or Espressif native USB, which only a
microcontroller presents) if there is exactly one such; a USB-serial bridge
(CP210x, CH340, FTDI) may as well be a GPS, a modem or a second controller.
Anything still ambiguous is refused with the list: sending a config to the
wrong controller at a plot is worse than asking for `--port`.
"""
from host_tools.errors import UserError

# (vid, pid or None for any) -> (kind, rank); rank 2 = a microcontroller's own USB.
KNOWN = (
    ((0x2E8A, 0x0005), ("RP2040 MicroPython", 2)),
    ((0x303A, None), ("Espressif native USB", 2)),
    ((0x10C4, 0xEA60), ("CP210x USB-serial", 1)),
    ((0x1A86, 0x7523), ("CH340 USB-serial", 1)),
    ((0x1A86, 0x55D4), ("CH9102 USB-serial", 1)),
    ((0x0403, 0x6001), ("FTDI USB-serial", 1)),
    ((0x0403, 0x6010), ("FTDI USB-serial", 1)),
    ((0x0403, 0x6014), ("FTDI USB-serial", 1)),
    ((0x0403, 0x6015), ("FTDI USB-serial", 1)),
)


class Port:
    """A serial port that looks like a board."""

    __slots__ = ("device", "vid", "pid", "kind", "rank", "description", "serial_number")

    def __init__(self, device, vid, pid, kind, rank, description="", serial_number=""):
        self.device = device
        self.vid = vid
        self.pid = pid
        self.kind = kind
        self.rank = rank
        self.description = description or ""
        self.serial_number = serial_number or ""

    @property
    def usb_id(self):
        return "%04X:%04X" % (self.vid, self.pid)

    def __repr__(self):
        return "Port(%r, %s, %r)" % (self.device, self.usb_id, self.kind)


def classify(vid, pid):
    """(kind, rank) for a USB id, or None when it does not look like a board."""
    if vid is None or pid is None:
        return None
    for (kvid, kpid), what in KNOWN:
        if kvid == vid and (kpid is None or kpid == pid):
            return what
    return None


def board_ports(comports=None):
    """Board-like ports among `comports` (default: pyserial's list), sorted by name."""
    if comports is None:
        from serial.tools import list_ports

        comports = list_ports.comports()
    out = []
    for info in comports:
        what = classify(getattr(info, "vid", None), getattr(info, "pid", None))
        if what is None:
            continue
        out.append(Port(info.device, info.vid, info.pid, what[0], what[1],
                        getattr(info, "description", ""), getattr(info, "serial_number", "")))
    out.sort(key=lambda p: p.device)
    return out


def pick_port(ports):
    """The port to use among board-like `ports` (see the module docstring)."""
    if not ports:
        raise UserError("no board found: plug it in, or pass --port")
    if len(ports) == 1:
        return ports[0]
    best = max(p.rank for p in ports)
    top = [p for p in ports if p.rank == best]
    if len(top) == 1:
        return top[0]
    raise UserError("several boards found (%s): pass --port to choose one"
                    % ", ".join("%s %s" % (p.device, p.kind) for p in top))


def resolve_port(port=None, comports=None):
    """The device name to open: `port` when given, else the picked board's."""
    if port:
        return port
    return pick_port(board_ports(comports)).device
