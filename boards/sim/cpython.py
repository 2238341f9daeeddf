"""Load the firmware on CPython with the fake `machine` and virtual `time`.

CPython's own `time` stays in `sys.modules` for everything else; the firmware
modules are imported while the fakes stand in, so they keep the fakes. The
fakes themselves are the files the unix port uses, loaded from this folder.
"""
import importlib.util
import os
import sys
import time as _real_time

SIM_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(SIM_DIR))
FIRMWARE_DIR = os.path.join(ROOT, "firmware")

FIRMWARE_MODULES = (
    "codes", "boardfile", "config", "state", "journal", "sensing", "power",
    "planner", "pump", "board", "controller", "console",
)


def _load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Fakes:
    """The fake modules and the firmware loaded against them."""

    def __init__(self):
        sys.modules.setdefault("_saxaul_real_time", _real_time)
        if "micropython" not in sys.modules:
            sys.modules["micropython"] = _load_file("micropython", os.path.join(SIM_DIR, "micropython.py"))
        self.time = _load_file("saxaul_sim_time", os.path.join(SIM_DIR, "time.py"))
        saved = sys.modules.get("time")
        sys.modules["time"] = self.time
        try:
            self.machine = _load_file("machine", os.path.join(SIM_DIR, "machine.py"))
        finally:
            sys.modules["time"] = saved
        sys.modules["machine"] = self.machine

    def import_firmware(self):
        """Import (afresh) every firmware module; returns the `saxaul` package."""
        for name in list(sys.modules):
            if name == "saxaul" or name.startswith("saxaul.") or name == "main":
                del sys.modules[name]
        saved = sys.modules.get("time")
        sys.modules["time"] = self.time
        sys.modules["machine"] = self.machine
        if FIRMWARE_DIR not in sys.path:
            sys.path.insert(0, FIRMWARE_DIR)
        try:
            import saxaul

            for mod in FIRMWARE_MODULES:
                if os.path.exists(os.path.join(FIRMWARE_DIR, "saxaul", mod + ".py")):
                    importlib.import_module("saxaul." + mod)
            return saxaul
        finally:
            sys.modules["time"] = saved

    def sim_module(self, name):
        """Load boards/sim/NAME.py (a world) against the fakes, as on the unix port."""
        saved = sys.modules.get("time")
        sys.modules["time"] = self.time
        sys.modules["machine"] = self.machine
        if SIM_DIR not in sys.path:
            sys.path.append(SIM_DIR)  # for the sim's own imports (weather, soil, ...)
        try:
            key = "saxaul_sim_" + name
            mod = _load_file(key, os.path.join(SIM_DIR, name + ".py"))
            sys.modules[key] = mod
            return mod
        finally:
            sys.modules["time"] = saved

    def import_main(self):
        """Import firmware/main.py as module `main` (it does not run on import)."""
        saved = sys.modules.get("time")
        sys.modules["time"] = self.time
        try:
            sys.modules.pop("main", None)
            return _load_file("main", os.path.join(FIRMWARE_DIR, "main.py"))
        finally:
            sys.modules["time"] = saved
