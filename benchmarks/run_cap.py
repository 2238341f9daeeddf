"""What a limit on one pump run costs a field: the oracle's scores with its runs capped.

    .venv/bin/python benchmarks/run_cap.py                       # the undersized panel
    .venv/bin/python benchmarks/run_cap.py --scenario muynak-summer --cap 1200

The oracle knows when the pump can start; capped, it stops after the cap,
rests 60 s and starts again only when the sun allows. On a small panel a
start needs more sun than a run (FIELD-NOTES), so the cap costs water that
no controller could get back: the reason HARD_MAX_RUN_S is 2 h.
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
    args = ap.parse_args(argv)
    caps = args.cap or [1200, 1800, 3600, 7200, 0]
    sc = season.load_scenario(args.scenario)
    _, field, baselines, _ = season._sim()
    board = season.load_board(sc)
    print("scenario %s: the oracle with its pump runs capped" % sc["name"])
    print("%10s %7s %7s %9s %9s" % ("cap s", "IA %", "IE %", "water L", "starts/d"))
    for cap in caps:
        f = baselines.run_oracle(sc, board, max_run_s=cap)
        s = season.score(sc, field.rows_as_dicts(f))["all"]
        print("%10s %7.1f %7.1f %9.0f %9.1f" % (cap or "none", s["ia_pct"], s["ie_pct"], s["water_l"], s["starts_per_day"]))


if __name__ == "__main__":
    main()
