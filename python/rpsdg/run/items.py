"""One item of a build, as a pure function: ``produce(spec, kind_config, levels, seed, index) -> Outcome``.

Item i is a pure function of (kind config, seed, i): its level is ``levels[i % len(levels)]`` and its rng is seeded
from ``(kind, seed, i)``. Executors (``run/executors.py``) call :meth:`ItemTask.produce_range` wherever they run it
(this process, a worker process, a Ray task), so the corpus does not depend on where or in what order items were
made. Nothing here holds state between calls.

With value dedup on (``ItemTask.value_keys``, ``--value-dedup``), the worker also computes the row's value digest
(:func:`value_digest`, from the kind's ``KindSpec.value_key`` hook), so the driver only compares 32-byte digests.

Repeats are not checked. A candidate whose uid an earlier index already made into a record is a duplicate whatever
its checkers would say (the driver's rule, ``run/pipeline.py``), so ``produce`` skips its checks when the caller
knows that (``repeat``: the driver's dedup set for the in-process executor, the records of its own chunk for a
worker, ``Dataset``'s records). A candidate that fails a check still carries its uid, so the driver can apply that
rule to it too, and the drop counts do not depend on who skipped what.

Every executor's loop over candidates (:meth:`ItemTask.produce_each`) runs with fewer garbage-collector passes
(``run/collector.py``): the same outcomes, less CPU time.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterator, Sequence

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of, with_checks
from rpsdg.kinds import KindSpec, get_kind
from rpsdg.run.collector import fewer_collections


@dataclass(frozen=True)
class Outcome:
    """What became of candidate ``index``: a checked row, or the reason it was dropped."""

    index: int
    level: int
    row: dict[str, Any] | None = None
    reason: str = ""
    value_key: bytes | None = None
    """The row's value digest (:func:`value_digest`) when the build asked for value dedup and the kind could make
    one; ``None`` otherwise (then only its uid decides whether it is a duplicate)."""
    uid: str = ""
    """sha256 of the canonical problem (hex; equal uids are duplicates): set for a row, a candidate a checker
    rejected and a repeat whose checks were skipped; ``""`` for a candidate the generator dropped."""

    @property
    def repeat(self) -> bool:
        """A candidate whose checks were skipped because an earlier index already made its uid into a record."""
        return self.row is None and self.reason == DUPLICATE


DUPLICATE = "duplicate"
"""The drop reason of a candidate whose uid an earlier index already made into a record."""


def item_rng(kind: str, seed: int, index: int) -> random.Random:
    """The rng of item ``index``: string seeds hash with SHA-512, stable across processes and platforms."""
    return random.Random(f"rpsdg:{kind}:{seed}:{index}")


def candidate_row(spec: KindSpec, kind_config: Any, level: int, rng: random.Random, seed: int = 0,
                  index: int = 0) -> dict[str, Any]:
    """The stored row of one generated candidate, before any checker ran; raises ``Dropped`` as the generator does."""
    derivation = spec.generate(kind_config, level, rng)
    return make_row(derivation, spec, uid_of(spec.dedup_text(derivation)), seed, index)


VALUE_KEY_DOMAIN = b"rpsdg-value-key\x00"
"""Prefix of what a value digest hashes, so a value digest never equals a uid (sha256 of a kind's dedup text)."""


def value_digest(spec: KindSpec, row: dict[str, Any]) -> bytes | None:
    """sha256 of the kind's value key of ``row`` (``KindSpec.value_key``), or ``None`` where the kind has no hook
    or made no key for this row."""
    key = spec.value_key(row) if spec.value_key is not None else None
    return hashlib.sha256(VALUE_KEY_DOMAIN + key).digest() if key is not None else None


def produce(spec: KindSpec, kind_config: Any, levels: Sequence[int], seed: int, index: int,
            value_keys: bool = False, repeat: Callable[[str], bool] | None = None) -> Outcome:
    """Generate, render and check candidate ``index``: a pure function of its arguments (with ``value_keys``, the
    accepted row's value digest too).

    ``repeat(uid)`` says whether an earlier index already made ``uid`` into a record; then the checks are skipped
    and the outcome is a :data:`DUPLICATE` (what the driver would decide anyway)."""
    level = levels[index % len(levels)]
    try:
        row = candidate_row(spec, kind_config, level, item_rng(spec.name, seed, index), seed, index)
    except Dropped as dropped:
        return Outcome(index, level, reason=dropped.reason)
    uid = row["uid"]
    if repeat is not None and repeat(uid):
        return Outcome(index, level, reason=DUPLICATE, uid=uid)
    verdicts = spec.run_checks(row)
    rejected = [v for v in verdicts if v.status == "rejected"]
    if rejected:
        return Outcome(index, level, reason=f"check_failed:{rejected[0].checker}", uid=uid)
    checked = with_checks(row, verdicts)
    return Outcome(index, level, checked, value_key=value_digest(spec, checked) if value_keys else None, uid=uid)


@dataclass(frozen=True)
class ItemTask:
    """Everything that decides the items of a build: (kind, kind config, levels, seed). Small and picklable, so it
    travels with every chunk of work to a worker process or a Ray task (no per-process state needed)."""

    kind: str
    kind_config: Any
    levels: tuple[int, ...]
    seed: int
    value_keys: bool = False
    """Also compute each accepted row's value digest (value dedup, ``--value-dedup``)."""

    def produce(self, index: int, spec: KindSpec | None = None,
                repeat: Callable[[str], bool] | None = None) -> Outcome:
        return produce(spec or get_kind(self.kind), self.kind_config, self.levels, self.seed, index, self.value_keys,
                       repeat)

    def produce_range(self, first: int, stop: int, records: Collection[str] = frozenset()) -> list[Outcome]:
        """Outcomes of candidates ``first .. stop - 1``, in index order (:meth:`produce_each`, remembering the whole
        range)."""
        return list(self.produce_each(first, stop, records, stop - first))

    def produce_each(self, first: int, stop: int, records: Collection[str], remembered: int) -> Iterator[Outcome]:
        """Outcomes of candidates ``first .. stop - 1``, one by one in index order. A candidate is not checked when
        its uid is in ``records`` (uids the driver has made into records, all from indices before the candidate's)
        or repeats one of the last ``remembered`` rows made here (without value dedup: with it, an earlier row may
        still lose to a value duplicate, so only the driver knows whether its uid was accepted)."""
        spec = get_kind(self.kind)
        made = RecentRecords(remembered)
        trust_made = not self.value_keys

        def repeat(uid: str) -> bool:
            return (trust_made and uid in made) or uid in records

        with fewer_collections():  # while suspended at a yield too: its consumer is the same build
            for index in range(first, stop):
                outcome = produce(spec, self.kind_config, self.levels, self.seed, index, self.value_keys, repeat)
                made.note(outcome)
                yield outcome


class RecentRecords:
    """The uids of the last ``bound`` rows (candidates that passed every check), for candidates made in index order:
    a later candidate with one of them is a repeat. Memory is bounded; forgetting only means checking again."""

    def __init__(self, bound: int):
        self.bound = max(1, bound)
        self._uids: set[str] = set()
        self._order: deque[str] = deque()

    def note(self, outcome: Outcome) -> None:
        """Remember ``outcome``'s uid if it is a row (the oldest uid goes when the bound is reached)."""
        if outcome.row is not None:
            self.add(outcome.uid)

    def add(self, uid: str) -> None:
        """Remember ``uid`` (the oldest goes when the bound is reached)."""
        if uid in self._uids:
            return
        if len(self._order) >= self.bound:
            self._uids.discard(self._order.popleft())
        self._uids.add(uid)
        self._order.append(uid)

    def snapshot(self) -> frozenset[str]:
        return frozenset(self._uids)

    def __contains__(self, uid: str) -> bool:
        return uid in self._uids
