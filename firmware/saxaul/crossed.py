# Crossed probes: a probe that reads another plot's soil (pure: no I/O, no clock).
#
# Two probe cables on each other's channels (an installation slip) look
# like two sound probes, each on the wrong plot. The plot watered by its
# probe's word reads the other plot's soil: its own water never shows,
# and its balance finds that probe bad (balance.py). The other plot's
# probe reads the first plot's wet soil and keeps its own plot from any
# water until the plants die (the `probes-swapped` variant of
# `benchmarks/variants.py`, by a scratch watch: the Suaeda plot at IA 66 %,
# 33 mm below field capacity on day 44, its probe found only on day 64,
# when the drying soil it read showed no water either).
# A probe on its own plot cannot read wetter at dawn with no water given
# since the last one and no rain. When that comes on the dawn that
# another plot's probe read drier under water past twice that plot's ET
# (which a probe on its plot shows: drift.py), the water went under the
# first probe instead: the two are crossed. Rain falls on both, and the
# second probe would show it. Twice, for one probe (a warm dawn, a
# shower on one plot alone, the other's probe failing by itself: one
# such coincidence is possible). A dawn when the plot's own water past
# twice its ET showed on its probe begins the count again: that probe
# reads its own plot. Both probes are then failed probes (the balance's
# `bad`), and their plots live on the ET index until the host clears
# them (`saxaul` reports the plots; the cables are the technician's).
# Only probes that read are weighed (not open, not shorted, a reading
# since boot); a plot failed by the balance still reads.
from micropython import const

_ROSE_PM = const(20)  # permille: past a dawn's noise and the probe's warmth at dawn
_CROSSED_N = const(2)  # dawns it takes


class Crossed:
    def __init__(self, n_plots):
        self.n = n_plots
        self._m = [0] * n_plots  # each probe's reading at the last dawn
        self._had = 0  # bit i: the last dawn had a reading of probe i
        self._n = [0] * n_plots  # dawns probe i rose unwatered while another's water went unseen

    def dawn(self, pm, reads, irr, et, rained):
        """A dawn; returns the plots (bit i) whose probes read another plot's soil:
        those that rose unwatered for the second time, and those whose water
        went unseen this dawn (two bits: each reads the other's plot).

        `pm[i]` the readings (permille), `reads` the probes that read (bit
        i), `irr[i]` the water each plot got since the last dawn and
        `et[i]` its ET known (mL; 0 or less: not known); `rained`: the
        balance saw rain since the last dawn.
        """
        rose = 0
        missed = 0
        m_ = self._m
        for i in range(self.n):
            m0 = m_[i]
            m = pm[i]
            if (reads & self._had) >> i & 1:
                w = irr[i]
                e = et[i]
                if w == 0:
                    if m - m0 >= _ROSE_PM:
                        rose |= 1 << i
                elif e > 0 and w > 2 * e:
                    if m < m0:
                        missed |= 1 << i
                    elif m - m0 >= _ROSE_PM:
                        self._n[i] = 0  # its own water showed: it reads its plot
            m_[i] = m
        self._had = reads
        out = 0
        if rose and missed and not rained:
            for i in range(self.n):
                if rose >> i & 1:
                    self._n[i] += 1
                    if self._n[i] >= _CROSSED_N:
                        out |= 1 << i
        return out | missed if out else 0

    def clear(self, i):
        self._n[i] = 0
