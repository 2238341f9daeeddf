"""`saxaul logs pull|export|plot|tail`: the controller's journal on the laptop."""
import argparse
import os

from host_tools import logs
from host_tools.errors import DeviceError


def add_parser(sub):
    p = sub.add_parser("logs", help="pull the journal, export it to CSV, plot it, show the last records",
                       description="`pull` copies what is new in the board's journal into a mirror per device "
                                   "(default folder: %s); export, plot and tail read that mirror." % logs.data_dir())
    p.add_argument("--port", default=argparse.SUPPRESS, help="serial port of the board")
    verbs = p.add_subparsers(dest="logs_verb", metavar="VERB")

    def common(q):
        q.add_argument("--dir", help="folder of the mirrors (default: a per-user data folder)")
        q.add_argument("--device", help="device id whose mirror to read (default: the one pulled last)")

    pl = verbs.add_parser("pull", help="fetch what is new since the last pull")
    pl.add_argument("--dir", help="folder of the mirrors (default: a per-user data folder)")
    pl.set_defaults(func=run_pull)
    ex = verbs.add_parser("export", help="decoded records to CSV")
    ex.add_argument("--csv", required=True, metavar="FILE")
    common(ex)
    ex.set_defaults(func=run_export)
    pt = verbs.add_parser("plot", help="PV, moisture with thresholds, pump runs and faults, as a PNG")
    pt.add_argument("--out", required=True, metavar="FILE.png")
    common(pt)
    pt.set_defaults(func=run_plot)
    tl = verbs.add_parser("tail", help="the last records as readable lines (pulls first)")
    tl.add_argument("-n", type=int, default=20, help="how many records (default 20)")
    tl.add_argument("--local", action="store_true", help="read the mirror only, do not pull")
    common(tl)
    tl.set_defaults(func=run_tail)
    p.set_defaults(func=lambda args: p.print_help() or 2)


def _device(args):
    try:
        from host_tools.device import Device
    except ImportError:
        raise DeviceError("talking to a board needs host_tools/device.py, which this installation lacks")
    return Device.connect(getattr(args, "port", None))


def _pull(args):
    dev = _device(args)
    try:
        return logs.pull(dev, args.dir)
    finally:
        dev.close()


def run_pull(args):
    print(_pull(args).summary())
    return 0


def _load(args):
    d = logs.mirror_dir(args.dir, args.device)
    records, bad = logs.load_records(d)
    return d, records, bad, logs.load_config(d)


def run_export(args):
    d, records, bad, cfg = _load(args)
    n = logs.export_csv(records, args.csv, cfg)
    print("%d records from %s to %s%s" % (n, d, args.csv, ", %d bad records skipped" % bad if bad else ""))
    return 0


def run_plot(args):
    d, records, bad, cfg = _load(args)
    logs.plot_png(records, args.out, cfg, title="Saxaul %s" % os.path.basename(d))
    print("plotted %d records to %s" % (len(records), args.out))
    return 0


def run_tail(args):
    if not args.local:
        res = _pull(args)
        args.device = args.device or os.path.basename(res.dir)
    d, records, bad, cfg = _load(args)
    for line in logs.tail_lines(records, args.n, cfg):
        print(line)
    return 0
