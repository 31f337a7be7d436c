"""``create_dataset``: a kind's items as a lazy sequence, the same records ``rpsdg build`` writes.

What index ``i`` means: the ``i``-th *accepted distinct* record of the build stream for (kind, config, seed,
levels) -- candidates ``0, 1, 2, ...`` are made by :func:`rpsdg.run.pipeline.produce` exactly as ``rpsdg build``
makes them (item ``j`` a pure function of (config, seed, j)); those a checker rejects or the generator drops are
skipped, and so are duplicates of an earlier record (same uid). So ``create_dataset(kind, n, seed, levels)[i]`` is
the ``i``-th record of ``rpsdg build --kind kind --count n --seed seed --levels levels`` (same uid, same fields).

Records are generated on first access, in order, and cached (reading item 1,000 makes items 0..999 too); the
uids seen are kept for dedup. ``size`` only bounds the indices: ``create_dataset(kind, 10**9)`` costs nothing
until read. Like ``build``, the stream gives up after ``50 * size + 1000`` candidates (not a limit in practice for
sizes where that is more than the candidates you will read); an index past a level's supply then raises
``IndexError`` (level 1 of some kinds holds only a few thousand distinct items).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence, overload

from rpsdg.errors import ConfigError
from rpsdg.kinds import LEVELS, KindSpec, config_from_mapping, get_kind


@dataclass(frozen=True)
class Item:
    """One item of a dataset: what a model sees, the reference answer and the full record."""

    index: int
    """Position in the dataset (the ``index``-th accepted distinct record)."""
    uid: str
    """The record's uid (sha256 of its canonical problem)."""
    kind: str
    """The kind (``integral``, ``equation``, ``theorem``, ...)."""
    level: int
    """Difficulty level 1..5."""
    question: str
    """The prompt: the problem in words with LaTeX math, no hints from the solution."""
    answer: str
    """The reference final answer as a model would write it (LaTeX); ``rpsdg.score_answer`` gives it 1.0."""
    solution: str
    """The reference solution, one step per line (``rpsdg.grade_steps`` labels every step correct)."""
    record: Mapping[str, Any]
    """The full stored record, exactly as ``rpsdg build`` writes it."""

    def __getitem__(self, key: str) -> Any:
        """Dict-style access (``item["question"]``), for code written against dict entries."""
        if key in ("index", "uid", "kind", "level", "question", "answer", "solution", "record"):
            return getattr(self, key)
        return self.record[key]


def item_of(record: Mapping[str, Any], index: int = 0, spec: KindSpec | None = None) -> Item:
    """The :class:`Item` of a stored record (e.g. one read from a corpus)."""
    spec = spec or get_kind(str(record["kind"]))
    if spec.question is None or spec.reference_answer is None or spec.solution_text is None:
        raise ConfigError(f"kind {spec.name!r} has no environment hooks (question, reference_answer, "
                          f"solution_text); add them to its spec.py")
    return Item(index, str(record["uid"]), spec.name, int(record["level"]), spec.question(record),
                spec.reference_answer(record), spec.solution_text(record), record)


class Dataset(Sequence[Item]):
    """A lazy, cached, indexable sequence of :class:`Item` (see the module docstring)."""

    def __init__(self, kind: str, size: int, seed: int = 0, levels: Sequence[int] | None = None,
                 config: Any = None):
        self.spec = get_kind(kind)
        if not isinstance(size, int) or size < 0:
            raise ConfigError(f"create_dataset: size {size!r} must be a non-negative integer")
        if not isinstance(seed, int) or seed < 0:
            raise ConfigError(f"create_dataset: seed {seed!r} must be a non-negative integer")
        chosen = tuple(sorted(set(levels))) if levels is not None else LEVELS
        if not chosen or any(level not in LEVELS for level in chosen):
            raise ConfigError(f"create_dataset: levels {levels!r} must be in {LEVELS[0]}..{LEVELS[-1]}")
        if config is None:
            config = self.spec.config_type()
        elif isinstance(config, Mapping):
            config = config_from_mapping(self.spec, config, "create_dataset config")
        self.kind, self.size, self.seed, self.levels, self.config = self.spec.name, size, seed, chosen, config
        self._records: list[dict[str, Any]] = []
        self._seen: set[str] = set()
        self._next_candidate = 0
        self._limit = 50 * size + 1000

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Item: ...

    @overload
    def __getitem__(self, index: slice) -> list[Item]: ...

    def __getitem__(self, index: int | slice) -> Item | list[Item]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not isinstance(index, int):
            raise TypeError(f"dataset indices are integers, not {type(index).__name__}")
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"index {index} is outside this dataset of {self.size} items")
        return item_of(self.record(index), index, self.spec)

    def record(self, index: int) -> dict[str, Any]:
        """The stored record of item ``index`` (generated, with the items before it, on first access)."""
        from rpsdg.run.collector import fewer_collections
        from rpsdg.run.pipeline import produce

        with fewer_collections():  # as a build makes its items
            while len(self._records) <= index:
                if self._next_candidate >= self._limit:
                    raise IndexError(f"{self.kind} levels {list(self.levels)} seed {self.seed}: only "
                                     f"{len(self._records)} distinct records in {self._limit} candidates")
                outcome = produce(self.spec, self.config, self.levels, self.seed, self._next_candidate,
                                  repeat=self._seen.__contains__)  # a repeat of a record is not checked
                self._next_candidate += 1
                if outcome.row is not None and outcome.uid not in self._seen:
                    self._seen.add(outcome.uid)
                    self._records.append(outcome.row)
        return self._records[index]

    def __iter__(self) -> Iterator[Item]:
        for index in range(self.size):
            try:
                yield self[index]
            except IndexError:
                return

    def __repr__(self) -> str:
        return (f"Dataset(kind={self.kind!r}, size={self.size}, seed={self.seed}, levels={list(self.levels)}, "
                f"generated={len(self._records)})")


def create_dataset(kind: str, size: int, seed: int = 0, levels: Sequence[int] | None = None,
                   config: Any = None) -> Dataset:
    """A lazy dataset of ``size`` items of ``kind`` (see the module docstring for what index ``i`` is).

    ``levels``: difficulty levels (default 1..5, cycled as in ``build``); ``config``: the kind's config dataclass
    or a mapping of its fields (a TOML table), default the kind's defaults."""
    return Dataset(kind, size, seed, levels, config)
