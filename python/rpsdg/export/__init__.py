"""Exports for training: the corpus rewritten in the layouts that training code already reads.

``rpsdg export FORMAT CORPUS --out DIR`` reads a corpus (rows validated by ``corpus.store.Corpus``), writes the
format's files into a hidden temporary directory beside ``DIR``, adds ``rpsdg_export.json`` (what was written,
what was skipped and why, split sizes, format-specific tallies) and a dataset card ``README.md`` (Hugging Face
YAML header), then renames the directory into place: a failed export leaves nothing behind.

Formats are registered by name in :data:`FORMAT_MODULES`; each module defines ``SPEC``, an :class:`ExportSpec`.
To add a format: write ``export/<name>.py`` with a ``write(source, context, directory) -> stats`` function that
streams ``source.rows()`` and a ``SPEC`` naming its features (for the card) and files; add it to
:data:`FORMAT_MODULES`; the CLI (``cli_export.py``) gets a command for it automatically, and
``tests/test_export.py`` should read its files back with a reader that is not ours.
"""

from __future__ import annotations

import importlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from rpsdg import __version__
from rpsdg.atomic import move_into_place, work_dir
from rpsdg.errors import CorpusError, RpsdgError

EXPORT_FORMAT_VERSION = 1
EXPORT_MANIFEST = "rpsdg_export.json"

FORMAT_MODULES: dict[str, str] = {
    "sft": "rpsdg.export.sft",
    "prm": "rpsdg.export.prm",
    "leandojo": "rpsdg.export.leandojo",
    "whole-proof": "rpsdg.export.whole_proof",
    "seq2seq": "rpsdg.export.seq2seq",
}


@dataclass(frozen=True)
class ExportSource:
    """What an exporter reads: the corpus manifest and a fresh stream of validated rows per call."""

    kind: str
    manifest: Mapping[str, Any]
    rows: Callable[[], Iterator[dict[str, Any]]]
    path: str = ""
    lean_verdicts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Per-uid verdicts of ``rpsdg lean check`` (the corpus's ``lean_verdicts.json`` ``items``), if Lean ran."""
    lean_toolchain: str = ""
    """The Lean toolchain those verdicts came from."""


@dataclass(frozen=True)
class ExportContext:
    """Settings shared by every exporter in one export."""

    seed: int = 0
    """Picks the wording variants (and, for ``prm``, which corruptions are tried)."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Format-specific options (e.g. ``negatives_per_item`` for ``prm``)."""


@dataclass(frozen=True)
class ExportSpec:
    """One export format."""

    name: str
    """Registered name (the CLI command)."""
    summary: str
    """One line for ``--help`` and the dataset card."""
    write: Callable[[ExportSource, ExportContext, Path], dict[str, Any]]
    """Write the files into a directory; return the statistics (see :func:`export_source`)."""
    features: Sequence[tuple[str, Any]]
    """Field names and types of one written record, for the card (see ``card.py`` for the type notation)."""
    data_files: Callable[[Mapping[str, Any]], Mapping[str, Mapping[str, str]]]
    """From the stats: ``{config: {split: relative path}}`` of the files the card lists for ``datasets``."""
    task: str = "text-generation"
    """The Hugging Face task category."""
    tags: Sequence[str] = ()
    """Extra Hugging Face tags."""
    layout: str = ""
    """The published layout the files follow, with a pointer to it (for the card)."""


def format_names() -> list[str]:
    return list(FORMAT_MODULES)


def get_format(name: str) -> ExportSpec:
    """The export spec registered under ``name``; a clear error naming the choices otherwise."""
    if name not in FORMAT_MODULES:
        raise RpsdgError(f"unknown export format {name!r}; choose one of: {', '.join(format_names())}")
    return importlib.import_module(FORMAT_MODULES[name]).SPEC


def export_corpus(fmt: str, corpus: Path, out: Path, force: bool = False, seed: int = 0,
                  options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Export the corpus directory ``corpus`` as ``fmt`` into ``out``; returns the export manifest."""
    from rpsdg.corpus.store import Corpus

    spec = get_format(fmt)
    opened = Corpus(corpus)
    problems = opened.integrity_problems()
    if problems:
        raise CorpusError(f"{corpus}: {'; '.join(problems[:3])}; run `rpsdg check {corpus}` and rebuild or "
                          f"restore the corpus before exporting it")
    if out.resolve() == corpus.resolve() or corpus.resolve() in out.resolve().parents:
        raise RpsdgError(f"--out {out}: is (inside) the corpus {corpus}; write the export somewhere else")
    verdicts, toolchain = _lean_verdicts(corpus)
    source = ExportSource(str(opened.manifest["kind"]), opened.manifest, opened.rows, str(corpus), verdicts,
                          toolchain)
    return export_source(spec, source, out, force, seed, options)


def _lean_verdicts(corpus: Path) -> tuple[dict[str, Mapping[str, Any]], str]:
    """The ``items`` and toolchain of ``corpus/lean_verdicts.json`` (written by ``rpsdg lean check``), if any."""
    from rpsdg.corpus.store import read_json_file

    path = corpus / "lean_verdicts.json"
    if not path.is_file():
        return {}, ""
    document = read_json_file(path, "re-run `rpsdg lean check` or remove it")
    items = document.get("items") if isinstance(document, Mapping) else None
    if not isinstance(items, Mapping) or not all(isinstance(v, Mapping) for v in items.values()):
        raise CorpusError(f"{path}: expected {{'items': {{uid: {{status, ...}}}}}}; re-run `rpsdg lean check`")
    return dict(items), str(document.get("lean", ""))


def export_source(spec: ExportSpec, source: ExportSource, out: Path, force: bool = False, seed: int = 0,
                  options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write ``source`` as ``spec`` into ``out`` atomically (temporary directory, then rename)."""
    from rpsdg.corpus.store import check_output_dir, write_json_atomic
    from rpsdg.export.card import write_card

    if seed < 0:
        raise RpsdgError(f"--seed {seed}: must be a non-negative integer")
    check_output_dir(out, force)
    try:
        temporary = work_dir(out.resolve().parent, out.name)  # with the user's umask
    except RpsdgError as error:
        raise RpsdgError(f"--out {out}: {error}") from None
    try:
        observed = _Observed(source)
        stats = spec.write(ExportSource(source.kind, source.manifest, observed.rows, source.path,
                                        source.lean_verdicts, source.lean_toolchain),
                           ExportContext(seed, dict(options or {})), temporary)
        if stats.get("records_in") and not stats.get("records_out"):
            reasons = ", ".join(f"{n} x {why}" for why, n in stats.get("skipped", {}).items()) or "no reason given"
            raise RpsdgError(f"export {spec.name}: none of the {stats['records_in']} {source.kind} records could be "
                             f"written as {spec.name} ({reasons}); nothing was written; choose a format that fits "
                             f"this kind")
        manifest = _export_manifest(spec, source, seed, stats, observed)
        write_json_atomic(temporary / EXPORT_MANIFEST, manifest)
        write_card(temporary / "README.md", spec, manifest)
        move_into_place(temporary, out)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return manifest


class _Observed:
    """Wraps the row stream to note the checker versions the exported records carry (for the card)."""

    def __init__(self, source: ExportSource):
        self.source = source
        self.checkers: dict[str, set[str]] = {}
        self.generator_versions: set[str] = set()

    def rows(self) -> Iterator[dict[str, Any]]:
        for row in self.source.rows():
            for check in row.get("checks", []):
                self.checkers.setdefault(str(check.get("checker")), set()).add(
                    f"{check.get('version')} ({check.get('status')})")
            self.generator_versions.add(str(row.get("generator_version", "")))
            yield row


def _export_manifest(spec: ExportSpec, source: ExportSource, seed: int, stats: dict[str, Any],
                     observed: _Observed) -> dict[str, Any]:
    import jinja2
    import pyarrow

    corpus = source.manifest
    return {
        "export_format": spec.name, "export_format_version": EXPORT_FORMAT_VERSION, "rpsdg_version": __version__,
        "seed": seed, "kind": source.kind, "corpus": source.path,
        "corpus_rpsdg_version": corpus.get("rpsdg_version"), "corpus_seed": corpus.get("seed"),
        "corpus_records": corpus.get("records"),
        "generator_versions": sorted(v for v in observed.generator_versions if v),
        "checkers": {name: sorted(versions) for name, versions in sorted(observed.checkers.items())},
        "corpus_dependencies": corpus.get("dependencies", {}),
        "export_dependencies": {"jinja2": jinja2.__version__, "pyarrow": pyarrow.__version__},
        **stats,
    }



def rows_of(rows: Iterable[dict[str, Any]]) -> Callable[[], Iterator[dict[str, Any]]]:
    """A row-stream factory over an in-memory list (for hand-made rows and tests)."""
    materialised = list(rows)
    return lambda: iter(materialised)
