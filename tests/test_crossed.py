"""Crossed probes: a probe that reads wetter unwatered while another misses its plot's water."""
from saxaul.crossed import Crossed

E = 5000  # mL of ET a day, each plot
W = 3 * E  # a day's water past twice the ET


def crossed(c, pm, irr, reads=0b11, rained=False):
    return c.dawn(pm, reads, irr, [E, E], rained)


def test_a_probe_rising_unwatered_while_another_misses_its_water_twice_is_crossed_with_it():
    # Plot 1 gets water and its probe (on plot 0) falls with plot 0's ET;
    # plot 0 gets none and its probe (on plot 1) rises with that water.
    c = Crossed(2)
    assert crossed(c, [900, 700], [0, 0]) == 0  # the first dawn: nothing to compare with
    assert crossed(c, [960, 660], [0, W]) == 0  # once may be a coincidence
    assert crossed(c, [920, 640], [0, 0]) == 0  # a dry day between
    assert crossed(c, [990, 610], [0, W]) == 0b11


def test_rain_or_either_sign_alone_is_no_crossing():
    for rained, pm in ((True, [960, 660]), (False, [960, 720]), (False, [890, 660])):
        # rain; the watered probe rose (it reads its plot); the unwatered one fell
        c = Crossed(2)
        crossed(c, [900, 700], [0, 0])
        for _ in range(3):
            assert crossed(c, pm, [0, W], rained=rained) == 0
            crossed(c, [900, 700], [0, 0])


def test_a_probe_whose_own_water_showed_begins_the_count_again():
    c = Crossed(2)
    crossed(c, [900, 700], [0, 0])
    assert crossed(c, [960, 660], [0, W]) == 0  # plot 0's first count
    assert crossed(c, [990, 640], [W, 0]) == 0  # its own water showed on it: it reads its plot
    assert crossed(c, [1030, 600], [0, W]) == 0
    assert crossed(c, [1060, 560], [0, W]) == 0b11


def test_only_probes_that_read_are_weighed_and_water_under_twice_the_et_says_nothing():
    c = Crossed(2)
    crossed(c, [900, 700], [0, 0])
    for _ in range(3):
        assert crossed(c, [960, 660], [0, W], reads=0b01) == 0  # probe 1 open: its reading means nothing
    c = Crossed(2)
    crossed(c, [900, 700], [0, 0])
    for _ in range(3):
        assert crossed(c, [960, 660], [0, 2 * E]) == 0  # the plants may have used all of it
    c = Crossed(2)
    crossed(c, [900, 700], [0, 0])
    assert crossed(c, [960, 660], [0, W]) == 0
    crossed(c, [900, 700], [0, 0], reads=0b01)  # probe 1 stopped reading for a dawn
    assert crossed(c, [960, 660], [0, W]) == 0  # no reading the dawn before to compare with
    assert crossed(c, [990, 610], [0, W]) == 0b11
