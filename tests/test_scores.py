"""Season scores on small hand-computed balances: adequacy, excess beyond leaching, salt, pump figures."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "boards", "sim")
if SIM not in sys.path:
    sys.path.append(SIM)

import scores  # noqa: E402


def _row(dr, etc, irr=0.0, dp_irr=0.0, dp=None, ece=4.0, lr=0.0, thr=20.0, raw=20.0,
         starts=0, brownouts=0, wh=0.0, litres=0.0, run_s=0.0):
    return {"dr0": dr, "raw0": raw, "taw0": 40.0, "etc0": etc, "eta0": etc, "rain0": 0.0, "irr0": irr,
            "dp0": dp_irr if dp is None else dp, "dp_irr0": dp_irr, "ece0": ece, "lr0": lr, "thr0": thr,
            "starts": starts, "brownouts": brownouts, "pump_wh": wh, "pumped_l": litres, "pump_run_s": run_s}


def test_adequacy_counts_only_depletion_past_raw_at_the_end_of_each_day():
    # Four days of 5 mm ETc (20 mm). End-of-day Dr 10, 25, 30, 15 against RAW 20:
    # deficits 0 + 5 + 10 + 0 = 15 mm, so IA = 100 (1 - 15/20) = 25 %.
    rows = [_row(10, 5), _row(25, 5), _row(30, 5), _row(15, 5)]
    s = scores.plot_scores(rows, 0)
    assert s["deficit_mm"] == pytest.approx(15.0)
    assert s["ia_pct"] == pytest.approx(25.0)


def test_excess_is_percolation_from_irrigation_beyond_the_leaching_requirement():
    # Day 1: 12 mm irrigated, 4 mm of it drained; LR 0.1 excuses 1.2 mm -> 2.8 mm excess.
    # Day 2: 10 mm irrigated, 0.5 mm drained, LR excuses 1.0 -> no excess.
    # Day 3: rain-driven drainage only (dp 6, dp_irr 0) -> no excess.
    # IE = 100 * 2.8 / 15 = 18.7 %
    rows = [_row(0, 5, irr=12, dp_irr=4, lr=0.1), _row(0, 5, irr=10, dp_irr=0.5, lr=0.1),
            _row(0, 5, dp_irr=0.0, dp=6.0, lr=0.1)]
    s = scores.plot_scores(rows, 0)
    assert s["excess_mm"] == pytest.approx(2.8)
    assert s["ie_pct"] == pytest.approx(100 * 2.8 / 15)
    assert s["dp_mm"] == pytest.approx(10.5)
    # The season's leaching fraction: 4.5 of 22 mm drained, against 10 %.
    assert s["lf_pct"] == pytest.approx(100 * 4.5 / 22)
    assert s["lr_pct"] == pytest.approx(10.0)


def test_a_plot_that_drains_its_leaching_fraction_on_its_last_day_shows_excess():
    # A refill over three days of 12 mm, LR 0.2: 7.2 mm drains on the last
    # day, exactly LR of the 36 mm; that day's water excuses only 2.4 mm.
    rows = [_row(0, 5, irr=12, lr=0.2), _row(0, 5, irr=12, lr=0.2), _row(0, 5, irr=12, dp_irr=7.2, lr=0.2)]
    s = scores.plot_scores(rows, 0)
    assert s["lf_pct"] == pytest.approx(s["lr_pct"]) and s["lr_pct"] == pytest.approx(20.0)
    assert s["excess_mm"] == pytest.approx(4.8)
    t = scores.plot_table("firmware", {"plots": [s]}, ["suaeda"])
    assert "LF %  LR %" in t and "   20    20" in t.splitlines()[2]


def test_salt_peak_final_and_days_over_threshold():
    rows = [_row(0, 5, ece=12), _row(0, 5, ece=22), _row(0, 5, ece=21), _row(0, 5, ece=18)]
    s = scores.plot_scores(rows, 0)
    assert s["ece_peak_dsm"] == 22 and s["ece_final_dsm"] == 18
    assert s["ece_over_thr_days"] == 2


def test_season_totals_starts_brownouts_energy_and_area_weighting():
    rows = []
    for d in range(4):
        r = _row(30 if d == 0 else 0, 5, starts=3, brownouts=1 if d == 2 else 0, wh=20.0, litres=40.0, run_s=1800)
        # A second plot, twice as big, never short of water.
        r.update({"dr1": 0.0, "raw1": 20.0, "taw1": 40.0, "etc1": 5.0, "eta1": 5.0, "rain1": 0.0,
                  "irr1": 5.0, "dp1": 0.0, "dp_irr1": 0.0, "ece1": 30.0, "lr1": 0.0, "thr1": 20.0})
        rows.append(r)
    s = scores.score(rows, areas_m2=[1.0, 2.0])
    a = s["all"]
    assert scores.n_plots(rows) == 2
    assert s["plots"][0]["ia_pct"] == pytest.approx(50.0)  # 10 mm past RAW of 20 mm ETc
    assert a["ia_pct"] == pytest.approx(100 * (1 - 10 / 60))  # plot 1 weighs double
    assert a["ia_min_pct"] == pytest.approx(50.0)
    assert a["starts_per_day"] == 3 and a["starts"] == 12 and a["brownouts"] == 1
    assert a["pump_wh"] == 80 and a["water_l"] == 160 and a["pump_h"] == 2
    assert a["ece_over_thr_plots"] == 1


def test_the_table_has_a_line_per_controller():
    rows = [_row(0, 5)]
    t = scores.table([("firmware", scores.score(rows)), ("timer", scores.score(rows))])
    lines = t.splitlines()
    assert len(lines) == 3 and lines[1].startswith("firmware") and "100.0" in lines[2]
