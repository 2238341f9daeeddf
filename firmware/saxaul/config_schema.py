# The configuration schema: every key with its type, default, bounds, unit and help.
# Entries are (key, type, default, min, max, unit, help); for "str" the min
# field holds the allowed choices. Bounds that guard the pump come from
# limits.py, so no setting can loosen a hard limit.
from saxaul.limits import (
    HARD_MAX_DAILY_S, HARD_MAX_PLOTS, HARD_MAX_PRIME_S, HARD_MAX_RUN_S,
    HARD_MAX_STARTS_H, HARD_MIN_OFF_S, HARD_MIN_VALVE_LAG_S, HARD_MIN_VALVE_LEAD_S,
)

SCHEMA_VERSION = 2

LEACH_MODES = ("off", "drip", "surface", "fraction")

GLOBAL = (
    ("tick_s", "int", 60, 5, 3600, "s", "idle tick by day"),
    ("night_tick_s", "int", 600, 60, 3600, "s", "tick at night"),
    ("run_tick_s", "int", 10, 1, 60, "s", "tick while the pump runs (sag, flow and target checks)"),
    ("sample_every_min", "int", 15, 1, 1440, "min", "journal sample period"),
    # A 12 V pump on a 24 V-class panel (Voc 21-24 V): night is well below any
    # load voltage; the pump needs more to start than to keep running.
    ("pv_night_mv", "int", 3000, 0, 60000, "mV", "PV below this is night"),
    ("pv_start_mv", "int", 16000, 0, 60000, "mV", "PV needed to start the pump"),
    ("pv_stop_mv", "int", 11500, 0, 60000, "mV", "PV under load below this stops the pump"),
    ("pv_debounce_s", "int", 120, 0, 3600, "s", "a PV state must hold this long"),
    # Lorentz retries a weak-sun start about every 90 s (FIELD-NOTES).
    ("sag_backoff_s", "int", 90, 10, 3600, "s", "first wait after a sag stop"),
    ("sag_backoff_max_s", "int", 1800, 10, 14400, "s", "longest wait after repeated sags (4x after a deep stall, or for plots that can wait)"),
    ("batt_low_mv", "int", 0, 0, 30000, "mV", "battery low: no starts (0 = no battery)"),
    ("batt_ok_mv", "int", 0, 0, 30000, "mV", "battery recovered above this (0 = no battery)"),
    ("frost_c", "int", 2, -30, 20, "C", "no starts below this temperature"),
    ("plots_at_once", "int", 1, 1, HARD_MAX_PLOTS, "", "plots watered together"),
    ("pump_max_run_s", "int", 1200, 10, HARD_MAX_RUN_S, "s", "longest single pump run"),
    ("pump_min_off_s", "int", 60, HARD_MIN_OFF_S, 3600, "s", "pause between pump starts"),
    ("pump_max_starts_h", "int", 6, 1, HARD_MAX_STARTS_H, "/h", "pump starts allowed per hour"),
    ("valve_lead_s", "int", 2, HARD_MIN_VALVE_LEAD_S, 30, "s", "valve opens this long before the pump"),
    ("valve_lag_s", "int", 1, HARD_MIN_VALVE_LAG_S, 30, "s", "valve closes this long after the pump"),
    # A DIY solar waterer requires flow within 15 s of start (FIELD-NOTES).
    ("prime_s", "int", 15, 1, HARD_MAX_PRIME_S, "s", "flow pulses must come within this"),
    # Lorentz waits 20 min after the low-water probe recovers (FIELD-NOTES).
    ("dryrun_retry_min", "int", 20, 1, 1440, "min", "wait before retrying after a dry run"),
    ("dryrun_max_tries", "int", 3, 1, 20, "", "dry-run tries a day before the fault latches"),
    ("dryrun_clear", "str", "dawn", ("dawn", "host"), None, "", "what clears a latched dry run"),
    ("tank_restart_min", "int", 20, 0, 1440, "min", "wait after the tank float recovers"),
    ("flow_high_pct", "int", 200, 110, 1000, "%", "flow above this share of expected: burst line"),
    ("flow_low_pct", "int", 40, 0, 95, "%", "flow below this share of expected: clogged"),
    ("ecw_dsm", "float", 2.0, 0, 30, "dS/m", "salinity of the irrigation water"),
    ("leach_mode", "str", "drip", LEACH_MODES, None, "", "how the leaching fraction is found (FAO-29)"),
    ("leach_every_days", "int", 7, 1, 90, "days", "days between leaching doses"),
)

PLOT = (
    ("enabled", "bool", True, None, None, "", "water this plot"),
    ("start_pct", "int", 35, 0, 100, "%", "start below this moisture"),
    ("target_pct", "int", 60, 0, 100, "%", "stop at this moisture"),
    ("cycle_s", "int", 600, 10, HARD_MAX_RUN_S, "s", "longest run before a soak"),
    ("soak_s", "int", 1200, 0, 86400, "s", "pause after a cycle while the water spreads"),
    ("daily_max_s", "int", 3600, 0, HARD_MAX_DAILY_S, "s", "most run time a day"),
    ("flow_ml_min", "int", 2000, 0, 100000, "mL/min", "expected flow (0 = unknown)"),
    # Area x root depth x (water content at field capacity - air-dry), in L:
    # sizes each refill from the reading, so the front of a pulse cannot end it.
    ("store_l", "int", 0, 0, 100000, "L", "water the root zone holds from the dry to the wet point (0 = unknown)"),
    # Capacitive v1.2 probe on 3.3 V: the output falls as the soil wets (FIELD-NOTES).
    ("dry_mv", "int", 2200, 0, 5000, "mV", "probe output in dry soil"),
    ("wet_mv", "int", 1100, 0, 5000, "mV", "probe output in wet soil"),
    ("fault_policy", "str", "fallback", ("fallback", "skip"), None, "", "what to do when the probe fails"),
    ("fallback_s", "int", 600, 0, HARD_MAX_DAILY_S, "s", "daily dose while the probe is faulted"),
    # Halophyte placeholder: threshold 15-20 dS/m, slope 2-3 %/(dS/m) (FIELD-NOTES, estimate).
    ("ece_thr_dsm", "float", 16.0, 0.5, 60, "dS/m", "soil salinity the crop tolerates (ECe threshold)"),
    ("ece_slope_pct", "float", 2.5, 0.1, 50, "%/(dS/m)", "yield loss per dS/m above the threshold"),
    # LF 15-20 % keeps ECe near 1.5 ECw (FAO-29, FIELD-NOTES).
    ("leach_pct", "int", 15, 0, 90, "%", "leaching fraction when leach_mode is fraction"),
)

# Derived per-plot keys (config.derive): used by the tick, never saved.
DERIVED_PLOT = ("leach_pml",)
