"""How near a plot whose probe failed lives to its crop's ET, over weather seeds.

    .venv/bin/python benchmarks/fallback.py                      # probe-faults, 6 seeds
    .venv/bin/python benchmarks/fallback.py --seeds own,22,33,44 --scenario probe-faults

A plot whose probe failed is watered by its balance on ET alone: the ET it
used relative to the good plots while its probe was good, moved as their
ET moves, never below its fallback dose as they use theirs (balance.py).
Nothing corrects that ET any more, so its error is the plot's fate: low,
the plot dries out over weeks; high, the water drains. IA and IE show it
only through the luck of the season (which day the probe failed, which
days taught the ET before), so this looks at the estimate itself: at each
dawn, the firmware's ET for each plot whose probe has failed, against the
crop's ET that day in the simulated field. It prints per seed and plot the
days on ET alone and the sum of the one over the sum of the other (a mean
of daily ratios would weigh a cool day's small ET as much as July's), then
over all of them the mean, the spread (standard deviation) and the lowest
and highest.

The firmware runs on CPython (the same files), watched through
`season.run_firmware(..., watch=...)`.
"""
import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.seeds import _seeds, seeded  # noqa: E402
from host_tools import season  # noqa: E402

SEEDS = (22, 33, 44, 55, 66, 77)


def ratios(dawns, rows, areas_m2):
    """{plot: ([the firmware's ET], [the crop's ET]), mL, one pair per dawn on ET
    alone} from `dawns`, a list of (day, et_ml list, failed bits) as the
    balance held them after each dawn, and the field's daily rows (ETc in mm
    over the plot's area)."""
    got = {}
    for day, et, failed in dawns:
        if day >= len(rows):
            continue
        for i, a in enumerate(areas_m2):
            if not (failed >> i) & 1 or et[i] <= 0:
                continue
            etc_ml = rows[day]["etc%d" % i] * a * 1000.0
            if etc_ml > 0:
                fw, crop = got.setdefault(i, ([], []))
                fw.append(et[i])
                crop.append(etc_ml)
    return got


def summary(means):
    """(mean, standard deviation, lowest, highest) of per-plot ratios."""
    n = len(means)
    m = sum(means) / n
    return m, (sum((x - m) ** 2 for x in means) / n) ** 0.5, min(means), max(means)


def one(job):
    name, seed = job
    sc, seed = seeded(name, seed)
    dawns = []

    def watch(world):
        cls = sys.modules["saxaul.balance"].Balance
        dawn = cls.dawn

        def watched(self, *a, **kw):
            dawn(self, *a, **kw)
            dawns.append((world.day_index(), list(self.et_ml), self.index.failed))

        cls.dawn = watched

    rows, _ = season.run_firmware(sc, "cpython", watch=watch)
    return name, seed, ratios(dawns, rows, season.areas(sc))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", help="scenario name (repeat; default probe-faults)")
    ap.add_argument("--seeds", type=_seeds, default=list(SEEDS),
                    help="comma-separated; `own` is the scenario's (default %s)" % ",".join(str(s) for s in SEEDS))
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    jobs = [(n, s) for n in (args.scenario or ["probe-faults"]) for s in args.seeds]
    means = []
    print("%-24s %6s %5s %6s %11s" % ("scenario", "seed", "plot", "days", "ET / ETc"))
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for name, seed, got in ex.map(one, jobs):
            for i in sorted(got):
                fw, crop = got[i]
                m = sum(fw) / sum(crop)  # the water it was given for, over what its crop used
                means.append(m)
                print("%-24s %6d %5d %6d %11.2f" % (name, seed, i, len(fw), m), flush=True)
    if not means:
        print("no probe failed: nothing on ET alone")
        return 0
    print()
    print("%d plots on ET alone: ET / ETc mean %.3f, spread %.3f, lowest %.2f, highest %.2f" % (
        (len(means),) + summary(means)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
