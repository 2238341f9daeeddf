"""The console: host commands served between the controller's sleep slices.

The host writes into the serial line while the controller sleeps; each poll
must serve what is complete, keep what is half-typed, never block, and answer
every line with exactly one `@ {json}` line.
"""
import io
import json
import os

import pytest

from saxaul import console


class FakeController:
    """Records what the console asked of the controller."""

    n = 2

    def __init__(self):
        self.calls = []

    def status(self):
        self.calls.append(("status",))
        return {"fw": "0.1.0", "board": "esp32-devkitc", "faults": 0}

    def manual(self, plot, run_s):
        self.calls.append(("manual", plot, run_s))
        return 9 if plot == 1 else 0  # plot 2 is in weak sun

    def host_stop(self):
        self.calls.append(("stop",))

    def clear_faults(self):
        self.calls.append(("clear",))

    def probe_median_mv(self, plot, n):
        self.calls.append(("cal", plot, n))
        return 1850

    def reset(self):
        self.calls.append(("reset",))


class Line:
    """A serial line: the host writes into a pipe the console polls."""

    def __init__(self):
        r, w = os.pipe()
        self.rx = open(r, "rb", buffering=0)
        self.tx = w
        self.out = io.StringIO()

    def send(self, text):
        os.write(self.tx, text.encode())

    def answers(self):
        lines = self.out.getvalue().splitlines()
        self.out.seek(0)
        self.out.truncate()
        assert all(l.startswith("@ ") for l in lines), lines
        return [json.loads(l[2:]) for l in lines]

    def close(self):
        self.rx.close()
        os.close(self.tx)


@pytest.fixture
def line():
    ln = Line()
    yield ln
    ln.close()


@pytest.fixture
def con(line):
    return console.Console(FakeController(), stream_in=line.rx, stream_out=line.out)


def test_idle_poll_returns_at_once_without_answering(con, line):
    # Nothing typed: the controller goes back to sleep without an answer.
    con.poll()
    assert line.answers() == []
    assert con._ctl.calls == []


def test_status_answers_the_controllers_dict(con, line):
    line.send("status\n")
    con.poll()
    assert line.answers() == [{"fw": "0.1.0", "board": "esp32-devkitc", "faults": 0}]


def test_a_half_typed_line_waits_for_its_end(con, line):
    # A slow terminal delivers "run 1" in one slice and " 120\r" in the next.
    line.send("run 1")
    con.poll()
    assert line.answers() == []
    line.send(" 120\r")
    con.poll()
    assert line.answers() == [{"ok": True, "plot": 1, "run_s": 120, "reason": 0}]
    assert con._ctl.calls == [("manual", 0, 120)]  # plot 1 on the wire is index 0


def test_a_refused_run_carries_the_reason(con, line):
    line.send("run 2 60\n")
    con.poll()
    assert line.answers() == [{"ok": False, "plot": 2, "run_s": 60, "reason": 9}]


@pytest.mark.parametrize("cmd, says", [
    ("run 3 60", "PLOT 3 out of range 1..2"),
    ("run 0 60", "PLOT 0 out of range 1..2"),
    ("run 1 99999", "SECONDS 99999 out of range 1..7200"),
    ("run 1 ten", "SECONDS must be a whole number, not 'ten'"),
    ("run 1", "usage: run PLOT SECONDS"),
    ("cal 1 500", "N 500 out of range 1..64"),
    ("stop now", "stop takes no arguments"),
    ("water everything", "unknown command 'water'"),
])
def test_bad_input_is_refused_and_changes_nothing(con, line, cmd, says):
    line.send(cmd + "\n")
    con.poll()
    (ans,) = line.answers()
    assert says in ans["error"]
    assert con._ctl.calls == []


def test_an_overlong_line_is_refused_whole(con, line):
    # Line noise or a paste into the wrong window: never act on a fragment of it.
    line.send("run 1 60" + "x" * 200 + "\nstatus\n")
    for _ in range(4):
        con.poll()
    ans = line.answers()
    assert "longer than" in ans[0]["error"]
    assert ans[1]["board"] == "esp32-devkitc"
    assert ("manual", 0, 60) not in con._ctl.calls


def test_a_flood_cannot_hold_the_loop(con, line):
    # 1000 bytes of blank lines: one poll reads at most its budget and returns,
    # so the controller feeds the watchdog on time.
    line.send("\n" * 1000)
    con.poll()
    rest = 0
    while con._ready():
        con._read_byte()
        rest += 1
    assert rest == 1000 - console._BYTES_PER_POLL


def test_several_commands_in_one_slice_are_all_served_in_order(con, line):
    line.send("stop\nclear\ncal 2 16\n")
    con.poll()
    assert line.answers() == [{"ok": True}, {"ok": True}, {"plot": 2, "n": 16, "mv": 1850}]
    assert con._ctl.calls == [("stop",), ("clear",), ("cal", 1, 16)]


def test_an_exception_in_the_controller_is_answered_not_raised(con, line):
    def broken(plot, n):
        raise OSError(5)

    con._ctl.probe_median_mv = broken
    line.send("cal 1 8\n")
    con.poll()
    (ans,) = line.answers()
    assert ans["error"].startswith("OSError")


def test_maint_leaves_the_flag_stops_outputs_and_resets(con, line, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line.send("maint\n")
    con.poll()
    assert line.answers() == [{"ok": True, "maint": True}]
    assert (tmp_path / "maint").exists()
    # Outputs off first, then the reset; the answer went out before it.
    assert con._ctl.calls == [("stop",), ("reset",)]
