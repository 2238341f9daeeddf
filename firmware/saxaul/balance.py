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
#   would take it below 0 drains (and takes salt with it).
# - Dawn: the reading anchors the deficit, d = (1000 + bias - m) k. A day
#   with no water teaches ET: the fall of the dawn reading, in a running
#   mean of weight 1/2 (ET doubles from April to June: a slower mean lags
#   it, and every refill falls short by the lag, which is the leaching
#   water); so does a watered day that stayed well short of field capacity,
#   or whose refill stopped short of it on purpose (`short`: the planner's,
#   once a plot watered daily has gone four dawns without learning), as the
#   fall plus the water, unless the probe missed a quarter of the metered
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
# - Bias: after water drained past field capacity (or water the meter
#   counted and the probe missed) the balance knows the deficit at the next
#   dawn better than the probe (field capacity, then the ET since); the
#   difference is what salt or drift add to the reading. Salt only reads
#   wetter, so the bias (permille) climbs (10 points a dawn at most),
#   falls by a point a dawn when a learned bias washes out, and never goes
#   below 0: a reading a little drier is more likely a refill that fell
#   short (`store_l` or ET guessed low) than a dry-reading probe. If a refill fell short of field
#   capacity the estimate comes out low by the shortfall less the leaching
#   water, so it settles from below: toward more water, never less. Two
#   dawns in a row 15 points drier than that mark the probe bad (a probe
#   drifting a point a day over-waters for every day it goes unnoticed).
# - A plot whose probe failed keeps its balance on ET alone: its own ET when
#   the probe was last good, scaled by how the good plots' ET has moved since
#   (same sun, same air). That move is a chained index: each dawn it moves
#   as the summed ET of the plots that were good on both sides of the dawn,
#   so a probe failing (or a failed plot's own estimate) does not move it.
#   It never goes below a floor the caller gives (the plot's daily fallback
#   dose), since the ET it learned is likely low (a plot refilled every day
#   has few dry days to learn from, the season warms) and nothing corrects
#   it now. The dose is the need of the season's hot months: the floor
#   falls with the index below its highest (September), or it would water
#   a cooling plot at July's rate.
# - By day, on a plot not watered since dawn and idle for `_EQ_S`, a drier
#   reading than the balance raises the deficit (ET learned too low, the
#   first days); on a watered day the next dawn weighs the probe instead.
# - ET and bias live in the state's lists (`adopt`): they survive a reset.
from micropython import const

_EQ_S = const(10800)  # 3 h after a pulse the front has spread (1 h time constant)
_DAY_S = const(43200)  # day length until a dawn and a dusk have been seen
_BIAS_MAX = const(600)  # permille: a larger offset is a failed probe, not salt
_BIAS_STEP = const(100)  # permille a dawn may raise the bias
_BIAS_BAND = const(20)  # permille: a dawn's ET error, not a bias to follow down
_DRIFT = const(150)  # permille drier than the bias after drainage: the probe is wrong (a heat wave's ET error alone comes near 100)
_SEEN_MIN = const(20)  # permille of the store: less water says too little about what the probe saw
_MISS = const(150)  # permille of the store a dawn reading may miss of the metered water before it is questioned
_FC_NEAR = const(970)  # permille: a dawn this wet may still be draining
# Permille below which the plants are short of water and use less than they
# will once watered (FAO-56: ET falls past p = 0.5-0.6 of TAW, and TAW is
# about 0.7 of the air-dry to field capacity span): such days teach no ET.
_STRESS = const(550)
_WET_LEARN = const(800)  # permille: a watered day below this at both dawns drained nothing
_IDX_BITS = const(10)  # the ET index's unit
_ET_FRESH = const(7)  # dawns: an ET learned longer ago may be the season's, not today's
_SHORT_EVERY = const(4)  # dawns: an ET this old is taught again by a short refill, tried no more often


class Balance:
    def __init__(self, n_plots):
        self.n = n_plots
        self.d_ml = [0] * n_plots  # deficit below field capacity, mL
        self.et_ml = [-1] * n_plots  # daily ET, mL (-1: not learned yet)
        self.bias = [0] * n_plots  # permille the probe reads above the truth
        self.known = [False] * n_plots  # anchored once
        self.bad = [False] * n_plots  # the probe disagrees with the balance (until cleared)
        self._strikes = [0] * n_plots  # dawns in a row the probe read far drier than the balance
        self._dawn_m = [-1] * n_plots  # reading at the last dawn
        self._irr_ml = [0] * n_plots  # water given since the last dawn
        self._full = [False] * n_plots  # water drained past field capacity since the last dawn
        self.short = [False] * n_plots  # a refill since the last dawn stopped short of field capacity on purpose
        self.sank = [False] * n_plots  # the probe saw less than half the water since the last dawn (`_anchor`)
        self._last_s = [-_EQ_S] * n_plots  # when plot i was last watered
        self._frac = [0] * n_plots  # ET remainder in 1/512 mL
        self._et_own = [-1] * n_plots  # the plot's ET on its last good dawn
        self._et_ref = [0] * n_plots  # the ET index then
        # The season's ET index (1 << _IDX_BITS at boot): each dawn it moves
        # as the ET of the plots that were good on both sides of it moved,
        # so a probe that fails does not move it. `_idx_top`: its highest.
        self._idx = 1 << _IDX_BITS
        self._idx_top = 1 << _IDX_BITS
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
            if bias[i] < 0 or bias[i] > _BIAS_MAX:
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
                self.d_ml[i] += x >> 9
                self._frac[i] = x & 511

    def dawn(self, now_s, pm, good, stores, floors=None):
        """Anchor every plot whose probe is good (bit i of `good`) to its reading now.

        `pm[i]`: the probe's average, permille (unclamped); `stores[i]`: its
        `store_l`. `floors[i]`, mL, is the least daily ET of a plot on its
        balance alone.
        """
        self.advance(now_s)
        self.day = True
        self._dawns += 1
        self._dawn_s = now_s
        was = 0
        before = 0
        for i in range(self.n):
            k = stores[i]  # mL per permille
            if (good >> i) & 1 and k > 0:
                if self.et_ml[i] > 0:
                    was |= 1 << i
                    before += self.et_ml[i]
                self._anchor(i, pm[i], k)
        after = 0
        for i in range(self.n):
            if (was >> i) & 1:
                after += self.et_ml[i]
        if before > 0 and after > 0:
            x = (self._idx * after + (before >> 1)) // before  # rounded: a floor would sink it a little every dawn
            self._idx = x if x > 16 else 16
            if self._idx > self._idx_top:
                self._idx_top = self._idx
        for i in range(self.n):
            if stores[i] <= 0:
                continue
            if (good >> i) & 1:
                self._et_own[i] = self.et_ml[i]
                self._et_ref[i] = self._idx
            else:
                self._dawn_m[i] = -1  # no ET to learn across a faulted day
                if self._et_ref[i] > 0 and self._et_own[i] > 0:
                    self.et_ml[i] = self._et_own[i] * self._idx // self._et_ref[i]
            self._irr_ml[i] = 0
            self._full[i] = False
            if self.short[i]:
                self._short_dawn[i] = self._dawns  # tried, whether it taught or not
            self.short[i] = False
        if floors is None:
            return
        for i in range(self.n):
            # The floor is the dose of the season's hot months: as the
            # season cools (the index falls below its top) it falls too.
            if stores[i] > 0 and not (good >> i) & 1 and self.et_ml[i] > 0:
                f = floors[i] * self._idx // self._idx_top
                if self.et_ml[i] < f:
                    self.et_ml[i] = f

    def _anchor(self, i, m, k):
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
        self.sank[i] = not check and e > 0 and m0 >= 0 and irr >= _SEEN_MIN * k and 2 * ((m - m0) * k + 2 * e) < irr
        if irr > 0 and miss > _MISS * k:
            # The meter counted water that the probe never saw: the soil
            # drained it (the probe reads dry at field capacity) or the probe
            # is wrong. Either way the balance is the better witness.
            check = True
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
            if b > o - _DRIFT:
                self._strikes[i] = 0
            elif self._fresh(i):
                # Twice in a row: one short refill (a guessed store, a hot
                # day) can look like this once.
                self._strikes[i] += 1
                if self._strikes[i] >= 2:
                    self.bad[i] = True
            if b > o:
                self.bias[i] = b if b < o + _BIAS_STEP else o + _BIAS_STEP
            elif b < o - _BIAS_BAND and o > 0:
                self.bias[i] = o - 10 if o > 10 else 0  # the salt it learned is washing out
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
                    self.et_ml[i] = et if e < 0 else (e + et) // 2
                    self._et_dawn[i] = self._dawns
        d = (1000 + self.bias[i] - m) * k
        self.d_ml[i] = d if d > 0 else 0
        self.known[i] = True
        self._dawn_m[i] = m

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
        if d > self.d_ml[i] or not self.known[i]:
            self.d_ml[i] = d if d > 0 else 0
            self.known[i] = True
            self._full[i] = False

    def clear(self, i):
        """The host cleared the plot's faults: trust its probe again, from scratch."""
        self.bad[i] = False
        self._strikes[i] = 0
        self.bias[i] = 0
        self.known[i] = False
