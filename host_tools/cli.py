"""The `saxaul` command: a table of verbs, each handled by one module.

Each command module offers `add_parser(subparsers)`, which adds its verb(s)
and sets `func` on each (`p.set_defaults(func=run)`); `func(args)` returns
the exit code.
Errors the user can act on (`UserError`) print one line and exit non-zero.
"""
import argparse
import importlib
import sys

from host_tools.errors import UserError

# verb -> module under host_tools that handles it
COMMANDS = (
    ("devices", "cmd_devices"),
    ("flash", "cmd_flash"),
    ("deploy", "cmd_deploy"),
    ("monitor", "cmd_monitor"),
    ("logs", "cmd_logs"),
    ("config", "cmd_config"),
    ("run", "cmd_run"),
    ("stop", "cmd_run"),
    ("calibrate", "cmd_calibrate"),
    ("status", "cmd_status"),
    ("clear-fault", "cmd_status"),
    ("virtual", "cmd_virtual"),
    ("sim", "cmd_sim"),
    ("wiring", "cmd_wiring"),
)


def build_parser():
    parser = argparse.ArgumentParser(prog="saxaul", description="Saxaul irrigation controller tools")
    parser.add_argument("--port", help="serial port of the board (default: the one `saxaul devices` picks)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    seen = set()
    for verb, modname in COMMANDS:
        if modname in seen:
            continue
        try:
            mod = importlib.import_module("host_tools." + modname)
        except ImportError as exc:
            if exc.name != "host_tools." + modname:
                raise
            continue  # command not built yet
        seen.add(modname)
        mod.add_parser(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except UserError as exc:
        print("saxaul: error: %s" % exc, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("saxaul: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `saxaul config keys | head`: the reader left
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
