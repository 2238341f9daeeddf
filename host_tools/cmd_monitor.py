"""`saxaul monitor`: the controller's telemetry as a table, live, without stopping it."""
import csv
import sys
import time

from host_tools import codes_text
from host_tools.device import TELEMETRY_FIELDS, Device, parse_telemetry

PV = ("night", "weak", "ok")
_HEADER_EVERY = 20


def add_parser(sub):
    p = sub.add_parser("monitor", help="live telemetry (the controller keeps running)",
                       description="Show the controller's telemetry, one row per tick, while it keeps "
                                   "running. Ctrl-C ends the monitor, not the controller.")
    p.add_argument("--csv", metavar="FILE", help="also append every tick to FILE as CSV")
    p.add_argument("--count", type=int, default=0, help="stop after this many ticks (default: run until Ctrl-C)")
    p.set_defaults(func=run)


def header(n):
    cols = "%8s %4s %5s %6s %-5s %-7s %-22s %s" % ("up", "day", "sun", "PV V", "pump", "valves", "why", "faults")
    return cols + "".join(" %6s" % ("plot%d" % (i + 1)) for i in range(n))


def row(t):
    """One table row from a parsed telemetry line."""
    valves = "".join(str(i + 1) if v else "." for i, v in enumerate(t["valves"]))
    why = codes_text.reason_name(t["reason"]).lower() if t["reason"] else "-"
    if t["plot"]:
        why = "p%d %s" % (t["plot"], why)
    faults = codes_text.global_faults_text(t["gfaults"]) or "-"
    cells = ""
    for pct, pf in zip(t["pct"], t["pfaults"]):
        cells += " %5d%%%s" % (pct, "!" if pf else " ")
    return "%8s %4d %5s %6.1f %-5s %-7s %-22s %s%s" % (
        _hms(t["up_s"]), t["day"], PV[t["pv_state"]] if 0 <= t["pv_state"] < 3 else "?",
        t["pv_mv"] / 1000, "ON" if t["pump"] else "off", valves, why[:22], faults, cells)


def csv_row(t, wall):
    out = [wall] + [t[k] for k in TELEMETRY_FIELDS]
    for pct, pf in zip(t["pct"], t["pfaults"]):
        out += [pct, pf]
    return out


def csv_header(n):
    h = ["wall"] + list(TELEMETRY_FIELDS)
    for i in range(n):
        h += ["pct%d" % (i + 1), "pfault%d" % (i + 1)]
    return h


def _hms(s):
    return "%d:%02d:%02d" % (s // 3600, s % 3600 // 60, s % 60)


def run(args):
    out = None
    writer = None
    shown = 0
    with Device.connect(args.port) as dev:
        print("monitor on %s (Ctrl-C to end; the controller keeps running)" % dev.port)
        try:
            for line in dev.lines():
                t = parse_telemetry(line)
                if t is None:
                    if line.strip() and not line.startswith("@ "):
                        print("   | " + line)  # events, errors, boot lines
                    continue
                if shown % _HEADER_EVERY == 0:
                    print(header(t["n"]))
                print(row(t))
                sys.stdout.flush()
                if args.csv:
                    if out is None:
                        new = True
                        try:
                            new = open(args.csv).read(1) == ""
                        except OSError:
                            pass
                        out = open(args.csv, "a", newline="")
                        writer = csv.writer(out)
                        if new:
                            writer.writerow(csv_header(t["n"]))
                    writer.writerow(csv_row(t, time.strftime("%Y-%m-%dT%H:%M:%S")))
                    out.flush()
                shown += 1
                if args.count and shown >= args.count:
                    break
        except KeyboardInterrupt:
            pass
        finally:
            if out is not None:
                out.close()
    return 0
