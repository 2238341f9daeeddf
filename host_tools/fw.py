"""The firmware's own modules (schema, codes, journal, board checks) on CPython.

The host validates with the same code the device runs, so there is one schema.
Firmware modules import `micropython.const`; on CPython a small shim stands in.
"""
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIRMWARE_DIR = os.path.join(ROOT, "firmware")
BOARDS_DIR = os.path.join(ROOT, "boards")
SIM_DIR = os.path.join(BOARDS_DIR, "sim")


def _ensure_path():
    if "micropython" not in sys.modules:
        spec = importlib.util.spec_from_file_location("micropython", os.path.join(SIM_DIR, "micropython.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        sys.modules["micropython"] = mod
    if FIRMWARE_DIR not in sys.path:
        sys.path.insert(0, FIRMWARE_DIR)


def module(name):
    """Import firmware module `saxaul.NAME` (config, codes, journal, boardfile...)."""
    _ensure_path()
    return importlib.import_module("saxaul." + name)


class _Codes:
    """The firmware's codes with their names as tuples indexed by code or bit."""

    def __init__(self, mod):
        for k, v in vars(mod).items():
            if not k.startswith("__"):
                setattr(self, k, v)
        self.REASON_NAMES = _by_value(mod.names("R_"))
        self.EVENT_NAMES = ("",) + _by_value(mod.names("E_"))[1:]
        self.RESET_NAMES = _by_value(mod.names("RC_"))
        self.PLOT_FAULT_NAMES = _by_bit(mod.names("F_", bits=True))
        self.GLOBAL_FAULT_NAMES = _by_bit(mod.names("G_", bits=True))


def _by_value(d):
    return tuple(d.get(i, "") for i in range(max(d) + 1))


def _by_bit(d):
    return tuple(d[1 << i] for i in range(max(d).bit_length()))


_codes = None


def codes():
    """`saxaul.codes` plus REASON_NAMES, EVENT_NAMES, RESET_NAMES and the fault-bit names."""
    global _codes
    if _codes is None:
        _codes = _Codes(module("codes"))
    return _codes
