"""Season scores for every scenario and controller, and how fast the virtual board runs a season.

    .venv/bin/python benchmarks/season.py                      # everything (several minutes)
    .venv/bin/python benchmarks/season.py --scenario short-day --runtime micropython
    .venv/bin/python benchmarks/season.py --scenario muynak-summer --controller firmware \
        --runtime micropython --jobs 1 --repeat 5   # the speed figure

Prints one line per scenario x controller (x runtime for the firmware):
IA, IE, peak ECe, water, brownouts and simulated seconds per wall second.
Runs go two at a time by default (the firmware on the unix port is a child
process; the rest run in worker processes). Two runs at once slow each
other, and a machine's wall time wanders by a few percent from run to run:
for the speed, `--jobs 1 --repeat N` runs each N times and prints the
median wall time with the fastest and slowest. A season is deterministic,
so the repeats must score alike: a line whose repeats differ says so.
"""
import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from host_tools import season  # noqa: E402


def one(job):
    name, controller, runtime = job
    sc = season.load_scenario(name)
    rows, info = season.run(sc, controller, runtime)
    s = season.score(sc, rows)["all"]
    return name, controller, runtime, s, info["wall_s"], len(rows) * 86400, info.get("resets", 0)


def wall_spread(walls):
    """(median, fastest, slowest) of a run's wall times; the lower middle of an even count."""
    w = sorted(walls)
    return w[(len(w) - 1) // 2], w[0], w[-1]


def line(done):
    """The table's line for the runs of one scenario x controller x runtime (`one`'s results)."""
    name, c, rt, s, _, sim_s, resets = done[0]
    walls = [d[4] for d in done]
    wall, lo, hi = wall_spread(walls)
    alike = all(d[3] == s for d in done)
    return "%-24s %-9s %-11s %6.1f %6.1f %6.1f %6.1f %8.0f %8d %8.1f %9.0f%s%s%s" % (
        name, c, rt, s["ia_pct"], s["ia_min_pct"], s["ie_pct"], s["ece_peak_dsm"], s["water_l"],
        s["brownouts"], wall, sim_s / max(wall, 1e-6), "  resets %d" % resets if resets else "",
        "  (%d runs: %.1f-%.1f s)" % (len(walls), lo, hi) if len(walls) > 1 else "",
        "" if alike else "  REPEATS SCORED DIFFERENTLY")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", help="scenario name (repeat; default all)")
    ap.add_argument("--controller", action="append", choices=season.CONTROLLERS, help="default all")
    ap.add_argument("--runtime", action="append", choices=season.RUNTIMES, help="firmware runtime (default both)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each, for the wall time's median and spread")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be 1 or more")
    names = args.scenario or season.scenario_names()
    controllers = args.controller or season.CONTROLLERS
    runtimes = args.runtime or season.RUNTIMES
    jobs = []
    for n in names:
        for c in controllers:
            for rt in (runtimes if c == "firmware" else ("cpython",)):
                jobs.append((n, c, rt))
    print("%-24s %-9s %-11s %6s %6s %6s %6s %8s %8s %8s %9s" % (
        "scenario", "control", "runtime", "IA %", "IAmin", "IE %", "ECe pk", "water L", "brownout",
        "wall s", "sim s/s"))
    runs = [j for j in jobs for _ in range(args.repeat)]
    done = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for r in ex.map(one, runs):
            done.append(r)
            if len(done) < args.repeat:
                continue
            print(line(done), flush=True)
            done = []
    return 0


if __name__ == "__main__":
    sys.exit(main())
