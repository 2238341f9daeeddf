"""Persisted state: what survives a reset, written atomically and only when changed."""
import json
import os
import subprocess

import pytest

from saxaul import state

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def boot(path, n=2):
    """What the controller does at boot: load, count the boot, save."""
    st = state.State(n)
    rc = st.load(path)
    st.boot += 1
    st.mark()
    st.save(path)
    return st, rc


def test_first_boot_has_no_file_and_starts_from_defaults(tmp_path):
    st = state.State(3)
    assert st.load(str(tmp_path / "state.json")) == state.MISSING
    assert (st.boot, st.day, st.dry_tries, st.gfaults) == (0, 0, 0, 0)
    assert st.used_s == [0, 0, 0] and st.fallback_day == [-1, -1, -1]
    assert not st.dirty


def test_boot_count_and_todays_water_survive_three_resets(tmp_path):
    # A brownout at dusk resets the board three times; the plot must not get
    # its daily water again after each reset.
    path = str(tmp_path / "state.json")
    st, rc = boot(path)
    assert rc == state.MISSING
    st.new_day(5)
    st.ran(1, 900)
    st.gfaults |= 1
    st.save(path)
    for n in (2, 3, 4):
        st, rc = boot(path)
        assert rc == state.LOADED and st.boot == n
    assert (st.day, st.used_s, st.since_leach_s, st.gfaults) == (5, [0, 900], [0, 900], 1)


def test_save_writes_only_after_mark(tmp_path):
    path = str(tmp_path / "state.json")
    st = state.State(1)
    assert st.save(path) is False and not os.path.exists(path)  # nothing changed
    st.mark()
    assert st.save(path) is True and os.path.exists(path)
    os.remove(path)
    assert st.save(path) is False and not os.path.exists(path)  # flash spared
    st.ran(0, 60)
    assert st.save(path) is True and json.load(open(path))["used_s"] == [60]
    assert os.listdir(tmp_path) == ["state.json"]  # no tmp left behind


def test_a_new_day_resets_the_daily_counters_only(tmp_path):
    st = state.State(2)
    lists = (st.used_s, st.since_leach_s, st.leach_day, st.fallback_day)
    st.new_day(10)
    st.ran(0, 600)
    st.ran(0, 600)
    st.dry_tries = 2
    st.fallback_day[1] = 10
    st.gfaults = 16
    st.leached(1, 10)
    st.new_day(11)
    assert (st.day, st.dry_tries, st.used_s) == (11, 0, [0, 0])
    # Leaching and fallback history span days; latched faults need their own clear.
    assert (st.since_leach_s, st.leach_day, st.fallback_day, st.gfaults) == ([1200, 0], [0, 10], [-1, 10], 16)
    assert st.dirty
    # The tick keeps references to these lists: they are filled, never replaced.
    assert all(a is b for a, b in zip(lists, (st.used_s, st.since_leach_s, st.leach_day, st.fallback_day)))


def test_power_lost_during_save_keeps_the_previous_state(tmp_path):
    path = str(tmp_path / "state.json")
    st, _ = boot(path)
    with open(path + ".tmp", "w") as f:
        f.write('{"v": 1, "boot": 7')  # torn before the rename
    st2 = state.State(2)
    assert st2.load(path) == state.LOADED and st2.boot == 1
    assert not os.path.exists(path + ".tmp")


@pytest.mark.parametrize(
    "content",
    [
        "",
        '{"v": 1, "boot": 7, "day"',
        "[]",
        '{"v": 2, "boot": 7, "day": 3, "dry_tries": 0, "gfaults": 0}',
        '{"v": 1, "boot": true, "day": 3, "dry_tries": 0, "gfaults": 0}',
        '{"v": 1, "boot": 7, "day": 3.5, "dry_tries": 0, "gfaults": 0}',
    ],
)
def test_a_corrupt_file_gives_defaults(tmp_path, content):
    path = str(tmp_path / "state.json")
    with open(path, "w") as f:
        f.write(content)
    st = state.State(2)
    st.boot = 99
    st.used_s[0] = 5
    assert st.load(path) == state.CORRUPT
    assert (st.boot, st.day, st.used_s) == (0, 0, [0, 0])


def test_a_board_with_another_plot_count_keeps_its_boot_count(tmp_path):
    # A plot was added to the board: the per-plot counters cannot be matched,
    # but the boot count still orders the journal.
    path = str(tmp_path / "state.json")
    st, _ = boot(path, n=2)
    st.ran(0, 300)
    st.save(path)
    st3 = state.State(3)
    assert st3.load(path) == state.CORRUPT
    assert st3.boot == 1 and st3.used_s == [0, 0, 0]


MPY = os.path.join(ROOT, ".venv", "bin", "micropython")


@pytest.mark.skipif(not os.path.exists(MPY), reason="no unix-port micropython")
def test_round_trip_on_the_unix_port(tmp_path):
    path = str(tmp_path / "state.json")
    code = (
        "import sys; sys.path[:0]=['boards/sim','firmware']\n"
        "from saxaul import state\n"
        "s = state.State(2); r0 = s.load(%r); s.boot += 1; s.new_day(4); s.ran(1, 120); s.save(%r)\n"
        "t = state.State(2); r1 = t.load(%r)\n"
        "print(r0, r1, t.boot, t.day, t.used_s, t.fallback_day)\n" % (path, path, path)
    )
    out = subprocess.run([MPY, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1 0 1 4 [0, 120] [-1, -1]"
    assert json.load(open(path))["boot"] == 1  # and CPython reads what the device wrote


def test_the_daily_dose_is_learned_from_good_days_and_survives_a_reset(tmp_path):
    # Ten days of 1800 s, then a hot spell of 3000 s a day: the average
    # follows the heat within days, so a probe that fails in July falls back
    # on July's dose and not on April's.
    path = str(tmp_path / "state.json")
    s = state.State(1)
    for day in range(1, 11):
        s.used_s[0] = 1800
        s.learn_dose(1)
        s.new_day(day)
    assert s.dose_s[0] == 1800
    for day in range(11, 18):
        s.used_s[0] = 3000
        s.learn_dose(1)
        s.new_day(day)
    assert 2400 < s.dose_s[0] < 3000
    s.save(path)
    s2 = state.State(1)
    assert s2.load(path) == state.LOADED
    assert (s2.dose_s, s2.ref_s, s2.dose_n) == (s.dose_s, s.ref_s, s.dose_n)


def test_a_failed_probes_dose_follows_the_good_plots_into_the_heat():
    # Plot 1 (haloxylon, half the emitters) ran 1000 s a day in May beside
    # plot 0's 2000 s, then its probe went open. In the July heat plot 0
    # runs 4000 s a day: plot 1's fallback doubles with it.
    s = state.State(2)
    for day in range(1, 21):
        s.used_s[0] = 2000
        s.used_s[1] = 1000
        s.learn_dose(3)
        s.new_day(day)
    assert s.fallback_dose_s(1) == 1000
    for day in range(21, 61):
        s.used_s[0] = 4000
        s.used_s[1] = 1000  # fallback days: not learned
        s.learn_dose(1)
        s.new_day(day)
    assert 1900 <= s.fallback_dose_s(1) <= 2100
    assert state.State(2).fallback_dose_s(0) == -1  # nothing learned: the configured dose


def test_a_few_days_of_history_do_not_set_the_fallback_dose():
    # A probe that fails on day 3, after two rainy days without a run: the
    # plot needs water all the same, so the configured dose stands.
    s = state.State(1)
    for day in range(1, 7):
        s.used_s[0] = 0 if day < 3 else 2000
        s.learn_dose(1)
        s.new_day(day)
    assert s.fallback_dose_s(0) == -1
    s.used_s[0] = 2000
    s.learn_dose(1)
    assert s.dose_n[0] == 7 and s.fallback_dose_s(0) > 0


def test_a_state_file_from_before_the_learned_dose_loads(tmp_path):
    path = str(tmp_path / "state.json")
    s = state.State(2)
    s.boot = 5
    s.used_s[1] = 300
    d = s.to_dict()
    del d["dose_s"], d["ref_s"], d["dose_n"]
    with open(path, "w") as f:
        json.dump(d, f)
    s2 = state.State(2)
    assert s2.load(path) == state.LOADED
    assert (s2.boot, s2.used_s[1], s2.dose_s) == (5, 300, [-1, -1])


def test_the_water_balance_learning_survives_a_reset(tmp_path):
    # Weeks of dawns taught a plot's ET and its probe's salt bias: a reset
    # (a brownout of the controller itself) must not send it back to guessing.
    from saxaul.balance import Balance

    path = str(tmp_path / "state.json")
    st = state.State(2)
    bal = Balance(2)
    bal.adopt(st.et_ml, st.bias_pm)
    bal.et_ml[0] = 18000
    bal.bias[1] = 120
    st.mark()
    st.save(path)
    st2 = state.State(2)
    assert st2.load(path) == state.LOADED
    bal2 = Balance(2)
    bal2.adopt(st2.et_ml, st2.bias_pm)
    assert (bal2.et_ml, bal2.bias) == ([18000, -1], [0, 120])
    st2.bias_pm[0] = 999  # not a value the balance writes
    Balance(2).adopt(st2.et_ml, st2.bias_pm)
    assert st2.bias_pm == [0, 120]


def test_a_bias_saved_in_points_is_learned_again(tmp_path):
    # Files from before the bias was kept in permille hold "bias" in points:
    # read as permille it would be a tenth of itself, so it is left.
    import json

    path = str(tmp_path / "state.json")
    st = state.State(2)
    st.mark()
    st.save(path)
    with open(path) as f:
        d = json.load(f)
    del d["bias_pm"]
    d["bias"] = [12, 3]
    d["et_ml"] = [18000, 9000]
    with open(path, "w") as f:
        json.dump(d, f)
    st2 = state.State(2)
    assert st2.load(path) == state.LOADED
    assert (st2.bias_pm, st2.et_ml) == ([0, 0], [18000, 9000])
