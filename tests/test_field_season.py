"""A short season end to end: the firmware on the virtual board in the simulated field, scored, reported."""
import os

import pytest

from host_tools import cli, season

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAVE_MP = os.path.exists(season.MICROPYTHON)


@pytest.fixture(scope="module")
def short_day_mp():
    if not HAVE_MP:
        pytest.skip("MicroPython unix port not installed (.venv/bin/micropython)")
    sc = season.load_scenario("short-day")
    rows, info = season.run_firmware(sc, "micropython")
    return sc, rows, info


def test_the_firmware_waters_a_dry_june_field_on_the_unix_port(short_day_mp):
    # Two clear June days with every plot at or past RAW at dawn: the
    # controller must water each on the first day and end less depleted.
    sc, rows, info = short_day_mp
    assert len(rows) == 2 and info["ended"] == "season"
    s = season.score(sc, rows)
    assert s["all"]["ia_pct"] > 90.0
    taw = [rows[0]["taw%d" % i] for i in range(len(sc["plots"]))]
    for i in range(len(sc["plots"])):
        assert rows[0]["irr%d" % i] > 0, "plot %d got no water on day 1" % i
        assert rows[-1]["dr%d" % i] < sc["dr0_frac"] * taw[i]
    assert s["all"]["ie_pct"] < 5.0
    assert info["errors"] == []  # no exception lines from the firmware


def test_both_runtimes_give_the_same_season(short_day_mp):
    sc, rows_mp, _ = short_day_mp
    rows_cp, info = season.run_firmware(sc, "cpython")
    assert info["ended"] == "season"
    for a, b in zip(rows_mp, rows_cp):
        assert a["starts"] == b["starts"]
        assert a["pumped_l"] == pytest.approx(b["pumped_l"], rel=1e-3)
        assert a["dr0"] == pytest.approx(b["dr0"], abs=0.01)


def test_a_watchdog_reset_reboots_the_firmware_and_the_season_goes_on(monkeypatch):
    # A firmware that hangs once is bitten by the watchdog; the runner boots
    # it again with the reset cause set, as a board would.
    sc = season.load_scenario("short-day")
    sc["days"] = 1
    from boards.sim import cpython

    real_main = cpython.Fakes.import_main
    calls = []

    def import_main(self):
        main = real_main(self)
        if not calls:
            def hang(root="", console=True):
                calls.append(1)
                self.machine.WDT(timeout=8000)
                while True:
                    self.time.sleep_ms(1000)  # never fed
            main.main = hang
        else:
            calls.append(2)
        return main

    monkeypatch.setattr(cpython.Fakes, "import_main", import_main)
    rows, info = season.run_firmware(sc, "cpython")
    assert info["resets"] == 1 and calls[:2] == [1, 2]
    assert len(rows) == 1


def test_saxaul_sim_prints_the_table_and_writes_the_report(tmp_path, capsys):
    rc = cli.main(["sim", "short-day", "--controller", "timer", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "controller" in out and "\ntimer" in out
    assert (tmp_path / "short-day.png").stat().st_size > 10000
    assert (tmp_path / "short-day-timer.csv").read_text().count("\n") == 3


def test_an_unknown_scenario_is_one_line_naming_the_known_ones(capsys):
    rc = cli.main(["sim", "muynak-winter"])
    err = capsys.readouterr().err
    assert rc == 2 and "muynak-summer" in err and "Traceback" not in err


def test_the_deployed_config_is_what_a_technician_would_set_for_a_new_field():
    # A scenario that gives neither calibration nor store, on a board with
    # more channels than it has plots: the calibration points and the store
    # come from its soil, crop and area; the spare channel is disabled (an
    # enabled valve with no line behind it would only ever run dry).
    sc = season.load_scenario("muynak-summer")
    sc["plots"] = sc["plots"][:3]
    for p in sc["config"]["plots"]:
        for k in ("dry_mv", "wet_mv"):
            p.pop(k, None)
    from boards.sim import scenario

    cfg = season.firmware_config(sc, 4)
    assert [p["enabled"] for p in cfg["plots"]] == [True, True, True, False]
    for i in range(3):
        assert (cfg["plots"][i]["dry_mv"], cfg["plots"][i]["wet_mv"]) == scenario.calibration(sc, i)
        assert cfg["plots"][i]["store_l"] == scenario.store_l(sc, i)
    assert cfg["plots"][0]["store_l"] == 224  # 4 m2 x 0.4 m x (0.18 - 0.04)


def test_a_scenario_whose_config_its_field_contradicts_is_named_before_the_season_runs(tmp_path, capsys):
    # Muynak's config with the soil changed to loamy sand: its calibration
    # points are sandy loam's, so each probe would show well under 100 % at
    # field capacity. A store_l 30 % short is named too.
    import json

    from boards.sim import scenario

    assert all(season.config_notes(season.load_scenario(n)) == [] for n in season.scenario_names())
    path = tmp_path / "sand.json"
    with open(os.path.join(ROOT, "scenarios", "short-day.json")) as f:
        text = json.load(f)
    text["soil"] = "loamy sand"
    path.write_text(json.dumps(text))
    text["config"]["plots"][1]["store_l"] = int(scenario.store_l(season.load_scenario(str(path)), 1) * 0.7)
    path.write_text(json.dumps(text))
    notes = season.config_notes(season.load_scenario(str(path)))
    cal = [n for n in notes if "field capacity it will show" in n]
    assert len(cal) == len(text["plots"]) and all("loamy sand" in n for n in cal)
    assert any(n.startswith("plot 1: store_l") and "refills will be" in n for n in notes)
    rc = cli.main(["sim", str(path), "--controller", "timer"])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("note: plot 0: dry_mv")


def _ia(out, controller):
    # The controller's row of the score table: its name, then IA %.
    rows = [line.split() for line in out.splitlines() if line.startswith(controller + " ")]
    return [float(r[1]) for r in rows if r[1][0].isdigit()][0]


def test_a_setting_given_to_saxaul_sim_goes_into_the_firmwares_config(capsys):
    # Five seconds of water a day for plot 1: its plot stays dry.
    base = ["sim", "short-day", "--controller", "firmware", "--runtime", "cpython"]
    assert cli.main(base) == 0
    plain = capsys.readouterr().out
    assert cli.main(base + ["--set", "plot1.daily_max_s=5"]) == 0
    capped = capsys.readouterr().out
    assert "\nwith plot1.daily_max_s=5\n" in capped and "\nwith " not in plain  # the output says what ran
    assert _ia(capped, "firmware") < _ia(plain, "firmware") - 10
    # A calibration given so is weighed against the field like the file's.
    assert cli.main(["sim", "short-day", "--controller", "timer", "--set", "plot1.dry_mv=2500"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("note: plot 0: dry_mv 2500") and "air-dry 51 %" in out


@pytest.mark.parametrize("text, says", [("nosuch=1", "nosuch: unknown key"), ("pump_max_run_s=0", "pump_max_run_s = 0")])
def test_a_setting_saxaul_sim_refuses_runs_nothing(text, says, capsys):
    assert cli.main(["sim", "short-day", "--controller", "timer", "--set", text]) != 0
    out, err = capsys.readouterr()
    assert says in err and "scenario short-day" not in out


def test_a_daily_cap_under_the_peak_days_need_is_named_before_the_season_runs():
    # Short-day's plot 2 (Salicornia, 4 m2) uses about 10 L on its hottest
    # day, 11 L with its leaching water; a minute at 533 mL/min is 0.5 L.
    sc = season.with_settings(season.load_scenario("short-day"), ["plot2.daily_max_s=60"])
    notes = [n for n in season.config_notes(sc) if "daily_max_s" in n]
    assert len(notes) == 1 and notes[0].startswith("plot 1: daily_max_s 60 s at 533 mL/min")
    assert "with its leaching water" in notes[0]
    # Twenty minutes, 10.7 L, is still short of that; an hour is not.
    for s, named in (("1200", True), ("3600", False)):
        sc = season.with_settings(season.load_scenario("short-day"), ["plot2.daily_max_s=" + s])
        assert any("daily_max_s" in n for n in season.config_notes(sc)) == named
