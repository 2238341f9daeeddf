"""`saxaul deploy --board B`: the firmware, board file and kept config onto the board."""
from host_tools import deploy
from host_tools.device import Device


def add_parser(sub):
    p = sub.add_parser("deploy", help="copy the firmware and board file to the board (changed files only)",
                       description="Compile the firmware for the board's MicroPython, copy the files that "
                                   "differ, write the checked board file, keep the board's config "
                                   "(migrated if the schema moved on), set its clock to UTC, reset it "
                                   "and check that Saxaul came up. Runs in a maintenance boot, so the "
                                   "watchdog cannot reset the board half way.")
    p.add_argument("--board", required=True, help="board file name (boards/NAME.json) or a path to one")
    p.add_argument("--reset-config", action="store_true", help="replace the board's config with defaults")
    p.set_defaults(func=run)


def run(args):
    bar = deploy.Bar()
    with Device.connect(args.port) as dev:
        print("deploying to %s" % dev.port)
        s = deploy.deploy(dev, args.board, reset_config=args.reset_config, progress=bar)
    st = s["status"]
    print("%d file(s) sent (%d bytes), %d unchanged, %d removed; %d bytes on the wire in %.1f s"
          % (len(s["sent"]), s["file_bytes"], len(s["kept"]), len(s["removed"]), s["wire_bytes"], s["seconds"]))
    print("running: firmware %s on %s, boot %s" % (st.get("fw"), st.get("board"), st.get("boot")))
    return 0
