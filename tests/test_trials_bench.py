"""benchmarks/trials.py: the firmware's pump starts sorted by the sun they met, by hand and over a short season."""
import pytest

from benchmarks import trials


def test_bands_and_parts_of_the_day():
    assert [trials.band(g) for g in (0, 49.9, 50, 399, 400, 799, 800, 1100)] == [0, 0, 1, 2, 3, 4, 5, 5]
    # Sunrise 6:00, sunset 18:00: the first hour, the morning, the afternoon, the last hour.
    rise, sset = 6 * 3600, 18 * 3600
    assert [trials.part(s * 3600, rise, sset) for s in (6.5, 7, 11.9, 12, 16.9, 17, 18.5)] == [0, 1, 1, 2, 2, 3, 3]


def test_tally_counts_starts_browned_and_never_turned_and_the_sun_between():
    starts = [
        (0, 1, 0, True, False, 120.0),  # day 0, dawn: never turned
        (1, 3, 1, True, False, 480.0),  # browned out, never turned: 480 was not enough
        (1, 3, 1, True, True, 520.0),  # turned, then a cloud browned it out
        (1, 4, 2, False, True, 700.0),
        (2, 3, 1, False, True, 505.0),
    ]
    table, day0, (least, most) = trials.tally(starts)
    assert table == {(1, 0): [1, 1, 1], (3, 1): [3, 2, 1], (4, 2): [1, 0, 0]}
    assert day0 == [1, 1, 1]
    assert (least, most) == (505.0, 480.0)


def test_brownouts_split_by_the_kind_of_day_they_came_on():
    # (day, band, part, browned, turned, g), in the order they came.
    starts = [
        (0, 1, 0, True, False, 120.0),  # day 0
        (0, 1, 1, True, False, 300.0),
        (1, 3, 1, True, False, 440.0),  # day 1: two before the first start that turned the pump
        (1, 3, 1, True, False, 460.0),
        (1, 3, 1, False, True, 480.0),
        (1, 4, 2, True, True, 600.0),  # then a cloud browned a running pump out
        (1, 3, 2, True, False, 430.0),  # and an evening trial
        (2, 3, 1, True, False, 300.0),  # day 2: overcast, nothing turned
        (2, 3, 1, True, False, 350.0),
        (2, 3, 2, False, False, 340.0),  # stopped before it browned out
        (3, 3, 1, False, True, 500.0),  # day 3: no brown-out
        (4, 3, 1, True, True, 520.0),  # day 4: the first start turned, then browned out
    ]
    counts, days = trials.by_day(starts)
    assert counts == [2, 2, 2, 3]
    assert days == [1, 1, 1, 2]


def test_a_short_season_prints_its_starts_by_the_sun(short_scenario, capsys):
    assert trials.main(["--scenario", short_scenario("muynak-summer", 3)]) == 0
    out = capsys.readouterr().out.splitlines()
    n, browned, never = (int(out[0].split()[k]) for k in (4, 7, 10))
    assert n > 0 and 0 <= never <= browned <= n
    # Every start is in one cell of the table: the cells add up to the total.
    rows = [line.split()[1:] for line in out[3:] if line[:1].isdigit()]  # "s / b / t" per part
    assert rows and sum(int(row[k]) for row in rows for k in (0, 5, 10, 15)) == n
    assert out[-2].startswith("least irradiance a start turned the pump at")
    # The brown-outs by the kind of day add up to the total too.
    kinds = out[-1].split(": ", 1)[1].split("; ")
    assert len(kinds) == 4 and sum(int(k.split(" (")[0].split()[-1]) for k in kinds) == browned


def test_over_seeds_each_season_adds_up_and_the_mean_is_theirs(short_scenario, capsys):
    name = short_scenario("muynak-summer", 2)
    assert trials.main(["--scenario", name, "--seeds", "own,22"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("scenario ") and out[1].split()[0] == "seed"
    assert out[3].split()[0] == "22"
    rows = [[float(x) for x in line.split()[1:]] for line in out[2:4]]
    for r in rows:
        assert len(r) == 5 and sum(r[:4]) == r[4]  # the kinds add up to the season's
    mean = [float(x) for x in out[4].split()[1:]]
    assert out[4].split()[0] == "mean"
    assert mean == [round((a + b) / 2, 1) for a, b in zip(*rows)]
    # The same season alone gives the same day-0 count.
    trials.main(["--scenario", name, "--seed", "22"])
    alone = capsys.readouterr().out.splitlines()[-1]
    assert alone.startswith("brown-outs by the kind of day: day 0 %d;" % rows[1][0])


@pytest.mark.parametrize("args, says", [(["--scenario", "nosuch"], "no scenario 'nosuch'"), (["--seed", "x"], "a seed is an integer"),
                                        (["--seed", "22", "--seeds", "tune"], "not allowed with argument")])
def test_a_scenario_or_seed_it_cannot_run_is_an_error_not_a_traceback(args, says, capsys):
    with pytest.raises(SystemExit) as e:
        trials.main(args)
    assert e.value.code == 2 and says in capsys.readouterr().err
