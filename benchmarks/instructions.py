"""Instructions a season's first days execute on the MicroPython unix port, counted by valgrind.

Wall time on a shared machine moves by a tenth from run to run; the count
of executed instructions moves by a few parts in a million (two runs of
the same code: 11,687,733,599 and 11,687,762,140), so a change to the
speed of the firmware or of the simulated field is weighed here before
its wall time is measured with `benchmarks/season.py --repeat`. Runs the
season's own driver (host_tools/season.py: the unmodified firmware on the
unix port against the simulated field) under `valgrind --tool=callgrind`,
which is some 50 times slower than the port alone: 12 days take about two
minutes. Prints the total, the season's end state (to check that a change
meant to be faster left the season the same), and the C functions of the
interpreter that executed the most (`gc_alloc` high in that list is the
allocator searching a fragmented heap: docs/architecture.md).

Needs valgrind (with callgrind_annotate) on PATH; the project does not
install it.

    .venv/bin/python benchmarks/instructions.py [--scenario NAME] [--days 12] [--top 12]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from host_tools import season  # noqa: E402


def collected(stderr):
    """The instruction count in callgrind's report, or None."""
    m = re.search(r"Collected\s*:\s*(\d+)", stderr)
    return int(m.group(1)) if m else None


def end_state(sc, rows, resets):
    """The season's end as the line prints it: a faster change must leave it the same."""
    s = season.score(sc, rows)["all"]
    return "%d starts, %d brown-outs, %.3f L pumped, %d resets" % (s["starts"], s["brownouts"], s["water_l"], resets)


def top_functions(out_file, n):
    """(instructions, function) of the n costliest functions by their own count."""
    text = subprocess.run(["callgrind_annotate", out_file], capture_output=True, text=True).stdout
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S+)", line)
        if m and "PROGRAM TOTALS" not in line:
            rows.append((int(m.group(1).replace(",", "")), m.group(2).rsplit("/", 1)[-1]))
    return rows[:n]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default=season.DEFAULT_SCENARIO)
    ap.add_argument("--days", type=int, default=12)
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args()
    for tool in ("valgrind", "callgrind_annotate"):
        if shutil.which(tool) is None:
            sys.exit("instructions: needs %s on PATH (not installed by the project)" % tool)
    sc = season.load_scenario(args.scenario)
    sc["days"] = min(args.days, sc["days"])
    with tempfile.TemporaryDirectory(prefix="saxaul-instr-") as work:
        root, board = season.prepare_flash(sc, os.path.join(work, "flash"))
        csv_path = os.path.join(work, "field.csv")
        driver, summary = season.write_driver(sc, board, root, work, csv_path)
        out = os.path.join(work, "callgrind.out")
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out]
                              + season.unix_port_cmd(driver),
                              cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        n = collected(proc.stderr)
        if proc.returncode != 0 or n is None or not os.path.exists(summary):
            tail = [x for x in proc.stderr.splitlines() if not x.startswith("@day")][-8:]
            sys.exit("instructions: the run failed (exit %d): %s" % (proc.returncode, " | ".join(tail)))
        rows = season._sim()[1].read_csv(csv_path)
        with open(summary) as f:
            info = json.load(f)
        print("scenario %s, first %d days on the unix port, under callgrind" % (args.scenario, sc["days"]))
        print("instructions  %d  (%.3f x 10^9)" % (n, n / 1e9))
        print("season        " + end_state(sc, rows, info["resets"]))
        for cost, name in top_functions(out, args.top):
            print("%14d %5.1f %%  %s" % (cost, 100.0 * cost / n, name))


if __name__ == "__main__":
    main()
