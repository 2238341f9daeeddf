# Reason, fault and event codes: small ints on the device, words on the host.
# The names are the constants' own (names() below), so they cannot drift; the
# device never builds them, which keeps this module small in RAM.
from micropython import const

# Reasons carried by decisions, starts, stops and refusals.
R_NONE = const(0)
R_MOISTURE_LOW = const(1)  # start: moisture below the plot's start threshold
R_TARGET = const(2)  # stop: moisture reached the target
R_CYCLE_DONE = const(3)  # stop: cycle run time used, soak follows
R_DAILY_CAP = const(4)  # refused or stopped: daily run time used
R_LEACH = const(5)  # start: leaching dose due
R_FALLBACK = const(6)  # start: probe faulted, fixed daily dose
R_MANUAL = const(7)  # start: requested from the host
R_HOST_STOP = const(8)  # stop: requested from the host
R_PV_WEAK = const(9)  # no start: not enough sun
R_PV_SAG = const(10)  # stop: PV voltage sagged under load
R_DRY_RUN = const(11)  # stop: no flow pulses within the prime time
R_TANK_LOW = const(12)  # stop / no start: tank float low
R_FLOW_HIGH = const(13)  # stop: flow far above expected (burst line)
R_FLOW_LOW = const(14)  # stop: flow far below expected (clogged emitters)
R_MAX_RUN = const(15)  # stop: hard or configured maximum run time
R_MIN_OFF = const(16)  # no start: minimum off time not over
R_STARTS = const(17)  # no start: too many starts this hour
R_FROST = const(18)  # no start: below the frost threshold
R_BATTERY = const(19)  # no start: controller battery low
R_SOAK = const(20)  # no start: plot soaking after a cycle
R_PROBE_FAULT = const(21)  # no start: probe faulted, policy skip
R_NIGHT = const(22)  # no start: night
R_EXCEPTION = const(23)  # stop: exception in the tick, outputs off
R_BACKOFF = const(24)  # no start: waiting after a sag or dry-run
R_LATCHED = const(25)  # no start: a latched fault needs clearing
R_RELAY_STUCK = const(26)  # flow seen after the pump was switched off
R_DISABLED = const(27)  # no start: plot disabled in config
R_WET = const(28)  # no start: moisture at or above start threshold
R_METER_CHECK = const(29)  # start: a plot run with the flow unjudged, to see whether a dry run was the meter's


# Fault bits. Per-plot faults live in a per-plot mask, global ones in one mask.
F_PROBE_OPEN = const(1)  # plot: reading near 0 V (probe unplugged, cable cut, no power)
F_PROBE_SHORT = const(2)  # plot: reading near full scale (signal shorted to the supply)
F_PROBE_RANGE = const(4)  # plot: reading far outside its calibration
F_PROBE_JUMP = const(8)  # plot: implausible jump between readings
F_PROBE_STUCK = const(16)  # plot: no change across a run that should wet it
F_FLOW_HIGH = const(32)  # plot: burst line
F_FLOW_LOW = const(64)  # plot: clogged emitters
F_NO_FLOW = const(128)  # plot: its runs moved no water while another line's did (valve or line shut): skipped until dawn
F_PROBE_ANY = const(31)
F_LINE_ANY = const(160)  # F_FLOW_HIGH | F_NO_FLOW: the plot's line, not its probe

G_DRY_RUN = const(1)  # latched after the last dry-run retry of the day
G_TANK_LOW = const(2)
G_FROST = const(4)
G_BATTERY = const(8)
G_CONFIG = const(16)  # config missing, corrupt or invalid: running on defaults
G_RELAY_STUCK = const(32)
G_EXCEPTION = const(64)  # an exception happened since the last clear
G_PV_SENSOR = const(128)  # PV reading impossible (a quarter above voc_mv, or the ADC's rail)
G_TEMP_SENSOR = const(256)  # temperature reading impossible: the frost rule is off until it reads again
G_METER = const(512)  # the flow meter counted nothing while a probe saw the water: volumes by time

# Journal event kinds.
E_SAMPLE = const(1)  # periodic readings
E_BOOT = const(2)  # a = reset cause, b = schema version
E_START = const(3)  # plot, a = reason, b = planned run s
E_STOP = const(4)  # plot, a = reason, b = run s, c = ml
E_FAULT_SET = const(5)  # plot (255 = global), a = fault bit
E_FAULT_CLR = const(6)
E_CONFIG = const(7)  # a = 0 loaded, 1 defaults (missing), 2 defaults (bad), 3 changed
E_DAWN = const(8)  # a = day number
E_DUSK = const(9)
E_EXC = const(10)  # a = module code
E_REFUSE = const(11)  # plot, a = reason (a start that a protection refused)

# Reset causes as journaled: machine.reset_cause() of esp32 and rp2.
RC_UNKNOWN = const(0)
RC_POWER_ON = const(1)
RC_HARD = const(2)
RC_WDT = const(3)
RC_DEEPSLEEP = const(4)
RC_SOFT = const(5)

# Plot index meaning "no plot" / "global".
NO_PLOT = const(255)


def names(prefix, bits=False):
    """{value: name} of the codes with this prefix ("R_", "F_", "G_", "E_", "RC_").

    With bits, only single-bit values (masks such as F_PROBE_ANY are left out).
    For the host and the journal reader; the tick never calls it.
    """
    out = {}
    n = len(prefix)
    for k, v in globals().items():
        if k.startswith(prefix) and type(v) is int and not (bits and (v <= 0 or v & (v - 1))):
            out[v] = k[n:]
    return out
