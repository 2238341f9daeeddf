"""`saxaul devices`: the serial ports that look like boards, and the one commands would use."""
from host_tools import ports
from host_tools.errors import UserError


def add_parser(sub):
    p = sub.add_parser("devices", help="list serial ports that look like boards",
                       description="List serial ports whose USB id is a board's (RP2040, Espressif, "
                                   "CP210x, CH340, FTDI); '*' marks the one other commands use without --port.")
    p.set_defaults(func=run)


def format_ports(found):
    """Lines for the listing; the picked port (if any) is starred. Returns (lines, picked or None, why)."""
    picked, why = None, ""
    try:
        picked = ports.pick_port(found)
    except UserError as exc:
        why = str(exc)
    lines = []
    for p in found:
        mark = "*" if p is picked else " "
        extra = "  " + p.description if p.description and p.description != "n/a" else ""
        lines.append("%s %-14s %s  %s%s" % (mark, p.device, p.usb_id, p.kind, extra))
    return lines, picked, why


def run(args):
    found = ports.board_ports()
    lines, picked, why = format_ports(found)
    for line in lines:
        print(line)
    if picked is None:
        raise UserError(why)
    return 0
