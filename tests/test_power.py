"""Power: PV states with hysteresis and debounce, the day count across reboots, sag backoff, battery, frost."""
import os
import subprocess

import pytest

from saxaul.codes import R_BACKOFF, R_NIGHT, R_NONE, R_PV_WEAK
from saxaul.power import NIGHT, OK, WEAK, Power, frost

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")

# A nominal 12 V panel (about 21 V open circuit in sun) on the PV divider.
CFG = {
    "pv_night_mv": 8000,
    "pv_start_mv": 17000,
    "pv_stop_mv": 14000,
    "pv_debounce_s": 300,
    "sag_backoff_s": 90,
    "sag_backoff_max_s": 1800,
    "batt_low_mv": 11000,
    "batt_ok_mv": 12000,
    "frost_c": 2,
}
SUN_MV = 20500
TWILIGHT_MV = 12000
DARK_MV = 300
H = 3600


class Log:
    """Run a Power through a voltage profile, recording dawns and dusks."""

    def __init__(self, pw):
        self.pw = pw
        self.dawns = []
        self.dusks = []

    def run(self, t0, t1, mv, step_s=60, pumping=False):
        t = t0
        while t < t1:
            self.pw.update(mv(t) if callable(mv) else mv, t, pumping, CFG)
            if self.pw.dawn:
                self.dawns.append(t)
            if self.pw.dusk:
                self.dusks.append(t)
            t += step_s
        return t


def settled(state_mv, t0=0, day=0, night_seen=False):
    """A Power that has been in a state for an hour; returns (power, log, next time)."""
    pw = Power()
    pw.restore(day, night_seen)
    log = Log(pw)
    t = log.run(t0, t0 + H, state_mv)
    return pw, log, t


def sun(t):
    """Open-circuit voltage over a day with dawn at 6:00 and dusk at 20:00.

    It climbs fast through twilight (it goes with the log of irradiance:
    FIELD-NOTES), so most of the day reads near full.
    """
    h = (t % (24 * H)) / H
    if h < 5.5 or h >= 20.5:
        return DARK_MV
    if h < 6.5:
        return int(DARK_MV + (SUN_MV - DARK_MV) * (h - 5.5))
    if h >= 19.5:
        return int(DARK_MV + (SUN_MV - DARK_MV) * (20.5 - h))
    return SUN_MV


def step_s_for(pw):
    return 600 if pw.state == NIGHT else 60


def live(log, t0, t1):
    """Run on the sun profile with the controller's tick: 10 min at night, 1 min by day."""
    t = t0
    while t < t1:
        log.run(t, t + 1, sun)
        t += step_s_for(log.pw)
    return t


# States, hysteresis and debounce


def test_boot_takes_the_state_from_the_first_reading():
    for mv, state in ((DARK_MV, NIGHT), (12000, WEAK), (SUN_MV, OK)):
        pw = Power()
        assert pw.update(mv, 0, False, CFG) == state


def test_a_60_s_cloud_does_not_leave_ok():
    pw, log, t = settled(SUN_MV)
    assert pw.state == OK
    pw.update(11000, t, False, CFG)  # a cloud shades the panel for one tick
    pw.update(SUN_MV, t + 60, False, CFG)
    log.run(t + 120, t + H, SUN_MV)
    assert pw.state == OK
    assert log.dusks == []


def test_a_bird_on_the_panel_at_dusk_does_not_end_the_day_early():
    pw, log, t = settled(12000)
    assert pw.state == WEAK
    # Shadows flicker across the night threshold: never held for the debounce.
    log.run(t, t + H, lambda t: 7000 if (t // 60) % 3 == 0 else 9000)
    assert pw.state == WEAK
    assert log.dusks == []


def test_ok_holds_down_to_the_stop_voltage_weak_needs_the_start_voltage():
    pw, log, t = settled(SUN_MV)
    t = log.run(t, t + H, 15000)  # between stop (14.0 V) and start (17.0 V)
    assert pw.state == OK
    t = log.run(t, t + H, 13500)
    assert pw.state == WEAK
    t = log.run(t, t + H, 15000)  # the same 15 V no longer makes it OK
    assert pw.state == WEAK
    log.run(t, t + H, 17000)
    assert pw.state == OK


def test_a_change_is_taken_only_after_the_debounce():
    pw, log, t = settled(SUN_MV)
    t = log.run(t, t + 300, 13000)  # readings at 0, 60, ... 240 s into the shade
    assert pw.state == OK
    pw.update(13000, t, False, CFG)  # 300 s: held for the debounce
    assert pw.state == WEAK


def test_a_real_dusk_goes_to_night_once():
    pw, log, t = settled(SUN_MV, day=3)
    t = log.run(t, t + H, TWILIGHT_MV)
    t = log.run(t, t + 2 * H, DARK_MV)
    assert pw.state == NIGHT
    assert len(log.dusks) == 1
    assert pw.night_seen
    assert log.dawns == [] and pw.day == 3


def test_falling_straight_through_weak_keeps_the_debounce_timer():
    # A fast dusk: 4 minutes below stop, then dark. The deviation began at the
    # first low reading, so NIGHT comes 5 minutes after it, not 5 after dark.
    pw, log, t = settled(SUN_MV)
    start = t
    t = log.run(t, t + 240, TWILIGHT_MV)
    log.run(t, t + H, DARK_MV)
    assert log.dusks == [start + 300]


# Days


def test_each_dawn_adds_one_day_over_a_week():
    pw = Power()
    pw.restore(10, True)  # booted at midnight after yesterday's dusk was seen
    log = Log(pw)
    live(log, 0, 7 * 24 * H)
    assert pw.day == 17
    assert len(log.dawns) == 7 and len(log.dusks) == 7
    # Dawn is confirmed in the morning twilight, dusk in the evening one.
    for t in log.dawns:
        assert 5.5 * H <= t % (24 * H) <= 7 * H
    for t in log.dusks:
        assert 19.5 * H <= t % (24 * H) <= 21 * H


def test_reboot_at_noon_does_not_add_a_day():
    # A watchdog reset at noon: the state file says this morning's dawn was
    # counted (night_seen cleared).
    pw = Power()
    pw.restore(42, False)
    log = Log(pw)
    assert pw.update(SUN_MV, 12 * H, False, CFG) == OK
    assert pw.can_start(12 * H) == R_NONE  # it may water at once
    log.run(12 * H + 60, 13 * H, SUN_MV)
    assert pw.day == 42 and log.dawns == []


def test_board_without_battery_counts_a_day_when_it_wakes_at_dawn():
    # Day 5: the board sees dusk, persists night_seen, then browns out.
    pw, log, t = settled(SUN_MV, t0=18 * H, day=5)
    log.run(t, 21 * H, sun)
    assert pw.night_seen
    saved = (pw.day, pw.night_seen)
    # Dawn: the panel powers it up again with no memory but the state file.
    pw = Power()
    pw.restore(*saved)
    log = Log(pw)
    log.run(24 * H + 6 * H, 24 * H + 9 * H, sun)
    assert pw.day == 6
    assert len(log.dawns) == 1
    assert not pw.night_seen  # persisted now, a reboot later today adds nothing
    pw2 = Power()
    pw2.restore(pw.day, pw.night_seen)
    Log(pw2).run(24 * H + 11 * H, 24 * H + 12 * H, sun)
    assert pw2.day == 6


def test_reboot_at_night_after_dusk_counts_the_next_dawn_once():
    pw = Power()
    pw.restore(8, True)
    log = Log(pw)
    live(log, 2 * H, 10 * H)
    assert pw.day == 9 and len(log.dawns) == 1
    assert log.dusks == []  # the dusk was already counted before the reset


def test_boot_in_a_night_whose_dusk_was_missed_counts_that_night():
    # Installed at 22:00; the state file is new.
    pw = Power()
    pw.restore(0, False)
    log = Log(pw)
    live(log, 22 * H, 24 * H + 10 * H)
    assert len(log.dusks) == 1 and log.dusks[0] < 23 * H
    assert pw.day == 1 and len(log.dawns) == 1


def test_an_afternoon_storm_dark_as_night_is_not_a_new_day():
    pw, log, t = settled(SUN_MV, day=2)
    t = log.run(t, t + 40 * 60, DARK_MV)  # 40 minutes of black sky
    assert pw.state == NIGHT and len(log.dusks) == 1
    log.run(t, t + H, SUN_MV)
    assert pw.state == OK
    assert pw.day == 2 and log.dawns == []
    assert not pw.night_seen  # a reboot this afternoon will not count a day either


# Sag under load and the backoff


def test_sag_while_pumping_is_reported_and_does_not_change_the_state():
    pw, log, t = settled(SUN_MV)
    pw.update(15000, t, True, CFG)  # the pump pulls the panel down, still above stop
    assert not pw.sag
    pw.update(12500, t + 5, True, CFG)  # a cloud: the panel browns out under load
    assert pw.sag
    assert pw.state == OK  # a loaded voltage says nothing about the sky
    pw.on_sag(t + 5, CFG)
    pw.update(SUN_MV, t + 10, False, CFG)
    assert not pw.sag


def test_loaded_readings_do_not_count_towards_a_state_change():
    pw, log, t = settled(SUN_MV)
    pw.update(13000, t, False, CFG)  # deviation starts
    log.run(t + 60, t + H, 13000, step_s=5, pumping=True)
    pw.update(SUN_MV, t + H, False, CFG)
    assert pw.state == OK


def test_sag_backoff_doubles_from_90_s_and_caps():
    # Weak sun: every start browns out; retries like a Lorentz controller
    # (about every 90 s: FIELD-NOTES), then less and less often.
    pw, log, t = settled(SUN_MV)
    waits = []
    for _ in range(8):
        pw.on_sag(t, CFG)
        waits.append(pw.backoff_s)
        assert pw.can_start(t + pw.backoff_s - 1) == R_BACKOFF
        t += pw.backoff_s
        assert pw.can_start(t) == R_NONE
    assert waits == [90, 180, 360, 720, 1440, 1800, 1800, 1800]


def stall(pw, t, mv, stalled=True, calm=False, dark=False):
    """A start that browned out at mv under load; returns the wait it set."""
    pw.update(mv, t, True, CFG)
    assert pw.sag
    pw.on_sag(t, CFG, stalled, calm, dark)
    return pw.backoff_s


def test_a_stall_for_plots_that_can_wait_until_tomorrow_waits_the_longest():
    # Plots wetter than their stress point until tomorrow's dusk need no
    # trial every half hour of an overcast day: four times the top wait.
    pw, log, t = settled(SUN_MV)
    assert stall(pw, t, 10000, calm=True) == 4 * 1800
    assert pw.can_start(t + 4 * 1800 - 1) == R_BACKOFF
    assert pw.can_start(t + 4 * 1800) == R_NONE
    pw.on_run_ok()
    # A plot that cannot wait keeps the short ladder, which catches the gaps.
    assert stall(pw, t + 3 * H, 10000) == 90
    pw.on_run_ok()
    # A running pump that met a cloud was carried by the sun: no long wait.
    assert stall(pw, t + 4 * H, 13500, stalled=False, calm=True) == 90


def test_a_stall_far_below_the_highest_one_stretches_the_wait():
    # A stalled DC pump is a resistance on a panel that acts as a current
    # source: its voltage goes with the irradiance. Half the highest stall
    # voltage is half the sun a start needs: the wait is stretched 4 times.
    pw, log, t = settled(SUN_MV)
    assert stall(pw, t, 10000) == 90  # the first stall: nothing to compare with
    pw.on_run_ok()
    assert stall(pw, t + H, 5000) == 4 * 90
    pw.on_run_ok()
    assert stall(pw, t + 2 * H, 8000) == 90 * 100 // 64  # (10/8) squared
    pw.on_run_ok()
    assert stall(pw, t + 3 * H, 2000) == 4 * 90  # never more than 4 times
    pw.on_run_ok()
    assert stall(pw, t + 4 * H, 10000) == 90  # as high as the highest: the plain wait


def test_a_stretched_wait_doubles_and_caps_at_a_stretched_top():
    pw, log, t = settled(SUN_MV)
    stall(pw, t, 12000)
    waits = [stall(pw, t + k * H, 6000) for k in range(1, 8)]
    assert waits == [720, 1440, 2880, 5760, 7200, 7200, 7200]
    assert pw.can_start(t + 7 * H + 7199) == R_BACKOFF


def test_a_sag_of_a_pump_that_ran_is_not_a_stall():
    # A running pump's voltage at a sag is its working point, not Isc R:
    # it is not stretched, and it does not raise the highest stall.
    pw, log, t = settled(SUN_MV)
    stall(pw, t, 8000)
    pw.on_run_ok()
    assert stall(pw, t + H, 13500, stalled=False) == 90
    pw.on_run_ok()
    assert stall(pw, t + 2 * H, 8000) == 90


def test_the_highest_stall_is_forgotten_slowly_day_by_day():
    # A pump or a panel replaced: after weeks the old stall no longer
    # stretches today's waits.
    pw = Power()
    pw.restore(1, True)
    log = Log(pw)
    live(log, 0, 9 * H)
    stall(pw, 9 * H, 10000)
    pw.on_run_ok()
    assert stall(pw, 10 * H, 8000) > 90
    t = live(log, 10 * H, 60 * 24 * H + 9 * H)
    assert pw.day > 50
    pw.on_run_ok()
    assert stall(pw, t, 8000) == 90


def test_a_good_run_resets_the_backoff():
    pw, log, t = settled(SUN_MV)
    for _ in range(3):
        pw.on_sag(t, CFG)
        t += pw.backoff_s
    assert pw.backoff_s == 360
    pw.on_run_ok()
    pw.on_sag(t, CFG)
    assert pw.backoff_s == 90


def test_a_new_day_starts_with_the_short_backoff():
    pw = Power()
    pw.restore(1, True)
    log = Log(pw)
    for i in range(4):
        pw.on_sag(18 * H + i, CFG)
    assert pw.backoff_s == 720
    live(log, 2 * H, 9 * H)
    assert pw.day == 2
    pw.on_sag(9 * H, CFG)
    assert pw.backoff_s == 90


def test_can_start_says_why_not():
    pw, log, t = settled(DARK_MV)
    assert pw.can_start(t) == R_NIGHT
    pw, log, t = settled(12000)
    assert pw.can_start(t) == R_PV_WEAK
    pw, log, t = settled(SUN_MV)
    assert pw.can_start(t) == R_NONE


def test_no_start_on_a_dark_reading_while_the_debounce_holds_the_day():
    # Dusk: the voltage falls, and the state stays OK for pv_debounce_s (a
    # cloud must not end the day). A start in that time would brown out.
    pw, log, t = settled(SUN_MV)
    t = log.run(t, t + 60, DARK_MV)
    assert pw.state == OK  # the debounce holds it
    assert pw.can_start(t) == R_NIGHT
    t = log.run(t, t + 60, TWILIGHT_MV)
    assert pw.state == OK
    assert pw.can_start(t) == R_PV_WEAK
    t = log.run(t, t + 60, SUN_MV)  # the cloud passed
    assert pw.can_start(t) == R_NONE


# Battery and frost


def test_battery_low_has_the_lorentz_hysteresis():
    pw = Power()
    seen = [pw.battery_low(mv, CFG) for mv in (12600, 11200, 10900, 11500, 11900, 12000, 11500, 11000, 10999)]
    assert seen == [False, False, True, True, True, False, False, False, True]


def test_no_battery_is_never_low():
    pw = Power()
    cfg = dict(CFG, batt_low_mv=0, batt_ok_mv=0)
    assert pw.battery_low(0, cfg) is False
    assert pw.battery_low(5000, cfg) is False


def test_frost_holds_until_a_degree_above_the_threshold():
    assert frost(1, CFG, False) is True
    assert frost(2, CFG, False) is False
    assert frost(2, CFG, True) is True  # a morning hovering at 2 degrees stays off
    assert frost(3, CFG, True) is False


# On the device


@pytest.mark.skipif(not os.path.exists(MICROPYTHON), reason="no MicroPython unix port in .venv")
def test_update_allocates_nothing_on_micropython():
    script = """
import sys
sys.path[:0] = ['boards/sim', 'firmware']
import micropython
from saxaul.power import Power, frost
CFG = %r
def run():
    pw = Power()
    pw.restore(3, True)
    t = 0
    micropython.heap_lock()
    try:
        for k in range(5000):
            v = 20500 if (k // 300) %% 2 else 300
            pumping = k %% 7 == 0
            pw.update(12000 if pumping else v, t, pumping, CFG)
            if pw.sag:
                pw.on_sag(t, CFG)
            if k %% 50 == 0:
                pw.on_run_ok()
            pw.can_start(t)
            pw.battery_low(10000 + k %% 3000, CFG)
            frost(k %% 5, CFG, k %% 2 == 0)
            t += 60
    finally:
        micropython.heap_unlock()
    print("OK", pw.day)
run()
""" % (CFG,)
    out = subprocess.run([MICROPYTHON, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    assert out.stdout.startswith("OK")
    assert int(out.stdout.split()[1]) > 3  # the days did turn under the lock


def test_the_pumping_window_learned_after_dawn_spares_tomorrows_brownouts():
    # Day 1 (14 h) the pump first held 3 h after dawn and last held 10 h
    # after it. Day 2 no trial start comes earlier than 10 min before that
    # morning edge, and a sag past the evening edge ends the trials until
    # dawn: 11 h, as far before dusk as the morning edge is after dawn.
    pw, log, t = settled(DARK_MV, day=1, night_seen=True)  # day 3 checks the edge
    t = log.run(t, t + 600, SUN_MV)  # dawn 1 confirmed (the voltage rose at t)
    dawn1 = log.dawns[-1] - CFG["pv_debounce_s"]
    pw.held(dawn1 + 3 * H)
    pw.held(dawn1 + 10 * H)
    t = log.run(t, dawn1 + 14 * H, SUN_MV)
    t = log.run(t, t + 8 * H, DARK_MV)  # the night
    t0 = t
    t = log.run(t, t + 600, SUN_MV)
    dawn2 = t0
    assert len(log.dawns) == 2
    assert pw.can_start(dawn2 + 2 * H) == R_PV_WEAK  # too early for this site
    assert pw.can_start(dawn2 + 3 * H - 300) == R_NONE  # the trial margin
    pw.on_sag(dawn2 + 6 * H, CFG)  # a cloud at midday: back off, then retry
    assert pw.can_start(dawn2 + 6 * H + 60) == R_BACKOFF
    assert pw.can_start(dawn2 + 6 * H + 100) == R_NONE
    pw.on_sag(dawn2 + 10 * H, CFG)  # the sun is as high as at 3 h: a cloud
    assert pw.can_start(dawn2 + 10 * H + 200) == R_NONE
    pw.on_sag(dawn2 + 11 * H, CFG)  # evening: the sun only falls from here
    assert pw.can_start(dawn2 + 12 * H) == R_PV_WEAK


def second_dawn(*held_s, stall_mv=0):
    """A 14 h day whose starts held at held_s after dawn, a night, and the next dawn: (power, that dawn).

    The next day is the third, a morning that checks the window's edge.
    With stall_mv, a start at noon stalled at it: the highest stall (fading
    by 1/256 a night) is known.
    """
    pw, log, t = settled(DARK_MV, day=1, night_seen=True)
    t = log.run(t, t + 600, SUN_MV)
    dawn1 = log.dawns[-1] - CFG["pv_debounce_s"]
    for h in held_s:
        pw.held(dawn1 + h)
    if stall_mv:
        t = log.run(t, dawn1 + 7 * H, SUN_MV)
        stall(pw, t, stall_mv)
        pw.on_run_ok()
    t = log.run(t, dawn1 + 14 * H, SUN_MV)
    t = log.run(t, t + 8 * H, DARK_MV)
    log.run(t, t + 600, SUN_MV)
    return pw, t


def test_a_morning_trial_that_sags_waits_for_the_hour_that_held_yesterday():
    # Yesterday the pump first held 3 h after dawn. Today's trial 5 min
    # before that sags: the sun only climbs, so the next try is at the 3 h
    # mark, not 90 s later (each try before it would brown out again).
    pw, dawn2 = second_dawn(3 * H, 10 * H)
    pw.on_sag(dawn2 + 3 * H - 300, CFG)
    assert pw.can_start(dawn2 + 3 * H - 300 + 100) == R_BACKOFF
    assert pw.can_start(dawn2 + 3 * H - 10) == R_BACKOFF
    assert pw.can_start(dawn2 + 3 * H) == R_NONE
    pw.on_sag(dawn2 + 3 * H, CFG)  # a cloudy morning: from here the doubling backoff
    assert pw.can_start(dawn2 + 3 * H + 170) == R_BACKOFF
    assert pw.can_start(dawn2 + 3 * H + 180) == R_NONE


def test_a_morning_sag_does_not_end_the_day_when_yesterday_ended_early():
    # Yesterday every plot was watered by 3 h after dawn, so the latest start
    # that held is early; today a cloud at that hour browns the pump out.
    # The sun still climbs: the trials go on after the backoff.
    pw, dawn2 = second_dawn(2 * H, 3 * H)
    pw.on_sag(dawn2 + 3 * H, CFG)
    assert pw.can_start(dawn2 + 3 * H + 100) == R_NONE  # not done for the day
    pw.on_sag(dawn2 + 12 * H, CFG)  # 2 h before dusk of a 14 h day: now it is
    assert pw.can_start(dawn2 + 12 * H + 200) == R_PV_WEAK


def test_a_cloudy_spell_with_one_start_at_noon_keeps_the_afternoon_open():
    # Clouds: the only start that held in days was an hour before noon of a
    # 14 h day. The sun stands as high an hour after noon, so a sag at noon
    # is a cloud, not the evening; trials stop once the sun is lower than at
    # that start (8 h after dawn).
    pw, dawn2 = second_dawn(6 * H)
    pw.on_sag(dawn2 + 7 * H, CFG)
    assert pw.can_start(dawn2 + 7 * H + 100) == R_NONE
    pw.on_sag(dawn2 + 8 * H, CFG)
    assert pw.can_start(dawn2 + 9 * H) == R_PV_WEAK
    pw, dawn2 = second_dawn(5 * H)  # held at 5 h: open until 9 h
    pw.on_sag(dawn2 + 8 * H, CFG)
    assert pw.can_start(dawn2 + 8 * H + 200) == R_NONE


def first_dawn():
    """Booted at night: the first dawn is seen, no day's length yet. (power, that dawn)"""
    pw, log, t = settled(DARK_MV)
    t = log.run(t, t + 3 * H, DARK_MV)
    t = log.run(t, t + 600, SUN_MV)
    assert len(log.dawns) == 1
    return pw, log.dawns[-1] - CFG["pv_debounce_s"]


def test_on_the_first_day_an_afternoon_stall_past_the_last_start_that_held_ends_the_trials():
    # Nothing learned yet: the pump held from 3 h to 8.5 h after dawn, then
    # stalled. With no day length seen, the afternoon is taken to begin at
    # the noon of a long (16 h) day: a stall 9 h after dawn comes later, and
    # the sun only falls from there; a stall 6 h after dawn may be a cloud
    # before noon.
    pw, dawn = first_dawn()
    pw.held(dawn + 3 * H)
    pw.held(dawn + 5 * H)
    pw.on_run_ok()
    stall(pw, dawn + 6 * H, 9000)
    assert pw.can_start(dawn + 6 * H + 200) == R_NONE  # before noon: the ladder
    pw.held(dawn + 8 * H + 1800)
    pw.on_run_ok()
    stall(pw, dawn + 9 * H, 9500)
    assert pw.can_start(dawn + 9 * H + 2 * H) == R_PV_WEAK  # done until dawn
    pw, dawn = first_dawn()
    pw.held(dawn + 3 * H)
    pw.held(dawn + 10 * H)
    pw.on_run_ok()
    stall(pw, dawn + 9 * H, 9000)  # a cloud: the pump held later than that today
    assert pw.can_start(dawn + 9 * H + 200) == R_NONE


def test_on_the_first_morning_after_boot_a_stall_waits_for_the_sun_to_double():
    # Nothing learned since boot: no start has held, no day's length is
    # known. Twenty minutes after dawn a start stalls: near dawn the sun
    # grows with the time, so the next try waits until about twice as long
    # after dawn, where the doubling ladder alone would try again in 90 s
    # (and again, and again, while the sun rose).
    pw, dawn = first_dawn()
    t = dawn + 1200
    b = stall(pw, t, 700)
    assert 1000 < b < 1400
    assert pw.can_start(t + 600) == R_BACKOFF
    assert pw.can_start(t + b) == R_NONE
    # The next stall is the highest yet: it doubles again.
    t2 = t + b
    b2 = stall(pw, t2, 1400)
    assert t2 - dawn < b2 < 1.4 * (t2 - dawn)
    # Once a start has held today the ladder is back.
    pw.held(t2 + b2)
    pw.on_run_ok()
    assert stall(pw, t2 + b2 + H, 9000) == 90


def test_the_first_mornings_wait_for_a_doubled_sun_ends_at_noon():
    # Five hours after dawn the sun will not double before noon (of a 12 h
    # day, while no day's length is known): the next try is at that noon.
    # After noon the sun only falls, and the ladder tries again in 90 s.
    pw, dawn = first_dawn()
    t = dawn + 5 * H
    stall(pw, t, 700)
    assert pw.can_start(dawn + 6 * H - 60) == R_BACKOFF
    assert pw.can_start(dawn + 6 * H) == R_NONE
    pw, dawn = first_dawn()
    assert stall(pw, dawn + 7 * H, 700) == 90


def test_on_the_first_afternoon_before_a_start_held_a_deep_stall_waits_the_longest():
    # Past the noon of a 12 h day (no day's length known), no start held:
    # a stall at the highest yet keeps the ladder; one under half of it is
    # a thick cloud on a falling sun, and waits sag_backoff_max_s four times.
    pw, dawn = first_dawn()
    t = dawn + 7 * H
    assert stall(pw, t, 8000) == 90
    t += 200
    assert stall(pw, t, 3000) == 4 * 1800
    assert pw.can_start(t + 4 * 1800 - 60) == R_BACKOFF


def test_without_a_dawn_seen_since_boot_there_is_no_window():
    pw, log, t = settled(SUN_MV)  # booted at noon
    pw.held(t)
    pw.on_sag(t + H, CFG)
    assert pw.can_start(t + H + 200) == R_NONE  # only the backoff applies


def test_weak_sun_is_a_day_when_most_starts_browned_out_and_the_day_after():
    pw, dawn2 = second_dawn(3 * H)
    assert not pw.weak()
    for k in range(3):
        pw.on_sag(dawn2 + 3 * H - 300 + k, CFG)  # before the window: the trial that finds it
    assert not pw.weak()
    pw.held(dawn2 + 3 * H)
    pw.held(dawn2 + 4 * H)
    pw.on_sag(dawn2 + 5 * H, CFG)
    assert not pw.weak()  # a cloud: two sags, two starts that held
    pw.on_sag(dawn2 + 5 * H + 900, CFG)
    assert not pw.weak()
    pw.on_sag(dawn2 + 5 * H + 1800, CFG)
    assert pw.weak()  # three against two
    # The next day starts weak (yesterday's sky), and a clear day after
    # that does not.
    log = Log(pw)
    t = log.run(dawn2 + 6 * H, dawn2 + 14 * H, SUN_MV)
    t = log.run(t, t + 8 * H, DARK_MV)
    t = log.run(t, t + 600, SUN_MV)
    assert pw.weak()
    for k in range(4):
        pw.held(t + k * H)
    t = log.run(t, t + 14 * H, SUN_MV)
    t = log.run(t, t + 8 * H, DARK_MV)
    log.run(t, t + 600, SUN_MV)
    assert not pw.weak()


def test_only_every_third_clear_morning_tries_before_the_window():
    # The trial before the learned edge finds a window that widens (spring,
    # a cleaned panel); on clear days it browns out, so it comes every
    # third morning. After a day when most starts browned out it comes
    # every morning: there the window is learned from few starts.
    pw, dawn = second_dawn(3 * H)
    assert pw.day % 3 == 0 and pw.can_start(dawn + 3 * H - 300) == R_NONE
    log = Log(pw)
    for _ in range(2):
        t = log.run(dawn + 600, dawn + 14 * H, SUN_MV)
        t = log.run(t, t + 10 * H, DARK_MV)
        log.run(t, t + 600, SUN_MV)
        dawn = t
        pw.held(dawn + 3 * H)
        assert pw.can_start(dawn + 3 * H - 300) == R_PV_WEAK
        assert pw.can_start(dawn + 3 * H) == R_NONE
    t = log.run(dawn + 600, dawn + 14 * H, SUN_MV)
    t = log.run(t, t + 10 * H, DARK_MV)
    log.run(t, t + 600, SUN_MV)
    assert pw.day % 3 == 0
    for k in range(3):
        pw.on_sag(t + 4 * H + k, CFG)  # clouds: three starts in the window brown out
    t = log.run(t + 600, t + 14 * H, SUN_MV)
    t = log.run(t, t + 10 * H, DARK_MV)
    log.run(t, t + 600, SUN_MV)
    assert pw.day % 3 == 1 and pw.weak()
    assert pw.can_start(t + 3 * H - 300) == R_NONE


def third_dawn(*held_s, stall_mv=0, first=True, stall_at=7 * H):
    """A 14 h day seen whole, a second one whose starts held at held_s after its dawn, and the next dawn: (power, that dawn).

    On the second day yesterday's length is known, so a start can be read
    against noon. With stall_mv, a start at each noon stalled at it (with
    `first` False, only at the second's, and there at `stall_at` after its
    dawn).
    """
    pw, log, t = settled(DARK_MV, day=0, night_seen=True)
    t0 = t
    if stall_mv and first:
        t = log.run(t, t0 + 7 * H, SUN_MV)
        stall(pw, t, stall_mv)
        pw.on_run_ok()
    t = log.run(t, t0 + 14 * H, SUN_MV)
    t = log.run(t, t + 10 * H, DARK_MV)
    t0 = t
    t = log.run(t, t + 600, SUN_MV)
    for h in held_s:
        pw.held(t0 + h)
    if stall_mv:
        t = log.run(t, t0 + (7 * H if first else stall_at), SUN_MV)
        stall(pw, t, stall_mv)
        pw.on_run_ok()
    t = log.run(t, t0 + 14 * H, SUN_MV)
    t = log.run(t, t + 10 * H, DARK_MV)
    dawn = t
    log.run(t, t + 600, SUN_MV)
    assert len(log.dawns) == 3
    return pw, dawn


def test_a_start_past_noon_opens_the_window_as_long_before_noon():
    # A cloudy day: the only start that held came 9 h after dawn of a 14 h
    # day, when a gap opened. The sun stood as high 5 h after dawn, so the
    # next morning's trials begin there, not at 9 h, when the sun already
    # falls (an autumn of such days saw no trial before its afternoon).
    pw, dawn = third_dawn(9 * H)
    assert pw.day % 3 == 0  # the morning with the trial margin
    assert pw.can_start(dawn + 5 * H - 300) == R_NONE
    assert pw.can_start(dawn + 5 * H - 900) == R_PV_WEAK
    # ... and the evening edge stays at 9 h: a sag past it ends the day.
    pw.on_sag(dawn + 9 * H + 700, CFG)
    assert pw.can_start(dawn + 10 * H) == R_PV_WEAK


def test_a_morning_start_opens_the_window_until_as_long_before_dusk():
    pw, dawn = third_dawn(4 * H)
    pw.on_sag(dawn + 9 * H, CFG)  # 5 h before dusk: the sun as high as at 4 h
    assert pw.can_start(dawn + 9 * H + 200) == R_NONE
    pw.on_sag(dawn + 10 * H + 700, CFG)
    assert pw.can_start(dawn + 11 * H) == R_PV_WEAK


def test_a_stall_soon_after_dawn_waits_for_the_sun_to_climb():
    # Half an hour into a 14 h day the stall reads a tenth of the highest
    # one: the sun gives a tenth of what a start needs. The clear sky
    # (4x(1 - x) of the day's fraction, near the sine) stands at 0.135 of
    # noon's there; with a cloud that may lift and double it, a start needs
    # the curve at 0.135 * 9961 / (2 * 1000) = 0.67 of noon's, 3 h after
    # dawn. The ladder alone would have tried 4 more times by then.
    pw, dawn = second_dawn(stall_mv=10000)
    stall(pw, dawn + 1800, 1000)
    assert pw.can_start(dawn + 1800 + 4 * 90) == R_BACKOFF
    assert pw.can_start(dawn + int(2.9 * H)) == R_BACKOFF
    assert pw.can_start(dawn + 3 * H + 60) == R_NONE


def test_a_stall_no_morning_sun_can_lift_waits_until_noon_at_most():
    # A hundredth of the highest stall at dawn: even noon's clear sky would
    # not do it, but clouds lift; the sun is highest at noon, so try there.
    pw, dawn = second_dawn(stall_mv=10000)
    stall(pw, dawn + 1800, 100)
    assert pw.can_start(dawn + 7 * H - 100) == R_BACKOFF
    assert pw.can_start(dawn + 7 * H) == R_NONE


def test_a_morning_stall_near_the_highest_keeps_the_ladder():
    # Three hours in, at 0.9 of the highest stall: a thinner cloud would do.
    # No start has held since boot (yesterday's only start stalled), yet a
    # day's length is known: the first morning's doubled wait is over.
    pw, dawn = second_dawn(stall_mv=10000)
    assert stall(pw, dawn + 3 * H, 9000) < 120
    assert pw.can_start(dawn + 3 * H + 120) == R_NONE


def test_a_stall_whose_sky_cannot_start_the_pump_by_noon_makes_the_day_an_edge():
    # A reliable sun whose window (3 h to 11 h after dawn of 14 h days)
    # holds twice a need of 4 h; the highest stall, 10000 mV eight nights
    # ago, has faded to 9695 (1/256 a night). Three hours into the next day
    # the clear sky stands at 0.67 of noon's (4x(1 - x), x = 3/14). A stall
    # there at 5000 mV gives, scaled to noon, 7430: under the highest
    # stall, so only a cloud that lifts can start the pump today, and the
    # whole day is an edge for plots that can wait (the planner holds their
    # starts). A start that holds, or the next dawn, ends it.
    def dark_morning(mv, after=3 * H):
        pw, dawn = second_dawn(3 * H, 10 * H, stall_mv=10000)
        dawn = days_of(pw, dawn, *["held"] * 7)
        assert pw.reliable()
        stall(pw, dawn + after, mv)
        return pw, dawn

    need = 4 * H
    pw, dawn = dark_morning(5000)
    assert pw.edge(dawn + 3 * H + 60, need)
    assert pw.edge(dawn + 7 * H, need)  # inside the window too
    assert not pw.edge(dawn + 7 * H, need + 60)  # no sun to spare
    assert not pw.edge(dawn + 7 * H, -1)
    pw.held(dawn + 7 * H)
    assert not pw.edge(dawn + 7 * H + 60, need)
    # The day after a dark one starts afresh.
    pw, dawn = dark_morning(5000)
    dawn = days_of(pw, dawn, "none")
    assert not pw.edge(dawn + 7 * H, need)
    # At 8000 mV the noon sky gives 11,890: a thinner cloud would do.
    pw, dawn = dark_morning(8000)
    assert not pw.edge(dawn + 3 * H + 60, need)
    # Near dawn the sine is a poor shape of the sun: a stall there says nothing.
    pw, dawn = dark_morning(1000, after=1800)
    assert not pw.edge(dawn + 7 * H, need)


def test_a_dark_day_is_an_edge_on_a_sun_that_is_not_reliable_too():
    # Two of the last eight days stalled: the sun is not reliable, so the
    # hours outside the window are no edge (a trial there may be the one
    # that finds the sun). But the morning's stall has measured today's
    # sky, and the window holds twice the need: plots that can wait until
    # tomorrow's dusk wait, and a good day makes up the water.
    pw, dawn = second_dawn(3 * H, 10 * H, stall_mv=10000)
    dawn = days_of(pw, dawn, *["held"] * 5, "stalled", "stalled")
    assert not pw.reliable()
    need = 4 * H
    assert not pw.edge(dawn + 3 * H - 300, need)  # the margin trial's time: explored
    assert not pw.dark(need)
    stall(pw, dawn + 3 * H, 5000)
    assert pw.edge(dawn + 7 * H, need)
    assert pw.dark(need)  # the controller's horizon for the next stall's wait (controller.py)
    assert not pw.edge(dawn + 7 * H, need + 60)  # no sun to spare: every start counts
    assert not pw.dark(need + 60)
    pw.held(dawn + 7 * H)
    assert not pw.edge(dawn + 7 * H + 60, need)
    assert not pw.dark(need)


def test_a_stall_that_shows_a_dark_day_again_waits_the_longest_for_plots_that_need_water_too():
    # A reliable sun whose window holds twice a need of 4 h; the highest
    # stall has faded to 9695 mV. The day's first stall, at 5000 mV three
    # hours after dawn, scales to 7430 at noon: a dark day. The controller
    # passes that on (`dark`, its horizon for the next stall) and the next
    # stall for plots that cannot wait, an hour on at 5500 (6750 at noon,
    # the sky at 0.82 of noon's), shows it again: only a cloud that lifts
    # can start the pump, and the ladder's half hour would meet a dozen
    # such stalls by dusk. It waits as long as a calm plot's stall.
    def dark_morning():
        pw, dawn = second_dawn(3 * H, 10 * H, stall_mv=10000)
        dawn = days_of(pw, dawn, *["held"] * 7)
        # A clear noon seen lately at twice the highest stall (a stall when
        # the sky stood at half of noon's): a cloud that lifts may still
        # double any of this morning's stalls, so the waits here are the
        # dark day's and the ladder's alone, not the clear sky's bound.
        pw._clear_mv = 2 * pw._stall_mv
        return pw, dawn

    need = 4 * H
    top = 4 * CFG["sag_backoff_max_s"]
    pw, dawn = dark_morning()
    assert not pw.dark(need)
    assert stall(pw, dawn + 3 * H, 5000) < 600  # nothing said the day was dark: the ladder, stretched
    assert pw.dark(need)
    assert stall(pw, dawn + 4 * H, 5500, dark=pw.dark(need)) == top
    assert pw.can_start(dawn + 4 * H + top - 1) == R_BACKOFF
    # A stall in a gap of the clouds (9000 mV: 11,000 at noon, over the
    # highest stall) says a thinner cloud would do: the ladder.
    pw, dawn = dark_morning()
    stall(pw, dawn + 3 * H, 5000)
    assert stall(pw, dawn + 4 * H, 9000, dark=pw.dark(need)) < 600
    # Without the controller's `dark` (no sun to spare for the window, or no
    # stall before said so) the ladder too: every start may find the sun.
    pw, dawn = dark_morning()
    stall(pw, dawn + 3 * H, 5000)
    assert stall(pw, dawn + 4 * H, 5500) < 600


def test_a_morning_stall_waits_for_the_hour_the_clearest_recent_sky_reaches_the_highest_stall():
    # Yesterday a start stalled at 9000 mV three hours into the 14 h day,
    # the clear sky at 0.672 of noon's: the highest stall, and a noon that
    # gives the stalled pump at least 13,392 mV (13,183 after a night).
    # Two hours into this morning (0.487 of noon's) a stall at 6450 mV is
    # about that sky at this hour (6420): no cloud to lift, and the same
    # sky gives the highest stall (8965 mV after the night) only at 0.676
    # of noon's, three hours in. The ladder had tried again in three minutes, and on
    # up the morning.
    pw, dawn = third_dawn(stall_mv=9000, first=False, stall_at=3 * H)
    wait = stall(pw, dawn + 2 * H, 6450)
    assert 3600 <= wait <= 3780
    assert pw.can_start(dawn + 2 * H + wait - 1) == R_BACKOFF
    assert pw.can_start(dawn + 2 * H + wait) == R_NONE
    # Under a cloud (3500 mV) a lift to that clear sky is all a cloud can
    # give: the same hour.
    pw, dawn = third_dawn(stall_mv=9000, first=False, stall_at=3 * H)
    assert abs(stall(pw, dawn + 2 * H, 3500) - wait) <= 120
    # No noon sky known (yesterday's stall came an hour after dawn, too
    # early to be read against noon): a lifting cloud may double any
    # stall, and at 0.72 of the highest the ladder tries again.
    pw, dawn = third_dawn(stall_mv=9000, first=False, stall_at=1 * H)
    assert stall(pw, dawn + 2 * H, 6450) < 600


def test_an_afternoon_stall_under_half_the_highest_ends_the_trials_until_dawn():
    # Past noon the sun only falls; a stall under half the highest needs
    # more than a lifting cloud gives, now and at every later hour.
    pw, dawn = second_dawn(stall_mv=10000)
    stall(pw, dawn + 9 * H, 4000)
    assert pw.can_start(dawn + 9 * H + 4 * 1800) == R_PV_WEAK
    assert pw.can_start(dawn + 13 * H) == R_PV_WEAK
    dawn = days_of(pw, dawn, "none")
    assert pw.can_start(dawn + 7 * H) == R_NONE  # a new day tries again, round noon at least
    pw, dawn = second_dawn(stall_mv=10000)
    assert stall(pw, dawn + 9 * H, 6000) < 4 * 90  # 0.6 of it: a cloud may lift
    assert pw.can_start(dawn + 9 * H + 4 * 90) == R_NONE


def test_an_afternoon_wait_that_outlasts_the_hour_a_lifting_cloud_could_start_the_pump_ends_the_trials():
    # The highest stall 10000 mV (9961 after a night). Nine hours into the
    # 14 h day the clear sky stands at 0.919 of noon's; a stall at 6000 mV
    # for plots that can wait is to wait 2 h. Even twice that sky gives the
    # stalled pump less than the highest stall from 10.4 h on (the sky
    # under 0.762 of noon's), so the trial at 11 h could only brown out:
    # the trials end until dawn.
    pw, dawn = second_dawn(stall_mv=10000)
    assert stall(pw, dawn + 9 * H, 6000, calm=True) == 4 * 1800
    assert pw.can_start(dawn + 11 * H) == R_PV_WEAK
    assert pw.can_start(dawn + 13 * H) == R_PV_WEAK
    # At 8000 mV twice the sky carries it until 11.6 h: the trial at 11 h
    # may still find the sun.
    pw, dawn = second_dawn(stall_mv=10000)
    stall(pw, dawn + 9 * H, 8000, calm=True)
    assert pw.can_start(dawn + 11 * H - 1) == R_BACKOFF
    assert pw.can_start(dawn + 11 * H) == R_NONE


def test_after_two_days_no_start_held_only_the_hours_round_noon_try():
    # Two days no start held, and one at each noon stalled at 9.9 V: a clear
    # noon gives the stalled pump no more than the highest stall, so even
    # the clearest sky of the last days carries it at no hour. The hours
    # round noon still try (4x(1 - x) of the 14 h day over 15/16: 5.25 to
    # 8.75 h after dawn); the ladder had tried from dawn to dusk, a brown-out
    # every half hour of a panel too small for the season.
    pw, dawn = third_dawn(stall_mv=9900)
    assert pw.can_start(dawn + 3 * H) == R_PV_WEAK
    assert pw.can_start(dawn + 5 * H) == R_PV_WEAK
    assert pw.can_start(dawn + 6 * H) == R_NONE
    assert pw.can_start(dawn + 8 * H) == R_NONE
    assert pw.can_start(dawn + 9 * H) == R_PV_WEAK
    # Past yesterday's dusk the sine is spent, though an open panel's
    # voltage stays up until the sun is nearly gone (log of irradiance).
    # A minute before it the sine was near nothing already (a guard: the
    # rule before ruled that out too).
    assert pw.can_start(dawn + 14 * H - 60) == R_PV_WEAK
    assert pw.can_start(dawn + 14 * H + 60) == R_PV_WEAK
    # A start that holds shows a sun that can carry the pump: the ladder
    # has the day again.
    pw.held(dawn + 6 * H)
    assert pw.can_start(dawn + 9 * H) == R_NONE


def test_a_day_with_no_start_tried_is_no_day_the_sun_fell_short():
    # The first day the plots were wet and nothing started: that says
    # nothing of the sun, so one day of stalls does not rule out hours.
    pw, dawn = third_dawn(stall_mv=9900, first=False)
    assert pw.can_start(dawn + 3 * H) == R_NONE


def test_a_panel_that_carried_the_pump_yesterday_tries_at_any_hour_of_its_window():
    # The same noon stall, but a start 3 h after dawn held: the sun can
    # carry the pump, and a stall only says what the sky did then.
    pw, dawn = third_dawn(3 * H, stall_mv=9900)
    assert pw.can_start(dawn + 3 * H) == R_NONE
    assert pw.can_start(dawn + 10 * H) == R_NONE


def days_of(pw, dawn, *starts, at=(3 * H, 10 * H)):
    """Whole 14 h days after `dawn`, one per entry of starts: "held" (starts
    held at `at` after dawn), "stalled" (three starts in the window browned
    out) or "none" (nothing tried). Returns the last dawn."""
    log = Log(pw)
    for kind in starts:
        if kind == "held":
            for h in at:
                pw.held(dawn + h)
        elif kind == "stalled":
            for k in range(3):
                pw.on_sag(dawn + 4 * H + k, CFG)
        t = log.run(dawn + 600, dawn + 14 * H, SUN_MV)
        t = log.run(t, t + 10 * H, DARK_MV)
        log.run(t, t + 600, SUN_MV)
        dawn = t
    return dawn


def test_a_month_of_sun_leaves_the_highest_stall_where_the_pump_starts():
    # The stall that set the floor was a month ago; thirty clear days
    # since, no start stalled. The floor is the pump's start, not the
    # sun's: it has faded by a ninth (1/256 a night), not to 0.62 of it.
    # Three hours into an overcast day (the clear sky at 0.67 of noon's) a
    # stall at 5500 mV gives 8170 at noon: under the floor, a dark day.
    pw, dawn = second_dawn(3 * H, 10 * H, stall_mv=10000)
    dawn = days_of(pw, dawn, *["held"] * 29)
    assert 8880 <= pw._stall_mv <= 8920
    stall(pw, dawn + 3 * H, 5500)
    assert pw.dark(4 * H)
    assert pw.edge(dawn + 7 * H, 4 * H)


def test_a_sun_is_reliable_when_a_start_held_on_seven_of_the_last_eight_days_tried():
    pw, dawn = second_dawn(3 * H, 10 * H)  # the first day tried: one held
    dawn = days_of(pw, dawn, *["held"] * 6)
    assert not pw.reliable()  # seven days known
    dawn = days_of(pw, dawn, "stalled")
    assert pw.reliable()  # seven of eight
    dawn = days_of(pw, dawn, "none", "none")
    assert pw.reliable()  # a day with no start tried says nothing of the sun
    dawn = days_of(pw, dawn, "stalled")
    assert not pw.reliable()  # six of the last eight
    dawn = days_of(pw, dawn, *["held"] * 6)
    assert not pw.reliable()  # both stalled days are of the last eight
    days_of(pw, dawn, "held")
    assert pw.reliable()


def test_on_a_reliable_sun_the_hours_outside_a_window_of_twice_the_need_are_the_edge():
    # The window opens 3 h after dawn and, on a 14 h day, closes 11 h after
    # it (as long before dusk as the first start that held was after dawn):
    # 8 h, twice a need of 4 h of pumping a day.
    pw, dawn = second_dawn(3 * H, 10 * H)
    dawn = days_of(pw, dawn, *["held"] * 7)
    assert pw.reliable()
    need = 4 * H
    assert pw.edge(dawn + 3 * H - 300, need)  # the margin trial's time
    assert not pw.edge(dawn + 3 * H, need)
    assert not pw.edge(dawn + 11 * H, need)
    assert pw.edge(dawn + 11 * H + 60, need)
    assert not pw.edge(dawn + 3 * H - 300, need + 1)  # the window is short of twice the need
    assert not pw.edge(dawn + 3 * H - 300, -1)  # the need is not known
    dawn = days_of(pw, dawn, "stalled", "stalled")
    assert not pw.reliable()  # every start may be the one that finds the sun
    assert not pw.edge(dawn + 3 * H - 300, need)


def test_a_window_learned_round_noon_has_an_edge_only_for_a_small_need():
    # Starts held only round noon, 5 h after dawn (and so until 9 h): a
    # panel with little sun to spare, its window 4 h.
    pw, dawn = second_dawn(5 * H)
    dawn = days_of(pw, dawn, *["held"] * 7, at=(5 * H,))
    assert pw.reliable()
    assert not pw.edge(dawn + 4 * H, 2 * H + 60)
    assert not pw.edge(dawn + 10 * H, 2 * H + 60)
    assert pw.edge(dawn + 4 * H, 2 * H)
    assert pw.edge(dawn + 10 * H, 2 * H)
