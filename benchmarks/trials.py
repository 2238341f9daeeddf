"""The firmware's pump starts by the sun they met: how many browned out, by irradiance and hour.

    .venv/bin/python benchmarks/trials.py                                    # the undersized panel
    .venv/bin/python benchmarks/trials.py --scenario muynak-summer --seed 22
    .venv/bin/python benchmarks/trials.py --scenario muynak-summer --seeds tune --jobs 2

Open-circuit PV voltage rises only with the log of irradiance, so the
firmware cannot see whether the sun will carry the pump: it tries a start
and backs off after a sag (power.py). Every start that browns out is one
trial too many, unless it was the trial that found the sun. This watches
the simulated field under the firmware (CPython, the same files) and sorts
every start by the irradiance on the panel when it came and by the part of
the day (the first and last hour of sunlight, the rest of the morning and
of the afternoon), and prints per band the starts, those that browned out
(the sun failed the pump at some point of the run) and those that never
turned the pump; then day 0's (the first after boot, nothing learned), and
the least irradiance at which a start turned the pump, the most at which
one never did: between the two lies what this panel and pump need. Last,
the brown-outs by the kind of day they came on (`by_day`): day 0, days on
which no start turned the pump, and on the others, before the day's first
start that did (the sun still climbing to the start) and from it on.
With `--seeds` (a list, or a set's name as in benchmarks/seeds.py) it
prints only those brown-outs by the kind of day, a line per seed and
their mean: what one seed's lottery of clouds hides.
"""
import argparse
import os
import sys
import types
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.seeds import _seeds, seed_arg, seeded, seeded_or_exit  # noqa: E402
from host_tools import season  # noqa: E402

BANDS = (50, 200, 400, 600, 800)  # W/m2: the upper edges; the last band is open
PARTS = ("first hour", "morning", "afternoon", "last hour")


def band(g):
    """Index of the irradiance band of g, W/m2 (0: under 50; len(BANDS): 800 and over)."""
    for k, top in enumerate(BANDS):
        if g < top:
            return k
    return len(BANDS)


def part(s, sunrise_s, sunset_s):
    """Which part of the day s (seconds after midnight) falls in: an index into PARTS."""
    if s < sunrise_s + 3600:
        return 0
    if s >= sunset_s - 3600:
        return 3
    return 1 if 2 * s < sunrise_s + sunset_s else 2


def tally(starts):
    """From (day, band, part, browned, turned, g) per start: {(band, part): [starts, browned, never
    turned]}, day 0's [starts, browned, never turned], and (the least g that turned the pump, the most
    g that never did; None where no start did)."""
    table = {}
    day0 = [0, 0, 0]
    least = most = None
    for d, b, p, browned, turned, g in starts:
        row = table.setdefault((b, p), [0, 0, 0])
        for r in (row, day0) if d == 0 else (row,):
            r[0] += 1
            r[1] += 1 if browned else 0
            r[2] += 0 if turned else 1
        if turned and (least is None or g < least):
            least = g
        if not turned and (most is None or g > most):
            most = g
    return table, day0, (least, most)


KINDS = ("day 0", "days no start turned the pump", "before a day's first start that did", "from it on")


def by_day(starts):
    """Brown-outs by the kind of day and hour they came on, from the starts in
    their order: ([day 0's (as in `tally`), on days no start turned the pump,
    before a day's first start that did (the morning's trials), from it on],
    [how many days of each kind had one]).

    Each kind asks for its own remedy: day 0 has nothing learned; a day with
    no start that turned the pump is an overcast day's lottery; the
    trials before the first start that turned it are the sun climbing to
    the start; the brown-outs from it on are clouds or the evening.
    """
    turned_on = {s[0] for s in starts if s[4]}  # days a start turned the pump
    counts = [0] * len(KINDS)
    days = [set() for _ in KINDS]
    since = set()  # days whose first start that turned the pump has come
    for d, b, p, browned, turned, g in starts:
        if turned:
            since.add(d)
        if browned:
            k = 0 if d == 0 else 1 if d not in turned_on else 3 if d in since else 2
            counts[k] += 1
            days[k].add(d)
    return counts, [len(x) for x in days]


def watch_starts(sc):
    """Run the firmware over the scenario; every start as (day, band, part, browned, turned, g)."""
    starts = []

    def watch(world):
        if getattr(world, "_trials_watched", False):
            return  # a reset imports the firmware again; the field is the same
        world._trials_watched = True
        set_pump = world._set_pump.__func__
        electrical = world._electrical.__func__
        run = {}

        def watched_electrical(self, s):
            v = electrical(self, s)
            if self.pump_on and self.pvp.running:
                run["turned"] = True
            return v

        def watched_set_pump(self, on):
            if on and not self.pump_on:
                d = self.day_index()
                s = (self.t_ms % 86400000) / 1000.0
                day = self.days[d]
                g = self.g_now()
                run.update(d=d, g=g, b=band(g), p=part(s, day.sunrise_s, day.sunset_s), turned=False)
            elif not on and self.pump_on and "d" in run:
                starts.append((run["d"], run["b"], run["p"], self._run_browned, run["turned"], run["g"]))
            set_pump(self, on)

        world._electrical = types.MethodType(watched_electrical, world)
        world._set_pump = types.MethodType(watched_set_pump, world)

    season.run_firmware(sc, "cpython", watch=watch)
    return starts


def _label(k):
    lo = BANDS[k - 1] if k > 0 else 0
    return "%d-%d" % (lo, BANDS[k]) if k < len(BANDS) else "%d+" % lo


def kinds_of(job):
    """(seed, `by_day`'s brown-outs by the kind of day) of one seeded season."""
    name, seed = job
    sc, seed = seeded(name, seed)
    return seed, by_day(watch_starts(sc))[0]


def over_seeds(name, seeds, jobs):
    """Print the brown-outs by the kind of day for each seed, and their mean."""
    work = [(name, s) for s in seeds]
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            rows = list(ex.map(kinds_of, work))
    else:
        rows = [kinds_of(w) for w in work]
    heads = ("day 0", "no start turned", "before the first", "from it on", "season")
    print("scenario %s: brown-outs by the kind of day (%s)" % (name, "; ".join(KINDS[1:])))
    print("%10s" % "seed" + "".join("%18s" % h for h in heads))
    for seed, counts in rows:
        print("%10s" % seed + "".join("%18d" % c for c in counts + [sum(counts)]))
    n = len(rows)
    means = [sum(r[1][k] for r in rows) / n for k in range(len(KINDS))]
    print("%10s" % "mean" + "".join("%18.1f" % m for m in means + [sum(means)]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="cloudy-undersized-panel")
    one = ap.add_mutually_exclusive_group()
    one.add_argument("--seed", type=seed_arg, default=None, help="the weather's seed (default `own`: the scenario's)")
    one.add_argument("--seeds", type=_seeds, default=None,
                    help="several seeds (own,22,33, or a set: tune, check): brown-outs by the kind of day only")
    ap.add_argument("--jobs", type=int, default=1, help="seasons run at once with --seeds")
    args = ap.parse_args(argv)
    sc, seed = seeded_or_exit(ap, args.scenario, args.seed)
    if args.seeds:
        over_seeds(args.scenario, args.seeds, max(1, args.jobs))
        return 0
    starts = watch_starts(sc)
    table, day0, (least, most) = tally(starts)
    print("scenario %s, seed %s: %d pump starts, %d browned out, %d never turned the pump" % (
        sc["name"], seed, len(starts), sum(1 for s in starts if s[3]), sum(1 for s in starts if not s[4])))
    print("starts / browned out / never turned, by irradiance at the start (W/m2) and part of the day")
    print("%-9s" % "W/m2" + "".join("%16s" % p for p in PARTS))
    for k in range(len(BANDS) + 1):
        cells = [table.get((k, p), [0, 0, 0]) for p in range(len(PARTS))]
        if any(c[0] for c in cells):
            print("%-9s" % _label(k) + "".join("%16s" % ("%d / %d / %d" % tuple(c)) for c in cells))
    print("day 0 (nothing learned yet): %d starts, %d browned out, %d never turned" % tuple(day0))
    if least is not None or most is not None:
        print("least irradiance a start turned the pump at: %s; most a start never did: %s" % (
            "-" if least is None else "%.0f W/m2" % least, "-" if most is None else "%.0f W/m2" % most))
    counts, with_one = by_day(starts)
    print("brown-outs by the kind of day: " + "; ".join(
        "%s %d (%d days)" % (KINDS[k], counts[k], with_one[k]) if k else "%s %d" % (KINDS[k], counts[k])
        for k in range(len(KINDS))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
