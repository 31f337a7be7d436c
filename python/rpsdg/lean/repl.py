"""A pool of warm Lean REPLs that checks rendered items many at a time: the checker that keeps up with generation.

Why: ``lake env lean`` per module pays ``import Mathlib`` (5-50 s, 6-9 GB) on every call. A REPL process
(leanprover-community/repl, pinned in ``REPL_PIN``) imports the header once (``{"cmd": "import Mathlib\\n…"}`` →
``env 0``) and then checks any number of commands against that environment.

Flow (:func:`check_project_repl`): the rendered project's modules are cut into *obligations*, one per item (its lines
from ``linemap.json``, its header = the module's imports, its step ranges) → obligations already in the
:class:`ResultCache` (content hash of toolchain, Mathlib, header and text; an append-only JSONL file, so a killed run
resumes where it stopped) are skipped → the rest are grouped by header into *batches* (up to ``batch_size`` items and
``batch_chars`` characters, one REPL command each, every item followed by ``#print axioms`` for its theorems) → each
worker thread owns one REPL process (address-space limit ``memory_mb``; restarted after ``max_uses`` commands, after
a timeout and after a crash) and runs batches against its ``env`` with a time limit of ``per_obligation_s`` per item
in the batch → the response's messages are mapped back to item and step by line (REPL lines are 1-based within the
command, columns 0-based) → a batch that times out, crashes the REPL or has an error outside every item is split in
halves until the culprit is alone; alone, it is ``timeout`` / ``out_of_memory`` / ``repl_crash``.

Acceptance (as DeepSeek-Prover, Goedel and Kimina check): no ``error`` message, no ``sorries``, no
``declaration uses 'sorry'`` warning, and ``#print axioms`` naming only the standard axioms.

Wire format (README of leanprover-community/repl): one JSON object per request, requests separated by a blank line;
each response is one JSON object followed by a blank line: ``{"env": n, "messages"?: [...], "sorries"?: [...]}``,
or ``{"message": "…"}`` when the REPL itself fails (``Unknown environment.``, ``Lean error: …``).
To add a check: fold it into :func:`map_response` (per obligation, by line).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import select
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from rpsdg.errors import RpsdgError
from rpsdg.lean.messages import STANDARD_AXIOMS, LeanMessage, ModuleInfo, parse_axioms

REPL_PIN = {"repo": "https://github.com/leanprover-community/repl", "rev": "v4.34.0",
            "note": "the tag matching the Lean pin (lean/project.py PIN); the repl repository tags one release per "
                    "Lean version. Build it with `lake build` in its checkout, run it as `lake env PATH/TO/repl` "
                    "inside the rendered project"}
"""Why the Lean REPL and not LeanInteract: LeanInteract's supported range ends at Lean v4.29.0-rc1 (formats.md §2)
while our pin is v4.34.0; the REPL is tagged per Lean version, has no Python dependency, and its JSON protocol is small
enough to own (restart, batching and caching are here, where we can test them)."""

RESULTS_FILE = "repl-results.jsonl"
SORRY_WARNING = "declaration uses 'sorry'"


class ReplFailure(RpsdgError):
    """The REPL answered ``{"message": …}`` (unknown environment, Lean error) or unparsable output."""


class ReplTimeout(RpsdgError):
    """A command ran past its time limit (the process is killed and restarted)."""


class ReplCrashed(RpsdgError):
    """The REPL process died (out of memory under its address-space limit, or a crash)."""

    def __init__(self, message: str, out_of_memory: bool):
        super().__init__(message)
        self.out_of_memory = out_of_memory


# -- obligations, requests, responses ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Obligation:
    """One item to check: its Lean text and where its steps are (lines relative to ``text``, 1-based)."""

    uid: str
    header: str
    """The import lines it needs (``""`` for core-only Int items): one warm REPL environment per header."""
    text: str
    theorems: tuple[str, ...]
    """Names of the theorems it declares (checked with ``#print axioms``)."""
    steps: tuple[tuple[int, int, int | None], ...] = ()
    """``(first_line, last_line, step)`` within ``text``; step None for the statement and closing lines."""

    def key(self, toolchain: str, mathlib: str) -> str:
        """Content hash: the same text under the same toolchain, Mathlib and header is never checked twice."""
        return hashlib.sha256("\0".join((toolchain, mathlib, self.header, self.text)).encode()).hexdigest()

    def step_at(self, line: int) -> int | None:
        for first, last, step in self.steps:
            if first <= line <= last:
                return step
        return None


@dataclass(frozen=True)
class ObligationResult:
    uid: str
    status: str
    """``passed`` | ``failed`` | ``timeout`` | ``out_of_memory`` | ``repl_crash``."""
    detail: str = ""
    step: int | None = None
    limit_s: float = 0.0
    """The per-obligation time limit it ran under (a ``timeout`` is retried under a larger one)."""


def encode_request(request: Mapping[str, Any]) -> bytes:
    """One request on the wire: its JSON, then a blank line (the REPL's separator)."""
    return (json.dumps(request, ensure_ascii=False) + "\n\n").encode("utf-8")


def command_request(text: str, env: int | None) -> dict[str, Any]:
    """``{"cmd": text}`` in a fresh environment, or ``{"cmd": text, "env": env}`` on a warm one."""
    return {"cmd": text} if env is None else {"cmd": text, "env": env}


def split_responses(buffer: str) -> tuple[list[dict[str, Any]], str]:
    """Complete responses in ``buffer`` (each a JSON object ended by a blank line) and the unfinished rest."""
    responses = []
    while "\n\n" in buffer:
        chunk, buffer = buffer.split("\n\n", 1)
        if not chunk.strip():
            continue
        try:
            value = json.loads(chunk)
        except json.JSONDecodeError as error:
            raise ReplFailure(f"REPL output is not JSON ({error}): {chunk[:200]!r}") from None
        if not isinstance(value, dict):
            raise ReplFailure(f"REPL output is not a JSON object: {chunk[:200]!r}")
        responses.append(value)
    return responses, buffer


@dataclass(frozen=True)
class Batch:
    """Several obligations as one REPL command: their texts joined, each followed by ``#print axioms``."""

    obligations: tuple[Obligation, ...]
    text: str
    spans: tuple[tuple[int, int], ...]
    """``(first_line, last_line)`` of each obligation (its ``#print axioms`` lines included) in ``text``."""

    @staticmethod
    def of(obligations: Sequence[Obligation]) -> "Batch":
        lines: list[str] = []
        spans = []
        for obligation in obligations:
            first = len(lines) + 1
            lines.extend(obligation.text.split("\n"))
            lines.extend(f"#print axioms {name}" for name in obligation.theorems)
            spans.append((first, len(lines)))
            lines.append("")
        return Batch(tuple(obligations), "\n".join(lines), tuple(spans))

    def owner(self, line: int) -> int | None:
        for index, (first, last) in enumerate(self.spans):
            if first <= line <= last:
                return index
        return None


def _messages(response: Mapping[str, Any]) -> list[LeanMessage]:
    found = []
    for message in response.get("messages") or []:
        pos = message.get("pos") or {}
        found.append(LeanMessage(str(message.get("severity", "")), int(pos.get("line", 0)),
                                 int(pos.get("column", 0)), str(message.get("data", ""))))
    return found


def map_response(batch: Batch, response: Mapping[str, Any], limit_s: float = 0.0
                 ) -> tuple[list[ObligationResult], list[str]]:
    """Per-obligation results of one batch response, and the problems no obligation owns (the caller splits the
    batch on those). Raises :class:`ReplFailure` for a REPL-level failure (``{"message": …}``)."""
    if "message" in response and "env" not in response:
        raise ReplFailure(f"REPL failure: {str(response['message'])[:300]}")
    results = [ObligationResult(o.uid, "passed", limit_s=limit_s) for o in batch.obligations]
    orphans: list[str] = []

    def fail(line: int, text: str) -> None:
        index = batch.owner(line)
        if index is None:
            orphans.append(f"line {line}: {text[:200]}")
            return
        obligation = batch.obligations[index]
        if results[index].status == "passed":
            relative = line - batch.spans[index][0] + 1
            results[index] = ObligationResult(obligation.uid, "failed", text[:300], obligation.step_at(relative),
                                              limit_s)

    messages = _messages(response)
    for message in messages:
        if message.severity == "error" or SORRY_WARNING in message.text:
            fail(message.line, message.text)
    for entry in response.get("sorries") or []:
        fail(int((entry.get("pos") or {}).get("line", 0)), f"sorry: {entry.get('goal', '')}")
    axioms = parse_axioms(messages)
    for index, obligation in enumerate(batch.obligations):
        if results[index].status != "passed":
            continue
        for name in obligation.theorems:
            used = axioms.get(name)
            if used is None:
                results[index] = ObligationResult(obligation.uid, "failed", f"#print axioms gave nothing for {name}",
                                                  None, limit_s)
                break
            if not used <= STANDARD_AXIOMS:
                results[index] = ObligationResult(obligation.uid, "failed", f"{name} uses non-standard axioms "
                                                  f"{sorted(used - STANDARD_AXIOMS)}", None, limit_s)
                break
    return results, orphans


# -- one REPL process ----------------------------------------------------------------------------------------------

class Session(Protocol):
    """What the pool needs from a REPL: a warm environment for one header, commands with a time limit."""

    def run(self, text: str, timeout_s: float) -> dict[str, Any]: ...

    def restart(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PoolLimits:
    workers: int = 1
    """REPL processes (each holds Mathlib: budget about 8 GB each; ≤ 4 GB per worker is the target, not measured)."""
    per_obligation_s: float = 60.0
    memory_mb: int = 9216
    """Address-space limit per REPL process (``RLIMIT_AS``); going over it kills the process (``out_of_memory``)."""
    batch_size: int = 16
    batch_chars: int = 60000
    max_uses: int = 400
    """Commands before a REPL is restarted (long-lived REPLs grow, repl#77)."""
    header_timeout_s: float = 900.0


class ReplProcess:
    """One ``repl`` subprocess with the header imported once; :meth:`run` sends a command against that env."""

    def __init__(self, command: Sequence[str], cwd: Path, header: str, limits: PoolLimits):
        self.command, self.cwd, self.header, self.limits = list(command), cwd, header, limits
        self.process: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self.env: int | None = None
        self.uses = 0
        self._buffer = ""

    def _spawn(self) -> None:
        memory = self.limits.memory_mb * (1 << 20)

        def limit() -> None:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty REPL never blocks on it
        self.process = subprocess.Popen(self.command, cwd=self.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr, preexec_fn=limit,
                                        start_new_session=True)  # its own process group: killed with its children
        self._buffer, self.uses, self.env = "", 0, None
        if self.header:
            response = self._exchange(command_request(self.header, None), self.limits.header_timeout_s)
            errors = [m.text for m in _messages(response) if m.severity == "error"]
            if "env" not in response or errors:
                self.close()
                raise ReplFailure(f"header {self.header!r} did not load: {errors or response}")
            self.env = int(response["env"])

    def _exchange(self, request: Mapping[str, Any], timeout_s: float) -> dict[str, Any]:
        process = self.process
        if process is None or process.stdin is None or process.stdout is None:
            raise ReplCrashed("REPL not started", False)
        try:
            process.stdin.write(encode_request(request))
            process.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._crashed() from None
        deadline = time.monotonic() + timeout_s
        descriptor = process.stdout.fileno()
        while True:
            responses, self._buffer = split_responses(self._buffer)
            if responses:
                return responses[0]
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise ReplTimeout(f"no answer within {timeout_s:.0f} s")
            ready, _, _ = select.select([descriptor], [], [], left)
            if not ready:
                continue
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                raise self._crashed()
            self._buffer += chunk.decode("utf-8", errors="replace")

    def _crashed(self) -> ReplCrashed:
        process = self.process
        code = process.poll() if process else None
        if process is not None and code is None:
            try:
                code = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
        tail = ""
        if self._stderr is not None:
            try:
                self._stderr.seek(0)
                tail = self._stderr.read()[-4000:].decode("utf-8", errors="replace")
            except (OSError, ValueError):
                tail = ""
        self.close()
        out_of_memory = code in (-9, 137, -6, 134) or "out of memory" in tail.lower() or "bad_alloc" in tail
        return ReplCrashed(f"REPL exited ({code}): {tail[-300:]}", out_of_memory)

    def run(self, text: str, timeout_s: float) -> dict[str, Any]:
        if self.process is None or self.process.poll() is not None or self.uses >= self.limits.max_uses:
            self.restart()
        self.uses += 1
        return self._exchange(command_request(text, self.env), timeout_s)

    def restart(self) -> None:
        self.close()
        self._spawn()

    def close(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


# -- cache ---------------------------------------------------------------------------------------------------------

class ResultCache:
    """Results by obligation key in an append-only JSONL file: every result is flushed and fsynced as it arrives,
    so a run killed at any point resumes with nothing lost (a torn last line is ignored on load)."""

    def __init__(self, path: Path):
        self.path = path
        self.results: dict[str, ObligationResult] = {}
        self._lock = threading.Lock()
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if text and not text.endswith("\n"):  # a torn last line: end it, so the next result starts clean
                with open(path, "a", encoding="utf-8") as handle:
                    handle.write("\n")
            for raw in text.splitlines():
                try:
                    entry = json.loads(raw)
                    self.results[entry["key"]] = ObligationResult(**entry["result"])
                except (json.JSONDecodeError, KeyError, TypeError):
                    continue

    def get(self, key: str, per_obligation_s: float) -> ObligationResult | None:
        """The stored result, except a ``timeout`` under a smaller limit or an infrastructure failure."""
        result = self.results.get(key)
        if result is None or result.status == "repl_crash":
            return None
        if result.status == "timeout" and result.limit_s < per_obligation_s:
            return None
        return result

    def put(self, key: str, result: ObligationResult) -> None:
        line = json.dumps({"key": key, "result": asdict(result)}, ensure_ascii=False) + "\n"
        with self._lock:
            self.results[key] = result
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())


# -- the pool ------------------------------------------------------------------------------------------------------

def batches(obligations: Iterable[Obligation], limits: PoolLimits) -> list[list[Obligation]]:
    """Obligations grouped by header, then cut into batches of at most ``batch_size`` items and ``batch_chars``
    characters (an item longer than that is a batch alone)."""
    by_header: dict[str, list[Obligation]] = {}
    for obligation in obligations:
        by_header.setdefault(obligation.header, []).append(obligation)
    out: list[list[Obligation]] = []
    for header in sorted(by_header):
        current: list[Obligation] = []
        size = 0
        for obligation in by_header[header]:
            if current and (len(current) >= limits.batch_size or size + len(obligation.text) > limits.batch_chars):
                out.append(current)
                current, size = [], 0
            current.append(obligation)
            size += len(obligation.text)
        if current:
            out.append(current)
    return out


def run_batch(session: Session, group: Sequence[Obligation], limits: PoolLimits) -> list[ObligationResult]:
    """Check one batch on ``session``; on a timeout, a crash or an error no item owns, restart and split in halves
    until the culprit is alone."""
    batch = Batch.of(group)
    limit = limits.per_obligation_s
    try:
        response = session.run(batch.text, limit * len(group))
        results, orphans = map_response(batch, response, limit)
        if not orphans:
            return results
        problem = ObligationResult(group[0].uid, "failed", "; ".join(orphans)[:300], None, limit)
    except ReplTimeout:
        problem = ObligationResult(group[0].uid, "timeout", f"over {limit:.0f} s", None, limit)
    except ReplCrashed as crash:
        problem = ObligationResult(group[0].uid, "out_of_memory" if crash.out_of_memory else "repl_crash",
                                   str(crash)[:300], None, limit)
    except ReplFailure as failure:
        problem = ObligationResult(group[0].uid, "repl_crash", str(failure)[:300], None, limit)
    if problem.status in ("timeout", "out_of_memory", "repl_crash"):
        session.restart()
    if len(group) == 1:
        return [problem]
    middle = len(group) // 2
    return run_batch(session, group[:middle], limits) + run_batch(session, group[middle:], limits)


def check_obligations(obligations: Sequence[Obligation], sessions: Callable[[str], Session], limits: PoolLimits,
                      cache: ResultCache, toolchain: str, mathlib: str,
                      progress: Callable[[int], None] = lambda n: None) -> dict[str, ObligationResult]:
    """Results for every obligation by uid: cached ones read back, the rest checked by ``limits.workers`` warm
    sessions (``sessions(header)`` makes one) and cached as they arrive."""
    results: dict[str, ObligationResult] = {}
    todo = []
    for obligation in obligations:
        cached = cache.get(obligation.key(toolchain, mathlib), limits.per_obligation_s)
        if cached is not None:
            results[obligation.uid] = cached
            progress(1)
        else:
            todo.append(obligation)
    work: queue.Queue[list[Obligation]] = queue.Queue()
    for group in batches(todo, limits):
        work.put(group)
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        owned: dict[str, Session] = {}
        try:
            while True:
                try:
                    group = work.get_nowait()
                except queue.Empty:
                    return
                header = group[0].header
                if header not in owned:
                    owned[header] = sessions(header)
                for obligation, result in zip(group, run_batch(owned[header], group, limits)):
                    cache.put(obligation.key(toolchain, mathlib), result)
                    with lock:
                        results[obligation.uid] = result
                    progress(1)
        except BaseException as error:  # reported after the other workers stop; nothing is lost (cached)
            failures.append(error)
        finally:
            for session in owned.values():
                session.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, limits.workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RpsdgError(f"Lean REPL pool stopped: {failures[0]}; results so far are cached in {cache.path}, "
                         f"re-run to resume") from failures[0]
    return results


# -- from a rendered project ---------------------------------------------------------------------------------------

def obligations_of(module: ModuleInfo) -> list[Obligation]:
    """One obligation per item of a rendered module: its lines (from the line map), the module's imports as the
    header, its theorem names without the module's namespace (the REPL gets the item alone), its step ranges."""
    lines = module.text.split("\n")
    header = "\n".join(line for line in lines if line.startswith("import "))
    spans: dict[str, list[list[Any]]] = {}
    for first, last, uid, step in module.ranges:
        spans.setdefault(uid, []).append([first, last, step])
    out = []
    for uid, ranges in spans.items():
        start, end = ranges[0][0], ranges[-1][1]
        text = "\n".join(lines[start - 1:end])
        steps = tuple((first - start + 1, last - start + 1, step) for first, last, step in ranges)
        names = tuple(name.rsplit(".", 1)[-1] for name in module.theorems().get(uid, []))
        out.append(Obligation(uid, header, text, names, steps))
    return out


def repl_command(lake: Path, repl: Path) -> list[str]:
    """How a REPL is started inside the rendered project: ``lake env PATH/TO/repl`` (README of the repl)."""
    return [str(lake), "env", str(repl)]


def check_project_repl(project: Path, modules: Sequence[ModuleInfo], command: Sequence[str], toolchain: str,
                       mathlib: str, limits: PoolLimits = PoolLimits(),
                       progress: Callable[[int], None] = lambda n: None) -> dict[str, ObligationResult]:
    """Check every item of a rendered project with a pool of warm REPLs (results cached under
    ``<project>/.cache/repl-results.jsonl``)."""
    obligations = [o for module in modules for o in obligations_of(module)]
    cache = ResultCache(project / ".cache" / RESULTS_FILE)
    return check_obligations(obligations, lambda header: ReplProcess(command, project, header, limits), limits,
                             cache, toolchain, mathlib, progress)
