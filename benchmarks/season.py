"""Season scores for every scenario and controller, and how fast the virtual board runs a season.

    .venv/bin/python benchmarks/season.py                      # everything (several minutes)
    .venv/bin/python benchmarks/season.py --scenario short-day --runtime micropython

Prints one line per scenario x controller (x runtime for the firmware):
IA, IE, peak ECe, water, brownouts and simulated seconds per wall second.
Runs go two at a time by default (the firmware on the unix port is a child
process; the rest run in worker processes).
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", help="scenario name (repeat; default all)")
    ap.add_argument("--controller", action="append", choices=season.CONTROLLERS, help="default all")
    ap.add_argument("--runtime", action="append", choices=season.RUNTIMES, help="firmware runtime (default both)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
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
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for name, c, rt, s, wall, sim_s, resets in ex.map(one, jobs):
            print("%-24s %-9s %-11s %6.1f %6.1f %6.1f %6.1f %8.0f %8d %8.1f %9.0f%s" % (
                name, c, rt, s["ia_pct"], s["ia_min_pct"], s["ie_pct"], s["ece_peak_dsm"], s["water_l"],
                s["brownouts"], wall, sim_s / max(wall, 1e-6), "  resets %d" % resets if resets else ""),
                flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
