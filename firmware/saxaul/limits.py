# Hard limits: constants no configuration can loosen. Settings may only tighten them.
from micropython import const

HARD_MAX_RUN_S = const(1800)  # longest a pump may ever run in one go (30 min)
HARD_MAX_DAILY_S = const(14400)  # most run time a plot may get in a day (4 h)
HARD_MIN_OFF_S = const(10)  # shortest pause between two pump starts
HARD_MAX_STARTS_H = const(20)  # most pump starts in any hour
HARD_MAX_PRIME_S = const(60)  # longest the pump may run with no flow pulses
HARD_MIN_VALVE_LEAD_S = const(1)  # valve opens at least this long before the pump
HARD_MIN_VALVE_LAG_S = const(1)  # valve closes at least this long after the pump
HARD_MAX_PLOTS = const(4)
