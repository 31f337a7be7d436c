"""Repeats are not checked, and skipping their checks changes no byte of a corpus or its manifest.

A candidate whose uid an earlier index already made into a record is a duplicate whatever its checkers say
(``run/pipeline.py``), so ``produce`` skips the checks of a repeat that its caller can see (``run/items.py``). The
driver's verdicts must be those of one set fed in index order, whichever executor skipped which checks.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest

from rpsdg.core import Rejected
from rpsdg.errors import RpsdgError
from rpsdg.kinds import get_kind
from rpsdg.run.dedup import UidSet
from rpsdg.run.executors import InlineExecutor, KnownRecords, ProcessExecutor
from rpsdg.run.items import DUPLICATE, ItemTask, Outcome, RecentRecords, produce
from rpsdg.run.pipeline import _dedup_batch

U, V = "aa" * 32, "bb" * 32


def _row(index: int, uid: str) -> Outcome:
    return Outcome(index, 1, {"uid": uid}, uid=uid)


def _failed(index: int, uid: str) -> Outcome:
    return Outcome(index, 1, reason="check_failed:numeric", uid=uid)


def _repeat(index: int, uid: str) -> Outcome:
    return Outcome(index, 1, reason=DUPLICATE, uid=uid)


@pytest.mark.parametrize("value_dedup", [False, True])
def test_a_candidate_whose_uid_is_already_a_record_is_a_duplicate_whatever_its_checks_said(value_dedup):
    batch = [_failed(0, V), _row(1, U), _failed(2, U), _repeat(3, U), _row(4, V), _failed(5, V),
             Outcome(6, 1, reason="degenerate")]
    with UidSet() as seen:
        assert _dedup_batch(seen, batch, value_dedup) == \
            ["check_failed:numeric", "", DUPLICATE, DUPLICATE, "", DUPLICATE, "degenerate"]
        assert _dedup_batch(seen, [_failed(7, U), _repeat(8, V), _row(9, U)], value_dedup) == [DUPLICATE] * 3
        assert len(seen) == 2


def test_a_repeat_whose_uid_no_earlier_candidate_made_a_record_is_refused():
    with UidSet() as seen, pytest.raises(RpsdgError, match="internal error: candidate 4 was skipped as a repeat"):
        _dedup_batch(seen, [_failed(3, U), _repeat(4, U)], False)


def test_produce_skips_the_checks_of_a_repeat_and_keeps_the_uid_of_a_rejected_candidate():
    spec = get_kind("equation")
    config = spec.config_type()
    made = produce(spec, config, (1,), 3, 0)
    assert made.row is not None and made.uid == made.row["uid"]

    def no_checks(row):
        raise AssertionError("a repeat was checked")

    unchecked = dataclasses.replace(spec, check=no_checks)
    repeat = produce(unchecked, config, (1,), 3, 0, repeat={made.uid}.__contains__)
    assert (repeat.row, repeat.reason, repeat.uid, repeat.repeat) == (None, DUPLICATE, made.uid, True)

    def refuse(row):
        return [Rejected(name, "test", 0, "refused") for name in spec.checker_names]

    rejected = produce(dataclasses.replace(spec, check=refuse), config, (1,), 3, 0)
    assert (rejected.row, rejected.uid, rejected.repeat) == (None, made.uid, False)
    assert rejected.reason.startswith("check_failed:")


def test_the_inline_executor_skips_repeats_and_the_driver_counts_what_it_would_have():
    """Integrals at level 1 repeat often: the in-process executor checks each distinct problem once, and the
    verdicts equal those of the same candidates all checked (workers that skip only within a chunk of 1)."""
    task = ItemTask("integral", get_kind("integral").config_type(), (1,), 7)
    skipping = list(InlineExecutor().outcomes(task, 0, 300))
    checked = task.produce_range(0, 1)  # a chunk of one skips nothing
    for index in range(1, 300):
        checked += task.produce_range(index, index + 1)
    assert sum(o.repeat for o in skipping) > 50 and not any(o.repeat for o in checked)
    with UidSet() as first, UidSet() as second:
        verdicts = [_dedup_batch(first, skipping[i:i + 64], False) for i in range(0, 300, 64)]
        expected = [_dedup_batch(second, checked[i:i + 64], False) for i in range(0, 300, 64)]
    assert verdicts == expected
    assert Counter(v for batch in verdicts for v in batch)[DUPLICATE] > 50


def test_recent_records_forget_the_oldest_uid_beyond_their_bound():
    recent = RecentRecords(2)
    for index, uid in enumerate([U, V, "cc" * 32]):
        recent.note(_row(index, uid))
    recent.note(_failed(3, "dd" * 32))
    assert U not in recent and V in recent and "cc" * 32 in recent and "dd" * 32 not in recent



def test_workers_skip_repeats_of_records_that_repeated_and_decide_as_the_inline_executor():
    """The process executor sends each chunk the records that repeated; its verdicts equal the inline ones."""
    task = ItemTask("integral", get_kind("integral").config_type(), (1,), 7)
    with UidSet() as inline_seen, UidSet() as worker_seen:
        inline_verdicts = [_dedup_batch(inline_seen, [o], False)[0]
                           for o in InlineExecutor().outcomes(task, 0, 300)]

        known = KnownRecords(worker_seen)
        outcomes, verdicts = [], []
        for outcome in ProcessExecutor(2, chunk=4).outcomes(task, 0, 300, known):
            outcomes.append(outcome)
            verdicts.append(_dedup_batch(worker_seen, [outcome], False)[0])  # one at a time, as records arrive
            if verdicts[-1] == DUPLICATE:
                known.repeated.add(outcome.uid)  # as the build's driver does
    assert verdicts == inline_verdicts
    first_row: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.row is not None:
            first_row.setdefault(outcome.uid, outcome.index)
    across_chunks = [o for o in outcomes if o.repeat and first_row[o.uid] // 4 != o.index // 4]
    assert len(across_chunks) > 20  # named by the driver, not only found within a chunk


def test_a_worker_does_not_check_a_candidate_whose_uid_the_driver_sent():
    task = ItemTask("equation", get_kind("equation").config_type(), (1,), 3)
    records = frozenset(o.uid for o in task.produce_range(0, 40) if o.row is not None)  # before the chunk
    checked, skipping = task.produce_range(40, 80), task.produce_range(40, 80, records)
    assert [o.uid for o in skipping] == [o.uid for o in checked]
    assert any(o.uid in records for o in checked)
    for alone, told in zip(checked, skipping):
        assert told.repeat if alone.uid in records else told == alone
