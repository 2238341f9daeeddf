"""`make lint` catches an API a board lacks: ADC.read_uv exists on ESP32, not on rp2."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TYPINGS = os.path.join(ROOT, ".venv", "typings")
MYPY = os.path.join(os.path.dirname(sys.executable), "mypy")

BAD = '''# A board module that calls read_uv unguarded.
import machine


def pv_mv(pin):
    # type: (int) -> int
    return machine.ADC(machine.Pin(pin)).read_uv() // 1000
'''


def mypy(board, path):
    env = dict(os.environ, MYPYPATH=os.path.join(TYPINGS, board))
    return subprocess.run([MYPY, "--config-file", os.path.join(ROOT, "mypy.ini"), path],
                          capture_output=True, text=True, env=env, cwd=os.path.dirname(path))


@pytest.mark.skipif(not os.path.isdir(os.path.join(TYPINGS, "rp2")), reason="board stubs not installed (make lint installs them)")
def test_read_uv_is_an_error_on_rp2_and_fine_on_esp32(tmp_path):
    src = tmp_path / "badboard.py"
    src.write_text(BAD)
    rp2 = mypy("rp2", str(src))
    assert rp2.returncode != 0
    assert '"ADC" has no attribute "read_uv"' in rp2.stdout
    esp = mypy("esp32", str(src))
    assert esp.returncode == 0, esp.stdout


def test_code_names_cover_every_constant():
    from host_tools import fw

    c = fw.codes()
    assert c.REASON_NAMES[c.R_MOISTURE_LOW] == "MOISTURE_LOW"
    assert "" not in c.REASON_NAMES  # reasons are numbered without gaps
    assert c.PLOT_FAULT_NAMES[c.F_FLOW_HIGH.bit_length() - 1] == "FLOW_HIGH"
    assert "PROBE_ANY" not in c.PLOT_FAULT_NAMES  # a mask, not a fault
    assert c.RESET_NAMES[c.RC_WDT] == "WDT"
