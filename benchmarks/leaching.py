"""Where a plot's leaching water went: asked, planned, believed drained and drained, by period.

    .venv/bin/python benchmarks/leaching.py                              # brackish water, every plot
    .venv/bin/python benchmarks/leaching.py --scenario brackish-8dsm --plot 1 --days 10
    .venv/bin/python benchmarks/leaching.py --scenario muynak-summer --seed 22

With salty water the salt stays below the crop's threshold only if a share
LR of the water drains past the roots (FAO-29), and IE counts, day by day,
any drainage beyond that share. The firmware cannot see drainage: its
water balance (balance.py) sizes each refill to field capacity plus the
leaching water, and what it believes drained is what went past field
capacity by its own count. This puts the firmware's account beside the
field's, per plot and per period of `--days` days:

- `water L`: what the plot was given;
- `LR L`: the share of it the leaching requirement asks (the field's LR
  times each day's water), the water that should drain;
- `plan L`: the leaching water of the refills begun in the period
  (refill.py, after the day's cap has cut it), `learn`: refills that
  stopped short to teach ET and carried none;
- `believed L`: what the balance counted past field capacity;
- `drained L`: what drained in the field, from the irrigation;
- `ET %`: the ET the balance held at the period's dawns over the crop's
  ET on those days;
- `dawn L`: the deficit the balance held after each dawn's reading, less
  the field's, on average (below 0: it believed the plot wetter than it
  was, and a refill sized by it drains that much less).

The firmware runs on CPython (the same files), watched through
`season.run_firmware(..., watch=...)`; the figures are an account of one
run, not a score.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.seeds import seed_arg, seeded_or_exit  # noqa: E402
from host_tools import season  # noqa: E402

KEYS = ("water", "lr", "plan", "learn", "believed", "drained", "et", "etc", "dawn", "dawns")


def periods(events, rows, areas_m2, days):
    """Per plot, a list of per-period sums {key: value} (KEYS) from `events`.

    `events`: (day, plot, kind, value) with kind "plan" (a refill's leaching
    water, mL), "learn" (a refill that stops short), "believed" (mL past
    field capacity by the balance), "dawn" (value: (believed deficit mL,
    field deficit mL, balance ET mL)). `rows`: the field's daily rows (mm
    over the plot's area)."""
    n = len(areas_m2)
    out = [[dict.fromkeys(KEYS, 0.0) for _ in range(0, len(rows), days)] for _ in range(n)]
    for d, r in enumerate(rows):
        for i, a in enumerate(areas_m2):
            p = out[i][d // days]
            k = "%d" % i
            p["water"] += r["irr" + k] * a
            p["lr"] += r["lr" + k] * r["irr" + k] * a
            p["drained"] += r["dp_irr" + k] * a
    for d, i, kind, v in events:
        if d >= len(rows) or i >= n:
            continue
        p = out[i][d // days]
        if kind == "dawn":
            bal_ml, field_ml, et_ml = v
            p["dawn"] += (bal_ml - field_ml) / 1000.0
            p["dawns"] += 1
            if et_ml > 0:
                p["et"] += et_ml / 1000.0
                p["etc"] += rows[d]["etc%d" % i] * areas_m2[i]
        elif kind == "learn":
            p["learn"] += 1
        else:
            p[kind] += v / 1000.0
    return out


def account(sc):
    """Run the firmware over the scenario; (events, rows) for `periods`."""
    events = []

    def watch(world):
        mods = sys.modules
        bal_cls = mods["saxaul.balance"].Balance
        ref_cls = mods["saxaul.refill"].Refills
        watered, dawn, size = bal_cls.watered, bal_cls.dawn, ref_cls.size
        areas = season.areas(sc)

        def watched_watered(self, i, ml, now_s):
            drained = watered(self, i, ml, now_s)
            if drained:
                events.append((world.day_index(), i, "believed", drained))
            return drained

        def watched_dawn(self, now_s, *a, **kw):
            dawn(self, now_s, *a, **kw)
            d = world.day_index()
            for i, p in enumerate(world.plots):
                if self.known[i]:
                    events.append((d, i, "dawn", (self.d_ml[i], p.dr * areas[i] * 1000.0, self.et_ml[i])))

        def watched_size(self, i, *a):
            begun = self._refilling[i]
            run_s = size(self, i, *a)
            if not begun and self._refilling[i]:
                if self._learn[i]:
                    events.append((world.day_index(), i, "learn", 1))
                else:
                    events.append((world.day_index(), i, "plan", self._leach_ml[i]))
            return run_s

        bal_cls.watered = watched_watered
        bal_cls.dawn = watched_dawn
        ref_cls.size = watched_size

    rows, _ = season.run_firmware(sc, "cpython", watch=watch)
    return events, rows


def _line(label, p, last_ece):
    et = "%5.0f" % (100.0 * p["et"] / p["etc"]) if p["etc"] > 0 else "    -"
    dawn = "%6.1f" % (p["dawn"] / p["dawns"]) if p["dawns"] else "     -"
    return "%-9s %7.0f %6.0f %6.0f %5d %9.0f %8.0f %s %s %6.1f" % (
        label, p["water"], p["lr"], p["plan"], p["learn"], p["believed"], p["drained"], et, dawn, last_ece)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="brackish-8dsm")
    ap.add_argument("--seed", type=seed_arg, default=None, help="the weather's seed (default `own`: the scenario's)")
    ap.add_argument("--plot", type=int, action="append", help="0-based plot (repeat; default every plot)")
    ap.add_argument("--days", type=int, default=15, help="days a line (default 15)")
    args = ap.parse_args(argv)
    if args.days < 1:
        ap.error("--days must be 1 or more")
    sc, seed = seeded_or_exit(ap, args.scenario, args.seed)
    areas = season.areas(sc)
    plots = args.plot if args.plot else list(range(len(areas)))
    for i in plots:
        if not 0 <= i < len(areas):
            ap.error("--plot %d: the scenario has plots 0-%d" % (i, len(areas) - 1))
    events, rows = account(sc)
    table = periods(events, rows, areas, args.days)
    print("scenario %s, seed %s: the firmware's leaching account against the field's" % (sc["name"], seed))
    for i in plots:
        print()
        crop = sc["plots"][i]["crop"]
        print("plot %d (%s)" % (i, crop.get("key", "") if isinstance(crop, dict) else crop))
        print("%-9s %7s %6s %6s %5s %9s %8s %5s %6s %6s" % (
            "days", "water L", "LR L", "plan L", "learn", "believed L", "drained L", "ET %", "dawn L", "ECe"))
        total = dict.fromkeys(KEYS, 0.0)
        for j, p in enumerate(table[i]):
            a = j * args.days
            b = min(a + args.days, len(rows)) - 1
            print(_line("%d-%d" % (a, b), p, rows[b]["ece%d" % i]))
            for k in KEYS:
                total[k] += p[k]
        print(_line("season", total, max(r["ece%d" % i] for r in rows)))
        w = total["water"]
        if w > 0:
            print("leaching fraction: asked %.1f %%, believed %.1f %%, drained %.1f %% (the season line's ECe is its peak)" % (
                100.0 * total["lr"] / w, 100.0 * total["believed"] / w, 100.0 * total["drained"] / w))
    return 0


if __name__ == "__main__":
    sys.exit(main())
