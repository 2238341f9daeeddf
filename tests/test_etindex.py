"""The ET index (firmware/saxaul/etindex.py): what a plot whose probe failed lives on, by hand."""
from saxaul.etindex import EtIndex


def test_a_failed_plot_follows_the_good_plots_et_by_its_own_share_of_it():
    ix = EtIndex(3)
    et = [1000, 2000, 3000]
    ix.dawn(1, et, [1, 1, 1], [False] * 3, 0b111, 0, [1, 1, 1])
    assert ix.rel == [1000, 2000, 3000]  # the first lessons, against an index of 1 (1024)
    # Plot 2's probe fails; the good plots' ET rises by half: the index is
    # (1500 + 3000) / (1000 + 2000) = 1.5, and plot 2 lives on 1.5 x 3000.
    et = [1500, 3000, 3000]
    ix.dawn(2, et, [2, 2, 1], [False] * 3, 0b011, 0b100, [1, 1, 1])
    assert ix.idx == 1536
    assert ix.rel[:2] == [1000, 2000]  # their share of it has not moved
    assert et[2] == 4500
    assert ix.back(2) and not ix.back(0)


def failed_on(own_ml):
    """Plot 1's ET once its probe failed, having learned `own_ml` a day where
    plot 0 learned 1000 mL; their doses are 500 and 300 mL, and plot 0
    uses twice its own: so plot 1's dose says 600 mL."""
    ix = EtIndex(2)
    et = [1000, own_ml]
    ix.dawn(1, et, [1, 1], [False] * 2, 0b11, 0, [1, 1])
    ix.dawn(2, et, [1, 1], [False] * 2, 0b01, 0b10, [1, 1], floors=[500, 300])
    return et[1]


def test_a_failed_plot_lives_halfway_from_its_own_share_to_its_dose_as_the_good_plots_use_theirs():
    # A failed plot never lives on less than its dose as the good plots
    # use theirs (600 mL). Above it, halfway from its own share to that
    # dose: a share learned in the crops' first weeks, when every plot's
    # ET is mostly the soil's, overstates a crop whose mid-season Kc is
    # low. Never more than half again the dose: a share learned from a
    # few early lessons (plot 1 as thirsty as plot 0, where its dose, the
    # season's mean need as set, is 0.6 of plot 0's) can be far off.
    assert failed_on(400) == 600
    assert failed_on(800) == 700
    assert failed_on(1000) == 800
    assert failed_on(1400) == 900


def test_a_drift_found_takes_every_plot_back_to_the_snapshot_only_where_that_is_nearer_the_truth():
    def taught_drifting_dry():
        ix = EtIndex(2)
        et = [1000, 2000]
        ix.dawn(1, et, [1, 1], [False] * 2, 0b11, 0, [1, 1])
        ix.dawn(8, et, [1, 1], [False] * 2, 0b11, 0, [1, 1])  # a snapshot: [1000, 2000]
        # Plot 0's probe drifts dry: its ET "doubles", and its share grows.
        et[0] = 2000
        ix.dawn(16, et, [16, 1], [False] * 2, 0b11, 0, [1, 1])
        assert ix.rel == [1125, 2000]
        return ix

    ix = taught_drifting_dry()
    ix.drifted(0, True)
    assert ix.rel == [1000, 2000]  # 8-16 dawns back, before the drift taught it
    ix = taught_drifting_dry()
    ix.drifted(0, False)
    assert ix.rel == [1125, 2000]  # a wet drift would have taught less: the snapshot is no nearer


def test_a_second_strike_goes_back_to_the_share_known_at_the_first():
    ix = EtIndex(1)
    et = [1000]
    ix.dawn(1, et, [1], [False], 1, 0, [1])
    ix.strike(0)
    ix.rel[0] = 1400  # the dawns between taught the drift
    ix.unstrike(0)
    assert ix.rel == [1000]
