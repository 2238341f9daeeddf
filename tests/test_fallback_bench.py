"""benchmarks/fallback.py: a failed probe's plot's ET over its crop's, by hand and over a short season."""
import pytest

from benchmarks import fallback
from host_tools import season


def test_ratios_take_only_the_plots_on_et_alone_and_their_crops_et_that_day():
    # Plot 1 (2 m2) failed from day 1: 3 L against 1.5 mm (3 L), then 2 L
    # against 2 mm (4 L); plot 0 is good, and a dawn with no ET yet counts
    # for nothing.
    rows = [{"etc0": 1.0, "etc1": 1.0}, {"etc0": 1.0, "etc1": 1.5}, {"etc0": 1.0, "etc1": 2.0},
            {"etc0": 1.0, "etc1": 2.0}]
    dawns = [(0, [1000, 2000], 0b00), (1, [1000, 3000], 0b10), (2, [1000, 2000], 0b10), (3, [1000, -1], 0b10)]
    assert fallback.ratios(dawns, rows, [1.0, 2.0]) == {1: ([3000, 2000], [3000.0, 4000.0])}


def test_the_summary_is_the_mean_spread_lowest_and_highest():
    m, sd, lo, hi = fallback.summary([0.8, 1.0, 1.2])
    assert (m, lo, hi) == (pytest.approx(1.0), 0.8, 1.2)
    assert sd == pytest.approx((0.08 / 3) ** 0.5)


def test_a_short_season_with_an_open_probe_prints_that_plots_ratio(short_scenario, capsys):
    # The probe-fault season cut to 70 days: plot 2's probe opens at day 60.
    path = short_scenario("probe-faults", 70)
    assert fallback.main(["--scenario", path, "--seeds", "own", "--jobs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = {int(r[2]): r for r in (line.split() for line in out) if len(r) == 5 and r[2].isdigit()}
    assert 2 in rows
    days, ratio = int(rows[2][3]), float(rows[2][4])
    assert 8 <= days <= 10  # from the dawn the open probe was seen to the end
    assert 0.5 < ratio < 2.0  # what it lives on is its crop's ET, give or take
    assert out[-1].startswith("%d plots on ET alone" % len(rows))


def test_a_watch_runs_on_cpython_only():
    with pytest.raises(season.UserError, match="cpython"):
        season.run_firmware(season.load_scenario("short-day"), "micropython", watch=lambda world: None)
