# Root-zone water balance per plot, anchored to the probe every dawn (pure: no I/O, no clock).
#
# Why: a probe between drip emitters reads the wetting front of a pulse for
# an hour or more, well above the root zone's mean, and salt makes it read
# wetter still. Steered by the probe alone, a refill stops short of field
# capacity, nothing drains, and the salt the water brings stays (FAO-29).
# So the amount comes from a balance, as in FAO-56 ch. 8, and the probe keeps
# the balance honest where it is honest: before dawn, hours after the last
# pulse, with no ET.
#
# Units: mL over the plot and probe permille at dawn (the probe's running
# average without the dead band that steadies the percent shown: a dawn
# anchors refills and teaches ET, and a point of rounding is a sixth of a
# day's fall on a small store); `store_l` (config) converts, k = store_l mL
# per permille (0 air-dry, 1000 field capacity). By day `probe()` takes the
# percent.
# - Deficit `d_ml`: water below field capacity. It grows with the day's ET,
#   spread over the day as the sun runs (a parabola from dawn to dusk, the
#   day length seen yesterday), and falls with each run's metered water; what
#   would take it below 0 drains (and takes salt with it). It never grows
#   past the store (air-dry): a plot on ET alone whose ET is learned high
#   would otherwise owe water that its root zone cannot hold (a failed
#   probe's deficit reached 800 L on a 336 L store: docs/architecture.md).
# - Dawn: the reading anchors the deficit, d = (1000 + bias - m) k. A day
#   with no water teaches ET: the fall of the dawn reading, in a running
#   mean of weight 1/2 (ET doubles from April to June: a slower mean lags
#   it, and every refill falls short by the lag, which is the leaching
#   water), or 3/4 for a lesson three dawns or more after the last (it
#   stands for those days too: on a plot watered daily, whose lessons
#   come every few dawns, the mean trailed the season by a tenth, and a
#   failed plot lived on that; docs/architecture.md); so does a watered
#   day that stayed well short of field capacity, or whose refill stopped
#   short of it on purpose (`short`: the planner's, once a plot watered
#   daily has gone four dawns without learning), as the fall plus the
#   water, unless the probe missed a quarter of the metered
#   water (a probe drifting dry would make that water ET, the ET more water,
#   and so on). After a short refill what the probe missed is the stale ET
#   it is there to teach (up to twice the ET known), and it is tried every
#   fifth dawn at most, whether it taught or not: refills kept short every
#   day would drain nothing, and the salt would stay. (ET moves about a
#   percent a day in spring and September: learned once a week, it lagged,
#   and the bias took the error.) Other watered days would need to know how
#   much drained, and a wrong guess there feeds on itself (more ET, more
#   water, more drainage). Plants short of water use less than they will
#   once watered: their days may raise the ET, not lower it. The balance
#   cannot see rain: a dry day whose reading fell by less than half the ET
#   known is taken for rain and teaches nothing (a plot whose probe fails
#   later lives on that ET).
# - Bias: after water drained past field capacity (or water the meter counted
#   and the probe missed) the balance knows the deficit at the next dawn
#   better than the probe (field capacity, then the ET since); the difference
#   is what salt or drift add to the reading. Salt only reads wetter, so the
#   bias (permille) climbs (10 points a dawn at most) and falls by a point a
#   dawn when a learned bias washes out. Within a dawn's error of it (2
#   points: the ET since the refill, the probe's noise) a reading moves it a
#   quarter of the way, up or down: taking every higher reading and giving
#   back only past 2 points kept the bias at the top of that noise, so every
#   refill began too big by it and drained it (loamy sand, whose small store
#   is refilled almost daily: IE 5.5 %, now 4.2). Not in weak sun, where a
#   refill a little big is water the plot may need before the panel starts
#   the pump again. A bias that holds the balance short of field capacity by
#   more than the day's cap leaves past the ET is never weighed that way (no
#   refill drains by the balance's count): a reading at field capacity that
#   did not show the water past the ET lowers it a point a dawn, as salt
#   washing out does (`_anchor`). A reading drier than field capacity is more
#   likely a refill that fell short (`store_l` or ET guessed low) than a
#   dry-reading probe, and taking it for a bias would shorten the next refill
#   further; so the bias goes below 0 only when the probe has shown that the
#   store and the ET are right: on watered days well short of field capacity
#   the reading rose by 85 % or more of the water past ET (a store guessed 30
#   % small shows 70 %); or, on a plot whose refills all drain and so never
#   show that, two dawns after drained refills half again apart in size read
#   dry by the same, within a dawn's error (a store guessed small falls short
#   in proportion to the refill; a probe's offset is the same after any).
#   (Muynak with one probe 18 mV dry of its calibration,
#   `benchmarks/variants.py`: IE 10.3 -> 2.9 %; the heat wave's worst of
#   seven seeds 5.3 -> 4.6, sand 2.8 -> 3.7.) Then a reading more than 4
#   points dry after drainage, or one that stayed flat while water past ET
#   went in, is the probe's calibration (a few mV off, a slow dry drift), and
#   the bias follows it down a point a dawn to -10 points, and back up by 2 a
#   dawn; not in weak sun, where it could only shrink the refills of a plot
#   whose starts are scarce. Without it a probe 25 mV dry over-watered every
#   refill by its offset, and one whose refills the daily cap spreads kept
#   its plot at the cap all season (Muynak with two probes so: IE 24.0 %, now
#   8.6). Two dawns in a row 15 points drier than the bias mark the probe bad
#   (a probe drifting a point a day over-waters for every day it goes
#   unnoticed), and the ET learned between them goes back to the one known at
#   the first: water the drift hid was taken for ET there, and the plot lives
#   on that ET from now on (probe faults: a drifting probe's plot kept 1.5
#   times its ET all season, IE 46 % on it). A drained dawn drier than the
#   drained dawn before by more than a dawn's error, and short of the bias by
#   more than that dawn's shortfall scaled to its refill, is a strike too: a
#   store guessed small falls short in proportion to the refill and an offset
#   by the same after any, so a reading that keeps falling is a dry drift,
#   found at the third such dawn rather than once 15 points deep, while every
#   refill filled what the drift hid and drained it. (Probe faults, where
#   probe 1 drifts 4 mV a day dry from day 30: found 1-4 days sooner on 7 of
#   twenty seeds; IE 5.4 -> 5.2 % on the held-out `check` seeds, 5.3 either
#   way on `tune`: docs/architecture.md.)
# - Probes that go wrong where no drainage shows it (a wet drift that
#   keeps its plot from being watered, a dry drift under a refill the daily
#   cap spreads over days) are drift.py's: checked each dawn against what
#   soil without water, or with water going in, can do.
# - A plot whose probe failed keeps its balance on ET alone, through the
#   ET index of the good plots; a drift found takes back the relative ET it
#   taught: etindex.py. It cannot see rain, and on ET alone its next
#   refill drained the rain's worth (probe faults, weather seed 777, a
#   scratch watch: after 29 mm of rain in September a failed plot's
#   refills drained 22 mm of 30). But rain falls on the whole field, and
#   the good plots see it: when those that went without water since the
#   last dawn each kept more than half their ET known and together read
#   no drier than at it (rain gave them their day's ET at least), the rain
#   they show (their ET known less what they lost, in days of it, at most
#   three) comes off its deficit in days of its own ET (`_rained`). Not a
#   day that kept only half: that is as likely a dawn's noise on an ET
#   known high, and such credits left a plot whose probe stuck on day 1
#   short (`benchmarks/variants.py` early-stuck: its IA 99.6 before, 92.1
#   so, 95.6 now). One good plot that kept while another lost its ET says
#   nothing (a probe drifting wet keeps too). A good plot watered since the
#   last dawn sees rain too, where by the balance none of its water went
#   past field capacity: its reading rose past the day's water less its ET
#   (scaled by the share of it the probe showed on such days, `_rho`, where
#   that share is over one) by what fell, no more than its deficit. In
#   summer the good plots get water most days, and a rain on such a day
#   came off no failed plot's deficit (probe faults' own seed, a scratch
#   count from its daily CSV: 7.7 mm on days 106 and 107, and the three
#   failed plots drained 22.7 mm in days 106-108; 7.4 now). A plot whose
#   refill drained says nothing: the soil at field capacity shows no rain.
#   Figures: docs/architecture.md.
# - By day, on a plot not watered since dawn and idle for `_EQ_S`, a drier
#   reading than the balance raises the deficit (ET learned too low, the
#   first days); on a watered day the next dawn weighs the probe instead.
#   The raise takes a day's driest reading, and a noisy probe's driest lies
#   below the soil by its noise: every refill after it began too big by
#   that and drained it (15 mV of noise, `benchmarks/variants.py`
#   noisy-probes: IE 16.5 %). So the raise leaves out the probe's own
#   `margin` (sensing.Probe.margin, measured from its readings): nothing
#   where the reading's dead band hides the noise, as it does for the
#   scenarios' 4 mV on a 380 mV span; the whole excursion where the band
#   lets it through.
# - ET and bias live in the state's lists (`adopt`): they survive a reset.
from micropython import const

from saxaul.crossed import Crossed
from saxaul.drift import Drift
from saxaul.etindex import EtIndex

_EQ_S = const(10800)  # 3 h after a pulse the front has spread (1 h time constant)
_DAY_S = const(43200)  # day length until a dawn and a dusk have been seen
_BIAS_MAX = const(600)  # permille: a larger offset is a failed probe, not salt
_BIAS_STEP = const(100)  # permille a dawn may raise the bias
_BIAS_BAND = const(20)  # permille: a dawn's ET error, not a bias to follow down
_WASH = const(10)  # permille a dawn a learned salt bias washes out by (a point)
_NEG_MAX = const(100)  # permille a probe may read dry at field capacity and be followed (10 points)
_RHO_GAP = const(100)  # permille of the store a watered day must stay short of field capacity to weigh the probe
_RHO_OK = const(850)  # permille of a watered day's water past ET the reading must show: store and ET are right
_DRIFT = const(150)  # permille drier than the bias after drainage: the probe is wrong (a heat wave's ET error alone comes near 100)
_SEEN_MIN = const(20)  # permille of the store: less water says too little about what the probe saw
_MISS = const(150)  # permille of the store a dawn reading may miss of the metered water before it is questioned
_FC_NEAR = const(970)  # permille: a dawn this wet may still be draining
# Permille below which the plants are short of water and use less than they
# will once watered (FAO-56: ET falls past p = 0.5-0.6 of TAW, and TAW is
# about 0.7 of the air-dry to field capacity span): such days teach no ET.
_STRESS = const(550)
_WET_LEARN = const(800)  # permille: a watered day below this at both dawns drained nothing
_ET_FRESH = const(7)  # dawns: an ET learned longer ago may be the season's, not today's
_GAP = const(3)  # dawns since the last lesson past which the next weighs 3/4, not 1/2
_SHORT_EVERY = const(4)  # dawns: an ET this old is taught again by a short refill, tried no more often


def _washed(o):
    # A learned salt bias o (permille, over 0) one dawn on, washing out.
    return o - _WASH if o > _WASH else 0


class Balance:
    def __init__(self, n_plots):
        self.n = n_plots
        self.d_ml = [0] * n_plots  # deficit below field capacity, mL
        self._stores = [0] * n_plots  # the last dawn's `stores` (the caller's list): no deficit grows past one (0: unknown)
        self.et_ml = [-1] * n_plots  # daily ET, mL (-1: not learned yet)
        self.bias = [0] * n_plots  # permille the probe reads above the truth
        self.known = [False] * n_plots  # anchored once
        self.bad = [False] * n_plots  # the probe disagrees with the balance (until cleared)
        self._strikes = [0] * n_plots  # dawns in a row the probe read far drier than the balance
        self._et_struck = [-1] * n_plots  # the ET known at the first of them
        self.drift = Drift(n_plots)  # wet spells and falls under water (drift.py)
        self.crossed = Crossed(n_plots)  # probes that read each other's plots (crossed.py)
        # What the reading showed of the water past ET on watered days that
        # stayed well short of field capacity, permille, and how many such
        # days (up to 8). Near 1000 the store and the ET are right, so a
        # reading dry at field capacity is the probe's.
        self._rho = [0] * n_plots
        self._rho_n = [0] * n_plots
        # The last drained dawn that read dry past two dawns' error: its
        # refill (permille of the store) and its reading against the
        # balance; `_offset`: two of them showed a probe's offset (`_anchor`).
        self._off_q = [0] * n_plots
        self._off_b = [0] * n_plots
        self._offset = [False] * n_plots
        self._low = [False] * n_plots  # the last drained dawn read dry past two dawns' error too (`_off_b`)
        self._weighed = [False] * n_plots  # a drained refill weighed the bias, and no water went in since
        self._dawn_m = [-1] * n_plots  # reading at the last dawn
        self.margin = [0] * n_plots  # permille of noise past the reading's dead band (sensing.Probe.margin)
        self._irr_ml = [0] * n_plots  # water given since the last dawn
        self._full = [False] * n_plots  # water drained past field capacity since the last dawn
        self.short = [False] * n_plots  # a refill since the last dawn stopped short of field capacity on purpose
        self.sank = [False] * n_plots  # the probe saw less than half the water since the last dawn (`_anchor`)
        self._last_s = [-_EQ_S] * n_plots  # when plot i was last watered
        self._frac = [0] * n_plots  # ET remainder in 1/512 mL
        self.index = EtIndex(n_plots)  # what a failed probe's plot lives on (etindex.py)
        self._et_dawn = [0] * n_plots  # the dawn ET was last learned at
        self._short_dawn = [-_SHORT_EVERY - 1] * n_plots  # the last short refill's dawn
        self._dawns = 0
        self._t_s = -1  # ET accounted up to here
        self._dawn_s = -1
        self._day_s = _DAY_S
        self.day = False

    def adopt(self, et_ml, bias):
        """Keep the learned ET and bias in these lists (the state's, saved across resets)."""
        for i in range(self.n):
            if et_ml[i] < -1:
                et_ml[i] = -1
            if bias[i] < -_NEG_MAX or bias[i] > _BIAS_MAX:
                bias[i] = 0  # not a value this module writes: start again
        self.et_ml = et_ml
        self.bias = bias

    # Time.
    def _sun(self, t_s):
        """Share of the day's ET used by t_s, in 1/512: 3x^2 - 2x^3 of the day's fraction x.

        Its rate 6x(1 - x) is a parabola from dawn to dusk, close to the sine
        that irradiance (and so ET) follows through a clear day.
        """
        x = (t_s - self._dawn_s) * 512 // self._day_s
        if x <= 0:
            return 0
        if x >= 512:
            return 512
        return x * x * (1536 - 2 * x) >> 18

    def advance(self, now_s):
        """ET from the last call to now (by day only)."""
        t = self._t_s
        if now_s <= t:
            return
        self._t_s = now_s
        if t < 0 or not self.day or self._dawn_s < 0:
            return
        f = self._sun(now_s) - self._sun(t)
        if f <= 0:
            return
        for i in range(self.n):
            et = self.et_ml[i]
            if et > 0:
                x = et * f + self._frac[i]
                d = self.d_ml[i] + (x >> 9)
                top = 1000 * self._stores[i]  # mL from air-dry to field capacity (the header)
                self.d_ml[i] = top if 0 < top < d else d
                self._frac[i] = x & 511

    def dawn(self, now_s, pm, good, stores, floors=None, weak=False, failed=-1, reads=-1):
        """Anchor every plot whose probe is good (bit i of `good`) to its reading now.

        `pm[i]`: the probe's average, permille (unclamped); `stores[i]`: its
        `store_l` (the list is kept, not copied: `advance` bounds each
        deficit by it until the next dawn). `floors[i]`, mL, is the plot's
        daily fallback dose: a failed plot uses at least it times the good
        plots' ET over theirs.
        `weak`: marginal sun (the planner's `weak_sun`), when no dry reading
        is taken for the probe's (`_dry`). `failed` (bit i)
        are the plots not good because their probe failed, which go on on
        the ET index (the header); another plot not good (no reading yet
        since a boot) keeps its own ET. By default every plot not good.
        `reads` (bit i): the probes whose readings mean something, failed
        or not (crossed.py); by default the good ones.
        """
        self.advance(now_s)
        self.day = True
        self._dawns += 1
        self._stores = stores
        self._dawn_s = now_s
        # Which good plots went without water since the last dawn (and so
        # could see rain), and which of them kept more than half the ET
        # known (rain fell on them, or their probe reads wet): drift.py;
        # when all of them did, `_rained`.
        kept = 0
        unwatered = 0
        fell = 0  # what they lost since, mL, against their ET known
        used = 0
        wet = 0  # the good plots watered since, none of it drained, that held rain
        watered = 0
        for i in range(self.n):
            k = stores[i]
            e = self.et_ml[i]
            m0 = self._dawn_m[i]
            if not ((good >> i) & 1 and k > 0 and e > 0 and m0 >= 0):
                continue
            if self._irr_ml[i] == 0:
                unwatered |= 1 << i
                f = (m0 - pm[i]) * k
                if 2 * f < e:
                    kept |= 1 << i
            elif not self._full[i]:
                # Watered, and by the balance none of it went past field
                # capacity: what the reading rose by past the day's water
                # less its ET fell as rain, no more than the deficit (rain
                # past it drained). That water is scaled by the share of it
                # such days showed (`_rho`) where the probe showed more than
                # it got: a store guessed large reads a rise as rain.
                watered |= 1 << i
                net = self._irr_ml[i] - e
                r = self._rho[i] if net > 0 and self._rho_n[i] and self._rho[i] > 1000 else 1000
                w = (pm[i] - m0) * k - net * r // 1000
                if w > self.d_ml[i]:
                    w = self.d_ml[i]
                if 2 * w > e:
                    wet |= 1 << i
                f = e - w
            else:
                continue
            fell += f if f > -2 * e else -2 * e
            used += e
        seen = kept | wet
        rained = seen and seen == unwatered | watered and fell <= 0
        if rained:
            self._rained(good, used - fell, used)
        x = self.crossed.dawn(pm, good if reads == -1 else reads, self._irr_ml, self.et_ml, rained)
        if x:
            self._cross_found(x, pm, stores)
            good &= ~x
            if failed != -1:
                failed |= x
        for i in range(self.n):
            k = stores[i]  # mL per permille
            if (good >> i) & 1 and k > 0:
                if self.index.back(i):
                    # Its probe is back: the ET it lived on meanwhile may
                    # have been the floor's; its own is its mean relative
                    # ET, scaled to now.
                    self.et_ml[i] = self.index.indexed(i)
                self._anchor(i, pm[i], k, weak, kept & ~(1 << i), unwatered & ~(1 << i))
        self.index.dawn(self._dawns, self.et_ml, self._et_dawn, self.bad, good, failed, stores, floors)
        for i in range(self.n):
            if stores[i] <= 0:
                continue
            if not (good >> i) & 1:
                self._dawn_m[i] = -1  # no ET to learn across a day without a reading
            self._irr_ml[i] = 0
            self._full[i] = False
            if self.short[i]:
                self._short_dawn[i] = self._dawns  # tried, whether it taught or not
            self.short[i] = False

    def _cross_found(self, x, pm, stores):
        # Probes that read each other's plots (bit i of `x`, crossed.py):
        # failed probes from now on, not anchored to. What they taught of
        # their plots' ET was the other plot's: each lives on its dose as
        # the good plots use theirs (etindex.py). Two probes on each
        # other's plots say where the other plot is: a plot is at least as
        # dry as the other's probe reads (a plot whose probe read wet has
        # gone without water). `x` holds at least two plots, and two
        # only when they are such a pair.
        i = j = -1
        for a in range(self.n):
            if x >> a & 1:
                self.bad[a] = True
                self.index.forget(a)
                i, j = a, i
        if j >= 0 and x == (1 << i) | (1 << j):
            for a, b in ((i, j), (j, i)):
                d = (1000 - pm[b]) * stores[a]
                if d > self.d_ml[a]:
                    self.d_ml[a] = d if d < 1000 * stores[a] else 1000 * stores[a]

    def _rained(self, good, wet, used):
        # The good plots that could see rain since the last dawn each kept
        # half their ET and together read no drier: `wet` mL fell on them
        # where `used` was their ET (the header). Each plot not good got the
        # same share of its own ET.
        q = (wet << 8) // used  # days of ET, in 1/256 (at most 3: `fell` is bounded)
        for i in range(self.n):
            e = self.et_ml[i]
            if not (good >> i) & 1 and e > 0 and self._stores[i] > 0:
                d = self.d_ml[i] - (e * q >> 8)
                self.d_ml[i] = d if d > 0 else 0

    def _anchor(self, i, m, k, weak, rain=0, others=0):
        pred = self.d_ml[i]
        check = self._full[i]
        e = self.et_ml[i]
        irr = self._irr_ml[i]
        m0 = self._dawn_m[i]  # the last dawn's reading (-1: none)
        miss = (1000 + self.bias[i] - m) * k - pred  # what the reading lacks of the balance's water
        # Water the balance kept short of field capacity, yet the probe saw
        # less than half of it, with twice the ET known spent besides: it went
        # past field capacity, and the probe reads dry there (its calibration,
        # a slow drift). Anchored to it, a refill would never end.
        seen = (m - m0) * k  # the water the reading showed since the last dawn
        given = not check and m0 >= 0 and irr >= _SEEN_MIN * k  # water enough to show, none known to drain
        self.sank[i] = given and e > 0 and 2 * (seen + 2 * e) < irr
        # For drift.py's count of falls: water past twice the ET known at
        # its first fall (`ref`), into a soil that was not draining; or, as
        # `sank` above but by that ET, water past four times it less twice
        # the fall (a fall past the ET under less water: the rule before).
        ef = self.drift.ref(i, e)
        under = (given and ef > 0 and m0 - self.bias[i] < _FC_NEAR
                 and (2 * (seen + 2 * ef) < irr or irr > 2 * ef))
        if self.drift.fell(i, under, m, m0, e):
            self.bad[i] = True
            if self.et_ml[i] > self.drift.et_first[i] > 0:
                self.et_ml[i] = self.drift.et_first[i]
            self.index.drifted(i, True)
        net = irr - e  # the water past the day's ET
        if (not check and e > 0 and m0 >= 0 and not self.short[i]
                and pred >= _RHO_GAP * k and net >= 2 * _SEEN_MIN * k):
            # A day well short of field capacity: how much of that water
            # did the reading show?
            r = seen * 1000 // net
            r = 0 if r < 0 else (2000 if r > 2000 else r)
            n = self._rho_n[i]
            self._rho[i] = r if n == 0 else self._rho[i] + ((r - self._rho[i]) >> 2)
            if n < 8:
                self._rho_n[i] = n + 1
        dry = not weak and self._shows(i)  # a dry reading may be the probe's (`_dry`)
        if dry and not check and e > 0 and m0 >= 0 and net > 0 and 4 * seen < net:
            # The reading did not show water that it shows short of field
            # capacity: the root zone was full and drained it, and this
            # reading is the probe's field capacity, less the ET since
            # (half a day's). The balance never saw it drain, so without
            # this a probe reading dry there keeps its plot watered at the
            # daily cap for good.
            self._dry(i, m - 1000 + e // (2 * k))
        if irr > 0 and miss > _MISS * k:
            # The meter counted water that the probe never saw: the soil
            # drained it (the probe reads dry at field capacity) or the probe
            # is wrong. Either way the balance is the better witness.
            check = True
        o = self.bias[i]
        if (not check and not weak and o > 0 and e > 0 and m0 + _BIAS_BAND >= 1000
                and net >= 2 * _SEEN_MIN * k and 4 * seen < net):
            # The reading sat at field capacity, and water past the ET went
            # in that it did not show: the soil was full and drained it.
            # What the balance held short of field capacity was the bias
            # (salt washing out, or a dawn's noise taken for salt). When the
            # daily cap keeps the balance that short, no refill drains by
            # its count, so the rules below never weigh the bias, and the
            # plot got the cap every day (a scratch watch, Muynak with noisy
            # probes: a bias of 62 permille on the deep store, 4 mm drained
            # a day for the last four weeks). It falls as salt washing out
            # does, a point a dawn.
            self.bias[i] = _washed(o)
        if check and self.known[i]:
            # The balance has been exact since field capacity: what the
            # reading says beyond it is the probe's own offset. Salt only
            # makes it read wetter, so the bias climbs fast, falls slowly and
            # never below 0: a reading a little drier than field capacity is
            # more likely a refill that fell short (`store_l` guessed small,
            # ET guessed low) than a probe reading dry, and taking it for a
            # bias would shorten the next refill further. A reading far
            # drier than field capacity allows is a probe gone wrong (drift,
            # a cracked seal), when the ET behind the balance is fresh.
            b = m - 1000 + pred // k
            o = self.bias[i]
            fell = False
            if self._full[i] and irr > 0 and b < o - 2 * _BIAS_BAND:
                # Dry after a refill that drained. A store guessed small
                # falls short in proportion to the refill; a probe's offset
                # is the same after any refill. Two such dawns alike within
                # a dawn's error, after refills half again apart in size,
                # show the offset as the watered days short of field
                # capacity do (`_shows`), on a plot whose refills all drain.
                q = irr // k
                p = self._off_q[i]
                # Drier than the drained dawn before by more than a dawn's
                # error, and short of the bias by more than that dawn's
                # shortfall scaled to this refill (what a store guessed
                # small would read): neither such a store nor an offset
                # (the same after any refill), but a probe drifting dry. A
                # strike, as a reading _DRIFT dry is.
                x = self._off_b[i]
                fell = self._low[i] and p > 0 and b < x - _BIAS_BAND and (b - o) * p < (x - o) * q - _BIAS_BAND * p
                if p > 0 and -_BIAS_BAND <= b - x <= _BIAS_BAND and (2 * q >= 3 * p or 2 * p >= 3 * q):
                    self._offset[i] = True
                self._off_q[i] = q
                self._off_b[i] = b
                dry = dry or (not weak and self._offset[i])
                self._low[i] = True
            else:
                self._low[i] = False
            if b > o - _DRIFT and not fell:
                self._strikes[i] = 0
            elif self._fresh(i):
                # Twice in a row: one short refill (a guessed store, a hot
                # day) can look like this once.
                self._strikes[i] += 1
                if self._strikes[i] == 1:
                    self._et_struck[i] = e
                    self.index.strike(i)
                elif self.et_ml[i] > self._et_struck[i] > 0:
                    # The days between were read off a probe already
                    # drifting: water it missed became ET (up to twice),
                    # and the plot would live on that ET from now on.
                    self.et_ml[i] = self._et_struck[i]
                    self.index.unstrike(i)
                if self._strikes[i] >= 2:
                    self.bad[i] = True
                    self.index.drifted(i, True)
            if not weak and o > 0 and o - _BIAS_BAND <= b <= o + _BIAS_BAND:
                # A dawn's error: a mean of them, not their highest. Not
                # below 0 by this rule: that takes `_dry`'s evidence.
                x = o + (b - o) // 4
                self.bias[i] = x if x > 0 else 0
            elif b > o:
                # Salt climbs fast; a dry reading learned over weeks (below
                # 0) comes back by _BIAS_BAND a dawn, or one hot day's error
                # would undo it.
                up = _BIAS_STEP if o >= 0 else _BIAS_BAND
                self.bias[i] = b if b < o + up else o + up
            elif b < o - _BIAS_BAND and o > 0:
                self.bias[i] = _washed(o)  # the salt it learned is washing out
            elif dry and self._full[i]:
                self._dry(i, b)  # the refill did reach field capacity
            if self.bias[i] > _BIAS_MAX:
                self.bias[i] = _BIAS_MAX
        if m0 >= 0 and not check:
            d0 = m0 - self.bias[i]
            mc = m - self.bias[i]
            if irr and e > 0 and miss > irr >> 2 and not self.short[i]:
                # The probe missed a quarter of the metered water: a fault,
                # not ET. (After a short refill, whose point is to teach a
                # stale ET, what it missed is that ET: up to twice it below.)
                pass
            elif (d0 < _WET_LEARN and mc < _WET_LEARN) or (d0 < _FC_NEAR and (irr == 0 or self.short[i] and mc < _FC_NEAR)):
                # Nothing can have drained (no water, or water that left
                # the soil well short of field capacity at both dawns): the
                # reading's fall and the water given are what the plants
                # used.
                et = (d0 - mc) * k + irr
                if et < 0:
                    et = 0
                if irr and e > 0 and et > 2 * e:
                    et = 2 * e  # water the probe missed is more likely a probe fault than heat
                if e > 0 and 2 * et < e:
                    pass  # rain, more likely than a day at half the ET
                elif e < 0 or mc >= _STRESS or et > e:
                    # Plants short of water use less than they will once
                    # watered: such a day may raise the ET, not lower it.
                    if e < 0:
                        self.et_ml[i] = et
                    elif self._dawns - self._et_dawn[i] >= _GAP:
                        self.et_ml[i] = e + 3 * (et - e) // 4  # a lesson after a gap (the header)
                    else:
                        self.et_ml[i] = (e + et) // 2
                    self._et_dawn[i] = self._dawns
        if check and self.known[i]:
            self._weighed[i] = True
        elif irr:
            self._weighed[i] = False  # salt may have come with it
        over = self.drift.over(i, m - self.bias[i], self._weighed[i] and not check and not irr, k, e)
        if self.drift.dry(i, m, m0, k, e, irr, rain, others, m - self.bias[i] >= _STRESS) or over:
            self.bad[i] = True
            self.index.drifted(i, False)
        d = (1000 + self.bias[i] - m) * k
        self.d_ml[i] = d if d > 0 else 0
        self.known[i] = True
        self._dawn_m[i] = m

    def _shows(self, i):
        # Watered days short of field capacity showed the water the balance
        # counted (past ET): its store and ET are right, so a reading dry at
        # field capacity is the probe's, not a refill that fell short.
        return self._rho_n[i] >= 3 and self._rho[i] >= _RHO_OK

    def _dry(self, i, b):
        # The probe reads b permille at field capacity, drier than its bias
        # by more than two dawns' error, and `_shows`, and the sun is not
        # weak (a smaller refill there is a start the panel may not give
        # again): its calibration is off, or it drifts dry slowly. The bias follows it down a point a
        # dawn, to -_NEG_MAX (from 0 or below: a salt bias washes out by its
        # own rule). A reading further below field capacity than that is a
        # soil short of water, not an offset.
        o = self.bias[i]
        if -_NEG_MAX - _BIAS_BAND <= b < o - 2 * _BIAS_BAND and -_NEG_MAX < o <= 0:
            self.bias[i] = o - 10

    def _fresh(self, i):
        return self._dawns - self._et_dawn[i] <= _ET_FRESH

    def stale(self, i):
        """No day has taught plot i's ET for `_SHORT_EVERY` dawns, nor has a short refill tried to since."""
        return (self.et_ml[i] > 0 and self._dawns - self._et_dawn[i] > _SHORT_EVERY
                and self._dawns - self._short_dawn[i] > _SHORT_EVERY)

    def by_dusk(self, i, now_s):
        """The deficit plot i will have at dusk if it gets no more water, mL."""
        d = self.d_ml[i]
        et = self.et_ml[i]
        if et > 0 and self.day and self._dawn_s >= 0:
            d += et * (512 - self._sun(now_s)) >> 9
        return d

    def can_wait(self, i, now_s, k, noon=False):
        """Plot i (k: its store_l) would stay wetter than the plants' stress
        point until tomorrow's dusk (`noon`: tomorrow's noon) with no water,
        by its balance: anchored, its ET learned, its probe not marked bad."""
        e = self.et_ml[i]
        if k <= 0 or e <= 0 or not self.known[i] or self.bad[i]:
            return False
        return self.by_dusk(i, now_s) + (e >> 1 if noon else e) < (1000 - _STRESS) * k

    def dusk(self, now_s):
        self.advance(now_s)
        self.day = False
        if self._dawn_s >= 0 and now_s - self._dawn_s > 3600:
            self._day_s = now_s - self._dawn_s

    # Water.
    def watered(self, i, ml, now_s):
        """`ml` given to plot i; returns the part past field capacity, which drains."""
        d = self.d_ml[i] - ml
        self._irr_ml[i] += ml
        self._last_s[i] = now_s
        if d >= 0:
            self.d_ml[i] = d
            return 0
        self.d_ml[i] = 0
        self._full[i] = True
        return -d

    def probe(self, i, m, now_s, store_l):
        """A reading by day on a plot not watered since dawn (or the first since boot).

        A drier reading than the balance raises the deficit: the balance's
        ET may be low (the first days, a hot spell). The balance then is
        the probe's, and cannot check the probe's bias at the next dawn.
        `m` is the reading in percent (its dead band is a point, and a day's
        fall is tens of them).
        """
        if self.known[i] and (self._irr_ml[i] > 0 or now_s - self._last_s[i] < _EQ_S):
            return  # watered today: the next dawn weighs the probe against the meter
        d = (1000 + self.bias[i] - 10 * m) * store_l
        if self.known[i]:
            d -= self.margin[i] * store_l
        if d > self.d_ml[i] or not self.known[i]:
            self.d_ml[i] = d if d > 0 else 0
            self.known[i] = True
            self._full[i] = False

    def clear(self, i):
        """The host cleared the plot's faults: trust its probe again, from scratch."""
        self.bad[i] = False
        self._strikes[i] = 0
        self.drift.clear(i)
        self.crossed.clear(i)
        self.bias[i] = 0
        self._rho_n[i] = 0
        self._off_q[i] = 0
        self._offset[i] = False
        self._low[i] = False
        self._weighed[i] = False
        self.known[i] = False
