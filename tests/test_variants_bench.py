"""benchmarks/variants.py: the Muynak season with one thing changed, firmware against oracle."""
from benchmarks import variants
from host_tools import season


def test_every_variant_deploys_a_config_that_validates():
    # A variant with another water or soil changes the config with it, as a
    # technician would: it must still pass the schema the board checks.
    for name in variants.VARIANTS:
        sc = variants.scenario(name)
        season.firmware_config(sc, 4)


def test_a_probe_variant_changes_that_probe_and_keeps_each_units_offset():
    base = variants.scenario("no-tank")["probes"]
    sc = variants.scenario("wet-drift")
    assert [p["offset_mv"] for p in sc["probes"]] == [p["offset_mv"] for p in base]
    assert [p["fault"] for p in sc["probes"]] == [None, None, "drift", None]
    assert sc["probes"][2]["drift_mv_per_day"] < 0  # wetter: the reading falls in mV


def test_a_soil_variant_works_the_calibration_and_the_store_out_for_that_soil():
    clay = season.firmware_config(variants.scenario("clay-loam"), 4)["plots"]
    loam = season.firmware_config(variants.scenario("no-tank"), 4)["plots"]
    assert all(c["store_l"] > 1.5 * m["store_l"] for c, m in zip(clay, loam))  # TAW about twice sandy loam's
    assert season.config_notes(variants.scenario("clay-loam")) == []


def test_each_variant_gets_a_line_and_a_worst_line(capsys):
    assert variants.main(["--variant", "wet-drift", "--variant", "no-tank", "--days", "3", "--jobs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in out if line.split() and line.split()[0] in ("wet-drift", "no-tank")]
    assert [r[0] for r in rows[:2]] == ["wet-drift", "no-tank"]
    for r in rows[:2]:
        assert float(r[-1]) == round(float(r[1]) - float(r[9]), 1)  # the IA gap, firmware less oracle
    assert out[-1].startswith("worst IA gap")


def test_seeds_give_a_line_per_seed_and_each_variants_mean_and_worst(capsys):
    assert variants.main(["--variant", "no-tank", "--days", "3", "--seeds", "own,22", "--jobs", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in out if line.startswith("no-tank ") and len(line.split()) > 10]
    assert [r[1] for r in rows] == ["own", "22"]
    assert rows[0][2:] != rows[1][2:]  # another weather: another season
    gaps = [float(r[-1]) for r in rows]
    summary = [line.split() for line in out if line.startswith("no-tank ") and len(line.split()) == 7]
    assert len(summary) == 1
    mean, worst = float(summary[0][1]), float(summary[0][2])
    assert abs(mean - sum(gaps) / 2) <= 0.051 and worst == min(gaps)
    assert float(summary[0][4]) == min(float(r[3]) for r in rows)  # the lowest plot's IA, at its lowest


def test_a_seed_replaces_the_weathers_own_and_nothing_else():
    sc = variants.scenario("no-tank", days=3, seed=22)
    own = variants.scenario("no-tank", days=3)
    assert sc["weather"]["seed"] == 22 and own["weather"]["seed"] != 22
    assert dict(sc, weather=None) == dict(own, weather=None)
