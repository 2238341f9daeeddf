# Persisted controller state: the counters that must survive a reset, in one small atomic file.
# Written a few times a day (on change, when the controller asks), so JSON is fine.
import json
import os

from micropython import const

# load() return codes
LOADED = const(0)
MISSING = const(1)  # first boot or wiped flash: defaults
CORRUPT = const(2)  # unreadable or wrong shape: defaults (scalars kept when readable)

_VERSION = const(1)
_SCALARS = ("boot", "day", "night_seen", "dry_tries", "gfaults")
_LISTS = ("used_s", "since_leach_s", "leach_day", "fallback_day")
# Added later: a file without them loads, they start again.
_LEARNED = ("dose_s", "ref_s", "dose_n", "et_ml", "bias_pm")
_DOSE_DAYS = const(8)  # daily run time average: weight 1/8, about the last week and a half
_LEARN_DAYS = const(7)  # good days before the learned dose is trusted over fallback_s


def _int(v):
    return type(v) is int


class State:
    """Counters that survive a reset; lists are per plot and preallocated."""

    def __init__(self, n_plots):
        self.n_plots = n_plots
        self.used_s = [0] * n_plots  # run seconds today
        self.since_leach_s = [0] * n_plots  # run seconds since the last leaching dose
        self.leach_day = [0] * n_plots  # day of the last leaching dose (0: count from the first day)
        self.fallback_day = [-1] * n_plots  # last day a fallback dose was given (-1: never)
        self.dose_s = [-1] * n_plots  # average daily run time while the probe was good (-1: none yet)
        self.dose_n = [0] * n_plots  # good days in dose_s (counted up to _DOSE_DAYS)
        self.ref_s = [-1] * n_plots  # the other plots' summed dose_s on that plot's last good day
        # The water balance's learning (balance.py shares these lists): weeks
        # of dawns that a reset must not throw away.
        self.et_ml = [-1] * n_plots  # daily ET, mL (-1: not learned)
        # The probe's bias at field capacity, permille (a file from before
        # it was permille has "bias", in points: it is left and learned again).
        self.bias_pm = [0] * n_plots
        self._dirty = False
        self.reset()

    def reset(self):
        """Defaults, in place (the lists keep their identity)."""
        self.boot = 0  # boot count
        self.day = 0  # PV day number
        self.night_seen = 0  # a dusk was confirmed since the last dawn (power.Power.restore)
        self.dry_tries = 0  # dry-run tries today
        self.gfaults = 0  # latched global fault bits (codes.G_*)
        self._fill_lists()

    def _fill_lists(self):
        for i in range(self.n_plots):
            self.used_s[i] = 0
            self.since_leach_s[i] = 0
            self.leach_day[i] = 0
            self.fallback_day[i] = -1
            self.dose_s[i] = -1
            self.ref_s[i] = -1
            self.dose_n[i] = 0
            self.et_ml[i] = -1
            self.bias_pm[i] = 0

    def mark(self):
        """Something changed that must survive a reset: the next save() writes."""
        self._dirty = True

    @property
    def dirty(self):
        return self._dirty

    def new_day(self, day):
        """A new PV day: the daily counters start again."""
        self.day = day
        self.dry_tries = 0
        for i in range(self.n_plots):
            self.used_s[i] = 0
        self._dirty = True

    def learn_dose(self, good):
        """The day ends: fold the run time of the plots whose probe steered it into the averages.

        `good`: bit i set when plot i's probe was good and no fallback dose
        was given. Call before new_day(). `dose_s[i]` is what plot i drank a
        day; `ref_s[i]` what the other plots drank (the sum of their
        averages) on plot i's last good day. The weather is the same for
        every plot, so when a probe fails its plot's need follows the
        others' (`fallback_dose_s`).
        """
        for i in range(self.n_plots):
            if good >> i & 1:
                # A plain mean over the first days, then a running average
                # of about the last week and a half.
                n = self.dose_n[i]
                if n < _DOSE_DAYS:
                    n += 1
                    self.dose_n[i] = n
                d = self.dose_s[i]
                self.dose_s[i] = d + (self.used_s[i] - d) // n if d >= 0 else self.used_s[i]
        for i in range(self.n_plots):
            if good >> i & 1:
                self.ref_s[i] = self._others_s(i)
        self._dirty = True

    def _others_s(self, plot):
        t = 0
        for j in range(self.n_plots):
            if j != plot and self.dose_s[j] > 0:
                t += self.dose_s[j]
        return t

    def fallback_dose_s(self, plot):
        """Learned daily dose for a plot whose probe failed (-1 when none was learned)."""
        d = self.dose_s[plot]
        if d <= 0 or self.dose_n[plot] < _LEARN_DAYS:
            return -1  # too little history: a few cool or rainy days say little
        r = self.ref_s[plot]
        if r > 0:
            return d * self._others_s(plot) // r
        return d

    def ran(self, plot, run_s):
        """Count a finished run against the plot's daily use and its leaching dose."""
        self.used_s[plot] += run_s
        self.since_leach_s[plot] += run_s
        self._dirty = True

    def leached(self, plot, day):
        """A leaching dose was given to plot today."""
        self.leach_day[plot] = day
        self.since_leach_s[plot] = 0
        self._dirty = True

    def load(self, path):
        """Read path; LOADED, or MISSING / CORRUPT with defaults. Never raises on a bad file."""
        try:
            os.remove(path + ".tmp")  # a save torn by power loss; the old file is whole
        except OSError:
            pass
        self.reset()
        self._dirty = False
        try:
            f = open(path)
        except OSError:
            return MISSING
        try:
            try:
                d = json.loads(f.read())
            finally:
                f.close()
        except Exception:
            return CORRUPT
        if type(d) is not dict or d.get("v") != _VERSION:
            return CORRUPT
        for k in _SCALARS:
            if not _int(d.get(k)):
                return CORRUPT
        for k in _SCALARS:
            setattr(self, k, d[k])
        # The boot count and day stay useful even when the board's plot count
        # changed; the per-plot counters then start again.
        for k in _LISTS:
            v = d.get(k)
            if type(v) is not list or len(v) != self.n_plots or not all(_int(x) for x in v):
                self._fill_lists()
                return CORRUPT
        for k in _LISTS:
            dst = getattr(self, k)
            src = d[k]
            for i in range(self.n_plots):
                dst[i] = src[i]
        for k in _LEARNED:
            v = d.get(k)
            if type(v) is list and len(v) == self.n_plots and all(_int(x) for x in v):
                dst = getattr(self, k)
                for i in range(self.n_plots):
                    dst[i] = v[i]
        return LOADED

    def to_dict(self):
        d = {"v": _VERSION}  # type: dict
        for k in _SCALARS:
            d[k] = getattr(self, k)
        for k in _LISTS + _LEARNED:
            d[k] = list(getattr(self, k))
        return d

    def save(self, path):
        """Write atomically (tmp, close, rename) when mark() was called since the last save."""
        if not self._dirty:
            return False
        tmp = path + ".tmp"
        f = open(tmp, "w")
        try:
            f.write(json.dumps(self.to_dict()))
        finally:
            f.close()
        os.rename(tmp, path)
        self._dirty = False
        return True
