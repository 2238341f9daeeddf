"""benchmarks/seeds.py: the firmware and the oracle over weather seeds, and its refusals."""
import pytest

from benchmarks import seeds


def test_each_seed_gets_a_line_and_the_scenario_a_summary(capsys):
    assert seeds.main(["--scenario", "short-day", "--seeds", "5,6", "--jobs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in out if line.startswith("short-day")]
    assert [r[1] for r in rows[:2]] == ["5", "6"]
    for r in rows[:2]:
        firmware_ia, oracle_ia, gap = float(r[2]), float(r[6]), float(r[10])
        assert gap == pytest.approx(firmware_ia - oracle_ia, abs=0.11)
        assert r[11].endswith("%")
    summary = rows[2]
    assert len(rows) == 3 and len(summary) == 8
    water = [float(r[11].rstrip("%")) for r in rows[:2]]
    assert float(summary[6].rstrip("%")) == max(water, key=abs)
    assert int(summary[7]) == max(int(r[4]) for r in rows[:2])  # plots over the salt threshold, worst seed


def test_own_stands_for_the_scenarios_seed(capsys):
    # short-day's weather has seed 1: `own` runs it, beside a seed given as a number.
    assert seeds.main(["--scenario", "short-day", "--seeds", "own,6", "--jobs", "1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("short-day")]
    assert [r[1] for r in rows[:2]] == ["1", "6"]
    assert len(rows) == 3


@pytest.mark.parametrize("text", ["x", "22,,y", ",", "own,mine"])
def test_seeds_that_are_not_integers_are_refused(text, capsys):
    with pytest.raises(SystemExit):
        seeds.main(["--seeds", text])
    assert "--seeds" in capsys.readouterr().err
