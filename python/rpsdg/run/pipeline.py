"""The build pipeline, the same for every kind: generate → render → check from text → dedup → write.

Item i is a pure function of (kind config, seed, i) (``run/items.py``), so 1 worker, 8 or a Ray cluster give the
same corpus. An executor (``run/executors.py``: in-process, local processes, Ray) makes candidates; this process
consumes them strictly in index order, so dedup (first occurrence wins), drop counts and shard bytes do not depend on
scheduling. Executors keep a bounded number of chunks in flight, so memory stays flat.

A build checkpoints at its start and after every shard (``CorpusWriter.checkpoint``), so a build killed at any
moment, even before its first shard, continues with ``--resume``.

Dedup (``run/dedup.py``) is asked once per *batch* of outcomes (at most :data:`DEDUP_BATCH`, never more than the
records still needed, so a build pulls exactly the candidates a one-at-a-time loop would, and never more than the
room left in the current shard, so a shard is written and checkpointed as soon as it fills): the answers are those of
one set fed in index order, so the corpus does not depend on the batch size or on ``--dedup-partitions``. With
``--value-dedup`` (kinds with a ``KindSpec.value_key`` hook) a row is also dropped when an earlier accepted row has
the same value digest; only accepted rows' uids and digests are remembered, so ``--resume`` can rebuild both from the
written shards.

A candidate whose uid an earlier index made into a record is a ``duplicate`` whatever its checks said, so its checks
can be skipped (a *repeat*, ``run/items.py``): the in-process executor asks this process's dedup set before it
checks a candidate, workers are sent the records that repeated, noted here as duplicates are decided
(``run/executors.py``). The drop counts do not depend on which were skipped.
"""

from __future__ import annotations

import itertools
import platform
import time
from contextlib import closing
from collections import Counter
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import pyarrow
import sympy

from rpsdg import __version__
from rpsdg.corpus.record import RECORD_FORMAT
from rpsdg.corpus.remote import open_writer
from rpsdg.corpus.store import MANIFEST_FORMAT, CorpusWriter
from rpsdg.errors import ConfigError, RpsdgError
from rpsdg.kinds import LEVELS, KindSpec, get_kind
from rpsdg.run.dedup import default_spill_dir
from rpsdg.run.executors import EXECUTORS, Dedup, KnownRecords, make_executor
from rpsdg.run.items import DUPLICATE, ItemTask, Outcome, candidate_row, item_rng, produce, value_digest

DEDUP_BATCH = 256
"""Outcomes per dedup question (one round-trip to the dedup owners); the corpus does not depend on it."""

__all__ = ["BuildConfig", "build", "parse_levels", "ItemTask", "Outcome", "candidate_row", "item_rng", "produce"]


@dataclass(frozen=True)
class BuildConfig:
    """What ``rpsdg build`` was asked for."""

    kind: str
    count: int
    levels: tuple[int, ...] = LEVELS
    seed: int = 0
    out: Path = Path("corpus")
    """A local directory, or a ``corpus.location.RemotePath`` (a URL: ``corpus.location.as_location``)."""
    format: str = "parquet"
    force: bool = False
    shard_size: int = 10_000
    workers: int = 1
    kind_config: Any = None
    """The kind's config dataclass; ``None`` means its defaults."""
    max_candidates: int | None = None
    """Stop after this many candidates even if ``count`` is not reached (default: 50 × count + 1000)."""
    resume: bool = False
    """Continue an interrupted build of ``out`` from its last complete shard."""
    executor: str = "process"
    """Where items are made: ``process`` (this process, or ``workers`` local processes) or ``ray``."""
    ray_address: str | None = None
    """The Ray cluster to use (``ray://host:10001`` or ``host:6379``); ``None`` starts a local Ray."""
    uids_in_memory: int = 100_000
    """Dedup keeps at most this many uids in memory and spills the rest to sorted runs on disk (``run/dedup.py``);
    the corpus does not depend on it."""
    dedup_partitions: int = 0
    """``0``: one uid set in this process; ``P >= 1``: P owners by uid prefix (Ray actors with ``--executor ray``,
    each holding ``uids_in_memory / P`` uids in memory). The corpus does not depend on it."""
    value_dedup: bool = False
    """Also drop rows whose kind's value fingerprint (``KindSpec.value_key``) equals an earlier accepted row's
    (integrals: numerically equal integrands). Changes the corpus; off by default."""

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ConfigError(f"--count {self.count}: must be at least 1")
        if not 0 <= self.seed < 2 ** 63:
            raise ConfigError(f"--seed {self.seed}: must be an integer from 0 to 2**63 - 1 (it is stored as int64)")
        if not self.levels or any(level not in LEVELS for level in self.levels):
            raise ConfigError(f"--levels {self.levels}: levels must be in {LEVELS[0]}..{LEVELS[-1]}")
        if self.workers < 1:
            raise ConfigError(f"--workers {self.workers}: must be at least 1")
        if self.uids_in_memory < 1:
            raise ConfigError(f"uids_in_memory {self.uids_in_memory}: must be at least 1")
        if not 0 <= self.dedup_partitions <= 4096:
            raise ConfigError(f"--dedup-partitions {self.dedup_partitions}: must be from 0 (one set in this "
                              f"process) to 4096")
        if self.executor not in EXECUTORS:
            raise ConfigError(f"--executor {self.executor!r}: choose one of {', '.join(EXECUTORS)}")
        if self.ray_address and self.executor != "ray":
            raise ConfigError(f"--ray-address {self.ray_address}: only used with --executor ray; add it or drop "
                              f"--ray-address")


def parse_levels(text: str) -> tuple[int, ...]:
    """``"1-5"``, ``"2"`` or ``"1,3,5"`` as a tuple of levels; a clear error otherwise."""
    levels: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part:
                low, high = (int(p) for p in part.split("-", 1))
                if low > high:
                    raise ValueError
                levels.extend(range(low, high + 1))
            else:
                levels.append(int(part))
    except ValueError:
        raise ConfigError(f"--levels {text!r}: write a range like 1-5, a list like 1,3,5 or one level") from None
    bad = [level for level in levels if level not in LEVELS]
    if bad or not levels:
        raise ConfigError(f"--levels {text!r}: levels must be between {LEVELS[0]} and {LEVELS[-1]}")
    return tuple(sorted(set(levels)))


@dataclass
class _Tally:
    accepted_per_level: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    checks: dict[str, Counter] = field(default_factory=dict)
    candidates: int = 0
    symbolic: int = 0
    numeric_only: int = 0
    stats: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """The kind's ``record_stats`` summed up: group -> figure -> [count, sum, max]."""

    def accept(self, row: dict[str, Any], symbolic_checkers: Sequence[str],
               record_stats: Callable[[Any], Any] | None = None) -> None:
        self.accepted_per_level[row["level"]] += 1
        for group, figures in (record_stats(row) if record_stats else {}).items():
            for name, value in figures.items():
                total = self.stats.setdefault(group, {}).setdefault(name, [0, 0.0, float("-inf")])
                total[0] += 1
                total[1] += value
                total[2] = max(total[2], value)
        statuses = {}
        for check in row["checks"]:
            self.checks.setdefault(check["checker"], Counter())[check["status"]] += 1
            statuses[check["checker"]] = check["status"]
        if any(statuses.get(name) == "passed" for name in symbolic_checkers):
            self.symbolic += 1
        else:
            self.numeric_only += 1

    def to_json(self) -> dict[str, Any]:
        return {"accepted_per_level": {str(k): v for k, v in self.accepted_per_level.items()},
                "dropped": dict(self.dropped), "checks": {k: dict(v) for k, v in self.checks.items()},
                "candidates": self.candidates, "symbolic": self.symbolic, "numeric_only": self.numeric_only,
                "stats": self.stats}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> "_Tally":
        return cls(Counter({int(k): v for k, v in value["accepted_per_level"].items()}), Counter(value["dropped"]),
                   {k: Counter(v) for k, v in value["checks"].items()}, value["candidates"], value["symbolic"],
                   value["numeric_only"], value.get("stats", {}))

    def stats_json(self) -> dict[str, Any]:
        return {group: {name: {"count": c, "mean": round(total / c, 3), "max": top}
                        for name, (c, total, top) in sorted(figures.items())}
                for group, figures in sorted(self.stats.items())}


def _config_json(value: Any) -> Any:
    if is_dataclass(value):
        return _config_json(asdict(value))
    if isinstance(value, dict):
        return {str(k): _config_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_config_json(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _identity(config: BuildConfig, kind_config: Any) -> dict[str, Any]:
    """What must match for ``--resume`` to continue a build: everything that decides its items and shards."""
    identity = {"kind": config.kind, "count": config.count, "levels": config.levels, "seed": config.seed,
                "format": config.format, "shard_size": config.shard_size, "kind_config": kind_config,
                "rpsdg_version": __version__}
    if config.value_dedup:  # only when on: builds without it keep the identity they always had
        identity["value_dedup"] = True
    return _config_json(identity)


def build(config: BuildConfig, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Build a corpus as ``config`` says; returns the manifest written to ``config.out``."""
    spec = get_kind(config.kind)
    kind_config = config.kind_config if config.kind_config is not None else spec.config_type()
    if config.value_dedup and spec.value_key is None:
        raise ConfigError(f"--value-dedup: kind {spec.name!r} has no value fingerprint (KindSpec.value_key); drop "
                          f"--value-dedup")
    limit = config.max_candidates or 50 * config.count + 1000
    identity = _identity(config, kind_config)
    executor = make_executor(config.executor, config.workers, config.ray_address)  # refuses before any file exists
    try:
        writer = open_writer(config.out, spec, config.format, config.shard_size, config.force, config.resume)
        tally, start, records = _Tally(), 0, 0
        task = ItemTask(config.kind, kind_config, tuple(config.levels), config.seed, config.value_dedup)
        started = time.perf_counter()
        seen: Dedup | None = None
        try:
            # bounded memory, exact answers; P owners by uid prefix with --dedup-partitions P
            # a URL's build spills its dedup runs to the temp dir
            seen = executor.dedup(config.dedup_partitions, config.uids_in_memory,
                                  default_spill_dir(config.out) if isinstance(config.out, Path) else None)
            if writer.resuming:  # False when the interrupted build never completed a shard: it starts over
                tally, start, records = _resume(writer, identity, seen, spec if config.value_dedup else None)
                if progress:
                    progress(records)
            else:  # a build killed before its first shard resumes from index 0
                writer.checkpoint({"identity": identity, "next_index": 0, "tally": tally.to_json()})
            known = KnownRecords(seen)  # what executors may skip the checks of (repeats)
            with closing(executor.outcomes(task, start, limit, known)) as outcomes:  # closing stops the workers at once
                while records < config.count:
                    room = min(DEDUP_BATCH, config.count - records, config.shard_size - len(writer.buffer))
                    batch = list(itertools.islice(outcomes, room))
                    if not batch:
                        break
                    verdicts = _dedup_batch(seen, batch, config.value_dedup)
                    for outcome, verdict in zip(batch, verdicts):
                        tally.candidates += 1
                        if verdict:
                            tally.dropped[verdict] += 1
                            if verdict == DUPLICATE:
                                known.repeated.add(outcome.uid)
                            continue
                        records += 1
                        tally.accept(outcome.row, spec.symbolic_checkers, spec.record_stats)
                        if writer.add(outcome.row):
                            writer.checkpoint({"identity": identity, "next_index": outcome.index + 1,
                                               "tally": tally.to_json()})
                        if progress:
                            progress(1)
            if not records:
                reasons = ", ".join(f"{reason} {n}" for reason, n in tally.dropped.most_common(5)) or "none"
                raise RpsdgError(f"no candidate of {tally.candidates} became a record (dropped: {reasons}); nothing "
                                 f"was written; loosen the generator settings (--config) or widen --levels")
            manifest = _manifest(config, spec, kind_config, tally, records)
            written = writer.commit(manifest)
        except BaseException:
            writer.abort(keep_for_resume=True)  # kept with its last checkpoint; a refused --resume keeps it too
            raise
        finally:
            if seen is not None:
                seen.close()
    finally:
        executor.close()
    written["seconds"] = round(time.perf_counter() - started, 3)
    return written


def _dedup_batch(seen: Dedup, batch: Sequence[Outcome], value_dedup: bool) -> list[str]:
    """Why each outcome of ``batch`` is dropped (``""``: it is a new record), exactly as if the outcomes were
    decided one at a time in index order; the accepted rows' uids (and value digests) are remembered.

    A candidate whose uid an earlier index made into a record is a ``duplicate``, whether it passed its checks,
    failed one, or was not checked (a repeat, ``run/items.py``): so the drop counts do not depend on which
    executor skipped which checks. A batch of rows only, without value dedup, is one ``add_batch`` (a set fed in
    index order). Otherwise the set is asked first (``contains_batch``: what earlier batches accepted), the batch is
    decided here in index order, and only then are the accepted keys added."""
    verdicts = [outcome.reason if outcome.row is None else "" for outcome in batch]
    keyed = [position for position, outcome in enumerate(batch) if outcome.uid]
    uids = {position: bytes.fromhex(batch[position].uid) for position in keyed}
    if not value_dedup and all(batch[position].row is not None for position in keyed):
        for position, new in zip(keyed, seen.add_batch(list(uids.values()))):
            if not new:
                verdicts[position] = DUPLICATE
        return verdicts
    digests = {position: batch[position].value_key for position in keyed if value_dedup}
    asked = list(uids.values()) + [digest for digest in digests.values() if digest is not None]
    known = dict(zip(asked, seen.contains_batch(asked)))
    accepted: set[bytes] = set()
    for position in keyed:
        outcome, uid, digest = batch[position], uids[position], digests.get(position)
        if known[uid] or uid in accepted:
            verdicts[position] = DUPLICATE
        elif outcome.repeat:
            raise RpsdgError(f"internal error: candidate {outcome.index} was skipped as a repeat, but no earlier "
                             f"candidate made its uid {outcome.uid[:12]} into a record; please report it")
        elif outcome.row is None:
            pass  # rejected by a checker, and no earlier record has its uid: it keeps its check_failed reason
        elif digest is not None and (known[digest] or digest in accepted):
            verdicts[position] = "value_duplicate"
        else:
            accepted.add(uid)
            if digest is not None:
                accepted.add(digest)
    seen.add_batch([key for key in asked if key in accepted])
    return verdicts


def _resume(writer: CorpusWriter, identity: dict[str, Any], seen: Dedup,
            value_spec: KindSpec | None) -> tuple[_Tally, int, int]:
    """The tally, next index and record count of the interrupted build; ``seen`` rebuilt from its written shards
    (with value dedup, ``value_spec``, each written row's value digest too, recomputed from its stored text)."""
    state = writer.restore()
    if state.get("identity") != identity:
        raise RpsdgError(f"--resume: the interrupted build of {writer.out} used other settings (kind, count, "
                         f"levels, seed, format, shard size, generator config, value dedup or rpsdg version); "
                         f"repeat its exact command with --resume, or run without --resume to start over")
    records = 0
    rows = (_written_keys(writer, value_spec) if value_spec is not None
            else ([bytes.fromhex(uid)] for uid in writer.written_uids()))
    for batch in iter(lambda: list(itertools.islice(rows, 4096)), []):
        seen.add_batch([key for keys in batch for key in keys])
        records += len(batch)
    return _Tally.from_json(state["tally"]), int(state["next_index"]), records


def _written_keys(writer: CorpusWriter, spec: KindSpec) -> Iterator[list[bytes]]:
    """Each written row's uid and value digest (if any), from the rows read back from the partial's shards."""
    for row in writer.written_rows():  # the writer keeps no rows; its shards are the record of them
        digest = value_digest(spec, row)
        yield [bytes.fromhex(row["uid"])] + ([digest] if digest is not None else [])


def _manifest(config: BuildConfig, spec: KindSpec, kind_config: Any, tally: _Tally, records: int) -> dict[str, Any]:
    return {
        "manifest_format": MANIFEST_FORMAT, "record_format": RECORD_FORMAT,
        "rpsdg_version": __version__, "kind": spec.name, "generator_version": spec.version,
        "seed": config.seed, "levels": list(config.levels), "count_requested": config.count,
        "records": records, "shortfall": config.count - records,
        "candidates": tally.candidates,
        "records_per_level": {str(k): tally.accepted_per_level[k] for k in config.levels},
        "dropped": dict(sorted(tally.dropped.items())),
        "duplicates": tally.dropped.get("duplicate", 0),
        **({"value_duplicates": tally.dropped.get("value_duplicate", 0)} if config.value_dedup else {}),
        "checks": {name: dict(sorted(counts.items())) for name, counts in sorted(tally.checks.items())},
        "confirmed": {"symbolically": tally.symbolic, "numerically_only": tally.numeric_only},
        **({"stats": tally.stats_json()} if tally.stats else {}),
        "checkers": list(spec.checker_names),
        "config": _config_json(kind_config),
        "build": {"format": config.format, "shard_size": config.shard_size,
                  **({"value_dedup": True} if config.value_dedup else {})},
        "dependencies": {"python": platform.python_version(), "sympy": sympy.__version__,
                         "pyarrow": pyarrow.__version__},
    }
