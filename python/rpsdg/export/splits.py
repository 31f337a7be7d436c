"""Deterministic train/validation/test splits (Hugging Face's split names), decided row by row from the record
alone (no global shuffle).

Like DeepMind's mathematics_dataset, a record's split is a pure function of a hash of its identity, so the same
record lands in the same split in every export, on every machine, whatever else the corpus holds:

* ``random``: sha256 of the uid picks the split (``VAL_SHARE`` and ``TEST_SHARE`` of the records).
* ``novel``: what generalisation is tested depends on the kind (``KindSpec.novel_split``). For
  ``rule_combination`` kinds (theorems) a whole *rule combination* (the sorted set of rules a solution uses) is held out:
  sha256 of the combination picks the split, so no validation/test combination occurs in train (LeanDojo's
  ``novel_premises`` idea). For ``held_out_levels`` kinds the highest levels are held out for extrapolation: the highest level
  of the corpus is ``test``, the next ``validation``, the rest ``train`` (a corpus with fewer than three levels falls
  back to rule combinations).

To add a policy: a function ``(row) -> split`` and a branch in :func:`novel_policy`; say what it holds out in
``NovelPolicy.description`` (the dataset card prints it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from rpsdg.kinds import find_kind

SPLITS: tuple[str, ...] = ("train", "validation", "test")
"""Hugging Face's split names: ``datasets`` maps ``validation`` to ``Split.VALIDATION`` (``val`` would be a custom
split). A format with its own names (LeanDojo's ``val.json``) renames the files only (``SplitFiles(file_names=)``)."""
SPLIT_KINDS: tuple[str, ...] = ("random", "novel")
VAL_SHARE = 0.05
TEST_SHARE = 0.05
_BUCKETS = 10_000


def _bucket(text: str) -> int:
    """A stable bucket in [0, _BUCKETS) from sha256 (never ``hash()``, which is salted per process)."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") % _BUCKETS


def split_of_key(key: str, val_share: float = VAL_SHARE, test_share: float = TEST_SHARE) -> str:
    """``train``, ``validation`` or ``test`` for a key, by its hash."""
    bucket = _bucket(key)
    if bucket < test_share * _BUCKETS:
        return "test"
    if bucket < (test_share + val_share) * _BUCKETS:
        return "validation"
    return "train"


def random_split(row: Mapping[str, Any]) -> str:
    """The ``random`` split of a record: by hash of its uid."""
    return split_of_key("random:" + str(row["uid"]))


def rule_combination(row: Mapping[str, Any]) -> str:
    """The sorted, de-duplicated rules a record's solution uses, joined by ``+``."""
    rules = sorted({str(step.get("rule", "")) for step in row.get("steps", []) if isinstance(step, Mapping)})
    return "+".join(rules) or "(no steps)"


@dataclass(frozen=True)
class NovelPolicy:
    """How the ``novel`` split is decided for one export."""

    name: str
    """``rule_combination`` or ``held_out_levels``."""
    description: str
    """One sentence for the dataset card."""
    assign: Callable[[Mapping[str, Any]], str]
    """The split of a row."""


def _by_combination(row: Mapping[str, Any]) -> str:
    return split_of_key("novel:" + str(row.get("kind", "")) + ":" + rule_combination(row), 0.1, 0.1)


def novel_policy(kind: str, levels: Sequence[int]) -> NovelPolicy:
    """The novel-split policy for a corpus of ``kind`` whose records have ``levels``."""
    ordered = sorted(set(int(level) for level in levels))
    spec = find_kind(kind)
    if (spec is not None and spec.novel_split == "rule_combination") or len(ordered) < 3:
        return NovelPolicy("rule_combination", "whole rule combinations (the set of rules a solution uses) are "
                           "held out: about 10% of combinations go to validation and 10% to test, by hash",
                           _by_combination)
    test_level, val_level = ordered[-1], ordered[-2]

    def by_level(row: Mapping[str, Any]) -> str:
        level = int(row["level"])
        return "test" if level >= test_level else "validation" if level == val_level else "train"

    return NovelPolicy("held_out_levels", f"levels are held out for extrapolation: train on levels "
                       f"{', '.join(map(str, ordered[:-2]))}, validate on level {val_level}, test on level "
                       f"{test_level}", by_level)


def corpus_levels(manifest: Mapping[str, Any]) -> list[int]:
    """The levels a corpus manifest says its records have (``records_per_level``, else ``levels``)."""
    per_level = manifest.get("records_per_level")
    if isinstance(per_level, Mapping) and per_level:
        return sorted(int(level) for level, n in per_level.items() if n)
    levels = manifest.get("levels")
    if isinstance(levels, list):
        return sorted(int(level) for level in levels)
    return []
