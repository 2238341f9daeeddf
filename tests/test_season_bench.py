"""benchmarks/season.py: the score table, and its repeats for the speed figure."""
import pytest

from benchmarks import season as bench


def test_the_wall_time_is_the_median_of_the_repeats_with_their_spread():
    assert bench.wall_spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert bench.wall_spread([4.0, 1.0, 3.0, 2.0]) == (2.0, 1.0, 4.0)  # even: the lower middle
    assert bench.wall_spread([5.5]) == (5.5, 5.5, 5.5)


def test_repeats_of_a_season_score_alike_and_print_their_spread(capsys):
    assert bench.main(["--scenario", "short-day", "--controller", "firmware", "--runtime", "cpython",
                       "--jobs", "1", "--repeat", "2"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("short-day")]
    assert len(lines) == 1  # one line for the two runs
    assert "(2 runs: " in lines[0] and "DIFFERENTLY" not in lines[0]
    assert float(lines[0].split()[3]) == 100.0  # IA of the short season


def test_repeats_that_score_differently_are_flagged():
    def run(ia, wall):
        s = {"ia_pct": ia, "ia_min_pct": ia, "ie_pct": 1.0, "ece_peak_dsm": 9.0, "water_l": 100.0, "brownouts": 3}
        return "short-day", "firmware", "cpython", s, wall, 86400, 0

    same = bench.line([run(99.0, 2.0), run(99.0, 4.0), run(99.0, 3.0)])
    assert "(3 runs: 2.0-4.0 s)" in same and "DIFFERENTLY" not in same
    assert same.split()[9] == "3.0"  # the median wall time
    assert "REPEATS SCORED DIFFERENTLY" in bench.line([run(99.0, 2.0), run(98.0, 2.0)])
    assert "runs" not in bench.line([run(99.0, 2.0)])  # one run: no spread


def test_no_repeat_is_refused(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--repeat", "0"])
    assert "--repeat" in capsys.readouterr().err
