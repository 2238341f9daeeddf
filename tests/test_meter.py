"""The flow meter's check after a dry-run latch (firmware/saxaul/meter.py), pure."""
from saxaul import codes, meter


class P:
    """A probe as the meter reads it: its average in permille (-1: none yet)."""

    def __init__(self, pm):
        self.pm = pm


def plots(n=3, **over):
    out = [{"enabled": True, "flow_ml_min": 500, "store_l": 200} for _ in range(n)]
    for i, d in over.items():
        out[int(i[1:])].update(d)
    return out


def test_a_check_is_due_once_a_day_while_the_dry_run_latch_holds():
    m = meter.Meter(3)
    assert not m.due(5, False)
    assert m.due(5, True)
    m.begin(0, 5, [P(600), P(600), P(600)], [0, 0, 0])
    assert not m.due(5, True)  # under way
    m.ran(meter.CHECK_S, 5000, 1000)
    assert m.verdict(1000 + 900, [P(600), P(600), P(600)], [0, 0, 0]) is False
    assert not m.due(5, True)  # one a day
    assert m.due(6, True)


def test_the_check_runs_the_plot_whose_probe_can_show_the_most_water():
    m = meter.Meter(3)
    probes = [P(600), P(600), P(600)]
    # Plot 1 gets the most water per litre of its store ...
    assert m.pick(probes, [0, 0, 0], plots(p1={"store_l": 100})) == 1
    # ... unless its probe is faulted, near field capacity, without a reading, or it is disabled.
    assert m.pick(probes, [0, codes.F_PROBE_OPEN, 0], plots(p1={"store_l": 100})) != 1
    assert m.pick([P(600), P(950), P(600)], [0, 0, 0], plots(p1={"store_l": 100})) != 1
    assert m.pick([P(600), P(-1), P(600)], [0, 0, 0], plots(p1={"store_l": 100})) != 1
    assert m.pick(probes, [0, 0, 0], plots(p1={"store_l": 100, "enabled": False})) != 1
    assert m.pick([P(960)] * 3, [0, 0, 0], plots()) == codes.NO_PLOT


def test_the_check_runs_a_line_that_has_not_gone_dry_when_there_is_one():
    # Water on another line says the dry one is shut (pump.py); the dry one
    # again would say nothing new.
    m = meter.Meter(3)
    probes = [P(600), P(600), P(600)]
    assert m.pick(probes, [0, 0, 0], plots(p1={"store_l": 100}), dry=0b010) in (0, 2)
    assert m.pick(probes, [0, 0, 0], plots(p1={"store_l": 100}), dry=0b111) == 1


def test_water_the_probe_saw_is_the_meters_fault_and_none_is_a_dry_run():
    m = meter.Meter(2)
    m.begin(0, 1, [P(600), P(700)], [0, 0])
    assert m.running
    m.ran(meter.CHECK_S, 5000, 2000)
    assert not m.running and m.ml == 5000
    assert m.verdict(2000 + 600, [P(700), P(700)], [0, 0]) is None  # still settling
    assert m.verdict(2000 + 900, [P(600 + 40), P(700)], [0, 0]) is True
    assert m.plot == codes.NO_PLOT
    m = meter.Meter(2)
    m.begin(0, 1, [P(600), P(700)], [0, 0])
    m.ran(meter.CHECK_S, 5000, 2000)
    assert m.verdict(2900, [P(600 + 10), P(700)], [0, 0]) is False  # the noise of an average


def test_a_rise_every_probe_shared_is_rain_not_the_check():
    m = meter.Meter(3)
    m.begin(0, 1, [P(600), P(500), P(700)], [0, 0, 0])
    m.ran(meter.CHECK_S, 5000, 2000)
    assert m.verdict(2900, [P(640), P(540), P(740)], [0, 0, 0]) is False
    m = meter.Meter(3)
    m.begin(0, 1, [P(600), P(500), P(700)], [0, 0, 0])
    m.ran(meter.CHECK_S, 5000, 2000)
    assert m.verdict(2900, [P(640), P(505), P(695)], [0, 0, 0]) is True
    # Others that fell (their own run's front spreading down) do not make water of no rise.
    m = meter.Meter(3)
    m.begin(0, 1, [P(600), P(500), P(700)], [0, 0, 0])
    m.ran(meter.CHECK_S, 5000, 2000)
    assert m.verdict(2900, [P(596), P(470), P(670)], [0, 0, 0]) is False


def test_a_check_cut_short_is_tried_again_the_same_day_and_a_failed_probe_says_nothing():
    m = meter.Meter(2)
    m.begin(0, 1, [P(600), P(600)], [0, 0])
    m.ran(meter.CHECK_S // 4, 1000, 2000)  # a sag stopped it
    assert m.plot == codes.NO_PLOT and m.due(1, True)
    m.begin(0, 1, [P(600), P(600)], [0, 0])
    m.ran(meter.CHECK_S, 5000, 3000)
    assert m.verdict(3900, [P(700), P(600)], [codes.F_PROBE_JUMP, 0]) is False


def test_a_meter_counts_when_a_quarter_of_the_waters_pulses_come():
    assert meter.counted(450, 1000, 450)
    assert meter.counted(120, 1000, 450)
    assert not meter.counted(100, 1000, 450)
    assert not meter.counted(2, 1, 450)  # jitter
    assert not meter.counted(500, 1000, 0)  # no meter on the board
