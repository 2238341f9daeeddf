"""The journal on the laptop: pulls fetch only what is new, and export, plot and tail read like the field."""
import csv
import json
import os
import subprocess
import sys

import pytest
from folderboard import FolderBoard

from host_tools import fw, logs

codes = fw.module("codes")
config = fw.module("config")
journal = fw.module("journal")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WALL_2026_05_03_06H = 1777788000 - 946684800  # 2026-05-03T06:00:00Z on a board's 2000-based clock


MORNING_PCT = (18, 18, 26, 40, 58, 60, 59, 58)  # plot 1 through a watering


class FakeBoard(FolderBoard):
    """The device over a folder whose reads come in pieces, as a serial link's do."""

    def __init__(self, root, piece=700):
        FolderBoard.__init__(self, root, piece=piece)
        os.makedirs(os.path.join(self.root, "log"), exist_ok=True)


def season(j, days=2, wall=True):
    """Two dry mornings on plot 1: samples, a start for low moisture, a stop at target, a dry-run fault."""
    t = 0
    for day in range(days):
        base = day * 86400
        w = (lambda s: WALL_2026_05_03_06H + s) if wall else (lambda s: 0)
        j.stamp(1, base + 60, w(base + 60))
        j.event(codes.E_DAWN, codes.NO_PLOT, day)
        for k in range(8):
            s = base + 900 * (k + 1)
            j.stamp(1, s, w(s))
            pump = 1 if 2 <= k < 4 else 0
            j.sample(17000 + 100 * k, 0, [MORNING_PCT[k], 40], [0, 0], pump | (2 if pump else 0), 0)
            if k == 1:
                j.event(codes.E_START, 0, codes.R_MOISTURE_LOW, 600)
            if k == 4:
                j.event(codes.E_STOP, 0, codes.R_TARGET, 580, 11600)
        j.stamp(1, base + 9000, w(base + 9000))
        j.event(codes.E_FAULT_SET, codes.NO_PLOT, codes.G_DRY_RUN)
        t += 1


@pytest.fixture
def board(tmp_path):
    b = FakeBoard(tmp_path / "flash")
    cfg = config.defaults(2)
    cfg["plots"][0]["start_pct"] = 22
    with open(b._local("/config.json"), "w") as f:
        json.dump(cfg, f)
    return b


def board_journal(b, **kw):
    kw.setdefault("file_bytes", 512)
    kw.setdefault("cap_bytes", 64 * 1024)
    return journal.Journal(b._local("/log"), dev_id=b"\x5a\xa1\x00\x00\x00\x01", **kw)


def test_second_pull_fetches_nothing_and_appended_records_fetch_only_the_tail(board, tmp_path):
    j = board_journal(board)
    season(j, days=2)
    mirror = str(tmp_path / "laptop")
    first = logs.pull(board, mirror)
    want, _ = journal.read_dir(board._local("/log"))
    assert first.records_new == len(want) and first.bad_new == 0 and first.files_new >= 2
    assert "%d new records" % len(want) in first.summary()

    board.reads.clear()
    second = logs.pull(board, mirror)
    assert second.bytes_new == 0 and second.summary().startswith("nothing new")
    assert [r for r in board.reads if r[0].startswith("/log/")] == []

    # The controller runs on: three more samples land in the newest file.
    newest = sorted(os.listdir(board._local("/log")))[-1]
    had = os.path.getsize(board._local("/log/" + newest))
    j = board_journal(board)
    for k in range(3):
        j.stamp(2, 60 * k, 0)
        j.sample(15000, 0, [30, 41], [0, 0], 0, 0)
    board.reads.clear()
    third = logs.pull(board, mirror)
    assert third.records_new == 3 and third.files_grown + third.files_new >= 1
    log_reads = [r for r in board.reads if r[0].startswith("/log/")]
    assert log_reads[0] == ("/log/" + newest, had)  # only past what the mirror had
    dev_dir = os.path.join(mirror, "5aa100000001")
    assert logs.load_records(dev_dir)[0] == journal.read_dir(board._local("/log"))[0]


def test_files_rotated_away_on_the_board_stay_in_the_mirror(board, tmp_path):
    j = board_journal(board, cap_bytes=2048)
    season(j, days=1)
    mirror = str(tmp_path / "laptop")
    logs.pull(board, mirror)
    for _ in range(4):
        season(j, days=2)  # the board deletes its oldest files to stay under 2 KB
        logs.pull(board, mirror)
    dev_dir = os.path.join(mirror, "5aa100000001")
    on_board = set(os.listdir(board._local("/log")))
    in_mirror = {os.path.basename(p) for p in logs.journal_files(dev_dir)}
    assert on_board < in_mirror
    recs, bad = logs.load_records(dev_dir)
    assert bad == 0 and sum(1 for r in recs if r["kind"] == "DAWN") == 9


def test_a_torn_record_is_counted_and_skipped(board, tmp_path):
    j = board_journal(board, file_bytes=64 * 1024)
    season(j, days=1)
    path = board._local("/log/" + os.listdir(board._local("/log"))[0])
    data = bytearray(open(path, "rb").read())
    data[200] ^= 0xFF  # a flash bit flipped under a sample
    open(path, "wb").write(bytes(data))
    res = logs.pull(board, str(tmp_path / "laptop"))
    assert res.bad_new == 1 and "1 bad records skipped" in res.summary()
    assert res.records_new == len(journal.decode(bytes(data))[0])


def pulled(board, tmp_path, **kw):
    season(board_journal(board), **kw)
    mirror = str(tmp_path / "laptop")
    logs.pull(board, mirror)
    d = logs.mirror_dir(mirror)
    recs, bad = logs.load_records(d)
    return d, recs, logs.load_config(d)


def test_csv_has_utc_times_and_words_for_codes(board, tmp_path):
    d, recs, cfg = pulled(board, tmp_path)
    out = str(tmp_path / "season.csv")
    assert logs.export_csv(recs, out, cfg) == len(recs)
    rows = list(csv.DictReader(open(out)))
    start = next(r for r in rows if r["event"] == "START")
    assert start["time_utc"] == "2026-05-03T06:30:00Z"
    assert start["reason"] == "MOISTURE_LOW" and start["plot"] == "1"
    assert start["detail"] == "plot 1, planned 600 s: moisture 18% < start 22%"
    stop = next(r for r in rows if r["event"] == "STOP")
    assert stop["reason"] == "TARGET" and stop["ml"] == "11600" and "ran 580 s" in stop["detail"]
    fault = next(r for r in rows if r["event"] == "FAULT_SET")
    assert fault["faults"] == "dry run" and fault["plot"] == ""
    sample = next(r for r in rows if r["event"] == "SAMPLE")
    assert sample["moisture_pct"] == "18;40" and sample["pv_mv"] == "17000"
    assert sum(1 for r in rows if r["pump"] == "1" and r["valves"] == "1") == 4


def test_csv_without_a_clock_says_boot_and_uptime(board, tmp_path):
    d, recs, cfg = pulled(board, tmp_path, wall=False)
    out = str(tmp_path / "season.csv")
    logs.export_csv(recs, out, cfg)
    rows = list(csv.DictReader(open(out)))
    assert all(r["time_utc"] == "" for r in rows)
    assert rows[1]["boot"] == "1" and rows[1]["uptime_s"] == "60"
    assert logs.when(recs[1]) == "boot 1 +60s"


def test_tail_explains_a_start_with_the_numbers(board, tmp_path):
    # The sample before the start read 18 % and plot 1 starts below 22 %: the line quotes both.
    d, recs, cfg = pulled(board, tmp_path, days=1)
    lines = logs.tail_lines(recs, 8, cfg)
    assert len(lines) == 8
    assert lines[-1].endswith("dry run") and "2026-05-03T08:30:00Z" in lines[-1]
    start = [line for line in logs.tail_lines(recs, 100, cfg) if "pump start" in line][0]
    assert start.endswith("plot 1, planned 600 s: moisture 18% < start 22%")


def test_plot_writes_a_png_with_thresholds(board, tmp_path):
    d, recs, cfg = pulled(board, tmp_path)
    out = str(tmp_path / "season.png")
    logs.plot_png(recs, out, cfg)
    data = open(out, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"matplotlib" in data[:4096]  # the Software text chunk matplotlib wrote
    assert len(data) > 20000


def test_plot_without_a_clock_stitches_boots(board, tmp_path):
    d, recs, cfg = pulled(board, tmp_path, wall=False)
    xs, wall = logs.timeline_h(recs)
    assert not wall and xs == sorted(xs)
    out = str(tmp_path / "noclock.png")
    logs.plot_png(recs, out, None)
    assert open(out, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_wall_time_from_either_epoch_lands_on_the_same_day():
    assert logs.wall_utc(WALL_2026_05_03_06H).isoformat() == "2026-05-03T06:00:00+00:00"
    assert logs.wall_utc(1777788000).isoformat() == "2026-05-03T06:00:00+00:00"
    assert logs.wall_utc(0) is None


def test_cli_without_a_mirror_is_one_line_and_non_zero(tmp_path):
    r = subprocess.run([sys.executable, "-m", "host_tools", "logs", "export", "--csv", str(tmp_path / "x.csv"),
                        "--dir", str(tmp_path / "empty")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "run `saxaul logs pull`" in r.stderr
