"""`saxaul sim`: a season on the simulated field for the firmware and the baselines, scored, with a report."""
import sys

from host_tools import season


def add_parser(sub):
    p = sub.add_parser("sim", help="simulate a season on the virtual field and score the controllers",
                       description="Run a scenario (scenarios/NAME.json) with the firmware on the virtual "
                                   "board and/or the baseline controllers, print the score table (IA, IE, "
                                   "salt, water, pump starts, brownouts, energy) and write the daily CSV "
                                   "and a PNG report into --out.")
    p.add_argument("scenario", nargs="?", default=season.DEFAULT_SCENARIO,
                   help="scenario name or path (default %s; known: %s)"
                        % (season.DEFAULT_SCENARIO, ", ".join(season.scenario_names())))
    p.add_argument("--controller", default="all", choices=season.CONTROLLERS + ("all",),
                   help="which controller to run (default all)")
    p.add_argument("--runtime", default="micropython", choices=season.RUNTIMES,
                   help="where the firmware runs: the MicroPython unix port or CPython (default micropython)")
    p.add_argument("--out", default=None, help="folder for the CSV files, scores and the PNG report")
    p.add_argument("--plots", action="store_true", help="also print the per-plot scores")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="a setting of the firmware's config on top of the scenario's, as `saxaul config set` "
                        "takes it (plotN.KEY for one plot); repeat for more")
    p.set_defaults(func=run)


class Progress:
    """One line per controller, redrawn in place: `firmware  [#######.....]  95/183 days`."""

    WIDTH = 30

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.name = None
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, name, done, total):
        if not self.tty and done not in (total,) and name == self.name:
            return  # a log file gets one line per controller
        self.name = name
        fill = self.WIDTH * done // total if total else self.WIDTH
        line = "%-9s [%s%s] %3d/%d days" % (name, "#" * fill, "." * (self.WIDTH - fill), done, total)
        end = "\n" if done >= total else "\r"
        if self.tty or done >= total:
            self.stream.write(line + end)
            self.stream.flush()


def run(args):
    controllers = season.CONTROLLERS if args.controller == "all" else (args.controller,)
    progress = Progress()
    sc = season.with_settings(season.load_scenario(args.scenario), args.set)  # before anything runs
    for note in season.config_notes(sc):
        print("note: " + note)
    results = season.season(sc, controllers, args.runtime, args.out, progress)
    print("scenario %s: %d days from %04d-%02d-%02d, %d plots" % (
        sc["name"], sc["days"], sc["start"]["year"], sc["start"]["month"], sc["start"]["day"], len(sc["plots"])))
    if args.set:
        print("with %s" % " ".join(args.set))
    print(season.table(results))
    for name, rows, info, s in results:
        if name == "firmware":
            sim_s = len(rows) * 86400
            print("firmware on %s: %.1f s wall, %.0f simulated s per wall s, %d resets" % (
                args.runtime, info["wall_s"], sim_s / max(info["wall_s"], 1e-6), info.get("resets", 0)))
            for e in info.get("errors", [])[:5]:
                print("  firmware:", e)
    if args.plots:
        scores = season._sim()[3]
        crops = [p["crop"].get("key", "") for p in sc["plots"]]
        for name, rows, info, s in results:
            print(scores.plot_table(name, s, crops))
    if args.out:
        print("wrote %s/%s.png and the daily CSV per controller" % (args.out.rstrip("/"), sc["name"]))
    return 0

