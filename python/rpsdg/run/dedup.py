"""Global dedup in bounded memory: a set of 32-byte uids that spills to sorted runs on disk.

The pipeline decides duplicates in index order (the first index wins), so the corpus is a pure function of
(config, seed) whatever the executor. :class:`UidSet` answers exactly what a Python ``set`` would (``add`` returns
whether the uid was new), so swapping it in changes no byte of any corpus; it only bounds memory:

- up to ``in_memory`` uids live in a ``set`` (about 90 bytes each: 100,000 uids ≈ 9 MiB);
- when it is full they are sorted and written as a *run* (a file of sorted 32-byte digests) and the set is emptied;
- a lookup checks the set, then binary-searches every run through ``mmap`` (the page cache, not this process's heap);
- when there are more than ``max_runs`` runs they are merged into one (a streaming ``heapq.merge``), so a lookup
  costs at most ``max_runs`` binary searches. Memory is O(in_memory) whatever the corpus size; disk is 32 bytes/uid.

Many machines (design, not built): partition uids by their first byte(s) over P owners (e.g. Ray actors, each with a
``UidSet`` of its partition); the driver still consumes outcomes in index order and sends each batch's uids, grouped
by partition, to their owners, which answer "new or seen" in index order within the batch. First index still wins
and no process holds more than its partition's in-memory share.

To change the spill format or merge policy, keep ``add``/``__contains__`` exact: the tests compare with ``set``.
"""

from __future__ import annotations

import heapq
import mmap
import os
import shutil
import tempfile
from bisect import bisect_left
from pathlib import Path
from typing import Iterable, Iterator

UID_BYTES = 32


class _Run:
    """One sorted run on disk, readable as a sequence of 32-byte digests (so ``bisect`` can search it)."""

    def __init__(self, path: Path):
        self.path = path
        self.size = path.stat().st_size // UID_BYTES
        self._file = path.open("rb")
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self.size else None

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, position: int) -> bytes:
        start = position * UID_BYTES
        return self._map[start:start + UID_BYTES]

    def __contains__(self, uid: bytes) -> bool:
        position = bisect_left(self, uid)
        return position < self.size and self[position] == uid

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while block := handle.read(UID_BYTES * 4096):
                for start in range(0, len(block), UID_BYTES):
                    yield block[start:start + UID_BYTES]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()


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


def default_spill_dir(out: Path) -> Path:
    """Spill beside the output (the same disk the corpus is going to), falling back to the system temp dir."""
    parent = out.resolve().parent
    return parent if parent.is_dir() and os.access(parent, os.W_OK) else Path(tempfile.gettempdir())
