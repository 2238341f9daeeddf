# Scenarios for the simulated field: defaults, the crop table, loading scenarios/NAME.json.
#
# Plain Python for both runtimes; the host resolves a scenario once and hands
# the merged dict to the field (also inside the MicroPython process).
import json

# Halophyte crops. Salt thresholds and slopes: FIELD-NOTES placeholder for
# halophyte plots (threshold 15-20 dS/m, slope 2-3 %/(dS/m), estimate);
# Suaeda salsa grows best near 200 mM NaCl (~20 dS/m, Song & Wang 2015);
# Salicornia europaea best at 0.5-2 % salts (Orlovsky et al. 2016); saxaul
# (Haloxylon) only moderately tolerant (Toderich et al. 2011), Kc 0.3-0.5 when
# young. Kc curves and stage lengths (ini, dev, mid, late days from the
# season start) follow the FAO-56 shape; values for halophytes are estimates.
CROPS = {
    "suaeda": {"name": "Suaeda salsa", "kc_ini": 0.35, "kc_mid": 0.90, "kc_end": 0.60,
               "stages_d": [30, 40, 80, 33], "zr_m": 0.40, "p": 0.55,
               "ece_thr_dsm": 20.0, "ece_slope_pct": 2.0},
    "salicornia": {"name": "Salicornia europaea", "kc_ini": 0.35, "kc_mid": 0.95, "kc_end": 0.60,
                   "stages_d": [25, 35, 90, 33], "zr_m": 0.30, "p": 0.50,
                   "ece_thr_dsm": 20.0, "ece_slope_pct": 2.0},
    "haloxylon": {"name": "Haloxylon aphyllum (young)", "kc_ini": 0.30, "kc_mid": 0.50, "kc_end": 0.35,
                  "stages_d": [30, 45, 75, 33], "zr_m": 0.60, "p": 0.60,
                  "ece_thr_dsm": 12.0, "ece_slope_pct": 3.0},
    "atriplex": {"name": "Atriplex", "kc_ini": 0.40, "kc_mid": 0.80, "kc_end": 0.55,
                 "stages_d": [30, 40, 80, 33], "zr_m": 0.50, "p": 0.55,
                 "ece_thr_dsm": 16.0, "ece_slope_pct": 2.5},
}

# FAO-56 Table 19 typical values (FIELD-NOTES; theta_sat: usual porosities).
SOILS = {
    "sandy loam": {"theta_fc": 0.18, "theta_wp": 0.08, "theta_sat": 0.41},
    "loamy sand": {"theta_fc": 0.12, "theta_wp": 0.05, "theta_sat": 0.40},
}

# A capacitive v1.2 probe on 3.3 V: ~2.2 V in dry soil, ~1.1 V wet (FIELD-NOTES).
PROBE = {
    "dry_mv": 2200.0,  # output at theta = 0
    "wet_mv": 1100.0,  # output at saturation
    "offset_mv": 0.0,  # this unit's offset
    "noise_mv": 4.0,  # sd of one reading
    "sal_mv_per_dsm": 2.5,  # reads wetter in salty soil (Kelleners 2004; estimate)
    "temp_mv_per_c": 0.5,  # daily swings (Nagahage 2019; estimate)
    "fault": None,  # "drift" | "stuck" | "open"
    "fault_from_day": 0,
    "drift_mv_per_day": 0.0,
    # The probe senses the top of the root zone between emitters, where a
    # pulse's water arrives first (front_gain times the plot's mean depth:
    # drip wets bulbs, not the whole plot) and then spreads down (estimate).
    "depth_m": 0.15,
    "front_tau_s": 3600.0,
    "front_gain": 2.5,
}

DEFAULTS = {
    "name": "unnamed",
    "site": {"name": "Muynak", "lat_deg": 43.77},
    "start": {"year": 2026, "month": 4, "day": 1},
    "days": 183,
    "rtc_set": True,
    "weather": {"seed": 1, "et0_bias": 1.05},
    "soil": "sandy loam",
    "ece0_dsm": 6.0,
    "dr0_frac": 0.3,
    "water": {"ecw_dsm": 2.5},
    "plots": [],
    "panel": {},
    "pump": {},
    "tank": None,
    "probe": {},
    "probes": [],
    "board": "virtual",
    "config": {},
}


def _merge(base, over):
    out = {}
    for k in base:
        out[k] = base[k]
    for k in over:
        if isinstance(over[k], dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], over[k])
        else:
            out[k] = over[k]
    return out


def resolve(raw):
    """A scenario dict with every default filled in and names turned into parameters."""
    sc = _merge(DEFAULTS, raw)
    soil = sc["soil"]
    if isinstance(soil, str):
        soil = _merge(SOILS[soil], {"name": soil})
    sc["soil"] = soil
    plots = []
    for i, p in enumerate(sc["plots"]):
        crop = p["crop"]
        if isinstance(crop, str):
            crop = _merge(CROPS[crop], {"key": crop})
        if "crop_over" in p:
            crop = _merge(crop, p["crop_over"])
        q = _merge({"area_m2": 4.0, "emitters": 8, "emitter_lph": 4.0}, p)
        q["crop"] = crop
        plots.append(q)
    sc["plots"] = plots
    probes = []
    for i in range(len(plots)):
        pr = _merge(PROBE, sc["probe"])
        extra = sc["probes"][i] if i < len(sc["probes"]) else None
        if extra:
            pr = _merge(pr, extra)
        probes.append(pr)
    sc["probes"] = probes
    return sc


def load(path):
    with open(path) as f:
        return resolve(json.load(f))


def probe_mv(probe, theta, theta_sat, ece_dsm, air_c=20.0):
    """What the probe outputs (no noise, no fault): falls as the soil wets, and in salt."""
    mv = probe["dry_mv"] - (probe["dry_mv"] - probe["wet_mv"]) * theta / theta_sat
    mv += probe["offset_mv"] - probe["sal_mv_per_dsm"] * ece_dsm
    mv += probe["temp_mv_per_c"] * (air_c - 20.0)
    return mv


def calibration(sc, i):
    """(dry_mv, wet_mv) as a technician measures them: air-dry soil and soil drained to field capacity.

    Measured in this soil at its starting salinity, at 20 C, rounded to 10 mV.
    """
    soil = sc["soil"]
    pr = sc["probes"][i]
    dry_theta = soil["theta_wp"] / 2  # air-dry: about half the wilting point
    dry = probe_mv(pr, dry_theta, soil["theta_sat"], sc["ece0_dsm"])
    wet = probe_mv(pr, soil["theta_fc"], soil["theta_sat"], sc["ece0_dsm"])
    return int(dry / 10 + 0.5) * 10, int(wet / 10 + 0.5) * 10


def store_l(sc, i):
    """The plot's `store_l` as a technician works it out: area x root depth x (field capacity - air-dry).

    Air-dry and field capacity are the two calibration points (calibration()),
    so the litres span the probe's 0 to 100 %. Rounded to 1 L.
    """
    soil = sc["soil"]
    p = sc["plots"][i]
    litres = 1000.0 * p["area_m2"] * p["crop"]["zr_m"] * (soil["theta_fc"] - soil["theta_wp"] / 2)
    return int(litres + 0.5)


def pct_at(sc, i, theta, ece_dsm=None):
    """The moisture percent the firmware would compute at theta, from the scenario's calibration."""
    cfg = sc["config"].get("plots", [])
    c = cfg[i] if i < len(cfg) else {}
    dry, wet = calibration(sc, i)
    dry = c.get("dry_mv", dry)
    wet = c.get("wet_mv", wet)
    ece = sc["ece0_dsm"] if ece_dsm is None else ece_dsm
    mv = probe_mv(sc["probes"][i], theta, sc["soil"]["theta_sat"], ece)
    return 100.0 * (dry - mv) / (dry - wet)
