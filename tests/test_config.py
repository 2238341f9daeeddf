"""Configuration: one schema, every error named, atomic save, migration, derived leaching."""
import json
import os
import re
import subprocess

import pytest

from saxaul import config, limits

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def entry(table, key):
    return [e for e in table if e[0] == key][0]


def write(path, obj):
    with open(path, "w") as f:
        f.write(obj if isinstance(obj, str) else json.dumps(obj))


# -- the schema itself ------------------------------------------------------


def test_schema_keys_are_the_documented_keys():
    # docs/architecture.md outlines the keys; the schema is the definition.
    # A key added to one and not the other is a drift the host would trip on.
    doc = open(os.path.join(ROOT, "docs", "architecture.md")).read()
    glob = doc[doc.index("Global: ") : doc.index("Per plot: ")]
    plot = doc[doc.index("Per plot: ") : doc.index("`config.derive")]
    choices = set()
    for e in config.GLOBAL + config.PLOT:
        if e[1] == "str":
            choices.update(e[3])
    words = lambda text: set(re.findall(r"`([a-z_]+)`", text)) - choices  # noqa: E731
    assert words(glob) == {e[0] for e in config.GLOBAL}
    assert words(plot) == {e[0] for e in config.PLOT}


def test_every_default_passes_its_own_bounds_for_one_to_four_plots():
    for n in range(1, limits.HARD_MAX_PLOTS + 1):
        cfg = config.defaults(n)
        assert cfg["version"] == config.SCHEMA_VERSION == 2
        assert len(cfg["plots"]) == n
        assert config.validate(cfg, n) == []


def test_field_defaults_match_a_12v_pump_on_a_24v_class_panel():
    d = config.defaults(1)
    assert d["pv_night_mv"] < d["pv_stop_mv"] < d["pv_start_mv"] < 21000  # below Voc
    p = d["plots"][0]
    assert (p["dry_mv"], p["wet_mv"]) == (2200, 1100)  # output falls as the soil wets
    assert (p["ece_thr_dsm"], p["ece_slope_pct"]) == (16.0, 2.5)  # halophyte placeholder
    assert (p["start_pct"], p["target_pct"], p["cycle_s"], p["soak_s"]) == (35, 60, 600, 1200)
    assert d["batt_low_mv"] == d["batt_ok_mv"] == 0  # no battery unless configured


@pytest.mark.parametrize(
    "key,bound,limit",
    [
        ("pump_max_run_s", 4, limits.HARD_MAX_RUN_S),
        ("pump_min_off_s", 3, limits.HARD_MIN_OFF_S),
        ("pump_max_starts_h", 4, limits.HARD_MAX_STARTS_H),
        ("prime_s", 4, limits.HARD_MAX_PRIME_S),
        ("valve_lead_s", 3, limits.HARD_MIN_VALVE_LEAD_S),
        ("valve_lag_s", 3, limits.HARD_MIN_VALVE_LAG_S),
        ("plots_at_once", 4, limits.HARD_MAX_PLOTS),
    ],
)
def test_no_setting_can_loosen_a_hard_limit(key, bound, limit):
    e = entry(config.GLOBAL, key)
    assert e[bound] == limit
    cfg = config.defaults(1)
    cfg[key] = limit + (1 if bound == 4 else -1)  # one step past the hard limit
    errs = config.validate(cfg, 1)
    assert len(errs) == 1 and errs[0].startswith("%s = %d: must be an integer" % (key, cfg[key]))


def test_plot_run_times_cannot_exceed_the_hard_caps():
    assert entry(config.PLOT, "cycle_s")[4] == limits.HARD_MAX_RUN_S
    assert entry(config.PLOT, "daily_max_s")[4] == limits.HARD_MAX_DAILY_S
    cfg = config.defaults(2)
    cfg["plots"][1]["daily_max_s"] = limits.HARD_MAX_DAILY_S + 1
    assert config.validate(cfg, 2) == ["plots[1].daily_max_s = 14401: must be an integer 0..14400 s"]


# -- validate -----------------------------------------------------------------


def test_a_hand_edited_file_gets_every_error_named_at_once():
    # Someone edited config.json on the laptop: a typo, a missing key, a
    # percentage over 100, a quoted number and a flag written as 1.
    cfg = config.defaults(3)
    cfg["plots"][2]["start_pct"] = 120
    cfg["tick_sec"] = 60
    del cfg["night_tick_s"]
    cfg["ecw_dsm"] = "2.0"
    cfg["plots"][0]["enabled"] = 1
    cfg["leach_mode"] = "flood"
    errs = config.validate(cfg, 3)
    assert sorted(errs) == sorted(
        [
            "plots[2].start_pct = 120: must be an integer 0..100 %",
            "tick_sec = 60: unknown key",
            "night_tick_s: missing (must be an integer 60..3600 s)",
            'ecw_dsm = "2.0": must be a number 0..30 dS/m',
            "plots[0].enabled = 1: must be true or false",
            'leach_mode = "flood": must be one of off, drip, surface, fraction',
        ]
    )


def test_bool_is_not_an_int_but_an_int_is_a_number():
    cfg = config.defaults(1)
    cfg["plots"][0]["cycle_s"] = True
    cfg["plots"][0]["ece_thr_dsm"] = 18  # written without the .0
    cfg["ecw_dsm"] = 3
    cfg["tick_s"] = 60.0  # a float is not an int
    assert sorted(config.validate(cfg, 1)) == [
        "plots[0].cycle_s = true: must be an integer 10..7200 s",
        "tick_s = 60.0: must be an integer 5..3600 s",
    ]


def test_plot_count_must_match_the_board():
    cfg = config.defaults(2)
    assert config.validate(cfg, 3) == ["plots: 2 entries, the board has 3 plots"]
    assert config.validate(cfg) == []  # count unknown: not checked


def test_not_an_object_and_wrong_version():
    assert config.validate([1, 2]) == ["config = [1, 2]: must be an object"]
    cfg = config.defaults(1)
    cfg["version"] = 1
    assert config.validate(cfg, 1) == ["version = 1: must be 2"]
    cfg = config.defaults(1)
    cfg["plots"] = {"0": {}}
    assert config.validate(cfg, 1) == ['plots = {"0": {}}: must be a list of plot settings']


def test_cross_field_rules():
    cfg = config.defaults(2)
    cfg["plots"][0]["target_pct"] = 35  # equal to start: the pump would chatter
    cfg["plots"][1]["wet_mv"] = 2200  # same as dry: no calibration span
    cfg["pv_stop_mv"] = 17000  # above start: it would stop as soon as it starts
    cfg["batt_low_mv"] = 11000  # battery configured, recovery left at 0
    assert sorted(config.validate(cfg, 2)) == sorted(
        [
            "plots[0].target_pct = 35: must be above start_pct (35) %",
            "plots[1].wet_mv = 2200: must differ from dry_mv (2200) mV",
            "pv_start_mv = 16000: must be above pv_stop_mv (17000) mV",
            "batt_ok_mv = 0: must be above batt_low_mv (11000) mV, or both 0 (no battery)",
        ]
    )
    cfg = config.defaults(1)
    cfg["pv_night_mv"] = 12000
    assert config.validate(cfg, 1) == ["pv_stop_mv = 11500: must be above pv_night_mv (12000) mV"]
    cfg = config.defaults(1)
    cfg["batt_low_mv"], cfg["batt_ok_mv"] = 11000, 12000  # Lorentz-like hysteresis
    cfg["plots"][0]["wet_mv"], cfg["plots"][0]["dry_mv"] = 2300, 1000  # an inverted probe is fine
    assert config.validate(cfg, 1) == []


def test_cross_rules_skip_fields_already_reported():
    cfg = config.defaults(1)
    cfg["plots"][0]["start_pct"] = "35"
    assert config.validate(cfg, 1) == ['plots[0].start_pct = "35": must be an integer 0..100 %']


# -- migrate --------------------------------------------------------------------


def v1_file(n=2):
    d = config.strip(config.defaults(n))
    d["version"] = 1
    for p in d["plots"]:
        del p["ece_slope_pct"], p["dry_mv"], p["wet_mv"]
        p["dry_raw"], p["wet_raw"] = 43690, 21845  # 2/3 and 1/3 of full scale
    d["plots"][1]["start_pct"] = 28  # the user's own value
    return d


def test_v1_file_is_migrated_keeping_the_users_values():
    old = v1_file()
    new = config.migrate(old)
    assert new["version"] == 2
    assert "dry_raw" in old["plots"][0]  # the input is not changed
    for p in new["plots"]:
        assert (p["dry_mv"], p["wet_mv"]) == (2200, 1100)  # counts * 3300 / 65535
        assert p["ece_slope_pct"] == 2.5 and "dry_raw" not in p
    assert new["plots"][1]["start_pct"] == 28
    assert config.validate(new, 2) == []


@pytest.mark.parametrize("version", [3, 0, None, "2", True])
def test_newer_or_unknown_versions_are_refused(version):
    d = config.defaults(1)
    d["version"] = version
    with pytest.raises(ValueError):
        config.migrate(d)


# -- load and save --------------------------------------------------------------


def test_load_statuses(tmp_path):
    path = str(tmp_path / "config.json")
    cfg, st = config.load(path, 2)
    assert (st, cfg) == (config.MISSING, config.defaults(2))

    mine = config.defaults(2)
    mine["plots"][0]["start_pct"] = 25
    config.save(mine, path)
    cfg, st = config.load(path, 2)
    assert st == config.LOADED and cfg["plots"][0]["start_pct"] == 25

    write(path, v1_file())
    cfg, st = config.load(path, 2)
    assert st == config.MIGRATED and cfg["plots"][1]["start_pct"] == 28 and cfg["plots"][0]["dry_mv"] == 2200


@pytest.mark.parametrize(
    "content",
    [
        "",  # created, never written
        '{"version": 2, "tick_s": 6',  # torn write
        "\xff\xfe garbage",
        "[1, 2, 3]",
        '{"version": 9}',  # from newer firmware
        json.dumps(dict(config.defaults(2), tick_s=0)),  # out of range
        json.dumps(config.defaults(3)),  # another board's plot count
    ],
)
def test_a_bad_file_falls_back_to_defaults_without_raising(tmp_path, content):
    path = str(tmp_path / "config.json")
    write(path, content)
    cfg, st = config.load(path, 2)
    assert st == config.BAD and cfg == config.defaults(2)


def test_save_refuses_an_invalid_config_and_writes_nothing(tmp_path):
    path = str(tmp_path / "config.json")
    good = config.defaults(1)
    config.save(good, path)
    before = open(path).read()
    bad = config.apply(good, ("plots", 0, "start_pct"), 120)
    with pytest.raises(ValueError) as exc:
        config.save(bad, path)
    assert exc.value.args[0] == ["plots[0].start_pct = 120: must be an integer 0..100 %"]
    assert open(path).read() == before
    assert sorted(os.listdir(tmp_path)) == ["config.json"]


def test_power_lost_during_save_leaves_the_old_file_and_the_stale_tmp_is_removed(tmp_path):
    # The board lost power after writing part of config.json.tmp, before the
    # rename: the old file is whole and the next boot cleans up.
    path = str(tmp_path / "config.json")
    old = config.defaults(1)
    old["tick_s"] = 120
    config.save(old, path)
    write(path + ".tmp", '{"version": 2, "tick_')
    cfg, st = config.load(path, 1)
    assert st == config.LOADED and cfg["tick_s"] == 120
    assert not os.path.exists(path + ".tmp")


def test_derived_keys_are_not_saved(tmp_path):
    path = str(tmp_path / "config.json")
    config.save(config.derive(config.defaults(2)), path)
    saved = json.load(open(path))
    assert all("leach_pml" not in p for p in saved["plots"])
    assert config.validate(saved, 2) == []


# -- derive: leaching fraction (FAO-29) -------------------------------------------


def test_leaching_fraction_per_mode():
    # ECw 2 dS/m on a halophyte plot (ECe_thr 16, b 2.5 %/(dS/m)).
    cfg = config.defaults(1)
    got = {}
    for mode in ("drip", "surface", "fraction", "off"):
        cfg["leach_mode"] = mode
        got[mode] = config.derive(cfg)["plots"][0]["leach_pml"]
    # drip: 2 / (2 * (16 + 100/2.5)) = 0.0179; surface: 2 / (5*16 - 2) = 0.0256
    assert got == {"drip": 18, "surface": 26, "fraction": 150, "off": 0}
    assert "leach_pml" not in cfg["plots"][0]  # derive returns a copy


def test_saltier_water_needs_more_leaching_and_is_clamped():
    cfg = config.defaults(1)
    cfg["leach_mode"] = "surface"
    fractions = []
    for ecw in (0, 2.0, 8.0, 30):
        cfg["ecw_dsm"] = ecw
        fractions.append(config.derive(cfg)["plots"][0]["leach_pml"])
    assert fractions[0] == 0 and fractions[0] < fractions[1] < fractions[2]
    cfg["plots"][0]["ece_thr_dsm"] = 0.5  # 5 ECe < ECw: the formula breaks down
    assert config.derive(cfg)["plots"][0]["leach_pml"] == 900
    assert isinstance(config.derive(cfg)["plots"][0]["leach_pml"], int)


# -- the host's assignment syntax --------------------------------------------------


def test_parse_and_apply_assignments():
    assert config.parse_assignment("plot3.start_pct=30", 4) == (("plots", 2, "start_pct"), 30)
    assert config.parse_assignment(" ecw_dsm = 3.5 ", 1) == (("ecw_dsm",), 3.5)
    assert config.parse_assignment("plot1.enabled=off", 1) == (("plots", 0, "enabled"), False)
    assert config.parse_assignment("leach_mode=surface", 1) == (("leach_mode",), "surface")
    cfg = config.defaults(4)
    path, value = config.parse_assignment("plot3.start_pct=30", 4)
    new = config.apply(cfg, path, value)
    assert new["plots"][2]["start_pct"] == 30 and cfg["plots"][2]["start_pct"] == 35
    assert new["plots"][1] is not cfg["plots"][1]


@pytest.mark.parametrize(
    "text,message",
    [
        ("plot1.start_pct=abc", 'start_pct: expected an integer, got "abc"'),
        ("plot1.start_pct=30.5", 'start_pct: expected an integer, got "30.5"'),
        ("ecw_dsm=salty", 'ecw_dsm: expected a number, got "salty"'),
        ("plot1.enabled=maybe", 'enabled: expected true or false, got "maybe"'),
        ("dryrun_clear=never", 'dryrun_clear: expected one of dawn, host, got "never"'),
        ("start_pct=30", "start_pct is a plot setting: write plot1.start_pct=30"),
        ("plot5.start_pct=30", "plot5: no such plot (the board has plot1..plot4)"),
        ("plot0.start_pct=30", "plot0: no such plot (the board has plot1..plot4)"),
        ("plot1.tick_s=30", "tick_s: not a plot setting"),
        ("tick=30", "tick: unknown key"),
        ("tick_s", "tick_s: write KEY=VALUE or plotN.KEY=VALUE"),
    ],
)
def test_assignment_errors_name_the_key_and_the_expected_type(text, message):
    with pytest.raises(ValueError) as exc:
        config.parse_assignment(text, 4)
    assert str(exc.value) == message


def test_describe_gives_one_row_per_key():
    rows = config.describe()
    assert len(rows) == len(config.GLOBAL) + len(config.PLOT)
    assert all(len(r) == 7 for r in rows)
    assert ("plotN.start_pct", "int", 35, 0, 100, "%", "start below this moisture") in rows


# -- the same code on MicroPython -------------------------------------------------

MPY = os.path.join(ROOT, ".venv", "bin", "micropython")


@pytest.mark.skipif(not os.path.exists(MPY), reason="no unix-port micropython")
def test_load_save_and_validate_on_the_unix_port(tmp_path):
    path = str(tmp_path / "config.json")
    write(path, v1_file())
    code = (
        "import sys; sys.path[:0]=['boards/sim','firmware']\n"
        "from saxaul import config\n"
        "c, st = config.load(%r, 2)\n"
        "config.save(c, %r)\n"
        "c2, st2 = config.load(%r, 2)\n"
        "c2['plots'][1]['start_pct'] = 120\n"
        "print(st, st2, c2['plots'][0]['dry_mv'], config.validate(c2, 2))\n" % (path, path, path)
    )
    out = subprocess.run([MPY, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3 0 2200 ['plots[1].start_pct = 120: must be an integer 0..100 %']"
