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
