"""What a limit on one pump run, or a plot's daily cap, costs a field: the oracle's scores with it.

    .venv/bin/python benchmarks/run_cap.py                       # the undersized panel
    .venv/bin/python benchmarks/run_cap.py --scenario muynak-summer --cap 1200
    .venv/bin/python benchmarks/run_cap.py --scenario brackish-8dsm --daily

The oracle knows when the pump can start; capped, it stops after the cap,
rests 60 s and starts again only when the sun allows. On a small panel a
start needs more sun than a run (FIELD-NOTES), so the cap costs water that
no controller could get back: the reason HARD_MAX_RUN_S is 2 h.

`--daily` holds each plot's valve to the scenario's own `daily_max_s`, as
the firmware is: a refill bigger than a day's cap goes on over days, and
its leaching water drains on the last of them, beyond the share of that
day's water that IE allows. The "fit" row also begins a refill as soon as
waiting a day would make it more than a day's cap: with salty water, such
one-day refills are what keeps both the salt and IE down.
"""
import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from host_tools import season  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="cloudy-undersized-panel")
    ap.add_argument("--cap", type=int, action="append", help="longest run, s (repeat; 0 = none)")
    ap.add_argument("--daily", action="store_true", help="hold each plot to its daily_max_s instead")
    args = ap.parse_args(argv)
    sc = season.load_scenario(args.scenario)
    board = season.load_board(sc)
    if args.daily:
        return daily(sc, board)
    print("scenario %s: the oracle with its pump runs capped" % sc["name"])
    print("%10s %7s %7s %9s %9s" % ("cap s", "IA %", "IE %", "water L", "starts/d"))
    for cap in args.cap or [1200, 1800, 3600, 7200, 0]:
        s = oracle(sc, board, max_run_s=cap)["all"]
        print("%10s %7.1f %7.1f %9.0f %9.1f" % (cap or "none", s["ia_pct"], s["ie_pct"], s["water_l"], s["starts_per_day"]))


def daily(sc, board):
    caps = [p["daily_max_s"] for p in sc["config"]["plots"]]
    print("scenario %s: the oracle held to each plot's daily_max_s %s" % (sc["name"], caps))
    print("%8s %7s %7s %9s  %s" % ("", "IA %", "IE %", "water L", "ECe peak per plot (threshold)"))
    for label, kw in (("no cap", {}), ("daily", {"daily_s": caps}), ("fit", {"daily_s": caps, "fit": True})):
        s = oracle(sc, board, **kw)
        a = s["all"]
        ece = " ".join("%.1f (%.0f)" % (p["ece_peak_dsm"], p["ece_thr_dsm"]) for p in s["plots"])
        print("%8s %7.1f %7.1f %9.0f  %s" % (label, a["ia_pct"], a["ie_pct"], a["water_l"], ece))


def oracle(sc, board, **kw):
    """The oracle's season scores with run_oracle's options `kw`."""
    _, field, baselines, _ = season._sim()
    return season.score(sc, field.rows_as_dicts(baselines.run_oracle(sc, board, **kw)))


if __name__ == "__main__":
    main()
