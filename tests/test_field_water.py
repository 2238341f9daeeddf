"""Soil water in the simulated field: the FAO-56 ch. 8 root-zone balance, stepped finer than a day."""
import json
import math
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "boards", "sim")
if SIM not in sys.path:
    sys.path.append(SIM)

import baselines  # noqa: E402
import field  # noqa: E402
import scenario  # noqa: E402
import soil  # noqa: E402

# A medium-textured soil with FAO-56's round numbers: theta_FC 0.23,
# theta_WP 0.10, a 1 m root zone and p = 0.5. By hand (eq. 82, 83):
# TAW = 1000 (0.23 - 0.10) 1.0 = 130 mm, RAW = 0.5 * 130 = 65 mm.
LOAM = {"theta_fc": 0.23, "theta_wp": 0.10, "theta_sat": 0.45}
CROP = {"kc_ini": 1.0, "kc_mid": 1.0, "kc_end": 1.0, "stages_d": [10, 10, 10, 10], "zr_m": 1.0,
        "p": 0.5, "ece_thr_dsm": 50.0, "ece_slope_pct": 1.0}


def _plot(dr0_frac=0.0):
    return soil.Plot(LOAM, CROP, ecw_dsm=0.0, ece0_dsm=0.0, dr0_frac=dr0_frac)


def test_taw_raw_and_ks_by_hand():
    p = _plot()
    assert p.taw == pytest.approx(130.0) and p.raw == pytest.approx(65.0)
    # eq. 84: Ks = (TAW - Dr) / ((1 - p) TAW); at Dr = 90 mm: 40 / 65 = 0.615.
    assert soil.ks_water(65.0, 130.0, 0.5) == 1.0
    assert soil.ks_water(90.0, 130.0, 0.5) == pytest.approx(40 / 65)
    assert soil.ks_water(130.0, 130.0, 0.5) == 0.0


def test_a_step_stresses_the_plants_as_ks_water_times_ks_salt_to_the_last_bit():
    # Plot.step computes both stress factors inline (a season steps its
    # plots some 650,000 times on MicroPython); it must stay the product of
    # the two reference functions, exactly, across dry, stressed and salty
    # root zones.
    crop = dict(CROP, p=0.55, ece_thr_dsm=4.0, ece_slope_pct=7.1, ky=1.25)
    seen = set()
    for dr_frac in [0.0, 0.3, 0.55] + [0.56 + 0.011 * k for k in range(40)] + [1.0]:
        for ece0 in (0.0, 3.9, 4.0, 4.3, 9.7, 20.5, 25.0):
            p = soil.Plot(LOAM, crop, ecw_dsm=0.0, ece0_dsm=ece0, dr0_frac=dr_frac)
            want = soil.ks_water(p.dr, p.taw, p.p) * soil.ks_salt(p.ece(), p.thr, p.b, p.ky)
            p.step(1.0, 0.0, 0.0)
            assert p.ks == want  # not approx: the season's figures depend on every bit
            seen.add(round(want, 3))
    assert len(seen) > 10 and 0.0 in seen and 1.0 in seen  # the grid reached each branch


def test_daily_balance_by_hand_eq_85():
    # ETc 5 mm/day from field capacity, no rain, no irrigation, one step a
    # day with Ks from the previous day's depletion (eq. 85 as written):
    # days 1-13: Dr = 5, 10, ..., 65 (Ks = 1 while Dr <= RAW);
    # day 14: Ks(65) = 1 -> Dr = 70; day 15: Ks(70) = 60/65 = 0.923 -> Dr = 74.62;
    # day 16: Ks(74.62) = 55.38/65 = 0.852 -> Dr = 78.88.
    p = _plot()
    drs = []
    for _ in range(16):
        p.step(5.0, 0.0, 0.0)
        drs.append(p.dr)
    assert drs[12] == pytest.approx(65.0)
    assert drs[13] == pytest.approx(70.0)
    assert drs[14] == pytest.approx(74.615, abs=1e-3)
    assert drs[15] == pytest.approx(78.876, abs=1e-3)


def test_sub_daily_steps_follow_the_continuous_dry_down():
    # Past RAW, dDr/dt = Ks ETc gives TAW - Dr = (TAW - RAW) exp(-ETc t / ((1 - p) TAW)):
    # 13 days after reaching RAW at 5 mm/day, TAW - Dr = 65 e^-1 = 23.91 -> Dr = 106.09.
    p = _plot()
    for _ in range(26 * 96):
        p.step(5.0 / 96, 0.0, 0.0)
    assert p.dr == pytest.approx(130 - 65 * math.exp(-1), abs=0.3)


def test_percolation_only_past_field_capacity_and_depletion_capped_at_taw():
    p = _plot(dr0_frac=0.2)  # Dr = 26 mm
    dp = p.step(0.0, 10.0, 20.0)  # 30 mm of water into a 26 mm deficit
    assert p.dr == 0.0 and dp == pytest.approx(4.0)
    assert p.dp_irr == pytest.approx(4.0)  # irrigation was enough to cause it
    p = _plot(dr0_frac=0.99)
    p.step(100.0, 0.0, 0.0)
    assert p.dr <= p.taw


def test_kc_follows_the_stage_curve():
    crop = {"kc_ini": 0.3, "kc_mid": 0.9, "kc_end": 0.5, "stages_d": [10, 20, 30, 10]}
    assert soil.kc_on(crop, 0) == 0.3 and soil.kc_on(crop, 9) == 0.3
    assert soil.kc_on(crop, 20) == pytest.approx(0.3 + 0.6 * 10.5 / 20)  # halfway up the development
    assert soil.kc_on(crop, 40) == 0.9
    assert soil.kc_on(crop, 200) == 0.5


def _sc(days=10, et0=5.0, rain=0.0):
    raw = {"name": "flat", "days": days, "soil": LOAM, "ece0_dsm": 0.0, "dr0_frac": 0.0,
           "water": {"ecw_dsm": 0.0}, "start": {"year": 2026, "month": 6, "day": 1},
           "weather": {"days": [{"tmax_c": 30.0, "tmin_c": 15.0, "rain_mm": rain, "rs_kwh": 7.0, "et0_mm": et0}]},
           "plots": [{"crop": "suaeda", "crop_over": CROP, "area_m2": 4.0, "emitters": 8, "emitter_lph": 4.0}]}
    return scenario.resolve(raw)


def _board():
    with open(os.path.join(ROOT, "boards", "virtual.json")) as f:
        return json.load(f)


def test_the_field_dries_a_plot_as_the_days_pass_and_writes_daily_rows():
    f, clock = baselines.make_field(_sc(days=16), _board())
    clock.t = f.end_ms
    f.advance_to(f.end_ms)
    rows = field.rows_as_dicts(f)
    assert len(rows) == 16
    assert rows[0]["etc0"] == pytest.approx(5.0)  # the whole day's ET, from sunrise to sunset
    assert rows[12]["dr0"] == pytest.approx(65.0, abs=0.01)
    # Sub-daily steps keep Ks current, so the stressed days lose less than eq. 85 by whole days.
    assert 74.0 < rows[15]["dr0"] < 78.88
    assert rows[15]["eta0"] < rows[15]["etc0"]


def test_water_in_the_field_is_conserved_through_irrigation_rain_and_percolation():
    sc = _sc(days=20, rain=3.0)
    f, clock = baselines.make_field(sc, _board())
    dr0 = f.plots[0].dr
    for d in range(20):
        clock.t = d * field.DAY_MS + 11 * 3600000
        f.set_outputs(True, 1)
        clock.t += 3 * 3600000 if d % 5 == 0 else 1800000  # some days far too much
        f.set_outputs(False, 0)
    clock.t = f.end_ms
    f.advance_to(f.end_ms)
    rows = field.rows_as_dicts(f)
    water_in = sum(r["irr0"] + r["rain0"] for r in rows)
    water_out = sum(r["eta0"] + r["dp0"] for r in rows)
    assert rows[-1]["dr0"] - dr0 == pytest.approx(water_out - water_in, abs=1e-6)
    assert sum(r["dp0"] for r in rows) > 0  # the long runs drained
    # The flow that left the tank is the water that reached the plot.
    assert sum(r["pumped_l"] for r in rows) == pytest.approx(sum(r["irr0"] for r in rows) * 4.0)
