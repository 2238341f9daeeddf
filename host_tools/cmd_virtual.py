"""`saxaul virtual`: run a virtual board on a pseudo-terminal until Ctrl-C."""
import os
import signal
import time

from host_tools.errors import UserError


def add_parser(sub):
    p = sub.add_parser(
        "virtual", help="run a virtual board (the firmware on the MicroPython unix port) on a pty",
        description="Start a virtual board: the firmware on the MicroPython unix port against the "
                    "simulated field, its flash in a folder, on a pseudo-terminal that mpremote and "
                    "every saxaul command can use with --port. Runs until Ctrl-C.")
    p.add_argument("--flash", default=".virtual/flash",
                   help="folder holding the board's flash (default .virtual/flash)")
    p.add_argument("--scenario", default=None,
                   help="simulated field scenario (default: a sunny day; 'bench' reads all zero)")
    p.add_argument("--speed", type=int, default=1,
                   help="virtual seconds per wall second (default 1, as a board; 0 = as fast as possible)")
    p.add_argument("--board", default="esp32-devkitc",
                   help="board file to seed an empty flash with (default esp32-devkitc)")
    p.add_argument("--link", default=None, help="also make this symlink to the port")
    p.add_argument("--log", default=None, help="append everything the board prints to this file")
    p.set_defaults(func=run)


def run(args):
    from host_tools import virtual

    if args.speed < 0:
        raise UserError("--speed must be 0 or more, not %d" % args.speed)
    if not os.path.exists(os.path.join(args.flash, "main.py")):
        virtual.seed_flash(args.flash, board=args.board)
        print("flash: %s seeded with the firmware sources and board %s" % (args.flash, args.board))
    # `kill` ends the board too, not only this process.
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    vb = virtual.VirtualBoard(args.flash, scenario=args.scenario, speed=args.speed,
                              link=args.link, log_path=args.log)
    port = vb.start()
    print("virtual board on %s%s (flash %s, speed %s)" % (
        port, " -> " + args.link if args.link else "", os.path.abspath(args.flash), args.speed or "max"))
    print("try: saxaul --port %s status    or: mpremote connect %s resume exec \"print(1)\"" % (port, port))
    print("Ctrl-C to stop")
    seen = 0
    try:
        while True:
            time.sleep(1)
            if len(vb.boots) != seen:
                for mode, cause in vb.boots[seen:]:
                    if seen:
                        print("reset: %s, %s" % (_cause_name(cause), "no main.py" if mode == "repl" else "main.py runs"))
                seen = len(vb.boots)
    except KeyboardInterrupt:
        pass
    finally:
        vb.stop()
    print("virtual board stopped")
    return 0


def _cause_name(cause):
    from host_tools import codes_text

    return codes_text.reset_text(cause)
