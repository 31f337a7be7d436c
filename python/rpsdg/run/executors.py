"""Where the items of a build are made: in this process, in local worker processes, or on a Ray cluster.

An executor turns an :class:`~rpsdg.run.items.ItemTask` and an index range into outcomes **in index order**
(``outcomes(task, start, limit)``); the pipeline consumes them in that order, so dedup, drop counts and shard bytes do
not depend on the executor, the number of workers or nodes, or scheduling. Work travels in chunks of consecutive
indices (``ItemTask.produce_range``); at most ``window`` chunks are in flight, so memory stays bounded however far
ahead the workers are.

Repeats (``run/items.py``): a candidate whose uid the driver has made into a record is not checked. The in-process
executor asks the driver's dedup set (``KnownRecords``) before it checks. Worker processes and Ray tasks get, with
every chunk, the last :data:`HOT_RECORDS` records that repeated (which the driver notes as it decides duplicates:
records made before the chunk, so the skip is exact), and also skip repeats within their chunk.
(Running each chunk as two tasks, generate then check, with the driver naming the repeats in between, was measured
and dropped: every row crossed between processes three times, and at equations levels 1-2 the workers' CPU time
fell only from 32.3 s to 28.5 s while the driver's rose from 3.2 s to 4.2 s; docs/speed.md, "Round 4".)

Faults never hang a build:

- ``ProcessExecutor`` (``--workers N``): a worker that dies (killed, out of memory, ``os._exit``) breaks the pool;
  the build stops at once with :class:`ExecutorError` naming the process, its exit code and the items it was making.
  A chunk not done ``task_timeout`` seconds after the build started waiting for it (a stuck worker) stops the build
  the same way. The pipeline keeps the partial build, so ``--resume`` continues from the last complete shard.
- ``RayExecutor`` (``--executor ray``): a task whose worker dies is retried by Ray (``max_retries``); a task that runs
  past ``task_timeout`` is cancelled and resubmitted; when retries run out, :class:`ExecutorError`.

Dedup owners (``run/dedup.py``) come from the executor too (``dedup(partitions, in_memory, spill_dir)``): ``0``
partitions is one ``UidSet`` in the driver; ``P >= 1`` is P owners by uid prefix, in this process for the local
executors and P Ray actors (:class:`RayUidSet`, ``num_cpus=0`` so they take no CPU from item tasks) for Ray. The
pipeline calls ``close()`` on the executor at the end (Ray is stopped there if the executor started it).

To add an executor: a class with ``outcomes(task, start, limit) -> Iterator[Outcome]``, ``dedup(...)``,
``close()`` and a ``name``, and a branch in :func:`make_executor`.

Fault injection for tests: ``RPSDG_FAULT_EXIT_AT=K`` makes the worker that is about to make item K exit with
``os._exit(70)``; ``RPSDG_FAULT_EXIT_AT=K:PATH`` does so only once (while PATH does not exist; it is created first),
so a retry succeeds; ``RPSDG_FAULT_HANG_AT=K`` makes it sleep for ever instead. Only worker-side code reads them
(never the in-process executor), once per chunk.
"""

from __future__ import annotations

import os
import re
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence, TypeVar

from rpsdg.errors import RpsdgError
from rpsdg.run.dedup import PartitionedUidSet, UidOwner, UidSet, pack, partitioned_ask, unpack_answers
from rpsdg.run.items import ItemTask, Outcome, RecentRecords

CHUNK = 16
"""Indices per unit of work: small enough that a lost chunk costs little, big enough to amortise the transfer."""

RECENT_RECORDS = 4096
"""Rows the in-process executor remembers to skip the checks of their repeats (about 0.5 MiB)."""

HOT_RECORDS = 1024
"""Records that repeated, sent with every chunk to worker processes so they skip the checks of further repeats
(about 70 KB pickled per chunk)."""

FAULT_ENV = "RPSDG_FAULT_EXIT_AT"
HANG_ENV = "RPSDG_FAULT_HANG_AT"
RESUME_HINT = "completed shards are kept: run the same command with --resume to continue from the last one"

Handle = TypeVar("Handle")


class ExecutorError(RpsdgError):
    """Work was lost: a worker died or a task ran out of retries. The partial build is kept for ``--resume``."""


class Dedup(Protocol):
    """What the pipeline asks of a dedup structure (``run/dedup.py``); answers are in index order."""

    def add_batch(self, uids: Sequence[bytes]) -> list[bool]: ...

    def contains_batch(self, uids: Sequence[bytes]) -> list[bool]: ...

    def size(self) -> int: ...

    def close(self) -> None: ...


class KnownRecords:
    """What the consumer (the build's driver) knows of the records it made, for executors that skip the checks of
    repeats: ``uid in known`` asks its dedup set (exact, for an executor in the driver's process); ``repeated``
    holds the last :data:`HOT_RECORDS` records that a later candidate repeated, fed by the driver as it decides
    duplicates (for workers: every record in it precedes every chunk not yet submitted, so the skip is exact)."""

    def __init__(self, seen: Dedup):
        self._seen = seen
        self.repeated = RecentRecords(HOT_RECORDS)

    def __contains__(self, uid: object) -> bool:
        return isinstance(uid, str) and self._seen.contains_batch([bytes.fromhex(uid)])[0]


class Executor(Protocol):
    name: str

    def outcomes(self, task: ItemTask, start: int, limit: int,
                 known: KnownRecords | None = None) -> Iterator[Outcome]:
        """Outcomes of candidates ``start, start + 1, ... < limit`` in index order; the consumer may stop early.

        ``known`` (optional): what the consumer knows of the records it made, so the checks of repeats can be
        skipped (``run/items.py``)."""
        ...

    def dedup(self, partitions: int, in_memory: int, spill_dir: Path | None) -> Dedup:
        """The dedup structure for a build (see the module docstring)."""
        ...

    def close(self) -> None:
        """Release what the executor started (after ``dedup(...).close()``)."""
        ...


def local_dedup(partitions: int, in_memory: int, spill_dir: Path | None) -> Dedup:
    """One ``UidSet`` in this process (``partitions == 0``, the default) or ``partitions`` owners in this process."""
    if partitions == 0:
        return UidSet(in_memory, spill_dir=spill_dir)
    return PartitionedUidSet(partitions, in_memory, spill_dir=spill_dir)


class _LocalDedup:
    def dedup(self, partitions: int, in_memory: int, spill_dir: Path | None) -> Dedup:
        return local_dedup(partitions, in_memory, spill_dir)

    def close(self) -> None:
        pass


def produce_chunk(task: ItemTask, first: int, stop: int, records: frozenset[str] = frozenset()) -> list[Outcome]:
    """The worker-side unit of work (a worker process or a Ray task): ``task.produce_range`` plus the fault hook."""
    _maybe_inject_fault(first, stop)
    return task.produce_range(first, stop, records)


def _repeated(known: KnownRecords | None) -> frozenset[str]:
    """The records that repeated, to send with a chunk about to be submitted."""
    return known.repeated.snapshot() if known is not None else frozenset()


def _maybe_inject_fault(first: int, stop: int) -> None:
    hang = os.environ.get(HANG_ENV)
    if hang and first <= int(hang) < stop:
        import time

        while True:
            time.sleep(3600)
    setting = os.environ.get(FAULT_ENV)
    if not setting:
        return
    index_text, _, marker = setting.partition(":")
    if not first <= int(index_text) < stop:
        return
    if marker:
        try:
            Path(marker).touch(exist_ok=False)
        except FileExistsError:
            return  # already died once: let the retry succeed
    os._exit(70)


def _in_order(submit: Callable[[int, int], Handle], start: int, limit: int, chunk: int,
              window: int) -> Iterator[tuple[int, int, Handle]]:
    """Submit chunks of ``[start, limit)`` keeping ``window`` in flight; yield (first, stop, handle) in index order."""
    pending: deque[tuple[int, int, Handle]] = deque()
    next_first = start
    while pending or next_first < limit:
        while len(pending) < window and next_first < limit:
            stop = min(next_first + chunk, limit)
            pending.append((next_first, stop, submit(next_first, stop)))
            next_first = stop
        yield pending.popleft()


class InlineExecutor(_LocalDedup):
    """Everything in this process, one item after another (``--workers 1``). A repeat is not checked when ``known``
    says its uid is a record already, or when it repeats one of the last :data:`RECENT_RECORDS` rows made here (not
    yet consumed, so not yet in the consumer's dedup set)."""

    name = "inline"

    def outcomes(self, task: ItemTask, start: int, limit: int,
                 known: KnownRecords | None = None) -> Iterator[Outcome]:
        return task.produce_each(start, limit, known if known is not None else frozenset(), RECENT_RECORDS)


class ProcessExecutor(_LocalDedup):
    """``workers`` local processes (``spawn``: a forked child of a parent that already runs pyarrow or SymPy
    threads can deadlock). Built on ``concurrent.futures``, whose pool notices a dead worker, unlike
    ``multiprocessing.Pool``, which waits forever for the results of a worker that is gone."""

    name = "process"

    def __init__(self, workers: int, chunk: int = CHUNK, task_timeout: float | None = 900.0):
        self.workers, self.chunk, self.task_timeout = workers, chunk, task_timeout

    def outcomes(self, task: ItemTask, start: int, limit: int,
                 known: KnownRecords | None = None) -> Iterator[Outcome]:
        """With ``known``, every chunk travels with ``known.repeated``, and its worker does not check their
        repeats."""
        import multiprocessing

        pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        clean = False
        try:
            def submit(first: int, stop: int) -> Future:
                return pool.submit(produce_chunk, task, first, stop, _repeated(known))

            waiting_for = start
            try:
                for first, stop, future in _in_order(submit, start, limit, self.chunk, 4 * self.workers):
                    waiting_for = first
                    try:
                        outcomes = future.result(timeout=self.task_timeout)
                    except FuturesTimeout:
                        raise ExecutorError(f"--workers {self.workers}: items {first}..{stop - 1} were not done "
                                            f"{self.task_timeout:g} s after the build started waiting for them (a "
                                            f"stuck worker); the build stopped and {RESUME_HINT}") from None
                    yield from outcomes
            except BrokenProcessPool:  # from result() or from submit() once the pool knows
                raise ExecutorError(f"--workers {self.workers}: {_dead_workers(pool)} while items from "
                                    f"{waiting_for} on were being made; the build stopped and {RESUME_HINT} (exit "
                                    f"code -9 is SIGKILL, often the out-of-memory killer: lower --workers)"
                                    ) from None
            clean = True
        finally:
            if not clean:
                _terminate(pool)
            pool.shutdown(wait=clean, cancel_futures=True)


def _worker_processes(pool: ProcessPoolExecutor) -> list[Any]:
    # ``_processes`` is the pool's own table of its workers (CPython 3.8-3.13); without it we name no process.
    return list((getattr(pool, "_processes", None) or {}).values())


def _dead_workers(pool: ProcessPoolExecutor) -> str:
    """Which worker died and how. The pool SIGTERMs the other workers once one is gone: their ``-15`` is only named
    when nothing else explains the failure."""
    processes = _worker_processes(pool)
    for process in processes:
        process.join(1.0)  # a dead child's pipe closes just before it becomes waitable: wait for its exit code
    exited = [p for p in processes if p.exitcode is not None]
    dead = [p for p in exited if p.exitcode != -signal.SIGTERM] or exited
    return "; ".join(f"worker process {p.pid} exited with code {p.exitcode}" for p in dead) or "a worker process died"


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now: after a failure or an early stop nobody waits for chunks in progress."""
    for process in _worker_processes(pool):
        if process.exitcode is None:
            process.terminate()


class RayExecutor:
    """Ray tasks of (task, index range) → outcomes; without ``address`` a local Ray with ``num_cpus`` CPUs.

    Ray retries a task whose worker process or node died (``max_retries``); a task still running after
    ``task_timeout`` seconds is cancelled and resubmitted (up to ``max_retries`` times). Every task is a pure function
    of its arguments, so a retry gives the same outcomes. On a cluster, every node needs rpsdg installed (the same
    version as the driver; the manifest records it)."""

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int = 2, max_retries: int = 3,
                 task_timeout: float = 600.0, chunk: int = CHUNK):
        self.address, self.num_cpus, self.max_retries = address, num_cpus, max_retries
        self.task_timeout, self.chunk = task_timeout, chunk
        self._started = False  # whether this executor started the Ray it uses (then ``close`` stops it)
        import_ray()  # a missing Ray is refused before the build creates anything

    def start(self) -> Any:
        """Ray, started (locally or connected to ``address``) unless it already runs; returns the module."""
        ray = import_ray()
        if not ray.is_initialized():
            self._init(ray)
            self._started = True
        return ray

    def close(self) -> None:
        """Stop Ray if this executor started it."""
        if self._started:
            import_ray().shutdown()
            self._started = False

    def dedup(self, partitions: int, in_memory: int, spill_dir: Path | None) -> Dedup:
        """P Ray actors owning uid partitions (``partitions >= 1``); ``0`` keeps one ``UidSet`` in the driver."""
        if partitions == 0:
            return UidSet(in_memory, spill_dir=spill_dir)
        return RayUidSet(self.start(), partitions, in_memory)

    def outcomes(self, task: ItemTask, start: int, limit: int,
                 known: KnownRecords | None = None) -> Iterator[Outcome]:
        """With ``known``, every task gets ``known.repeated``, as ``ProcessExecutor``'s chunks do (a retried task
        gets none)."""
        ray = import_ray()
        started_here = not ray.is_initialized()  # not started by dedup(): stop it when the outcomes end
        self.start()
        try:
            remote = ray.remote(max_retries=self.max_retries, retry_exceptions=False)(produce_chunk)
            task_ref = ray.put(task)
            window = 4 * max(1, int(ray.cluster_resources().get("CPU", self.num_cpus)))

            def submit(first: int, stop: int) -> Any:
                return remote.remote(task_ref, first, stop, _repeated(known))

            for first, stop, ref in _in_order(submit, start, limit, self.chunk, window):
                yield from self._result(ray, remote, task_ref, first, stop, ref)
        finally:
            if started_here:
                self.close()

    def _init(self, ray: Any) -> None:
        try:
            if self.address:
                ray.init(address=self.address, logging_level="WARNING", log_to_driver=False)
            else:
                ray.init(num_cpus=self.num_cpus, include_dashboard=False, logging_level="WARNING",
                         log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray"
            raise ExecutorError(f"--executor ray: cannot start or reach {where} ({error}); check --ray-address "
                                f"(`ray status` on the head node prints it) or run without --executor ray") from None

    def _result(self, ray: Any, remote: Any, task_ref: Any, first: int, stop: int, ref: Any) -> list[Outcome]:
        for attempt in range(self.max_retries + 1):
            try:
                return ray.get(ref, timeout=self.task_timeout)
            except ray.exceptions.GetTimeoutError:
                ray.cancel(ref, force=True)
                ref = remote.remote(task_ref, first, stop)
            except ray.exceptions.RayError as error:
                raise ExecutorError(f"--executor ray: items {first}..{stop - 1} failed after {self.max_retries} "
                                    f"retries ({_ray_error_summary(error)}); "
                                    f"{RESUME_HINT}") from None
        raise ExecutorError(f"--executor ray: items {first}..{stop - 1} ran past {self.task_timeout:g} s "
                            f"{self.max_retries + 1} times; {RESUME_HINT}")


class RayUidSet:
    """Dedup owners as Ray actors: partition ``p`` of uid space lives in actor ``p`` (a :class:`UidOwner` with
    ``in_memory / partitions`` uids in memory, spilling to the actor node's temp dir). A batch costs one round-trip:
    every owner gets its group as one packed byte string at once and the driver waits for all answers. An actor
    that dies loses its partition: the build stops with :class:`ExecutorError` and ``--resume`` (which rebuilds the
    set from the written shards) continues it."""

    def __init__(self, ray: Any, partitions: int, in_memory: int, max_runs: int = 8):
        self.ray, self.partitions = ray, partitions
        owner = ray.remote(num_cpus=0, max_restarts=0)(UidOwner)
        share = max(1, in_memory // partitions)
        self.actors = [owner.remote(share, max_runs) for _ in range(partitions)]

    def _ask(self, method: str, groups: list[list[bytes]]) -> list[list[bool]]:
        refs = [getattr(actor, method).remote(pack(group)) if group else None
                for actor, group in zip(self.actors, groups)]
        try:
            answers = self.ray.get([ref for ref in refs if ref is not None])
        except self.ray.exceptions.RayError as error:
            raise ExecutorError(f"--dedup-partitions {self.partitions}: a dedup owner (Ray actor) failed "
                                f"({_ray_error_summary(error)}); its partition of "
                                f"seen uids is lost, so the build stopped; {RESUME_HINT}") from None
        replies = iter(answers)
        return [unpack_answers(next(replies)) if ref is not None else [] for ref in refs]

    def add_batch(self, uids: Sequence[bytes]) -> list[bool]:
        return partitioned_ask(uids, self.partitions, lambda groups: self._ask("add_packed", groups))

    def contains_batch(self, uids: Sequence[bytes]) -> list[bool]:
        return partitioned_ask(uids, self.partitions, lambda groups: self._ask("contains_packed", groups))

    def size(self) -> int:
        return sum(self.ray.get([actor.size.remote() for actor in self.actors]))

    def close(self) -> None:
        if not self.actors:
            return
        try:
            self.ray.get([actor.close.remote() for actor in self.actors], timeout=60)
        except Exception:  # a dead actor or a Ray already stopped: killing below is all that is left to do
            pass
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:
                pass
        self.actors = []


_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _ray_error_summary(error: Exception) -> str:
    """A Ray error in one line: its type, the task line (``ray::produce_chunk() (pid=…)``) and, where the message
    goes on, its last line, which names the cause (``DeserializationError``, ``MemoryError`` …)."""
    lines = [line.strip() for line in _ANSI_COLOUR.sub("", str(error)).splitlines() if line.strip()]
    if not lines:
        return type(error).__name__
    shown = lines[0][:300] if len(lines) == 1 else f"{lines[0][:200]} … {lines[-1][:200]}"
    return f"{type(error).__name__}: {shown}"


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ExecutorError("--executor ray: Ray is not installed; install it with `pip install 'rpsdg[ray]'` "
                            "(or `pip install ray`), or use the local process executor (--workers N)") from None
    return ray


EXECUTORS = ("process", "ray")


def make_executor(name: str, workers: int, ray_address: str | None = None) -> Executor:
    """The executor ``rpsdg build --executor NAME`` asks for. ``workers`` is the number of local processes
    (``process``) or the CPUs of a local Ray (``ray`` without an address; default 2)."""
    if name == "process":
        return InlineExecutor() if workers == 1 else ProcessExecutor(workers)
    if name == "ray":
        return RayExecutor(ray_address, num_cpus=workers if workers > 1 else 2)
    raise RpsdgError(f"--executor {name!r}: unknown executor; choose one of {', '.join(EXECUTORS)}")
