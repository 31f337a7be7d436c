"""Global dedup in bounded memory: sets of 32-byte uids that spill to sorted runs on disk, optionally partitioned.

The pipeline decides duplicates in index order (the first index wins), so the corpus is a pure function of
(config, seed) whatever the executor. :class:`UidSet` answers exactly what a Python ``set`` would (``add`` returns
whether the uid was new), so swapping it in changes no byte of any corpus; it only bounds memory:

- up to ``in_memory`` uids live in a ``set`` (about 90 bytes each: 100,000 uids ≈ 9 MiB);
- when it is full they are sorted and written as a *run* (a file of sorted 32-byte digests) and the set is emptied;
- a lookup checks the set, then every run: a sparse index in memory (the first uid of each 4 KiB block, 1/128 of
  the run) names the one block to read with ``pread`` and search;
- when there are more than ``max_runs`` runs they are merged into one (a streaming ``heapq.merge``), so a lookup
  costs at most ``max_runs`` block reads. Memory is O(in_memory) plus the sparse indexes (under 1 byte per spilled
  uid: about 6 MiB at 10M uids); disk is 32 bytes/uid.

Partitioned (``--dedup-partitions P``): uid space is cut by prefix into P ranges (:func:`partition_of`), each held
by one *owner* (a :class:`UidSet` of ``in_memory / P`` uids). The pipeline asks in batches
(``add_batch(uids) -> list[bool]``, one call per batch of outcomes, not per uid): the batch's uids are grouped by
partition, keeping index order inside each group (:func:`by_partition`), each owner answers its group in that order,
and the answers are put back in index order (:func:`in_index_order`). Equal uids always fall in the same partition,
so the answers are exactly those of one ``set`` fed in index order: first index wins, for any P. Owners live in this
process (:class:`PartitionedUidSet`) or, with ``--executor ray``, in Ray actors (``run/executors.py``, each actor a
:class:`UidOwner`, which talks in packed bytes: one round-trip per batch per owner, all owners in parallel), so no
process holds more than its partition's in-memory share.

Every dedup structure offers ``add_batch``, ``contains_batch``, ``size`` and ``close``: the pipeline needs no more.
To change the spill format, merge or partition policy, keep the answers exact: the tests compare with ``set``.
"""

from __future__ import annotations

import heapq
import os
import shutil
import tempfile
from bisect import bisect_right
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

UID_BYTES = 32
BLOCK_UIDS = 128
BLOCK_BYTES = BLOCK_UIDS * UID_BYTES


class _Run:
    """One sorted run on disk, searched through a sparse index held in memory.

    The index keeps the first uid of every block of :data:`BLOCK_UIDS` uids (one 4 KiB page), so it costs about
    1/128 of the run; a lookup finds the block by ``bisect`` in the index and reads that one block with ``pread``.
    (An ``mmap`` of the run would count every page a lookup touched in this process's resident memory: at 1M
    uids, 32 MiB of growth.)"""

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size // UID_BYTES
        self._descriptor = os.open(path, os.O_RDONLY)
        self._index = [block[:UID_BYTES] for block in self._blocks()]

    def __len__(self) -> int:
        return self.size

    def _blocks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while block := handle.read(BLOCK_BYTES):
                yield block

    def __contains__(self, uid: bytes) -> bool:
        block_number = bisect_right(self._index, uid) - 1
        if block_number < 0:
            return False
        block = os.pread(self._descriptor, BLOCK_BYTES, block_number * BLOCK_BYTES)
        low, high = 0, len(block) // UID_BYTES
        while low < high:  # bisect_left over the block's uids, without slicing all of them
            middle = (low + high) // 2
            if block[middle * UID_BYTES:(middle + 1) * UID_BYTES] < uid:
                low = middle + 1
            else:
                high = middle
        return block[low * UID_BYTES:(low + 1) * UID_BYTES] == uid

    def __iter__(self) -> Iterator[bytes]:
        for block in self._blocks():
            for start in range(0, len(block), UID_BYTES):
                yield block[start:start + UID_BYTES]

    def close(self) -> None:
        os.close(self._descriptor)


class UidSet:
    """A set of 32-byte uids whose memory stays bounded (see the module docstring). Use as a context manager, or
    call :meth:`close` to remove its spill directory."""

    def __init__(self, in_memory: int = 100_000, max_runs: int = 8, spill_dir: Path | None = None):
        if in_memory < 1 or max_runs < 2:
            raise ValueError("UidSet needs in_memory >= 1 and max_runs >= 2")
        self.in_memory, self.max_runs, self._spill_parent = in_memory, max_runs, spill_dir
        self._memory: set[bytes] = set()
        self._runs: list[_Run] = []
        self._directory: Path | None = None
        self._count = 0
        self._serial = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, uid: bytes) -> bool:
        return uid in self._memory or any(uid in run for run in self._runs)

    def add(self, uid: bytes) -> bool:
        """Add ``uid``; returns whether it was new (``False``: a duplicate, nothing changes)."""
        if len(uid) != UID_BYTES:
            raise ValueError(f"uid of {len(uid)} bytes; uids are {UID_BYTES}-byte sha256 digests")
        if uid in self:
            return False
        self._memory.add(uid)
        self._count += 1
        if len(self._memory) >= self.in_memory:
            self._spill()
        return True

    def update(self, uids: Iterable[bytes]) -> None:
        for uid in uids:
            self.add(uid)

    def add_batch(self, uids: Sequence[bytes]) -> list[bool]:
        """``add`` each uid in order; whether each was new (a uid repeated in the batch is new only once)."""
        return [self.add(uid) for uid in uids]

    def contains_batch(self, uids: Sequence[bytes]) -> list[bool]:
        """Whether each uid is held already (nothing is added)."""
        return [uid in self for uid in uids]

    def size(self) -> int:
        return self._count

    @property
    def runs(self) -> int:
        """How many sorted runs are on disk now (0 while everything fits in memory)."""
        return len(self._runs)

    def _new_path(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix=".rpsdg-uids-", dir=self._spill_parent))
        self._serial += 1
        return self._directory / f"run-{self._serial:06d}.bin"

    def _write_run(self, uids: Iterable[bytes]) -> _Run:
        path = self._new_path()
        with path.open("wb") as handle:
            buffer = []
            for uid in uids:
                buffer.append(uid)
                if len(buffer) == 4096:
                    handle.write(b"".join(buffer))
                    buffer = []
            handle.write(b"".join(buffer))
        return _Run(path)

    def _spill(self) -> None:
        self._runs.append(self._write_run(sorted(self._memory)))
        self._memory = set()
        if len(self._runs) > self.max_runs:
            merged = self._write_run(heapq.merge(*self._runs))  # runs are disjoint: no duplicates to drop
            for run in self._runs:
                run.close()
                run.path.unlink()
            self._runs = [merged]

    def close(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._memory = set()
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None

    def __enter__(self) -> "UidSet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # a forgotten close() must not leave files behind
        try:
            self.close()
        except Exception:  # interpreter shutdown: best effort
            pass


def partition_of(uid: bytes, partitions: int) -> int:
    """The partition (``0 .. partitions - 1``) that owns ``uid``: its first 8 bytes scaled to ``partitions`` equal
    ranges, so each owner holds a contiguous range of uid space (sha256 digests spread evenly over them)."""
    return (int.from_bytes(uid[:8], "big") * partitions) >> 64


def by_partition(uids: Sequence[bytes], partitions: int) -> list[list[int]]:
    """The positions of ``uids`` grouped by partition, in index order within each group."""
    groups: list[list[int]] = [[] for _ in range(partitions)]
    for position, uid in enumerate(uids):
        if len(uid) != UID_BYTES:
            raise ValueError(f"uid of {len(uid)} bytes; uids are {UID_BYTES}-byte sha256 digests")
        groups[partition_of(uid, partitions)].append(position)
    return groups


def in_index_order(count: int, groups: Sequence[Sequence[int]], answers: Sequence[Sequence[bool]]) -> list[bool]:
    """Each group's answers put back at their positions."""
    result = [False] * count
    for positions, group_answers in zip(groups, answers):
        if len(positions) != len(group_answers):
            raise ValueError(f"an owner answered {len(group_answers)} uids of {len(positions)}")
        for position, answer in zip(positions, group_answers):
            result[position] = answer
    return result


def pack(uids: Sequence[bytes]) -> bytes:
    """Uids as one byte string (what travels to an owner in another process: one object, not a list of them)."""
    return b"".join(uids)


def unpack(blob: bytes) -> list[bytes]:
    if len(blob) % UID_BYTES:
        raise ValueError(f"a packed batch of {len(blob)} bytes is not a whole number of {UID_BYTES}-byte uids")
    return [blob[start:start + UID_BYTES] for start in range(0, len(blob), UID_BYTES)]


def pack_answers(answers: Sequence[bool]) -> bytes:
    return bytes(answers)


def unpack_answers(blob: bytes) -> list[bool]:
    return [bool(byte) for byte in blob]


class UidOwner:
    """One partition's owner, speaking packed bytes (the body of a Ray actor in ``run/executors.py``; plain Python
    so it can be tested without Ray)."""

    def __init__(self, in_memory: int, max_runs: int = 8, spill_dir: str | None = None):
        self.uids = UidSet(in_memory, max_runs, Path(spill_dir) if spill_dir else None)

    def add_packed(self, blob: bytes) -> bytes:
        return pack_answers(self.uids.add_batch(unpack(blob)))

    def contains_packed(self, blob: bytes) -> bytes:
        return pack_answers(self.uids.contains_batch(unpack(blob)))

    def size(self) -> int:
        return len(self.uids)

    def close(self) -> None:
        self.uids.close()


def partitioned_ask(uids: Sequence[bytes], partitions: int,
                    ask_all: Callable[[list[list[bytes]]], Sequence[Sequence[bool]]]) -> list[bool]:
    """Group ``uids`` by partition, let ``ask_all`` answer every partition's group (one list of uids per partition,
    in index order; empty groups included) and return the answers in index order."""
    groups = by_partition(uids, partitions)
    answers = ask_all([[uids[position] for position in positions] for positions in groups])
    return in_index_order(len(uids), groups, answers)


class PartitionedUidSet:
    """P owners in this process, each a :class:`UidSet` of its partition with ``in_memory / P`` uids in memory:
    the same answers as one ``UidSet`` (tests), the shape the Ray owners take (``run/executors.py``)."""

    def __init__(self, partitions: int, in_memory: int = 100_000, max_runs: int = 8, spill_dir: Path | None = None):
        if partitions < 1:
            raise ValueError("PartitionedUidSet needs at least 1 partition")
        self.partitions = partitions
        share = max(1, in_memory // partitions)
        self.owners = [UidSet(share, max_runs, spill_dir) for _ in range(partitions)]

    def add_batch(self, uids: Sequence[bytes]) -> list[bool]:
        return partitioned_ask(uids, self.partitions,
                               lambda groups: [owner.add_batch(group) for owner, group in zip(self.owners, groups)])

    def contains_batch(self, uids: Sequence[bytes]) -> list[bool]:
        return partitioned_ask(uids, self.partitions, lambda groups: [
            owner.contains_batch(group) for owner, group in zip(self.owners, groups)])

    def size(self) -> int:
        return sum(len(owner) for owner in self.owners)

    def close(self) -> None:
        for owner in self.owners:
            owner.close()

    def __enter__(self) -> "PartitionedUidSet":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def default_spill_dir(out: Path) -> Path:
    """Spill beside the output (the same disk the corpus is going to), falling back to the system temp dir."""
    parent = out.resolve().parent
    return parent if parent.is_dir() and os.access(parent, os.W_OK) else Path(tempfile.gettempdir())
