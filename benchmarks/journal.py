"""How many days of journal the flash keeps: a season of the firmware on the virtual board.

Runs a scenario (default muynak-summer) with the firmware on the MicroPython
unix port, then measures the journal left on its flash: bytes, the days it
covers under the 256 KB cap, bytes per day, and the 90-day figure.

    .venv/bin/python benchmarks/journal.py [--scenario NAME] [--runtime micropython|cpython]
"""
import argparse
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from host_tools import fw, season  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="muynak-summer")
    ap.add_argument("--runtime", default="micropython", choices=season.RUNTIMES)
    args = ap.parse_args(argv)
    sc = season.load_scenario(args.scenario)
    with tempfile.TemporaryDirectory() as work:
        season.run_firmware(sc, runtime=args.runtime, work=work)
        log = os.path.join(work, "flash", "log")
        total = sum(os.path.getsize(os.path.join(log, f)) for f in os.listdir(log))
        recs, bad = fw.module("journal").read_dir(log)
    days = (recs[-1]["uptime_s"] - recs[0]["uptime_s"]) / 86400.0
    kinds = {}
    for r in recs:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    per_day = total / days
    print("scenario %s, %d days; journal left on flash: %d bytes, %d records, %d bad"
          % (args.scenario, sc["days"], total, len(recs), bad))
    print("it covers the last %.1f days: %.0f bytes a day; 90 days would take %.0f bytes (cap 262144)"
          % (days, per_day, 90 * per_day))
    print("records by kind: " + ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
