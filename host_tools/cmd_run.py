"""`saxaul run PLOT --minutes N` and `saxaul stop`: water by hand through every protection."""
from host_tools import codes_text, fw
from host_tools.device import Device
from host_tools.errors import UserError


def add_parser(sub):
    p = sub.add_parser("run", help="water one plot now, through every protection",
                       description="Ask the running controller to water PLOT (numbered from 1) for N "
                                   "minutes. Every protection still applies (sun, tank, dry run, "
                                   "daily cap, maximum run), so the run may be refused or cut short.")
    p.add_argument("plot", type=int, help="plot number, from 1")
    p.add_argument("--minutes", type=float, required=True,
                   help="how long (at most %d, the pump's hard limit)" % (_max_run_s() // 60))
    p.set_defaults(func=run_run)
    p = sub.add_parser("stop", help="stop watering now",
                       description="Stop any run now (pump first, then the valve) and cancel a manual run.")
    p.set_defaults(func=run_stop)


def _max_run_s():
    return fw.module("limits").HARD_MAX_RUN_S


def run_run(args):
    run_s = int(round(args.minutes * 60))
    if run_s < 1:
        raise UserError("--minutes must be more than 0")
    if run_s > _max_run_s():
        raise UserError("--minutes %g is over the pump's hard limit of %d minutes" % (args.minutes, _max_run_s() // 60))
    if args.plot < 1:
        raise UserError("plots are numbered from 1")
    with Device.connect(args.port) as dev:
        ans = dev.command("run %d %d" % (args.plot, run_s))
    if ans.get("ok"):
        print("plot %d: run of %s asked; the controller starts it at its next tick "
              "(`saxaul monitor` shows it)" % (args.plot, _mins(run_s)))
        return 0
    print("plot %d: refused: %s" % (args.plot, codes_text.reason_text(ans.get("reason", 0))))
    return 1


def run_stop(args):
    with Device.connect(args.port) as dev:
        dev.command("stop")
    print("stopped: pump off, valves closing")
    return 0


def _mins(s):
    return "%d min" % (s // 60) if s % 60 == 0 else "%d s" % s
