"""One item of a build, as a pure function: ``produce(spec, kind_config, levels, seed, index) -> Outcome``.

Item i is a pure function of (kind config, seed, i): its level is ``levels[i % len(levels)]`` and its rng is seeded
from ``(kind, seed, i)``. Executors (``run/executors.py``) call :meth:`ItemTask.produce_range` wherever they run it
(this process, a worker process, a Ray task), so the corpus does not depend on where or in what order items were
made. Nothing here holds state between calls.

With value dedup on (``ItemTask.value_keys``, ``--value-dedup``), the worker also computes the row's value digest
(:func:`value_digest`, from the kind's ``KindSpec.value_key`` hook), so the driver only compares 32-byte digests.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any, Sequence

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of, with_checks
from rpsdg.kinds import KindSpec, get_kind


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

    @property
    def uid(self) -> str:
        """sha256 of the canonical problem: equal uids are duplicates."""
        return self.row["uid"] if self.row is not None else ""


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
            value_keys: bool = False) -> Outcome:
    """Generate, render and check candidate ``index``: a pure function of its arguments (with ``value_keys``, the
    accepted row's value digest too)."""
    level = levels[index % len(levels)]
    try:
        row = candidate_row(spec, kind_config, level, item_rng(spec.name, seed, index), seed, index)
    except Dropped as dropped:
        return Outcome(index, level, reason=dropped.reason)
    verdicts = spec.run_checks(row)
    rejected = [v for v in verdicts if v.status == "rejected"]
    if rejected:
        return Outcome(index, level, reason=f"check_failed:{rejected[0].checker}")
    checked = with_checks(row, verdicts)
    return Outcome(index, level, checked, value_key=value_digest(spec, checked) if value_keys else None)


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

    def produce(self, index: int, spec: KindSpec | None = None) -> Outcome:
        return produce(spec or get_kind(self.kind), self.kind_config, self.levels, self.seed, index, self.value_keys)

    def produce_range(self, first: int, stop: int) -> list[Outcome]:
        """Outcomes of candidates ``first .. stop - 1``, in index order."""
        spec = get_kind(self.kind)
        return [produce(spec, self.kind_config, self.levels, self.seed, index, self.value_keys)
                for index in range(first, stop)]
