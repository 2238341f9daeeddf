"""A soak on the MicroPython runtime: two months of the simulated field with seeded random faults every few days.

Exceptions in any module, probes unplugged for hours, a silent flow meter,
resets at random minutes (benchmarks/reliability.py; the full year runs
there). Nothing may escape the loop, the heap after a collection must not
grow from month to month, the journal stays under its cap and reads clean,
and the pump never runs past the hard cap or against closed valves.
"""
import pytest

from benchmarks import reliability
from host_tools import fw, unixport

pytestmark = pytest.mark.skipif(unixport.find() is None, reason=unixport.MISSING)

DAYS = 61
HEAP_SLACK_BYTES = 4096  # a few blocks of fragmentation between samples


@pytest.fixture(scope="module")
def soak():
    return reliability.soak(DAYS, seed=7)


def test_two_months_of_faults_end_with_no_unhandled_exception(soak):
    assert soak["unhandled"] == []
    assert soak["days"] == DAYS
    injected = sum(soak["injected"].values())
    assert injected >= 20  # the seeded draw did inject
    assert soak["resets"] == soak["injected"].get("reset", 0)
    # Each injected exception ended in the loop's net, journaled (at most the
    # last armed one may not have been reached before the season ended).
    raised = sum(v for k, v in soak["injected"].items() if k.startswith("exception"))
    assert raised - 2 <= soak["exc_events"] <= raised


def test_the_heap_after_collection_does_not_grow_from_month_to_month(soak):
    heap = soak["heap"]
    assert len(heap) == DAYS // 30
    assert heap[-1] <= heap[0] + HEAP_SLACK_BYTES, heap


def test_the_journal_stays_under_its_cap_and_reads_clean(soak):
    assert 0 < soak["journal_max"] <= 256 * 1024
    assert soak["journal_bad"] == 0


def test_the_pump_never_ran_past_the_hard_cap_or_against_closed_valves(soak):
    assert soak["longest_run_s"] <= fw.module("limits").HARD_MAX_RUN_S
    assert soak["stops_over_cap"] == 0
    assert soak["dead_head_s"] == 0
