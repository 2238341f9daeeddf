"""Power loss on real LittleFS: the supply dies at every flash write of a save, and the board boots on what is left.

The harness (boards/sim/powercut.py) runs inside the MicroPython unix port,
where `vfs.VfsLfs2` mounts a RAM flash (boards/sim/lfs.py). For every erase
and program of a config save, a state save, a journal append, a journal
rotation and a whole watering morning, it rebuilds the flash as it stood at
that write (and with that write torn in half), mounts the copy fresh and
boots main.main on it against a bench.
"""
import json

import pytest

from host_tools import unixport

pytestmark = pytest.mark.skipif(unixport.find() is None, reason=unixport.MISSING)


@pytest.fixture(scope="module")
def cuts():
    proc = unixport.run("import powercut\npowercut.main()\n", heapsize="16M", timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = {}
    for line in proc.stdout.splitlines():
        if line.startswith("CUT "):
            d = json.loads(line[4:])
            res[d["name"]] = d
    return res


def _clean(d):
    assert d["fails"] == [], "\n".join(d["fails"])
    assert d["lost"] == 0
    # Every write was a cut point (twice, whole and torn, but for the first).
    assert d["cuts"] >= 2 * d["ops"] - 1


def test_a_config_push_cut_at_any_write_leaves_the_old_or_the_new_config(cuts):
    # The host pushes new thresholds as a cloud browns the board out. LittleFS
    # commits the rename in one write: until it lands the old file is whole,
    # after it the new one is, and the board boots on it (config LOADED, no
    # G_CONFIG fault) with every output driven off first.
    d = cuts["config save"]
    _clean(d)
    assert d["ops"] >= 10 and d["cuts"] >= 20
    assert d["old"] > 0 and d["new"] > 0


def test_the_daily_state_cut_at_any_write_is_yesterdays_or_todays(cuts):
    # Dawn: used_s is reset and written. A cut leaves a state file that loads
    # (never CORRUPT), the boot counts on from it and keeps its day.
    d = cuts["state save"]
    _clean(d)
    assert d["ops"] >= 3
    assert d["old"] > 0 and d["new"] > 0


def test_a_journal_append_cut_at_any_write_loses_at_most_that_record(cuts):
    # A file of two flash blocks: LittleFS copies the last block on append.
    # Every earlier record survives every cut, the reader finds no torn
    # record, and the next boot appends after them.
    d = cuts["journal append"]
    _clean(d)
    assert d["ops"] >= 5
    assert d["inflight"] == d["old"] and d["new"] > 0


def test_a_journal_rotation_cut_at_any_write_keeps_every_record_not_being_deleted(cuts):
    # The append that opens j00004.bin and deletes j00001.bin to stay under
    # the cap: only the oldest file (whose deletion was under way) and the new
    # record may be missing; reopening brings the journal back under its cap.
    d = cuts["journal rotate"]
    _clean(d)
    assert d["files"] == [[1, 2, 3], [2, 3, 4]]  # the write did roll and trim
    assert d["ops"] >= 3
    assert d["new"] > 0


def test_a_morning_of_watering_cut_at_any_write_boots_with_state_and_journal_whole(cuts):
    # The firmware itself writes: BOOT and CONFIG events, samples, starts,
    # stops, the state file after each run. Wherever the supply dies, the
    # state loads with yesterday's boot count or later, the journal keeps
    # every record from before the morning, and the next boot counts on.
    d = cuts["whole boot"]
    _clean(d)
    assert d["ran_s"] >= 600  # the morning did water plot 1
    assert d["ops"] >= 50 and d["cuts"] >= 100
    assert d["old"] > 0 and d["new"] > 0


def test_enough_cut_points_were_tried(cuts):
    assert len(cuts) == 5
    assert sum(d["cuts"] for d in cuts.values()) >= 200


def test_a_cut_after_a_run_is_journaled_still_counts_the_run_against_the_daily_budget(cuts):
    # A run of 600 s ends: the STOP record lands on flash, then the supply
    # dies before the tick's state save. After the reboot used_s lacks those
    # 600 s, so the plot may get one more cycle than daily_max_s allows.
    d = cuts["whole boot"]
    assert d["budget_lost"] == 0, "\n".join(d["budget"])
