"""Host-side figures on a virtual board: deploy sizes and times, log pull throughput, a day of journal.

    .venv/bin/python benchmarks/host.py [--board esp32-devkitc]

Everything goes through mpremote over a pseudo-terminal, so the byte counts
are what a board's serial line carries; the times are the virtual board's
(a pty, no 115200 baud limit) and say little about a real USB line, whose
throughput the byte counts let you work out.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from host_tools import deploy, unixport  # noqa: E402
from host_tools.device import Device  # noqa: E402
from host_tools.virtual import VirtualBoard  # noqa: E402

_DAY_MS = 86400000


def log_bytes(flash):
    d = os.path.join(flash, "log")
    if not os.path.isdir(d):
        return 0
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="esp32-devkitc")
    ap.add_argument("--day-timeout", type=float, default=600, help="wall seconds allowed for a virtual day")
    args = ap.parse_args(argv)
    if unixport.find() is None:
        print("skipped: " + unixport.MISSING)
        return 0
    work = tempfile.mkdtemp(prefix="saxaul-bench-")
    flash = os.path.join(work, "flash")
    os.makedirs(flash)
    vb = VirtualBoard(flash, scenario="day", speed=0)
    vb.start()
    try:
        with Device.connect(vb.port) as dev:
            full = deploy.deploy(dev, args.board, out=lambda *a: None)
            print("full deploy: %d files, %d file bytes, %d bytes on the wire, %.1f s"
                  % (len(full["sent"]), full["file_bytes"], full["wire_bytes"], full["seconds"]))
            again = deploy.deploy(dev, args.board, out=lambda *a: None)
            print("deploy with no change: %d file bytes, %d bytes on the wire (hashes, clock, reset), %.1f s"
                  % (again["file_bytes"], again["wire_bytes"], again["seconds"]))
            wire_s = again["wire_bytes"] * 10 / 115200
            print("  at 115200 baud that is %.2f s of line time" % wire_s)

            # A virtual day as fast as the unix port runs it.
            t0 = time.monotonic()
            start_ms = vb.state().get("now_ms", 0)
            start_log = log_bytes(flash)
            while vb.state().get("now_ms", 0) < start_ms + _DAY_MS:
                if time.monotonic() - t0 > args.day_timeout:
                    print("a virtual day did not pass within %d s" % args.day_timeout)
                    break
                time.sleep(0.5)
            day_bytes = log_bytes(flash) - start_log
            print("a day of journal on flash: %d bytes (%.1f kB; %.1f s of wall time to run the day)"
                  % (day_bytes, day_bytes / 1024, time.monotonic() - t0))

            with dev.maintenance():
                names = [(n, s) for n, s in dev.listdir("log") if s > 0]
                t1 = time.monotonic()
                got = 0
                sent0 = dev.link.bytes_in
                for name, size in names:
                    got += len(dev.read_file("log/" + name))
                dt = time.monotonic() - t1
                wire = dev.link.bytes_in - sent0
            print("log pull: %d bytes in %d files in %.2f s = %.0f kB/s (%d bytes on the wire, %.2f per byte)"
                  % (got, len(names), dt, got / 1024 / dt if dt else 0, wire, wire / got if got else 0))
            print("  at 115200 baud a day of journal takes %.1f s to pull" % (day_bytes * wire / got * 10 / 115200 if got else 0))
    finally:
        vb.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
