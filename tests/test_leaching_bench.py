"""benchmarks/leaching.py: the firmware's leaching account beside the field's, by hand and over a short season."""
import pytest

from benchmarks import leaching


def _row(irr, lr, dp_irr, etc):
    return {"irr0": irr, "lr0": lr, "dp_irr0": dp_irr, "etc0": etc}


def test_periods_sum_the_fields_water_and_the_firmwares_events_by_period():
    # One plot of 2 m2, four days in periods of two: 10 mm and 5 mm given at
    # LR 0.2, 3 mm drained on day 1; then 4 mm at LR 0.25, nothing drained.
    rows = [_row(10.0, 0.2, 0.0, 4.0), _row(5.0, 0.2, 3.0, 5.0), _row(0.0, 0.25, 0.0, 6.0), _row(4.0, 0.25, 0.0, 6.0)]
    events = [
        (0, 0, "plan", 5000), (0, 0, "believed", 4000), (1, 0, "learn", 1),
        (0, 0, "dawn", (10000, 12000, 7000)),  # 2 L wetter than the field; ET 7 L against 8 L
        (1, 0, "dawn", (6000, 5000, -1)),  # 1 L drier; no ET yet: counts for the deficit only
        (2, 0, "dawn", (3000, 3000, 12000)),
        (9, 0, "plan", 1000),  # past the rows: nothing
    ]
    first, second = leaching.periods(events, rows, [2.0], 2)[0]
    assert first["water"] == pytest.approx(30.0)
    assert first["lr"] == pytest.approx(6.0)
    assert first["drained"] == pytest.approx(6.0)
    assert (first["plan"], first["believed"], first["learn"]) == (5.0, 4.0, 1)
    assert (first["dawn"], first["dawns"]) == (-1.0, 2)  # -2 L and +1 L
    assert (first["et"], first["etc"]) == (7.0, 8.0)
    assert second["water"] == pytest.approx(8.0)
    assert second["lr"] == pytest.approx(2.0)
    assert (second["plan"], second["believed"], second["drained"]) == (0.0, 0.0, 0.0)
    assert (second["et"], second["etc"], second["dawns"]) == (12.0, 12.0, 1)


def test_a_short_brackish_season_prints_each_plots_account(short_scenario, capsys):
    path = short_scenario("brackish-8dsm", 20)
    assert leaching.main(["--scenario", path, "--plot", "1", "--days", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2] == "plot 1 (salicornia)"
    lines = {r[0]: r for r in (line.split() for line in out) if r and r[0] in ("0-9", "10-19", "season")}
    assert set(lines) == {"0-9", "10-19", "season"}
    water, lr, plan, learn, believed, drained = (float(x) for x in lines["season"][1:7])
    assert water == pytest.approx(float(lines["0-9"][1]) + float(lines["10-19"][1]), abs=1)
    assert water > 0 and lr == pytest.approx(0.2 * water, abs=1)  # LR 0.2 every day
    assert plan > 0 and believed > 0  # the refills' leaching water and the balance's count were seen
    assert out[-1].startswith("leaching fraction: asked 20.0 %")


@pytest.mark.parametrize("args, says", [(["--scenario", "short-day", "--plot", "9"], "the scenario has plots 0-"),
                                        (["--scenario", "nosuch"], "no scenario 'nosuch'")])
def test_a_plot_or_scenario_it_cannot_run_is_refused(args, says, capsys):
    with pytest.raises(SystemExit) as e:
        leaching.main(args)
    assert e.value.code == 2 and says in capsys.readouterr().err
