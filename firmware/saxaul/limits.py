# Hard limits: constants no configuration can loosen. Settings may only tighten them.
from micropython import const

# Longest a pump may ever run in one go (2 h). A runaway plan is bounded by
# HARD_MAX_DAILY_S whatever this is, while on an undersized panel a restart
# needs more sun than a run (FIELD-NOTES): a short cap would stop a pump that
# could run on and then refuse it the start (benchmarks/run_cap.py: what a
# cap costs the oracle). `pump_max_run_s` (default 20 min) tightens it for
# pumps rated for short duty.
HARD_MAX_RUN_S = const(7200)
HARD_MAX_DAILY_S = const(14400)  # most run time a plot may get in a day (4 h)
HARD_MIN_OFF_S = const(10)  # shortest pause between two pump starts
HARD_MAX_STARTS_H = const(20)  # most pump starts in any hour
HARD_MAX_PRIME_S = const(60)  # longest the pump may run with no flow pulses
HARD_MIN_VALVE_LEAD_S = const(1)  # valve opens at least this long before the pump
HARD_MIN_VALVE_LAG_S = const(1)  # valve closes at least this long after the pump
HARD_MAX_PLOTS = const(4)
