"""Codes into words: every firmware code has words, and the words match the bits."""
from host_tools import codes_text as ct
from host_tools import fw

codes = fw.codes()


def test_every_reason_has_words_and_no_words_lack_a_code():
    # A reason added to the firmware without words would print as "R?29" in the field.
    assert set(codes.REASON_NAMES) == set(ct.REASONS)
    for i, name in enumerate(codes.REASON_NAMES):
        assert getattr(codes, "R_" + name) == i, name


def test_every_fault_and_event_has_words():
    assert set(codes.PLOT_FAULT_NAMES) == set(ct.PLOT_FAULTS)
    assert set(codes.GLOBAL_FAULT_NAMES) == set(ct.GLOBAL_FAULTS)
    assert set(codes.EVENT_NAMES) == set(ct.EVENTS)
    assert set(codes.RESET_NAMES) == set(ct.RESETS)
    for i, name in enumerate(codes.EVENT_NAMES[1:], 1):
        assert getattr(codes, "E_" + name) == i, name


def test_a_dry_plot_reads_as_a_sentence_when_the_values_are_known():
    # The telemetry said MOISTURE_LOW with 18 % against a start threshold of 22 %.
    assert ct.reason_text(codes.R_MOISTURE_LOW, {"pct": 18, "start_pct": 22}) == "moisture 18% < start 22%"


def test_a_reason_without_its_values_still_reads():
    assert ct.reason_text(codes.R_MOISTURE_LOW) == "moisture below start"
    assert ct.reason_text(codes.R_MOISTURE_LOW, {"pct": 18}) == "moisture below start"
    assert ct.reason_text(codes.R_NIGHT, {"pct": 3}) == "night"


def test_a_code_from_newer_firmware_does_not_crash_the_laptop():
    assert ct.reason_text(200) == "unknown reason 200"
    assert ct.reason_name(200) == "R?200"
    assert ct.event_name(99) == "E?99"


def test_fault_masks_name_each_bit_in_order():
    mask = codes.F_PROBE_OPEN | codes.F_FLOW_LOW
    assert ct.plot_fault_names(mask) == ["PROBE_OPEN", "FLOW_LOW"]
    assert ct.plot_faults_text(mask) == "probe open, flow low"
    assert ct.global_faults_text(codes.G_DRY_RUN | codes.G_TANK_LOW) == "dry run, tank low"
    assert ct.global_faults_text(0) == ""
    assert ct.fault_bit_text(codes.NO_PLOT, codes.G_FROST) == "frost"
    assert ct.fault_bit_text(1, codes.F_PROBE_SHORT) == "plot 2 probe short"


def test_fault_table_for_the_field_guide_matches_the_firmware_bits():
    rows = ct.fault_table()
    assert len(rows) == len(codes.PLOT_FAULT_NAMES) + len(codes.GLOBAL_FAULT_NAMES)
    for scope, bit, name, words, meaning in rows:
        prefix = "F_" if scope == "plot" else "G_"
        assert getattr(codes, prefix + name) == bit, name
        assert words and meaning
    assert ("global", codes.G_DRY_RUN, "DRY_RUN") == rows[len(codes.PLOT_FAULT_NAMES)][:3]


def test_numbers_that_contradict_the_reason_are_not_quoted():
    # The last sample read 24 % but the controller started for MOISTURE_LOW against 22 %:
    # the sample is older than the decision, so the sentence keeps to words.
    assert ct.reason_text(codes.R_MOISTURE_LOW, {"pct": 24, "start_pct": 22}) == "moisture below start"
    assert ct.reason_text(codes.R_PV_SAG, {"pv_mv": 11000, "pv_stop_mv": 11500}) == "PV 11000 mV < stop 11500 mV while pumping"
    assert ct.reason_text(codes.R_TARGET, {"target_pct": 60}) == "moisture reached target 60%"


def test_the_fault_masks_hold_their_bits_and_no_others():
    # The masks are written as numbers beside the bits: a bit added or
    # moved must not leave a mask stale.
    probe = codes.F_PROBE_OPEN | codes.F_PROBE_SHORT | codes.F_PROBE_RANGE | codes.F_PROBE_JUMP | codes.F_PROBE_STUCK
    assert codes.F_PROBE_ANY == probe
    assert codes.F_LINE_ANY == codes.F_FLOW_HIGH | codes.F_NO_FLOW
    assert codes.F_PROBE_ANY & codes.F_LINE_ANY == 0
