"""Shared fixtures: the firmware loaded on CPython against the fakes; a shipped scenario cut short."""
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from boards.sim.cpython import Fakes  # noqa: E402

FAKES = Fakes()
FAKES.import_firmware()  # makes `saxaul` importable for module-level imports in tests


@pytest.fixture
def fakes():
    """Fresh virtual clock and bench; the firmware re-imported against them."""
    FAKES.time.clear_hooks()
    FAKES.time.reset()
    FAKES.machine.set_world(FAKES.machine.Bench())
    FAKES.import_firmware()
    return FAKES


@pytest.fixture
def short_scenario(tmp_path):
    """cut(name, days): a shipped scenario cut to its first `days` days, as a file; its path."""
    from host_tools import season

    def cut(name, days):
        sc = season.load_scenario(name)
        sc["days"] = days
        path = tmp_path / ("%s-%d.json" % (name, days))
        path.write_text(json.dumps(sc))
        return str(path)

    return cut
