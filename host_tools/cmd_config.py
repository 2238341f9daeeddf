"""`saxaul config get|set|pull|push|diff|keys`: the controller's settings, checked before they are sent."""
import argparse
import contextlib
import json

from host_tools import configtool
from host_tools.errors import DeviceError


def add_parser(sub):
    p = sub.add_parser("config", help="read, change, pull, push and compare the controller's settings",
                       description="Settings are checked on this laptop with the firmware's own schema, then "
                                   "again on the board, which saves them atomically; a bad key or value changes "
                                   "nothing. Keys: KEY for global settings, plotN.KEY (N from 1) for a plot's.")
    p.add_argument("--port", default=argparse.SUPPRESS, help="serial port of the board")
    verbs = p.add_subparsers(dest="config_verb", metavar="VERB")
    g = verbs.add_parser("get", help="show all settings, or one KEY")
    g.add_argument("key", nargs="?", metavar="KEY")
    g.add_argument("--file", help="read a local config file instead of the board")
    g.set_defaults(func=run_get)
    s = verbs.add_parser("set", help="change settings: KEY=VALUE ... (plot1.start_pct=30)")
    s.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    s.add_argument("--file", help="change a local config file instead of the board")
    s.set_defaults(func=run_set)
    pl = verbs.add_parser("pull", help="save the board's config to FILE")
    pl.add_argument("file", metavar="FILE")
    pl.set_defaults(func=run_pull)
    ps = verbs.add_parser("push", help="send FILE to the board (checked, then saved atomically)")
    ps.add_argument("file", metavar="FILE")
    ps.set_defaults(func=run_push)
    d = verbs.add_parser("diff", help="what `push FILE` would change; without FILE, the board against the defaults")
    d.add_argument("file", nargs="?", metavar="FILE")
    d.set_defaults(func=run_diff)
    k = verbs.add_parser("keys", help="every setting with its type, default, range and unit")
    k.set_defaults(func=run_keys)
    p.set_defaults(func=lambda args: p.print_help() or 2)


@contextlib.contextmanager
def board(args):
    """The connected board, in maintenance, closed afterwards."""
    try:
        from host_tools.device import Device
    except ImportError:
        raise DeviceError("talking to a board needs host_tools/device.py, which this installation lacks")
    dev = Device.connect(getattr(args, "port", None))
    try:
        with dev.maintenance():
            yield dev
    finally:
        dev.close()


def run_get(args):
    if args.file:
        cfg = configtool.load_file(args.file)
    else:
        with board(args) as dev:
            cfg, note = configtool.read_device(dev)
        if note:
            print(note)
    if args.key:
        print(json.dumps(configtool.get_value(cfg, args.key)))
    else:
        for line in configtool.format_config(cfg):
            print(line)
    return 0


def run_set(args):
    if args.file:
        old = configtool.load_file(args.file)
        new = configtool.set_values(old, args.assignments)
        configtool.save_file(args.file, new)
        rows = configtool.diff(old, new)
        for line in configtool.format_diff(rows) or ["no change"]:
            print(line)
        return 0
    with board(args) as dev:
        configtool.set_on_device(dev, args.assignments)
    return 0


def _device_config(args):
    """The board's config (after checking its schema is ours), with any note printed."""
    with board(args) as dev:
        configtool.check_schema(dev)
        cfg, note = configtool.read_device(dev)
    if note:
        print(note)
    return cfg


def run_pull(args):
    cfg = _device_config(args)
    configtool.save_file(args.file, cfg)
    print("saved the board's config to %s" % args.file)
    return 0


def run_push(args):
    cfg = configtool.load_file(args.file)
    configtool.check(cfg)  # before connecting: a bad file never reaches the board
    with board(args) as dev:
        configtool.push(dev, cfg)
    return 0


def run_diff(args):
    cfg = _device_config(args)
    if args.file:
        other = configtool.load_file(args.file)
        rows = configtool.diff(cfg, other)
    else:
        rows = configtool.diff(configtool.config().defaults(configtool.n_plots_of(cfg)), cfg)
    for line in configtool.format_diff(rows) or ["no difference"]:
        print(line)
    return 0


def run_keys(args):
    for key, typ, default, lo, hi, unit, text in configtool.config().describe():
        rng = "|".join(lo) if typ == "str" else ("" if typ == "bool" else "%s..%s" % (lo, hi))
        print("%-22s %-6s %-9s %-14s %-9s %s" % (key, typ, json.dumps(default), rng, unit, text))
    return 0
