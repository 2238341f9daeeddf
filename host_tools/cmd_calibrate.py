"""`saxaul calibrate PLOT --dry|--wet`: a probe's calibration point from many raw reads."""
from host_tools.device import Device
from host_tools.errors import UserError


def add_parser(sub):
    p = sub.add_parser("calibrate", help="store a probe's dry or wet reading as its calibration",
                       description="Read PLOT's probe many times (median, in millivolts at the ADC pin) "
                                   "and store it as the plot's dry_mv (--dry: the soil at its driest "
                                   "you expect) or wet_mv (--wet: soaked, then drained to field capacity, an hour or two after the water stopped; the firmware reads that point as 100 %). Capacitive "
                                   "probes need this per soil: texture and salt move their readings. The config is validated "
                                   "and saved on the board in a maintenance boot.")
    p.add_argument("plot", type=int, help="plot number, from 1")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--dry", action="store_true", help="the soil is dry now")
    g.add_argument("--wet", action="store_true", help="the soil is at field capacity now (soaked, then drained)")
    p.add_argument("--samples", type=int, default=32, help="probe reads (1-64; each is itself oversampled)")
    p.set_defaults(func=run)


def run(args):
    from host_tools import configtool

    if not 1 <= args.samples <= 64:
        raise UserError("--samples must be 1..64, not %d" % args.samples)
    key = "dry_mv" if args.dry else "wet_mv"
    with Device.connect(args.port) as dev:
        ans = dev.command("cal %d %d" % (args.plot, args.samples), timeout=60)
        mv = int(ans["mv"])
        print("plot %d probe: %d mV (median of %d reads)" % (args.plot, mv, args.samples))
        with dev.maintenance():
            configtool.set_on_device(dev, ["plot%d.%s=%d" % (args.plot, key, mv)])
    print("plot %d: %s = %d mV saved; the controller runs again" % (args.plot, key, mv))
    return 0
