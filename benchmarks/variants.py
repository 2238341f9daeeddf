"""The firmware against the oracle on fields, faults and seasons that no scenario holds.

    .venv/bin/python benchmarks/variants.py                          # every variant
    .venv/bin/python benchmarks/variants.py --variant wet-drift --variant all-open
    .venv/bin/python benchmarks/variants.py --variant early-stuck --seeds 22,33,44,55,66,77

The scenarios in `scenarios/` are what the controller was worked out on; a
controller tuned to them may still fail the first field that differs. Each
variant here is the Muynak season (`muynak-summer`) with one thing changed:
another soil, latitude or season, panel, water, a probe that fails in a
way the scenarios do not try, a technician's calibration a little off, a
flow meter or a valve that fails, two probe cables swapped.
Where the change is something a technician would set up for (another
soil, another water), the config changes with it, as `saxaul sim` works it
out for a plot whose config leaves it out (calibration and `store_l`), or
as the scenario docs say (`leach_pct` = ECw / (2 ECe,thr)). It prints per
variant the firmware's IA, lowest plot IA, IE, peak ECe, plots over their
salt threshold, water and brownouts, the oracle's, and the IA gap; then
the worst of them. The firmware runs on CPython (the same files as on the
board: `benchmarks/season.py` shows both runtimes agree).

One season is one weather, and a fault's cost depends on the weather
around it (a rainy week just after a probe fails, a hot one): a variant's
figures can move by ten points of IA from one seed to the next.
`--seeds` runs each variant on those weather seeds (`own`: Muynak's; a
named set of `benchmarks/seeds.py` too), a line per seed, and then per
variant the mean and worst IA gap, the mean and lowest of its lowest
plot's IA, and the mean and highest IE.
"""
import argparse
import json
import math
import os
import sys
from concurrent.futures import ProcessPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.seeds import _seeds  # noqa: E402
from host_tools import season  # noqa: E402

BASE = "muynak-summer"


def _recalibrated(sc):
    # The technician measures the probes and works the store out in this soil.
    for p in sc["config"]["plots"]:
        for k in ("dry_mv", "wet_mv", "store_l"):
            p.pop(k, None)
    return sc


def _probes(sc, faults):
    # Each plot's probe as the scenario has it (its unit's offset), with these changes.
    sc["probes"] = [dict(p, **(faults[i] if i < len(faults) else {})) for i, p in enumerate(sc["probes"])]
    return sc


def _plots(sc, n):
    # The first n plots, their probes and config; the board's other channels idle.
    sc["plots"] = sc["plots"][:n]
    sc["probes"] = sc["probes"][:n]
    sc["config"]["plots"] = sc["config"]["plots"][:n]
    return sc


def _water(sc, ecw):
    sc["water"] = {"ecw_dsm": ecw}
    sc["config"]["ecw_dsm"] = ecw
    for p in sc["config"]["plots"]:
        p["leach_pct"] = min(90, int(math.ceil(100.0 * ecw / (2 * p["ece_thr_dsm"]))))
    return sc


def _soil(name, fc, wp, sat):
    return lambda sc: _recalibrated(dict(sc, soil={"name": name, "theta_fc": fc, "theta_wp": wp, "theta_sat": sat}))


# name: (what it changes, how)
VARIANTS = {
    "clay-loam": ("clay loam (FC 0.32, WP 0.17), probes and stores worked out for it",
                  _soil("clay loam", 0.32, 0.17, 0.48)),
    "sand": ("sand (FC 0.10, WP 0.04), probes and stores worked out for it", _soil("sand", 0.10, 0.04, 0.38)),
    "lat35-june": ("35 N, 120 days from June", lambda sc: dict(sc, site={"name": "35 N", "lat_deg": 35.0},
                                                                 start={"year": 2026, "month": 6, "day": 1}, days=120)),
    "lat50-march": ("50 N, 200 days from March", lambda sc: dict(sc, site={"name": "50 N", "lat_deg": 50.0},
                                                                   start={"year": 2026, "month": 3, "day": 1}, days=200)),
    "big-panel": ("a 200 W panel", lambda sc: dict(sc, panel=dict(sc["panel"], pstc_w=200.0, isc_a=11.5))),
    "hot-dry": ("4 C hotter, no rain", lambda sc: dict(sc, weather=dict(sc["weather"], t_offset_c=4.0, rain_scale=0.0))),
    "fresh-water": ("ECw 0.6 dS/m, leach_pct for it", lambda sc: _water(sc, 0.6)),
    "salty-12": ("ECw 12 dS/m, leach_pct for it", lambda sc: _water(sc, 12.0)),
    "noisy-probes": ("15 mV of noise on every probe (4 in the scenario)",
                     lambda sc: dict(sc, probe=dict(sc["probe"], noise_mv=15.0))),
    "dry-start": ("the season starts at 90 % of TAW depleted", lambda sc: dict(sc, dr0_frac=0.9)),
    "no-tank": ("straight from a well: no tank, no float", lambda sc: dict(sc, tank=None)),
    "one-plot": ("the Suaeda plot alone on the board", lambda sc: _plots(sc, 1)),
    "two-plots": ("the Suaeda and Salicornia plots alone on the board", lambda sc: _plots(sc, 2)),
    "one-wet-drift": ("the Suaeda plot alone, its probe drifting 6 mV a day wetter from day 20",
                      lambda sc: _probes(_plots(sc, 1), [{"fault": "drift", "fault_from_day": 20,
                                                          "drift_mv_per_day": -6.0}])),
    "miscal-dry": ("probe 1 reads 18 mV drier than its calibration", lambda sc: _probes(sc, [{}, {"offset_mv": 0.0}])),
    "miscal-wet": ("probe 1 reads 18 mV wetter than its calibration",
                   lambda sc: _probes(sc, [{}, {"offset_mv": -36.0}])),
    "open-day0": ("probe 2 open circuit from the start", lambda sc: _probes(sc, [{}, {}, {"fault": "open"}])),
    "early-open": ("probe 0 open circuit from day 2",
                   lambda sc: _probes(sc, [{"fault": "open", "fault_from_day": 2}])),
    "early-stuck": ("probe 1 stuck from day 1", lambda sc: _probes(sc, [{}, {"fault": "stuck", "fault_from_day": 1}])),
    "wet-drift": ("probe 2 drifts 6 mV a day wetter from day 20",
                  lambda sc: _probes(sc, [{}, {}, {"fault": "drift", "fault_from_day": 20, "drift_mv_per_day": -6.0}])),
    "fast-dry-drift": ("probe 3 drifts 10 mV a day drier from day 40",
                       lambda sc: _probes(sc, [{}, {}, {}, {"fault": "drift", "fault_from_day": 40,
                                                            "drift_mv_per_day": 10.0}])),
    "dead-meter": ("the flow meter stops counting on day 30 (the water still flows)",
                   lambda sc: dict(sc, meter={"fault": "dead", "fault_from_day": 30})),
    "valve-shut": ("plot 2's valve no longer opens from day 30",
                   lambda sc: dict(sc, valves=[{}, {}, {"fault": "shut", "fault_from_day": 30}])),
    "probes-swapped": ("the probes of plots 0 and 1 on each other's channels",
                       lambda sc: dict(sc, probe_swap=[0, 1])),
    "all-open": ("every probe open circuit from day 50",
                 lambda sc: _probes(sc, [{"fault": "open", "fault_from_day": 50}] * 4)),
}


def scenario(name, days=None, seed=None):
    """The Muynak season with variant `name` applied, every default filled in
    (cut to its first `days` when given; on weather `seed`, None: its own)."""
    with open(os.path.join(season.SCENARIOS_DIR, BASE + ".json")) as f:
        raw = json.load(f)
    if seed is not None:
        raw["weather"]["seed"] = seed
    sc = VARIANTS[name][1](raw)
    sc["name"] = BASE + "+" + name
    if days:
        sc["days"] = min(days, sc["days"])
    return season.resolve_scenario(sc)


def one(job):
    name, controller, days, seed = job
    sc = scenario(name, days, seed)
    rows, _ = season.run(sc, controller, "cpython")
    return season.score(sc, rows)["all"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="repeat; default all")
    ap.add_argument("--days", type=int, help="cut each season to its first DAYS (a quick look)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=_seeds, default=[None],
                    help="weather seeds, comma-separated (`own`: Muynak's; or a set of benchmarks/seeds.py); "
                         "default own")
    args = ap.parse_args(argv)
    names = args.variant or list(VARIANTS)
    many = len(args.seeds) > 1
    jobs = [(n, c, args.days, s) for n in names for s in args.seeds for c in ("firmware", "oracle")]
    print("%-15s %-41s | %-30s | %6s" % ("variant", ("seed " if many else "") + "firmware IA  min   IE  ECe >thr water bo",
                                         "oracle IA   IE >thr water bo", "IA gap"))
    got = {}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for (name, c, _, seed), s in zip(jobs, ex.map(one, jobs)):
            got[(name, seed, c)] = s
            if c != "oracle":
                continue
            f = got[(name, seed, "firmware")]
            print("%-15s %s%11.1f %5.1f %4.1f %4.1f %3d %5.0f %4d | %9.1f %4.1f %3d %5.0f %3d | %+6.1f" % (
                name, ("%4s " % ("own" if seed is None else seed)) if many else "", f["ia_pct"], f["ia_min_pct"],
                f["ie_pct"], f["ece_peak_dsm"], f["ece_over_thr_plots"], f["water_l"], f["brownouts"], s["ia_pct"],
                s["ie_pct"], s["ece_over_thr_plots"], s["water_l"], s["brownouts"], f["ia_pct"] - s["ia_pct"]),
                flush=True)
    print()
    for n in names:
        print("%-15s %s" % (n, VARIANTS[n][0]))
    if many:
        print()
        print("%-15s %18s %18s %14s" % ("variant", "IA gap mean worst", "lowest plot mean", "IE mean worst"))
        for n in names:
            fs = [(got[(n, s, "firmware")], got[(n, s, "oracle")]) for s in args.seeds]
            gaps = [f["ia_pct"] - o["ia_pct"] for f, o in fs]
            lows = [f["ia_min_pct"] for f, _ in fs]
            ies = [f["ie_pct"] for f, _ in fs]
            print("%-15s %+9.1f %+8.1f %9.1f %8.1f %7.1f %6.1f" % (
                n, sum(gaps) / len(gaps), min(gaps), sum(lows) / len(lows), min(lows), sum(ies) / len(ies), max(ies)))
    fs = [(got[(n, s, "firmware")], got[(n, s, "oracle")], n) for n in names for s in args.seeds]
    gap = min(fs, key=lambda x: x[0]["ia_pct"] - x[1]["ia_pct"])
    low = min(fs, key=lambda x: x[0]["ia_min_pct"])
    ie = max(fs, key=lambda x: x[0]["ie_pct"])
    print()
    print("worst IA gap %+.1f (%s), lowest plot IA %.1f (%s), highest IE %.1f (%s)" % (
        gap[0]["ia_pct"] - gap[1]["ia_pct"], gap[2], low[0]["ia_min_pct"], low[2], ie[0]["ie_pct"], ie[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
