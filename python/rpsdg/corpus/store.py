"""Writing and reading corpus directories: shards (Parquet or JSONL) plus ``manifest.json``.

Nothing is ever half-written: a build writes into a hidden temporary directory beside the target and renames it
into place at the end; a failure removes the temporary directory and leaves any old corpus untouched. Shards are
streamed (``shard_size`` rows at a time), so memory stays flat as a corpus grows, and their bytes are a pure
function of their rows (no timestamps), so the same build gives byte-identical shards.
Readers validate every row (``record.validate_row``) because corpora may come from strangers.
To add a format: a ``_write_<format>`` and ``_read_<format>`` pair and an entry in ``FORMATS``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator, Mapping

import pyarrow as pa
import pyarrow.parquet as pq

from rpsdg.errors import CorpusError, RpsdgError
from rpsdg.kinds import KindSpec, get_kind
from rpsdg.corpus.record import arrow_schema, validate_row

FORMATS = ("parquet", "jsonl")
MANIFEST = "manifest.json"
PROGRESS = "progress.json"
MANIFEST_FORMAT = 1


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def move_into_place(finished: Path, out: Path) -> None:
    """Replace directory ``out`` by ``finished`` (a sibling): readers see the old or the new tree, never a mix."""
    if out.exists():
        retired = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, retired)
        os.replace(finished, out)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(finished, out)


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, indent=2, ensure_ascii=False, sort_keys=False)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse a non-empty ``out`` without ``force`` and an unwritable parent, before any work is done."""
    if out.exists() and not out.is_dir():
        raise RpsdgError(f"--out {out}: exists and is not a directory; choose another path")
    if out.exists() and any(out.iterdir()) and not force:
        raise RpsdgError(f"--out {out}: directory is not empty; pass --force to replace it, or choose another path")
    parent = out.resolve().parent
    if not parent.exists():
        raise RpsdgError(f"--out {out}: parent directory {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise RpsdgError(f"--out {out}: cannot write in {parent}; choose a writable location")


class CorpusWriter:
    """Streams rows into shards inside a hidden work directory beside ``out``; :meth:`commit` moves it into place.

    The work directory (``.NAME.partial``) also holds ``progress.json``, written after every shard, so a build that
    was killed can be resumed (``resume=True``) from its last complete shard without loss or duplicates.
    """

    def __init__(self, out: Path, spec: KindSpec, fmt: str, shard_size: int, force: bool, resume: bool = False):
        if fmt not in FORMATS:
            raise RpsdgError(f"--format {fmt!r}: unknown format; choose one of {', '.join(FORMATS)}")
        if shard_size < 1:
            raise RpsdgError(f"--shard-size {shard_size}: must be at least 1")
        check_output_dir(out, force)
        self.out, self.spec, self.format, self.shard_size, self.force = out, spec, fmt, shard_size, force
        self.schema = arrow_schema(spec)
        self.temporary = out.resolve().parent / f".{out.name}.partial"
        self.buffer: list[dict[str, Any]] = []
        self.shards: list[dict[str, Any]] = []
        if resume:
            if not (self.temporary / PROGRESS).is_file():
                raise RpsdgError(f"--resume: no interrupted build of {out} to resume ({self.temporary} has no "
                                 f"{PROGRESS}); run the build without --resume")
        else:
            shutil.rmtree(self.temporary, ignore_errors=True)
            self.temporary.mkdir()
            os.chmod(self.temporary, 0o777 & ~_umask())

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer ``row``; returns whether a shard was completed (the moment to :meth:`checkpoint`)."""
        self.buffer.append(row)
        if len(self.buffer) >= self.shard_size:
            self._flush()
            return True
        return False

    def _flush(self) -> None:
        if not self.buffer:
            return
        name = f"shard-{len(self.shards):05d}.{self.format}"
        path = self.temporary / name
        if self.format == "parquet":
            table = pa.Table.from_pylist(self.buffer, schema=self.schema)
            pq.write_table(table, path, compression="zstd")
        else:
            with path.open("w", encoding="utf-8") as handle:
                for row in self.buffer:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.shards.append({"file": name, "records": len(self.buffer), "sha256": _sha256(path)})
        self.buffer = []

    def checkpoint(self, state: dict[str, Any]) -> None:
        """Record that everything up to the last shard is complete, with the caller's ``state``."""
        write_json_atomic(self.temporary / PROGRESS, {"state": state, "shards": self.shards})

    def restore(self) -> dict[str, Any]:
        """The state of the last checkpoint; shards written after it are discarded."""
        try:
            progress = json.loads((self.temporary / PROGRESS).read_text(encoding="utf-8"))
            self.shards = list(progress["shards"])
            state = dict(progress["state"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RpsdgError(f"--resume: {self.temporary / PROGRESS} is unreadable ({error}); run the build "
                             f"without --resume") from None
        kept = {shard["file"] for shard in self.shards}
        for path in self.temporary.iterdir():
            if path.name != PROGRESS and path.name not in kept:
                path.unlink()
        for shard in self.shards:
            if _sha256(self.temporary / shard["file"]) != shard["sha256"]:
                raise RpsdgError(f"--resume: {shard['file']} changed since it was written; run the build without "
                                 f"--resume")
        return state

    def written_uids(self) -> Iterator[str]:
        """The uids in the shards written so far."""
        for shard in self.shards:
            path = self.temporary / shard["file"]
            rows = _read_parquet(path) if self.format == "parquet" else _read_jsonl(path)
            for row in rows:
                yield row["uid"]

    def commit(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the last shard and the manifest, then move the corpus into place."""
        self._flush()
        manifest = {**manifest, "format": self.format, "shards": self.shards}
        write_json_atomic(self.temporary / MANIFEST, manifest)
        (self.temporary / PROGRESS).unlink(missing_ok=True)
        move_into_place(self.temporary, self.out)
        return manifest

    def abort(self, keep_for_resume: bool) -> None:
        """Remove the work directory, or keep it (with its last checkpoint) so ``--resume`` can continue."""
        if not (keep_for_resume and (self.temporary / PROGRESS).is_file()):
            shutil.rmtree(self.temporary, ignore_errors=True)


# -- reading --------------------------------------------------------------------------------------------------------

class Corpus:
    """A corpus directory opened for reading: its manifest and a stream of validated rows."""

    def __init__(self, path: Path):
        self.path = path
        self.manifest = read_manifest(path)
        self.spec = get_kind(str(self.manifest.get("kind")))
        self.format = self.manifest["format"]

    def shard_paths(self) -> list[Path]:
        return [self.path / shard["file"] for shard in self.manifest["shards"]]

    def integrity_problems(self) -> list[str]:
        """Shards that are missing or whose sha256 differs from the manifest."""
        problems = []
        for shard in self.manifest["shards"]:
            path = self.path / shard["file"]
            if not path.is_file():
                problems.append(f"{shard['file']}: missing")
            elif _sha256(path) != shard["sha256"]:
                problems.append(f"{shard['file']}: sha256 differs from the manifest (modified after the build)")
        return problems

    def rows(self) -> Iterator[dict[str, Any]]:
        for path in self.shard_paths():
            if not path.is_file():
                raise CorpusError(f"{path}: shard listed in the manifest is missing; rebuild or restore it")
            reader = _read_parquet if self.format == "parquet" else _read_jsonl
            for number, row in enumerate(reader(path)):
                yield validate_row(row, self.spec, f"{path.name} row {number}")

    def find(self, uid_prefix: str) -> dict[str, Any]:
        """The one row whose uid starts with ``uid_prefix``."""
        if len(uid_prefix) < 4:
            raise RpsdgError(f"uid {uid_prefix!r}: give at least 4 characters of the uid")
        matches = [row for row in self.rows() if row["uid"].startswith(uid_prefix)]
        if not matches:
            raise RpsdgError(f"uid {uid_prefix!r}: no record in {self.path} starts with it; list uids with "
                             f"`rpsdg show {self.path} --list`")
        if len(matches) > 1:
            raise RpsdgError(f"uid {uid_prefix!r}: {len(matches)} records start with it; give more characters")
        return matches[0]


def read_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / MANIFEST
    if not path.is_dir():
        raise CorpusError(f"{path}: not a directory; pass the corpus directory that `rpsdg build` wrote")
    if not manifest_path.is_file():
        raise CorpusError(f"{path}: no {MANIFEST}; this is not an rpsdg corpus (build one with `rpsdg build`)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorpusError(f"{manifest_path}: not valid JSON ({error}); restore it or rebuild the corpus") from None
    if not isinstance(manifest, Mapping):
        raise CorpusError(f"{manifest_path}: must be a JSON object")
    for key in ("kind", "format", "shards"):
        if key not in manifest:
            raise CorpusError(f"{manifest_path}: missing key {key!r}; rebuild the corpus")
    if manifest["format"] not in FORMATS:
        raise CorpusError(f"{manifest_path}: unknown shard format {manifest['format']!r}")
    shards = manifest["shards"]
    if not isinstance(shards, list) or not all(
            isinstance(s, Mapping) and isinstance(s.get("file"), str) and "/" not in s["file"]
            and not s["file"].startswith(".") and isinstance(s.get("sha256"), str) for s in shards):
        raise CorpusError(f"{manifest_path}: 'shards' must list {{file, sha256}} objects naming files in the corpus")
    return dict(manifest)


def _read_parquet(path: Path) -> Iterator[dict[str, Any]]:
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=1024):
            yield from batch.to_pylist()
    except (pa.ArrowException, OSError) as error:
        raise CorpusError(f"{path}: not a readable Parquet shard ({error}); rebuild the corpus") from None


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{path}:{number}: not valid JSON ({error.msg}); fix or remove the line") from None
