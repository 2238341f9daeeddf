"""Salt in the simulated field: irrigation brings it, percolation takes it, ECe and salt stress follow."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "boards", "sim")
if SIM not in sys.path:
    sys.path.append(SIM)

import soil  # noqa: E402

SANDY_LOAM = {"theta_fc": 0.18, "theta_wp": 0.08, "theta_sat": 0.41}
SUAEDA = {"kc_ini": 0.9, "kc_mid": 0.9, "kc_end": 0.9, "stages_d": [1, 1, 1, 1], "zr_m": 0.4,
          "p": 0.55, "ece_thr_dsm": 20.0, "ece_slope_pct": 2.0}


def _season(ecw, lf, days, etc_mm=6.0, ece0=4.0, steps=24):
    """Irrigate ETc / (1 - LF) every day in `steps` pulses; returns the plot and the last 30 days' ECdw."""
    p = soil.Plot(SANDY_LOAM, SUAEDA, ecw_dsm=ecw, ece0_dsm=ece0, dr0_frac=0.0)
    irr = etc_mm / (1 - lf)
    salt_out = dp = 0.0
    for d in range(days):
        for _ in range(steps):
            p.step(etc_mm / steps, 0.0, irr / steps)
        if d >= days - 30:
            salt_out += p.salt_out
            dp += p.dp
        p.clear_day()
    return p, salt_out / dp


def test_drainage_water_reaches_ecw_over_lf_at_steady_state():
    # FAO-29: ECdw = ECw / LF. Collector water at 2.5 dS/m with a 15 % leaching
    # fraction drains at 16.7 dS/m; the root zone (ECsw ~ 2 ECe) holds ECe ~ 8.3.
    p, ecdw = _season(ecw=2.5, lf=0.15, days=400)
    assert ecdw == pytest.approx(2.5 / 0.15, rel=0.01)
    assert p.ece() == pytest.approx(2.5 / 0.15 / 2, rel=0.01)


def test_steady_state_does_not_depend_on_the_starting_salinity():
    a, ecdw_a = _season(ecw=8.0, lf=0.25, days=500, ece0=1.0)
    b, ecdw_b = _season(ecw=8.0, lf=0.25, days=500, ece0=30.0)
    assert ecdw_a == pytest.approx(32.0, rel=0.01) and ecdw_b == pytest.approx(32.0, rel=0.01)


def test_no_leaching_means_salt_only_accumulates():
    p = soil.Plot(SANDY_LOAM, SUAEDA, ecw_dsm=2.5, ece0_dsm=4.0, dr0_frac=0.5)
    start = p.ece()
    for _ in range(100):
        p.step(5.0, 0.0, 5.0)  # exactly ETc: nothing drains
    # 500 mm at 2.5 dS/m into 2 * 72 mm of paste water: +8.7 dS/m.
    assert p.dp == 0.0
    assert p.ece() - start == pytest.approx(2.5 * 500 / (2 * 72), rel=1e-9)


def test_salt_above_the_threshold_cuts_et_fao56_ch8():
    # Ks_salt = 1 - b/(100 Ky) (ECe - ECe,thr): thr 20, b 2 %/(dS/m), Ky 1.
    assert soil.ks_salt(18.0, 20.0, 2.0) == 1.0
    assert soil.ks_salt(25.0, 20.0, 2.0) == pytest.approx(0.90)
    assert soil.ks_salt(25.0, 20.0, 2.0, ky=1.25) == pytest.approx(0.92)
    assert soil.ks_salt(80.0, 20.0, 2.0) == 0.0
    # In the balance, water and salt stress multiply.
    p = soil.Plot(SANDY_LOAM, SUAEDA, ecw_dsm=0.0, ece0_dsm=25.0, dr0_frac=0.0)
    p.step(5.0, 0.0, 0.0)
    assert p.eta == pytest.approx(4.5)


def test_leaching_requirement_holds_the_root_zone_at_the_threshold():
    lr = soil.leaching_requirement(2.5, 20.0)
    assert lr == pytest.approx(0.0625)
    p, ecdw = _season(ecw=2.5, lf=lr, days=1500, ece0=20.0)
    assert p.ece() == pytest.approx(20.0, rel=0.02)
