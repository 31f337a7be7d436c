"""Checking a rendered corpus with a real Lean toolchain, and writing the per-item Lean verdicts.

Flow (``check_corpus_lean``): find ``lake``/``lean`` (PATH or ``--lean-path``; none → :class:`LeanNotFound`, exit 3,
corpus untouched) → render ``<corpus>/lean`` if absent → static axiom scan of every module (always; no Lean
needed) → per module, ``lake env lean --json`` on a copy with ``#print axioms`` appended for each theorem, under a
per-module timeout and an address-space limit, several modules in parallel within a memory budget (or, when a Lean
REPL binary is found — ``$RPSDG_LEAN_REPL`` or ``repl`` on the path — a pool of warm REPLs, ``lean/repl.py``, many
items per command, cached per item and resumable) → messages
mapped to (item, step) through ``linemap.json`` → a module that times out or has errors outside any item is split
in halves until the failing items are found → results cached by sha256 of (toolchain, module text) under
``<corpus>/lean/.cache`` → ``lean_verdicts.json`` written atomically into the corpus. ``--require`` then rewrites
the corpus keeping only Lean-passed items.

``lake env lean --json`` prints one JSON object per message: ``fileName, pos{line,column}, endPos, severity
("information"|"warning"|"error"), caption, data`` (lines 1-based, columns 0-based); see formats.md §2.
To add a check: a function from module text/messages to per-item problems, folded into ``_item_verdicts``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from rpsdg.errors import LeanNotFound, RpsdgError
from rpsdg.lean.messages import (FORBIDDEN, STANDARD_AXIOMS, LeanMessage, ModuleInfo,  # noqa: F401 (re-exported)
                                 parse_axioms, parse_json_messages, static_scan)

VERDICTS_FILE = "lean_verdicts.json"
INSTALL_HINT = ("install a Lean toolchain with elan: `curl https://elan.lean-lang.org/elan-init.sh -sSf | sh`, "
                "then `cd CORPUS/lean && lake exe cache get`, or pass --lean-path DIR (the directory holding lake "
                "and lean). Until then the embedded checkers' verdicts (replay, numeric, symbolic) stand; the "
                "corpus was not changed")


# -- toolchain --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Toolchain:
    lake: Path
    lean: Path
    version: str


def find_toolchain(lean_path: Path | None = None, run: Callable[..., Any] = subprocess.run) -> Toolchain:
    """``lake`` and ``lean`` from ``lean_path`` or PATH; :class:`LeanNotFound` with how to install otherwise."""
    search = str(lean_path) if lean_path is not None else None
    if lean_path is not None and not lean_path.is_dir():
        raise LeanNotFound(f"--lean-path {lean_path}: not a directory; {INSTALL_HINT}")
    lake, lean = shutil.which("lake", path=search), shutil.which("lean", path=search)
    if not lake or not lean:
        where = f"in {lean_path}" if lean_path is not None else "on PATH"
        raise LeanNotFound(f"no Lean toolchain found {where} (lake: {lake or 'missing'}, lean: "
                           f"{lean or 'missing'}); {INSTALL_HINT}")
    try:
        result = run([lean, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LeanNotFound(f"{lean} --version failed ({error}); {INSTALL_HINT}") from None
    return Toolchain(Path(lake), Path(lean), (result.stdout or "").strip() or "unknown")


# -- static scan -----------------------------------------------------------------------------------------------

# -- mapping and verdicts ----------------------------------------------------------------------------------------

@dataclass
class ItemVerdict:
    status: str  # passed | failed | timeout | forbidden
    detail: str = ""
    step: int | None = None


def _item_verdicts(module: ModuleInfo, messages: Sequence[LeanMessage], body_lines: int,
                   axiom_lines: Mapping[int, str] | None = None) -> tuple[dict[str, ItemVerdict], list[str]]:
    """Per-item verdicts of one checked module and the errors no item owns (``axiom_lines``: the line of each
    appended ``#print axioms`` command and the item it belongs to)."""
    verdicts = {uid: ItemVerdict("passed") for uid in module.uids()}
    orphans = []
    for message in messages:
        if message.severity != "error" and "declaration uses 'sorry'" not in message.text:
            continue
        if message.line > body_lines and axiom_lines and message.line in axiom_lines:
            where: tuple[str, int | None] | None = (axiom_lines[message.line], None)
        else:
            where = module.locate(message.line) if message.line <= body_lines else None
        if where is None:
            orphans.append(f"line {message.line}: {message.text[:200]}")
            continue
        uid, step = where
        if verdicts[uid].status == "passed":
            verdicts[uid] = ItemVerdict("failed", message.text[:300], step)
    axioms = parse_axioms(messages)
    for uid, names in module.theorems().items():
        for name in names:
            used = axioms.get(name)
            if used is None and verdicts[uid].status == "passed":
                verdicts[uid] = ItemVerdict("failed", f"#print axioms gave nothing for {name}")
            elif used and not used <= STANDARD_AXIOMS and verdicts[uid].status == "passed":
                verdicts[uid] = ItemVerdict("failed", f"{name} uses non-standard axioms "
                                            f"{sorted(used - STANDARD_AXIOMS)}")
    return verdicts, orphans


# -- running Lean ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunLimits:
    timeout_s: float = 600.0
    memory_gb: float = 9.0
    """Address-space limit per Lean process (a Mathlib process takes 6-9 GB)."""
    budget_gb: float = 16.0
    """Total memory for parallel Lean processes: workers = budget // memory."""

    def workers(self) -> int:
        return max(1, int(self.budget_gb // self.memory_gb))


def _limit_memory(gigabytes: float) -> Callable[[], None]:
    def apply() -> None:
        import resource

        limit = int(gigabytes * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_lean_file(toolchain: Toolchain, project: Path, relative: str, limits: RunLimits) -> tuple[str, bool]:
    """``lake env lean --json FILE`` in ``project``: (stdout, timed_out)."""
    try:
        result = subprocess.run([str(toolchain.lake), "env", "lean", "--json", relative], cwd=project,
                                capture_output=True, text=True, timeout=limits.timeout_s,
                                preexec_fn=_limit_memory(limits.memory_gb))
    except subprocess.TimeoutExpired:
        return "", True
    return (result.stdout or "") + "\n" + (result.stderr or ""), False


def _check_text(module: ModuleInfo, toolchain: Toolchain, project: Path, limits: RunLimits,
                runner: Callable[[Toolchain, Path, str, RunLimits], tuple[str, bool]]) -> dict[str, ItemVerdict]:
    """Check one module's text (with ``#print axioms`` appended); split on a timeout or an orphan error."""
    body = module.text.rstrip("\n")
    body_lines = body.count("\n") + 1
    pairs = [(uid, name) for uid, names in module.theorems().items() for name in names]
    extra = "".join(f"\n#print axioms {name}" for _, name in pairs)
    axiom_lines = {body_lines + 1 + number: uid for number, (uid, _) in enumerate(pairs, start=1)}
    directory = project / ".rpsdg-check"
    directory.mkdir(exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=directory, suffix=".lean")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body + "\n" + extra + "\n")
        stdout, timed_out = runner(toolchain, project, os.path.relpath(temporary, project), limits)
    finally:
        Path(temporary).unlink(missing_ok=True)
    uids = module.uids()
    if timed_out and len(uids) == 1:
        return {uids[0]: ItemVerdict("timeout", f"over {limits.timeout_s:.0f} s")}
    if not timed_out:
        verdicts, orphans = _item_verdicts(module, parse_json_messages(stdout), body_lines, axiom_lines)
        if not orphans:
            return verdicts
        if len(uids) == 1:
            return {uids[0]: ItemVerdict("failed", "; ".join(orphans)[:300])}
    if not uids:
        return {}
    return {**_check_text(_subset(module, uids[:len(uids) // 2]), toolchain, project, limits, runner),
            **_check_text(_subset(module, uids[len(uids) // 2:]), toolchain, project, limits, runner)}


def _subset(module: ModuleInfo, keep: Sequence[str]) -> ModuleInfo:
    """The module with only the items ``keep`` (header and footer kept), and its re-computed line map."""
    from rpsdg.lean.project import line_map

    lines = module.text.split("\n")
    kept_uids = set(keep)
    owner: dict[int, str] = {}
    for first, last, uid, _ in module.ranges:
        for number in range(first, last + 1):
            owner[number] = uid
    out = [line for number, line in enumerate(lines, start=1) if owner.get(number, None) in (None, *kept_uids)]
    text = "\n".join(out)
    return ModuleInfo(module.path, text, line_map(text), module.namespace)


# -- the corpus-level check ---------------------------------------------------------------------------------------

@dataclass
class LeanReport:
    toolchain: str
    mathlib: str
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    cached_modules: int = 0
    checked_modules: int = 0
    not_renderable: int = 0
    removed: int | None = None
    removed_reasons: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for verdict in self.verdicts.values():
            counts[verdict["status"]] = counts.get(verdict["status"], 0) + 1
        return dict(sorted(counts.items()))


def load_modules(project: Path) -> list[ModuleInfo]:
    try:
        maps = json.loads((project / "linemap.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RpsdgError(f"{project}/linemap.json: cannot read it ({error}); re-run `rpsdg lean render`") from None
    modules = []
    for path, entry in maps.items():
        text = (project / path).read_text(encoding="utf-8")
        namespace = path[:-len(".lean")].replace("/", ".")
        modules.append(ModuleInfo(path, text, entry["ranges"], namespace))
    return modules


def mathlib_version(project: Path) -> str:
    """The Mathlib revision the project resolved (lake-manifest.json), else the pinned tag."""
    from rpsdg.lean.project import PIN

    try:
        manifest = json.loads((project / "lake-manifest.json").read_text(encoding="utf-8"))
        for package in manifest.get("packages", []):
            if package.get("name") == "mathlib":
                return f"{package.get('inputRev', PIN['mathlib'])} ({package.get('rev', '?')})"
    except (OSError, json.JSONDecodeError, AttributeError):
        pass
    return f"{PIN['mathlib']} (pinned; lake-manifest.json not resolved yet)"


def scan_modules(modules: Sequence[ModuleInfo]) -> dict[str, ItemVerdict]:
    """Static verdicts: items whose lines contain a forbidden word (the rest are not decided here)."""
    bad: dict[str, ItemVerdict] = {}
    for module in modules:
        for entry in static_scan(module.text):
            line = int(entry.split()[1].rstrip(":"))
            where = module.locate(line)
            uid = where[0] if where else None
            for target in ([uid] if uid else module.uids()):
                bad.setdefault(target, ItemVerdict("forbidden", entry))
    return bad


def prepare_project(project: Path, toolchain: Toolchain, limits: RunLimits) -> None:
    """Fetch Mathlib's prebuilt oleans when absent (``lake exe cache get``) and build the support library
    (``lake build Rpsdg``), which every Mathlib module imports; a failure names the command and its output."""
    steps = []
    if not (project / ".lake" / "packages" / "mathlib").is_dir():
        steps.append(["exe", "cache", "get"])
    steps.append(["build", "Rpsdg"])
    for arguments in steps:
        command = [str(toolchain.lake), *arguments]
        try:
            result = subprocess.run(command, cwd=project, capture_output=True, text=True,
                                    timeout=max(limits.timeout_s, 1800))
        except subprocess.TimeoutExpired:
            raise RpsdgError(f"{project}: `{' '.join(command[1:])}` ran over its time limit; run `lake "
                             f"{' '.join(arguments)}` there by hand, then re-run `rpsdg lean check`") from None
        if result.returncode != 0:
            tail = ((result.stdout or "") + (result.stderr or ""))[-800:]
            raise RpsdgError(f"{project}: `lake {' '.join(arguments)}` failed (exit {result.returncode}): {tail}; "
                             f"fix the Lake project (network for the Mathlib cache?) and re-run")


def check_project(project: Path, toolchain: Toolchain, limits: RunLimits = RunLimits(),
                  runner: Callable[[Toolchain, Path, str, RunLimits], tuple[str, bool]] = run_lean_file,
                  progress: Callable[[int], None] = lambda n: None) -> LeanReport:
    """Check every module of a rendered project (cached by content hash); per-item verdict rows."""
    modules = load_modules(project)
    report = LeanReport(toolchain.version, mathlib_version(project))
    forbidden = scan_modules(modules)
    cache = project / ".cache"
    cache.mkdir(exist_ok=True)

    def one(module: ModuleInfo) -> tuple[ModuleInfo, dict[str, ItemVerdict], bool]:
        key = hashlib.sha256(f"{toolchain.version}\n{report.mathlib}\n{module.text}".encode()).hexdigest()
        cached = cache / f"{key}.json"
        if cached.is_file():
            stored = json.loads(cached.read_text(encoding="utf-8"))
            return module, {u: ItemVerdict(**v) for u, v in stored.items()}, True
        verdicts = _check_text(module, toolchain, project, limits, runner)
        _write_json(cached, {u: v.__dict__ for u, v in verdicts.items()})
        return module, verdicts, False

    with ThreadPoolExecutor(max_workers=limits.workers()) as pool:
        for module, verdicts, was_cached in pool.map(one, modules):
            report.cached_modules += was_cached
            report.checked_modules += not was_cached
            for uid, verdict in verdicts.items():
                verdict = forbidden.get(uid, verdict)
                report.verdicts[uid] = {"status": verdict.status, "detail": verdict.detail, "step": verdict.step,
                                        "module": module.path, "lean": report.toolchain,
                                        "mathlib": report.mathlib}
            progress(1)
    return report


def find_repl(lean_path: Path | None = None, given_path: Path | None = None) -> Path | None:
    """The Lean REPL binary (leanprover-community/repl, ``lean/repl.py``): ``--repl``, else ``$RPSDG_LEAN_REPL``,
    else ``repl`` in ``lean_path`` or on PATH; None means the per-module ``lake env lean`` checker is used."""
    if given_path is not None:
        if not given_path.is_file():
            raise RpsdgError(f"--repl {given_path}: no such file; build the REPL (`lake build` in a checkout of "
                             f"leanprover-community/repl at the tag matching the Lean pin) or leave --repl out")
        return given_path
    given = os.environ.get("RPSDG_LEAN_REPL")
    if given:
        if not Path(given).is_file():
            raise RpsdgError(f"RPSDG_LEAN_REPL={given}: no such file; build the REPL (`lake build` in a checkout of "
                             f"leanprover-community/repl at the tag matching the Lean pin) or unset it")
        return Path(given)
    found = shutil.which("repl", path=str(lean_path) if lean_path is not None else None)
    return Path(found) if found else None


def check_project_with_repls(project: Path, toolchain: Toolchain, repl: Path, limits: RunLimits,
                             progress: Callable[[int], None] = lambda n: None) -> LeanReport:
    """:func:`check_project` through a pool of warm REPLs (``lean/repl.py``): one verdict row per item."""
    from rpsdg.lean.repl import PoolLimits, check_project_repl, repl_command

    modules = load_modules(project)
    report = LeanReport(toolchain.version, mathlib_version(project))
    forbidden = scan_modules(modules)
    pool = PoolLimits(workers=limits.workers(), per_obligation_s=min(limits.timeout_s, 120.0),
                      memory_mb=int(limits.memory_gb * 1024))
    results = check_project_repl(project, modules, repl_command(toolchain.lake, repl), toolchain.version,
                                 report.mathlib, pool, progress)
    owner = {uid: module.path for module in modules for uid in module.uids()}
    for uid, result in results.items():
        verdict = forbidden.get(uid, ItemVerdict(result.status, result.detail, result.step))
        report.verdicts[uid] = {"status": verdict.status, "detail": verdict.detail, "step": verdict.step,
                                "module": owner.get(uid, ""), "lean": report.toolchain, "mathlib": report.mathlib}
    report.checked_modules = len(modules)
    return report


def _write_json(path: Path, value: Any) -> None:
    from rpsdg.atomic import write_json_atomic

    write_json_atomic(path, value, indent=1)  # temp file + rename, with the user's umask


def check_corpus_lean(corpus: Path, lean_path: Path | None = None, limits: RunLimits = RunLimits(),
                      require: bool = False, per_module: int | None = None,
                      progress: Callable[[int], None] = lambda n: None, repl_path: Path | None = None) -> LeanReport:
    """``rpsdg lean check``: find Lean first (nothing is written without it), render if needed, check, record."""
    from rpsdg.corpus.store import read_manifest
    from rpsdg.lean.project import DEFAULT_PER_MODULE, LEAN_DIR, render_corpus

    read_manifest(corpus)  # a bad corpus is reported before anything else
    toolchain = find_toolchain(lean_path)
    project = corpus / LEAN_DIR
    if not (project / "linemap.json").is_file() or per_module is not None:
        render_corpus(corpus, per_module or DEFAULT_PER_MODULE)
    render_info = json.loads((project / "render.json").read_text(encoding="utf-8"))
    prepare_project(project, toolchain, limits)
    repl = find_repl(lean_path, repl_path)
    if repl is not None:
        report = check_project_with_repls(project, toolchain, repl, limits, progress)
    else:
        report = check_project(project, toolchain, limits, progress=progress)
    for item in render_info.get("not_renderable_items", []):
        report.verdicts.setdefault(item["uid"], {"status": "not_renderable", "detail": item["reason"],
                                                 "step": None, "module": "", "lean": report.toolchain,
                                                 "mathlib": report.mathlib})
    report.not_renderable = len(render_info.get("not_renderable_items", []))
    _write_json(corpus / VERDICTS_FILE, {"lean": report.toolchain, "mathlib": report.mathlib,
                                         "counts": report.counts(), "items": report.verdicts})
    if require:
        report.removed = keep_lean_passed(corpus, report.verdicts)
        report.removed_reasons = dict(sorted(
            (status, count) for status, count in report.counts().items() if status != "passed"))
    return report


def keep_lean_passed(corpus: Path, verdicts: Mapping[str, Mapping[str, Any]]) -> int:
    """Rewrite the corpus keeping only items whose Lean verdict is ``passed``; returns how many were removed."""
    from rpsdg.corpus.store import Corpus, CorpusWriter

    opened = Corpus(corpus)
    shard_size = max([s.get("records", 1) for s in opened.manifest["shards"]] + [1])
    writer = CorpusWriter(corpus, opened.spec, opened.format, shard_size, force=True)
    removed = 0
    reasons: dict[str, int] = {}
    try:
        for row in opened.rows():
            status = verdicts.get(row["uid"], {}).get("status", "unchecked")
            if status == "passed":
                writer.add(row)
            else:
                removed += 1
                reasons[status] = reasons.get(status, 0) + 1
        for name in (VERDICTS_FILE, "lean"):
            source = corpus / name
            if source.is_dir():
                shutil.copytree(source, writer.temporary / name, symlinks=True)
            elif source.is_file():
                shutil.copy2(source, writer.temporary / name)
        manifest = {k: v for k, v in opened.manifest.items() if k not in ("format", "shards")}
        manifest["records"] = int(manifest.get("records", 0)) - removed
        manifest["lean_require"] = {"removed": removed, "reasons": reasons}
        writer.commit(manifest)
    except BaseException:
        writer.abort()
        raise
    return removed
