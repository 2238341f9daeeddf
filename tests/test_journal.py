"""The journal: records checked by CRC, torn ones skipped, rotation under a cap, a season in 256 KB."""
import os
import subprocess

import pytest

from saxaul import codes, journal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY = os.path.join(ROOT, ".venv", "bin", "micropython")
GLOBAL = codes.NO_PLOT


def only(path):
    with open(path, "rb") as f:
        return f.read()


def jfile(d, seq):
    return os.path.join(str(d), "j%05d.bin" % seq)


def a_morning(j):
    """Dawn, one watering of plot 0, and a sample: the records most days hold."""
    j.stamp(4, 3600, 0)
    j.event(codes.E_DAWN, GLOBAL, 12)
    j.sample(19500, 0, [31, 44, 52, 255], [0, 0, 0, codes.F_PROBE_OPEN], 0, 0)
    j.stamp(4, 3660, 0)
    j.event(codes.E_START, 0, codes.R_MOISTURE_LOW, 600)
    j.stamp(4, 4260, 0)
    j.event(codes.E_STOP, 0, codes.R_CYCLE_DONE, 600, 19800)
    j.sample(17200, 0, [38, 44, 52, 255], [0, 0, 0, codes.F_PROBE_OPEN], 0b11, 19800)


def test_crc16_is_ccitt_false():
    assert journal.crc16(b"123456789") == 0x29B1  # the catalogue check value
    assert journal.crc16(b"123456789", 1, 5) == journal.crc16(b"2345")
    assert journal.crc16(b"123456788") != 0x29B1


def test_a_morning_reads_back_with_names_and_fields(tmp_path):
    j = journal.Journal(str(tmp_path), dev_id=b"\x5a\xa1\x00\x00\x00\x01")
    a_morning(j)
    recs, bad = journal.read_dir(str(tmp_path))
    assert bad == 0
    assert [r["kind"] for r in recs] == ["HEADER", "DAWN", "SAMPLE", "START", "STOP", "SAMPLE"]
    assert recs[0]["dev_id"] == "5aa100000001" and recs[0]["format"] == journal.FORMAT
    assert recs[1] == {"kind": "DAWN", "boot": 4, "uptime_s": 3600, "wall_s": 0, "plot": 255, "a": 12, "b": 0, "c": 0}
    assert recs[4]["plot"] == 0 and (recs[4]["a"], recs[4]["b"], recs[4]["c"]) == (codes.R_CYCLE_DONE, 600, 19800)
    s = recs[5]
    assert (s["pv_mv"], s["batt_mv"], s["out_mask"], s["ml"]) == (17200, 0, 0b11, 19800)
    assert s["pct"] == [38, 44, 52, 255] and s["faults"] == [0, 0, 0, codes.F_PROBE_OPEN]
    assert recs[2]["ml"] == 0 and recs[2]["out_mask"] == 0


def test_optional_sample_fields_cost_bytes_only_when_present(tmp_path):
    j = journal.Journal(str(tmp_path))
    j.stamp(1, 10, 0)
    j.event(codes.E_BOOT, GLOBAL, 1, 2)  # opens the file: its header is written
    sizes = []
    for batt_mv, mask, ml, faults in (
        (0, 0, 0, [0, 0, 0, 0]),  # no battery, idle, probes fine: the common case
        (12650, 0, 0, [0, 0, 0, 0]),
        (12650, 1, 70000, [0, 0, 0, 0]),
        (0, 0, 0, [0, codes.F_PROBE_SHORT, 0, codes.F_FLOW_LOW]),
    ):
        before = j.total_bytes
        j.sample(18000, batt_mv, [40, 255, 42, 43], faults, mask, ml)
        sizes.append(j.total_bytes - before)
    # 5 framing + 10 time + pv 2 + flags 1 + 4 pct; battery +2, ml +4, faults +4
    assert sizes == [22, 24, 28, 26]
    recs = journal.decode(only(jfile(tmp_path, 1)))[0][2:]
    assert [(r["batt_mv"], r["ml"], r["out_mask"]) for r in recs] == [(0, 0, 0), (12650, 0, 0), (12650, 70000, 1), (0, 0, 0)]
    assert recs[3]["faults"] == [0, codes.F_PROBE_SHORT, 0, codes.F_FLOW_LOW] and recs[0]["faults"] == [0, 0, 0, 0]
    assert all(r["pct"] == [40, 255, 42, 43] for r in recs)


def test_a_record_torn_at_any_byte_is_dropped_and_the_earlier_ones_kept(tmp_path):
    # Power fails while the last record is being written: whatever part of it
    # reached the flash, the reader keeps everything before and counts one bad.
    for last in ("event", "sample"):
        d = tmp_path / last
        j = journal.Journal(str(d))
        a_morning(j)
        before = j.total_bytes
        if last == "event":
            j.event(codes.E_FAULT_SET, GLOBAL, codes.G_DRY_RUN)
        else:
            j.sample(16000, 0, [1, 2, 3, 4], [0, 0, 0, 0], 0b101, 1500)
        data = only(jfile(d, 1))
        whole, bad = journal.decode(data)
        assert bad == 0 and len(whole) == 7
        for cut in range(before + 1, len(data)):
            recs, bad = journal.decode(data[:cut])
            assert (recs, bad) == (whole[:6], 1), "cut at byte %d" % cut


def test_the_board_appends_after_a_torn_record_and_the_reader_resyncs(tmp_path):
    j = journal.Journal(str(tmp_path))
    a_morning(j)
    size = j.total_bytes
    j.event(codes.E_DUSK, GLOBAL, 12)
    with open(jfile(tmp_path, 1), "r+b") as f:
        f.truncate(size + 11)  # the DUSK record lost power half way
    j = journal.Journal(str(tmp_path))  # reboot
    j.stamp(5, 2, 0)
    j.event(codes.E_BOOT, GLOBAL, 1, 2)
    recs, bad = journal.read_dir(str(tmp_path))
    assert bad == 1
    assert [r["kind"] for r in recs][-3:] == ["STOP", "SAMPLE", "BOOT"]


def test_a_corrupted_byte_in_the_middle_costs_only_its_record(tmp_path):
    j = journal.Journal(str(tmp_path))
    a_morning(j)
    start = j.total_bytes
    j.event(codes.E_REFUSE, 1, codes.R_MIN_OFF)
    end = j.total_bytes
    a_morning(j)
    data = only(jfile(tmp_path, 1))
    whole, _ = journal.decode(data)
    kept = whole[:6] + whole[7:]
    for pos in range(start, end):
        for flip in (0x01, 0x80, 0xFF, data[pos] ^ 0xA5):
            if not flip:
                continue
            bent = bytearray(data)
            bent[pos] ^= flip
            recs, bad = journal.decode(bytes(bent))
            assert (recs, bad) == (kept, 1), "byte %d ^ %#x" % (pos, flip)


def test_garbage_between_records_is_one_bad_stretch(tmp_path):
    j = journal.Journal(str(tmp_path))
    a_morning(j)
    data = only(jfile(tmp_path, 1))
    noise = bytes([0xA5, 0x03, 0x15] + [0xA5] * 30)
    recs, bad = journal.decode(data + noise + data)
    assert bad == 1 and len(recs) == 12


def test_rotation_keeps_the_newest_under_the_cap_and_deletes_the_oldest(tmp_path):
    j = journal.Journal(str(tmp_path), cap_bytes=1024, file_bytes=256, dev_id=b"\x01\x02")
    written = []
    for k in range(200):
        j.stamp(1, k * 60, 0)
        j.event(codes.E_START, k % 4, 1, k)
        written.append(k)
    seqs = journal.files(str(tmp_path))
    total = sum(os.path.getsize(jfile(tmp_path, s)) for s in seqs)
    assert total == j.total_bytes <= 1024
    assert seqs == list(range(seqs[0], seqs[-1] + 1)) and seqs[0] > 1  # oldest gone, no gaps
    assert not os.path.exists(jfile(tmp_path, 1))
    for s in seqs:  # each file stands alone: header first, no record split across files
        data = only(jfile(tmp_path, s))
        assert len(data) <= 256
        recs, bad = journal.decode(data)
        assert bad == 0 and recs[0]["kind"] == "HEADER" and recs[0]["dev_id"] == "0102"
    recs, bad = journal.read_dir(str(tmp_path))
    got = [r["b"] for r in recs if r["kind"] == "START"]
    assert bad == 0 and got == written[-len(got):] and len(got) > 25


def test_file_numbers_continue_after_a_reboot_and_are_never_reused(tmp_path):
    j = journal.Journal(str(tmp_path), cap_bytes=100000, file_bytes=200)
    j.stamp(1, 0, 0)
    while j.file_seq < 3:
        j.event(codes.E_DAWN, GLOBAL, 1)
    j.stamp(2, 10, 0)
    j.event(codes.E_DUSK, GLOBAL, 1)
    j2 = journal.Journal(str(tmp_path), cap_bytes=100000, file_bytes=200)
    assert j2.file_seq == 3 and j2.last_boot == 2  # continues in the newest file
    j2.stamp(3, 1, 0)
    j2.event(codes.E_BOOT, GLOBAL, 3, 2)
    assert journal.files(str(tmp_path)) == [1, 2, 3]
    # The host pulled and deleted the old files; the next file is still number 4.
    os.remove(jfile(tmp_path, 1))
    os.remove(jfile(tmp_path, 2))
    j3 = journal.Journal(str(tmp_path), cap_bytes=100000, file_bytes=200)
    assert j3.last_boot == 3
    while j3.file_seq == 3:
        j3.event(codes.E_DAWN, GLOBAL, 2)
    assert journal.files(str(tmp_path)) == [3, 4]


def test_uptime_past_the_millisecond_int_range_is_kept_exactly(tmp_path):
    # 2**31 ms is 24.8 days: a board that never resets passes it in its first
    # month. Seconds in a u32 last 136 years.
    j = journal.Journal(str(tmp_path))
    ups = (2**31 // 1000 + 1, 2**31 + 7, 2**32 - 1)
    for up in ups:
        j.stamp(65535, up, 1751328000)
        j.event(codes.E_DUSK, GLOBAL, 1)
        j.sample(0, 0, [0], [0], 0, 0)
    recs, bad = journal.read_dir(str(tmp_path))
    assert bad == 0
    assert [r["uptime_s"] for r in recs[1:]] == [u for u in ups for _ in (0, 1)]
    assert {r["boot"] for r in recs} == {65535} and {r["wall_s"] for r in recs} == {1751328000}


def test_out_of_range_fields_are_clamped_not_raised(tmp_path):
    # A journal call must never be what breaks a tick.
    j = journal.Journal(str(tmp_path))
    j.stamp(70000, -5, -1)
    j.event(codes.E_EXC, GLOBAL, 99999)
    j.sample(80000, 70000, [300, -1], [0, 0], 0, 0)
    recs, _ = journal.read_dir(str(tmp_path))
    assert (recs[1]["boot"], recs[1]["uptime_s"], recs[1]["wall_s"], recs[1]["a"]) == (70000 & 0xFFFF, 0, 0, 32767)
    assert (recs[2]["pv_mv"], recs[2]["batt_mv"], recs[2]["pct"]) == (65535, 65535, [255, 0])
    with pytest.raises(ValueError):
        j.event(codes.E_SAMPLE, 0)  # a sample needs sample()


def test_a_refusing_flash_is_counted_not_raised(tmp_path):
    d = tmp_path / "log"
    j = journal.Journal(str(d))
    os.rmdir(str(d))
    j.stamp(1, 1, 0)
    j.event(codes.E_DAWN, GLOBAL, 1)
    assert j.errors >= 1


def test_ninety_days_of_four_plots_fit_in_256_kb(tmp_path):
    # A 4-plot board without battery: a sample every 15 min, 20 events a day
    # (a brownout BOOT and CONFIG at night, DAWN, DUSK, two cycles per plot
    # as START/STOP pairs); samples after a run carry the water pumped, and
    # one probe is faulted for ten days.
    j = journal.Journal(str(tmp_path), dev_id=b"\x5a\xa1\x00\x00\x00\x01")
    n_samples = n_events = 0
    pct = [35, 40, 45, 50]
    for day in range(90):
        base = day * 86400
        j.stamp(day + 1, 0, 0)
        j.event(codes.E_BOOT, GLOBAL, 1, 2)
        j.event(codes.E_CONFIG, GLOBAL, 0)
        faults = [0, 0, 0, codes.F_PROBE_OPEN if 30 <= day < 40 else 0]
        pct[3] = 255 if faults[3] else 50
        for q in range(96):
            up = base + q * 900
            j.stamp(day + 1, up, 0)
            if q == 24:
                j.event(codes.E_DAWN, GLOBAL, day)
            if q in (40, 48):  # a cycle on each plot, one after the other
                for p in range(4):
                    j.event(codes.E_START, p, codes.R_MOISTURE_LOW, 600)
                    j.event(codes.E_STOP, p, codes.R_CYCLE_DONE, 600, 20000)
            if q == 76:
                j.event(codes.E_DUSK, GLOBAL, day)
            pumped = q in (41, 49)
            j.sample(18500, 0, pct, faults, 0b11 if pumped else 0, 80000 if pumped else 0)
            n_samples += 1
        n_events += 20
    total = j.total_bytes
    per_day = total / 90
    print("\njournal: %d bytes for 90 days (%.0f per day, %.1f per sample incl. events' share)"
          % (total, per_day, total / n_samples))
    assert total <= 256 * 1024
    assert os.path.exists(jfile(tmp_path, 1))  # nothing was deleted
    recs, bad = journal.read_dir(str(tmp_path))
    kinds = [r["kind"] for r in recs]
    assert bad == 0
    assert kinds.count("SAMPLE") == n_samples == 8640
    assert len(recs) - kinds.count("HEADER") == n_samples + n_events
    assert recs[1]["boot"] == 1 and recs[-1]["uptime_s"] == 89 * 86400 + 95 * 900


@pytest.mark.skipif(not os.path.exists(MPY), reason="no unix-port micropython")
def test_the_host_reads_what_the_unix_port_wrote_and_the_port_reads_it_too(tmp_path):
    d = str(tmp_path / "log")
    code = (
        "import sys; sys.path[:0]=['boards/sim','firmware']\n"
        "from saxaul import journal, codes\n"
        "j = journal.Journal(%r, cap_bytes=2048, file_bytes=512, dev_id=b'\\x5a\\xa1')\n"
        "for k in range(120):\n"
        "    j.stamp(9, 2**31 + k, 0)\n"
        "    j.event(codes.E_START, k %% 4, 1, k, 20000 * k)\n"
        "    j.sample(17000 + k, 0, [k %% 101, 255], [0, 1], 1, k)\n"
        "recs, bad = journal.read_dir(%r)\n"
        "print(len(recs), bad, recs[-1]['pv_mv'], recs[-2]['c'], journal.files(%r)[0])\n" % (d, d, d)
    )
    out = subprocess.run([MPY, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    n, bad, pv, c, first = (int(x) for x in out.stdout.split())
    recs, host_bad = journal.read_dir(d)
    assert (len(recs), host_bad, recs[-1]["pv_mv"], recs[-2]["c"]) == (n, bad, pv, c) == (n, 0, 17119, 2380000)
    assert first > 1 and os.path.getsize(jfile(d, journal.files(d)[-1])) <= 512
    assert recs[-1]["uptime_s"] == 2**31 + 119
