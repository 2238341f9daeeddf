"""benchmarks/instructions.py: the count read from callgrind's report."""
from benchmarks import instructions as bench


def test_the_count_is_read_from_callgrinds_report_and_none_without_one():
    err = "@day 3\n==14210== Events    : Ir\n==14210== Collected : 12622841625\n==14210==\n"
    assert bench.collected(err) == 12622841625
    assert bench.collected("==1== Memcheck, a memory error detector\n") is None
