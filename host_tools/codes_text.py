"""Reason, fault and event codes as words and sentences, for logs, tail and the field guide.

The device sends small ints; the names come from firmware/saxaul/codes.py
(the constants' own names, host_tools.fw.codes()), and the words here are keyed by those names. A test
checks that every name has words and every entry here has a name, so adding
a code to the firmware without words fails the suite instead of drifting.
"""
from host_tools import fw

# name -> (short words, sentence when values are known, or None).
# Sentence fields are filled from a dict of values; a missing field falls back
# to the short words, so a record that lacks a value still reads well.
REASONS = {
    "NONE": ("nothing to do", None),
    "MOISTURE_LOW": ("moisture below start", "moisture {pct}% < start {start_pct}%"),
    "TARGET": ("moisture reached target", "moisture reached target {target_pct}%"),
    "CYCLE_DONE": ("cycle done, soaking", "cycle of {run_s} s done, soaking"),
    "DAILY_CAP": ("daily run time used", "daily run time used ({used_s} s of {daily_max_s} s)"),
    "LEACH": ("leaching dose", "leaching dose of {run_s} s"),
    "FALLBACK": ("probe faulted: fixed dose", "probe faulted: fixed dose of {run_s} s"),
    "MANUAL": ("manual run", "manual run of {run_s} s"),
    "HOST_STOP": ("stopped from the laptop", None),
    "PV_WEAK": ("not enough sun", "PV {pv_mv} mV < start {pv_start_mv} mV"),
    "PV_SAG": ("PV sagged under load", "PV {pv_mv} mV < stop {pv_stop_mv} mV while pumping"),
    "DRY_RUN": ("dry run: no flow", "dry run: no flow within {prime_s} s"),
    "TANK_LOW": ("tank low", None),
    "FLOW_HIGH": ("flow too high (burst line?)", "flow {flow_ml_min} ml/min, far above the expected {expected_ml_min}"),
    "FLOW_LOW": ("flow too low (clogged emitters?)", "flow {flow_ml_min} ml/min, far below the expected {expected_ml_min}"),
    "MAX_RUN": ("maximum run time", "maximum run time {run_s} s reached"),
    "MIN_OFF": ("pump resting", "pump resting: off {off_s} s < minimum {pump_min_off_s} s"),
    "STARTS": ("too many starts this hour", "{starts} starts this hour, limit {pump_max_starts_h}"),
    "FROST": ("frost", "temperature {temp_c} C <= frost {frost_c} C"),
    "BATTERY": ("controller battery low", "battery {batt_mv} mV < low {batt_low_mv} mV"),
    "SOAK": ("soaking after a cycle", None),
    "PROBE_FAULT": ("probe faulted: skipped", None),
    "NIGHT": ("night", None),
    "EXCEPTION": ("error in the controller: outputs off", None),
    "BACKOFF": ("waiting after a sag or dry run", "waiting {wait_s} s after a sag or dry run"),
    "LATCHED": ("a latched fault needs clearing", None),
    "RELAY_STUCK": ("flow after pump off (relay stuck?)", None),
    "DISABLED": ("plot disabled", None),
    "WET": ("moist enough", "moisture {pct}% >= start {start_pct}%"),
    "METER_CHECK": ("flow meter check after dry runs", "flow meter check: {run_s} s with the flow unjudged, then the probe says whether water came"),
}

# A sentence quotes numbers only when they agree with the reason: a log's last
# sample may be minutes older than the decision, and a sentence that says
# "moisture 24% < start 22%" would be false.
CHECKS = {
    "MOISTURE_LOW": lambda v: v["pct"] < v["start_pct"],
    "WET": lambda v: v["pct"] >= v["start_pct"],
    "PV_WEAK": lambda v: v["pv_mv"] < v["pv_start_mv"],
    "PV_SAG": lambda v: v["pv_mv"] < v["pv_stop_mv"],
}

# name -> (short words, what it means and what to do): the field guide's table.
PLOT_FAULTS = {
    "PROBE_OPEN": ("probe open", "reading near 0 V: probe unplugged, cable cut or probe unpowered; check the plug and the power pin"),
    "PROBE_SHORT": ("probe short", "reading near full scale: signal shorted to the supply, often a wet connector; dry and reseal it"),
    "PROBE_RANGE": ("probe out of range", "reading far outside its calibration, far drier than the water given allows (a drifting probe), or showing another plot's water and not its own (two probe cables on each other's channels: two plots at once): check the cables and recalibrate (`saxaul calibrate`), then `saxaul clear-fault`"),
    "PROBE_JUMP": ("probe jump", "implausible jump between readings: loose contact or probe moved"),
    "PROBE_STUCK": ("probe stuck", "no change across a run that should wet it: probe out of the root zone, or salt"),
    "FLOW_HIGH": ("flow high", "far more flow than expected: burst or disconnected line"),
    "FLOW_LOW": ("flow low", "far less flow than expected: clogged emitters or filter"),
    "NO_FLOW": ("no flow on this line", "its runs moved no water while another plot's did: the valve does not open (coil, wiring, sand in the seat) or the line is blocked; skipped until dawn, then tried again"),
}
GLOBAL_FAULTS = {
    "DRY_RUN": ("dry run", "no flow after the last retry of the day: check water and intake, then `saxaul clear-fault`"),
    "TANK_LOW": ("tank low", "the tank float reads low: refill; pumping resumes after the restart delay"),
    "FROST": ("frost", "below the frost threshold: no pumping until it warms"),
    "BATTERY": ("battery low", "controller battery low: no pumping until it recovers"),
    "CONFIG": ("config bad", "config missing, corrupt or invalid: running on defaults; `saxaul config push`"),
    "RELAY_STUCK": ("relay stuck", "flow seen with the pump off: check the relay or a siphon"),
    "EXCEPTION": ("exception", "an error in the controller since the last clear: pull logs and report it"),
    "PV_SENSOR": ("PV sensor", "PV reading a quarter above the board's `voc_mv`, or at the ADC's top: check the divider wiring"),
    "TEMP_SENSOR": ("temp sensor", "temperature below -45 C or above 85 C: the sensor's wire is off or shorted; the frost rule is off until it reads again"),
    "METER": ("flow meter dead", "dry runs, yet a probe saw the water of a check run: the meter counts nothing. Watering goes on with volumes from `flow_ml_min`, without dry-run or flow checks; replace or clean the meter, then `saxaul clear-fault` (pulses that come back clear it too)"),
}
EVENTS = {
    "": "",
    "SAMPLE": "sample",
    "BOOT": "boot",
    "START": "pump start",
    "STOP": "pump stop",
    "FAULT_SET": "fault",
    "FAULT_CLR": "fault cleared",
    "CONFIG": "config",
    "DAWN": "dawn",
    "DUSK": "dusk",
    "EXC": "exception",
    "REFUSE": "start refused",
}
RESETS = {
    "UNKNOWN": "unknown reset",
    "POWER_ON": "power on",
    "HARD": "hard reset",
    "WDT": "watchdog reset",
    "DEEPSLEEP": "wake from deep sleep",
    "SOFT": "soft reset",
}
CONFIG_EVENTS = ("loaded", "defaults (missing)", "defaults (bad)", "migrated or changed")


def codes():
    """The firmware's codes module (names, bits and kinds)."""
    return fw.codes()


def _name(names, i):
    if 0 <= i < len(names):
        return names[i]
    return None


def reason_name(code):
    """R_* int -> its name ('MOISTURE_LOW'), or 'R?<n>' when unknown."""
    return _name(codes().REASON_NAMES, code) or "R?%d" % code


def reason_text(code, values=None):
    """R_* int -> words; a sentence with numbers when `values` holds them.

    reason_text(R_MOISTURE_LOW, {"pct": 18, "start_pct": 22})
    -> "moisture 18% < start 22%"
    """
    name = _name(codes().REASON_NAMES, code)
    if name is None:
        return "unknown reason %d" % code
    short, sentence = REASONS[name]
    if sentence and values:
        try:
            check = CHECKS.get(name)
            if check is None or check(values):
                return sentence.format_map(values)
        except (KeyError, ValueError, IndexError, TypeError):
            pass
    return short


def _bits(mask, names):
    out = []
    for i, name in enumerate(names):
        if mask & (1 << i):
            out.append(name)
    extra = mask & ~((1 << len(names)) - 1)
    if extra:
        out.append("?0x%x" % extra)
    return out


def plot_fault_names(mask):
    """Per-plot fault mask -> names, in bit order."""
    return _bits(mask, codes().PLOT_FAULT_NAMES)


def global_fault_names(mask):
    """Global fault mask -> names, in bit order."""
    return _bits(mask, codes().GLOBAL_FAULT_NAMES)


def plot_faults_text(mask):
    """Per-plot fault mask -> 'probe open, flow low' ('' when none)."""
    return ", ".join(PLOT_FAULTS[n][0] if n in PLOT_FAULTS else n for n in plot_fault_names(mask))


def global_faults_text(mask):
    """Global fault mask -> 'dry run, tank low' ('' when none)."""
    return ", ".join(GLOBAL_FAULTS[n][0] if n in GLOBAL_FAULTS else n for n in global_fault_names(mask))


def fault_bit_text(plot, bit):
    """One fault bit of a FAULT_SET/CLR event: plot 255 (NO_PLOT) is global."""
    c = codes()
    if plot == c.NO_PLOT:
        return global_faults_text(bit) or "fault 0x%x" % bit
    return "plot %d %s" % (plot + 1, plot_faults_text(bit) or "fault 0x%x" % bit)


def event_name(kind):
    """E_* int -> name ('START'), or 'E?<n>'."""
    return _name(codes().EVENT_NAMES, kind) or "E?%d" % kind


def event_text(kind):
    name = _name(codes().EVENT_NAMES, kind)
    return EVENTS.get(name, "event %d" % kind) if name is not None else "event %d" % kind


def reset_text(cause):
    name = _name(codes().RESET_NAMES, cause)
    return RESETS[name] if name in RESETS else "reset %d" % cause


def config_event_text(a):
    return CONFIG_EVENTS[a] if 0 <= a < len(CONFIG_EVENTS) else "config %d" % a


def fault_table():
    """Rows for the field guide: (scope, bit, name, words, meaning), in bit order.

    scope is "plot" or "global"; bit is the mask value (1, 2, 4, ...).
    """
    c = codes()
    rows = []
    for scope, names, words in (("plot", c.PLOT_FAULT_NAMES, PLOT_FAULTS), ("global", c.GLOBAL_FAULT_NAMES, GLOBAL_FAULTS)):
        for i, name in enumerate(names):
            short, meaning = words[name]
            rows.append((scope, 1 << i, name, short, meaning))
    return rows


def reason_table():
    """Rows (code, name, words) for every reason code, in code order."""
    return [(i, name, REASONS[name][0]) for i, name in enumerate(codes().REASON_NAMES)]
