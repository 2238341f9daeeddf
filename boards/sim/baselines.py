# Reference controllers for the season scores: a fixed timer, a naive threshold switch and an oracle.
#
# They drive the same field as the firmware, through its pins (probes) and
# its direct output API, on CPython, and are scored the same way. The
# timer and the naive switch are what a farmer might install; the oracle
# knows the true depletion, salt and panel and marks the physical limit.
import field as fieldmod
import soil

DAY_MS = fieldmod.DAY_MS
NAMES = ("timer", "naive", "oracle")


class Clock:
    """A hand-moved clock with the one call the field needs."""

    def __init__(self):
        self.t = 0

    def now_ms(self):
        return self.t

    def add_hook(self, fn, first=False):
        pass

    def remove_hook(self, fn):
        pass

    def set_stop(self, at_ms, fn):
        pass


class PulseSink:
    """Counts flow pulses (the baselines need no flow meter)."""

    def __init__(self):
        self.n = 0

    def pulse(self, pin, n=1):
        self.n += n
        return n


def make_field(sc, board):
    clock = Clock()
    return fieldmod.Field(sc, board, clock, PulseSink()), clock


def mean_etc_mm(f, i):
    """Season mean of Kc ET0 for plot i: what a timer is sized to."""
    crop = f.crops[i]
    tot = 0.0
    for d, day in enumerate(f.days):
        tot += soil.kc_on(crop, d) * day.et0_mm
    return tot / len(f.days)


def run_s_for_mm(f, i, mm):
    """Seconds of emitter flow that put mm on plot i."""
    return mm * f.area_m2[i] / f.emit_lpm[i] * 60.0


def run_timer(sc, board, progress=None):
    """One daily run at solar noon, plot after plot, sized to the season's mean ETc; blind to all else."""
    f, clock = make_field(sc, board)
    runs_ms = [int(run_s_for_mm(f, i, mean_etc_mm(f, i)) * 1000) for i in range(f.n_plots)]
    for d in range(f.n_days):
        t = d * DAY_MS + 12 * 3600000
        for i in range(f.n_plots):
            clock.t = t
            f.set_outputs(True, 1 << i)
            t += runs_ms[i]
            clock.t = t
            f.set_outputs(False, 0)
        if progress:
            progress(d + 1, f.n_days)
    clock.t = f.end_ms
    f.advance_to(f.end_ms)
    return f


def probe_pct(f, i, cfg_plot):
    """Read plot i's probe through its pins, as a board does, and scale with the configured calibration."""
    spec = f.board["plots"][i]["probe"]
    pw = spec.get("power_pin")
    if pw is not None:
        f.write(pw, 1)
    key = spec["pin"] if "pin" in spec else ("ads", spec["ads"])
    mv = f.adc_uv(key) // 1000
    if pw is not None:
        f.write(pw, 0)
    dry, wet = cfg_plot["dry_mv"], cfg_plot["wet_mv"]
    return (dry - mv) * 100 // (dry - wet)


def _cfg_plots(sc, f):
    import scenario

    out = []
    cfg = sc["config"].get("plots", [])
    for i in range(f.n_plots):
        c = cfg[i] if i < len(cfg) else {}
        dry, wet = scenario.calibration(sc, i)
        out.append({"dry_mv": c.get("dry_mv", dry), "wet_mv": c.get("wet_mv", wet),
                    "start_pct": c.get("start_pct", 35), "target_pct": c.get("target_pct", 60)})
    return out


def run_naive(sc, board, period_s=600, progress=None):
    """Every 10 min, day and night: a valve opens below start_pct and closes above target_pct; pump on while any is open."""
    f, clock = make_field(sc, board)
    cfg = _cfg_plots(sc, f)
    mask = 0
    step = period_s * 1000
    t = 0
    day = 0
    while t < f.end_ms:
        clock.t = t
        for i in range(f.n_plots):
            pct = probe_pct(f, i, cfg[i])
            if pct < cfg[i]["start_pct"]:
                mask |= 1 << i
            elif pct > cfg[i]["target_pct"]:
                mask &= ~(1 << i)
        f.set_outputs(mask != 0, mask)
        t += step
        if progress and t // DAY_MS != day:
            day = t // DAY_MS
            progress(day, f.n_days)
    clock.t = f.end_ms
    f.advance_to(f.end_ms)
    return f


_LF_MAX = 0.75  # water so salty that its leaching requirement nears 1 gets at most 4x the deficit


def _lf(lr):
    """The leaching fraction the oracle gives: the requirement, at most _LF_MAX."""
    return lr if lr < _LF_MAX else _LF_MAX


def run_oracle(sc, board, period_s=300, trigger=0.5, progress=None, max_run_s=0, min_off_s=60,
               daily_s=None, fit=False):
    """Knows Dr, ECe, the tank and the panel: refills each plot that has used half its RAW to field
    capacity plus its leaching requirement, Dr / (1 - LR), whenever the pump can start; plots
    together, as far as the pump keeps up (the physical limit, not a schedule).

    `max_run_s` > 0 stops the pump after that long in one go, for `min_off_s`
    (what a limit on a single run costs a field: benchmarks/run_cap.py).
    `daily_s` (seconds per plot, or None) holds each valve to that much open
    time a day, as a controller's daily cap does: a refill it cuts goes on the
    next day. With `fit` a refill also begins as soon as waiting a day would
    make it more than one day's cap."""
    f, clock = make_field(sc, board)
    n = f.n_plots
    step = period_s * 1000
    until = [0] * n  # when each open valve closes; 0 closed
    on_ms = -1  # when the pump started, -1 off
    rest_ms = 0  # no start before this
    used = [0] * n  # valve ms today (daily_s)
    owed = [0] * n  # ms of a refill the cap or a stop cut short (daily_s)
    today = -1
    t = 0
    day = 0
    while t < f.end_ms:
        clock.t = t
        f.advance_to(t)
        if daily_s and t // DAY_MS != today:
            today = t // DAY_MS
            used = [0] * n
        mask = 0
        for i in range(n):
            if until[i] > t:
                mask |= 1 << i
            else:
                until[i] = 0
        stop = False
        if mask and (not f.pvp.running or (f.tank is not None and f.tank_l <= 0)):
            stop = True  # stalled or dry: stop and wait for the sun or the tank
        if mask and max_run_s and t - on_ms >= max_run_s * 1000:
            stop = True  # its longest run in one go: it rests
            rest_ms = t + min_off_s * 1000
        if stop:
            mask = 0
            if daily_s:
                for i in range(n):
                    if until[i] > t:
                        used[i] -= until[i] - t
                        owed[i] += until[i] - t
            until = [0] * n
        if t >= rest_ms and f.can_start() and (f.tank is None or f.tank_l > f.tank.get("low_l", 0.0)):
            for i in range(n):
                p = f.plots[i]
                if until[i] != 0:
                    continue
                want = owed[i]
                if want <= 0:
                    need = p.dr >= trigger * p.raw
                    if not need and fit and daily_s:
                        etc = soil.kc_on(f.crops[i], today) * f.days[today].et0_mm
                        need = run_s_for_mm(f, i, (p.dr + etc) / (1.0 - _lf(p.lr))) > daily_s[i] and p.dr > 0.5
                    if not need:
                        continue
                    gross = p.dr / (1.0 - _lf(p.lr))
                    if p.ece() > 0.95 * p.thr:
                        gross = p.dr / (1.0 - _lf(2 * p.lr))  # salt near the threshold: leach harder
                    want = int(run_s_for_mm(f, i, gross) * 1000)
                run = want
                if daily_s:
                    left = daily_s[i] * 1000 - used[i]
                    if left < 10000:
                        owed[i] = want
                        continue
                    run = want if want < left else left
                    used[i] += run
                    owed[i] = want - run
                until[i] = t + run
                mask |= 1 << i
        if not mask:
            on_ms = -1
        elif on_ms < 0:
            on_ms = t
        f.set_outputs(mask != 0, mask)
        # Wake at the next valve's end (or the run's limit, or the rest's
        # end) when it comes before the next period.
        nxt = t + step
        for u in until + [on_ms + max_run_s * 1000 if max_run_s and on_ms >= 0 else 0, rest_ms]:
            if t < u < nxt:
                nxt = u
        t = nxt
        if progress and t // DAY_MS != day:
            day = t // DAY_MS
            progress(day if day < f.n_days else f.n_days, f.n_days)
    clock.t = f.end_ms
    f.advance_to(f.end_ms)
    return f


RUNNERS = {"timer": run_timer, "naive": run_naive, "oracle": run_oracle}


def run(name, sc, board, progress=None):
    """Run baseline `name` over the scenario; returns the field with its daily rows."""
    return RUNNERS[name](sc, board, progress=progress)
