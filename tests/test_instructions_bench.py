"""benchmarks/instructions.py: the count read from callgrind's report, the season's end state."""
from benchmarks import instructions as bench
from host_tools import season


def test_the_count_is_read_from_callgrinds_report_and_none_without_one():
    err = "@day 3\n==14210== Events    : Ir\n==14210== Collected : 12622841625\n==14210==\n"
    assert bench.collected(err) == 12622841625
    assert bench.collected("==1== Memcheck, a memory error detector\n") is None


def test_the_end_state_sums_the_seasons_days():
    sc = season.load_scenario("short-day")
    rows, info = season.run_firmware(sc, "micropython")
    line = bench.end_state(sc, rows, info["resets"])
    starts = int(sum(r["starts"] for r in rows))
    assert starts > 0
    assert line.startswith("%d starts, " % starts) and line.endswith(", 0 resets")
    assert "%.3f L pumped" % sum(r["pumped_l"] for r in rows) in line
