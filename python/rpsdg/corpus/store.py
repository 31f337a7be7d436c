"""Writing and reading corpus directories: a dataset that loads without rpsdg.

Layout (manifest format 2, record format 2)::

    CORPUS/
      README.md        dataset card: Hugging Face YAML (``configs`` → ``data/*.<format>``), schema, provenance
      manifest.json    counts, checker tallies, settings, shard list with sha256
      data/            shard-00000.parquet, shard-00001.parquet, ... (or .jsonl): one schema for every kind
      lean/            (``rpsdg lean render``) a Lake project of the items
      lean_verdicts.json  (``rpsdg lean check``)

so ``datasets.load_dataset("CORPUS")``, ``pandas.read_parquet("CORPUS/data")`` and
``pyarrow.dataset.dataset("CORPUS/data")`` all work. Rows are stored in ``record``'s stored shape and decoded back
to the in-memory shape on reading (``record.encode_row`` / ``record.decode_row``); nothing else sees the stored
shape. Corpora of the old layout (record format 1: shards beside the manifest) are refused with the command that
converts them (:func:`convert_corpus`, ``rpsdg convert``).

Nothing is ever half-written: a build writes into a hidden work directory beside the target (``.NAME.partial``)
and renames it into place at the end; a failure removes it (or keeps it for ``--resume``) and leaves any old
corpus untouched. While a writer works on ``NAME``, it holds an exclusive lock (``.NAME.lock`` beside it), so a
second build to the same ``--out`` is refused instead of destroying the first one's work. Shards are streamed
(``shard_size`` rows at a time), so memory stays flat, and their bytes, like the card's, are a pure function of
their rows (no timestamps), so the same build gives byte-identical shards and card. Every file is created with
the user's umask (never ``mkstemp``'s 0600). Readers validate every row (``record.validate_row``) because corpora
may come from strangers. Corpora at URLs (``s3://``, any fsspec filesystem): the readers here take a
``corpus.location.RemotePath`` as well as a ``Path``; writing one is ``corpus.remote`` (no rename there: one put per
shard, manifest last). To add a shard format: a branch in ``shard_bytes``, a ``_read_<format>``
reader and an entry in ``FORMATS``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from rpsdg.atomic import atomic_path, move_into_place, work_dir, write_json_atomic  # noqa: F401 (re-exported)
from rpsdg.corpus.card import corpus_card
from rpsdg.corpus.location import RemotePath
from rpsdg.corpus.record import RECORD_FORMAT, SCHEMA, decode_row, encode_row, validate_row
from rpsdg.errors import CorpusError, RpsdgError
from rpsdg.kinds import KindSpec, get_kind

FORMATS = ("parquet", "jsonl")
MANIFEST = "manifest.json"
CARD = "README.md"
DATA = "data"
PROGRESS = "progress.json"
MANIFEST_FORMAT = 2
"""1: shards beside ``manifest.json``. 2: shards under ``data/``, a dataset card ``README.md``."""
CARRIED = ("lean", "lean_verdicts.json")
"""What a rewrite of a corpus (``convert``, ``lean check --require``) carries over from the old directory."""

_SHARD_FILE = re.compile(r"^data/[A-Za-z0-9][A-Za-z0-9._-]*$")
_OLD_SHARD_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _sha256(path: Path | RemotePath) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json_file(path: Path | RemotePath, fix: str) -> Any:
    """The JSON value in ``path``; a :class:`CorpusError` naming the file, the line and ``fix`` otherwise (bytes
    that are not UTF-8 included)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CorpusError(f"{path}: cannot read it ({error.strerror}); {fix}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise CorpusError(f"{path}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x}); {fix}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}:{error.lineno}: not valid JSON ({error.msg}); {fix}") from None


def check_output_dir(out: Path, force: bool) -> None:
    """Refuse a non-empty ``out`` without ``force`` and a parent that is missing, a file or unwritable, before any
    work is done."""
    try:
        if out.exists() and not out.is_dir():
            raise RpsdgError(f"--out {out}: exists and is not a directory; choose another path")
        if out.is_dir() and any(out.iterdir()) and not force:
            raise RpsdgError(f"--out {out}: directory is not empty; pass --force to replace it, or choose another "
                             f"path")
        parent = out.resolve().parent
    except OSError as error:
        raise RpsdgError(f"--out {out}: cannot read it ({error.strerror}); choose another path") from None
    ancestor = parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise RpsdgError(f"--out {out}: {ancestor} is a file, not a directory; choose a path inside a directory")
    if not parent.exists():
        raise RpsdgError(f"--out {out}: parent directory {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK):
        raise RpsdgError(f"--out {out}: cannot write in {parent}; choose a writable location")


class OutputLock:
    """An exclusive lock on writing directory ``out``: the file ``.NAME.lock`` beside it, locked with ``flock``.

    Beside ``out``, not inside its work directory, because a second writer must see the lock before it clears the
    work directory, and the work directory is renamed into place at the end. The kernel drops the lock when its
    holder dies, so a killed build never blocks the next one; the holder removes the file when it is done.
    """

    def __init__(self, out: Path):
        self.out = out
        self.path = out.resolve().parent / f".{out.name}.lock"
        self.fd: int | None = None

    def acquire(self) -> "OutputLock":
        try:
            import fcntl
        except ImportError:  # no flock (Windows): concurrent builds to one --out are not detected there
            return self
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as error:
                raise RpsdgError(f"--out {self.out}: cannot create {self.path} ({error.strerror}); choose a "
                                 f"writable location") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise RpsdgError(f"--out {self.out}: another rpsdg process (pid {holder}) is writing it now (lock "
                                 f"{self.path}); wait for it to finish, or choose another --out") from None
            try:  # the previous holder may have removed the file after we opened it: then lock the new one
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self.fd)
            self.fd = None


def shard_bytes(stored: list[dict[str, Any]], fmt: str) -> bytes:
    """The bytes of one shard of ``stored`` rows, for a local file and an object store alike."""
    if fmt == "parquet":
        sink = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pylist(stored, schema=SCHEMA), sink, compression="zstd")
        return sink.getvalue().to_pybytes()
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in stored).encode("utf-8")


class ShardBuffer:
    """What the local and the URL writer share: rows buffered into shards of ``shard_size`` (``_flush`` writes
    one where ``shard_home`` says), and the rows written so far read back (for ``--resume``)."""

    buffer: list[dict[str, Any]]
    shards: list[dict[str, Any]]
    shard_size: int
    format: str

    @property
    def shard_home(self) -> Path | RemotePath:
        raise NotImplementedError

    def _flush(self) -> None:
        raise NotImplementedError

    def add(self, row: dict[str, Any]) -> bool:
        """Buffer ``row`` (in-memory shape); returns whether a shard was completed (the moment to
        :meth:`checkpoint`)."""
        self.buffer.append(row)
        if len(self.buffer) >= self.shard_size:
            self._flush()
            return True
        return False

    def written_rows(self) -> Iterator[dict[str, Any]]:
        """The rows in the shards written so far."""
        return shard_rows(self.shard_home, self.shards, self.format)

    def written_uids(self) -> Iterator[str]:
        """The uids in the shards written so far."""
        return (row["uid"] for row in self.written_rows())


class CorpusWriter(ShardBuffer):
    """Streams rows into shards inside a hidden work directory beside ``out``; :meth:`commit` moves it into place.

    The work directory (``.NAME.partial``) also holds ``progress.json``, written after every shard, so a build that
    was killed can be resumed (``resume=True``) from its last complete shard without loss or duplicates. The writer
    holds ``out``'s :class:`OutputLock` from construction to :meth:`commit` or :meth:`abort`.
    """

    def __init__(self, out: Path, spec: KindSpec, fmt: str, shard_size: int, force: bool, resume: bool = False):
        if fmt not in FORMATS:
            raise RpsdgError(f"--format {fmt!r}: unknown format; choose one of {', '.join(FORMATS)}")
        if shard_size < 1:
            raise RpsdgError(f"--shard-size {shard_size}: must be at least 1")
        check_output_dir(out, force)
        self.out, self.spec, self.format, self.shard_size, self.force = out, spec, fmt, shard_size, force
        self.schema = SCHEMA
        self.temporary = out.resolve().parent / f".{out.name}.partial"
        self.buffer: list[dict[str, Any]] = []
        self.shards: list[dict[str, Any]] = []
        self.resuming = resume
        """Whether there is a checkpoint to :meth:`restore`; false for a fresh build, and for a ``--resume`` of a
        build killed before its first shard was complete (nothing to keep: it starts over, with the same result)."""
        self.lock = OutputLock(out).acquire()
        try:
            check_output_dir(out, force)  # again, under the lock: a writer that just finished may have filled it
            if resume and not self.temporary.is_dir():
                raise RpsdgError(f"--resume: no interrupted build of {out} to resume ({self.temporary} does not "
                                 f"exist); run the build without --resume")
            if not (resume and (self.temporary / PROGRESS).is_file()):
                self.resuming = False
                shutil.rmtree(self.temporary, ignore_errors=True)
                try:
                    (self.temporary / DATA).mkdir(parents=True)
                except OSError as error:
                    raise RpsdgError(f"--out {out}: cannot create {self.temporary} ({error.strerror}); choose a "
                                     f"writable location") from None
        except BaseException:
            self.lock.release()
            raise

    @property
    def shard_home(self) -> Path:
        return self.temporary

    def _flush(self) -> None:
        if not self.buffer:
            return
        name = f"{DATA}/shard-{len(self.shards):05d}.{self.format}"
        path = self.temporary / name
        path.write_bytes(shard_bytes([encode_row(row, self.spec) for row in self.buffer], self.format))
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
            kept = {str(shard["file"]) for shard in self.shards}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise RpsdgError(f"--resume: {self.temporary / PROGRESS} is unreadable ({error}); run the build "
                             f"without --resume") from None
        (self.temporary / DATA).mkdir(exist_ok=True)
        for path in list(self.temporary.iterdir()) + list((self.temporary / DATA).iterdir()):
            relative = path.relative_to(self.temporary).as_posix()
            if path.is_file() and relative != PROGRESS and relative not in kept:
                path.unlink()
        for shard in self.shards:
            path = self.temporary / shard["file"]
            if not _SHARD_FILE.match(shard["file"]) or not path.is_file() or _sha256(path) != shard["sha256"]:
                raise RpsdgError(f"--resume: {shard['file']} is missing or changed since it was written (or was "
                                 f"written by another rpsdg version); run the build without --resume")
        return state

    def carry_over(self, source: Path, names: tuple[str, ...] = CARRIED) -> None:
        """Copy ``names`` (files or directories) from the corpus directory ``source`` into the new corpus."""
        for name in names:
            path = source / name
            if path.is_dir():
                shutil.copytree(path, self.temporary / name, symlinks=True)
            elif path.is_file():
                shutil.copy2(path, self.temporary / name)

    def commit(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write the last shard, the manifest and the dataset card, then move the corpus into place."""
        self._flush()
        manifest = {**manifest, "format": self.format, "shards": self.shards}
        write_json_atomic(self.temporary / MANIFEST, manifest)
        num_bytes = sum((self.temporary / shard["file"]).stat().st_size for shard in self.shards)
        (self.temporary / CARD).write_text(corpus_card(manifest, self.spec, f"{DATA}/*.{self.format}", num_bytes),
                                           encoding="utf-8")
        (self.temporary / PROGRESS).unlink(missing_ok=True)
        move_into_place(self.temporary, self.out)
        self.lock.release()
        return manifest

    def abort(self, keep_for_resume: bool = False) -> None:
        """Remove the work directory, or keep it (with its last checkpoint) so ``--resume`` can continue."""
        try:
            if not (keep_for_resume and (self.temporary / PROGRESS).is_file()):
                shutil.rmtree(self.temporary, ignore_errors=True)
        finally:
            self.lock.release()


# -- reading --------------------------------------------------------------------------------------------------------

class Corpus:
    """A corpus directory opened for reading: its manifest and a stream of validated rows (in-memory shape).

    ``path`` is a local directory or a :class:`~rpsdg.corpus.location.RemotePath` (a URL, via
    ``corpus.location.as_location``): both are read through the same few path methods. ``allow_old`` also opens the old layout
    (record format 1), for :func:`convert_corpus` only.
    """

    def __init__(self, path: Path | RemotePath, allow_old: bool = False):
        self.path = path
        self.manifest = read_manifest(path, allow_old)
        self.spec = get_kind(str(self.manifest.get("kind")))
        self.format = self.manifest["format"]
        self.old_layout = is_old_layout(self.manifest)

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
            for where, stored in _read_shard(path, self.format):
                row = stored if self.old_layout else decode_row(stored, where)
                yield validate_row(row, self.spec, where)

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


def is_old_layout(manifest: Mapping[str, Any]) -> bool:
    """Whether a manifest describes the old layout (record format 1: shards beside the manifest)."""
    return manifest.get("record_format", 1) == 1


def old_layout_message(path: Path) -> str:
    return (f"{path}: an rpsdg corpus in the old layout (record format 1: shards beside manifest.json, columns "
            f"that differ by kind); this rpsdg reads record format {RECORD_FORMAT} (shards under data/, one schema "
            f"for every kind, a dataset card). Convert it with `rpsdg convert {path} --out NEW` (or `rpsdg convert "
            f"{path} --out {path} --force` to convert it in place)")


def read_manifest(path: Path | RemotePath, allow_old: bool = False) -> dict[str, Any]:
    """The manifest of the corpus directory ``path``, checked; an old-layout corpus is refused with the command that
    converts it unless ``allow_old``."""
    manifest_path = path / MANIFEST
    if not path.is_dir():
        raise CorpusError(f"{path}: not a directory; pass the corpus directory that `rpsdg build` wrote")
    if not manifest_path.is_file():
        raise CorpusError(f"{path}: no {MANIFEST}; this is not an rpsdg corpus (build one with `rpsdg build`)")
    manifest = read_json_file(manifest_path, "restore it or rebuild the corpus")
    if not isinstance(manifest, Mapping):
        raise CorpusError(f"{manifest_path}: must be a JSON object")
    for key in ("kind", "format", "shards"):
        if key not in manifest:
            raise CorpusError(f"{manifest_path}: missing key {key!r}; rebuild the corpus")
    record_format = manifest.get("record_format", 1)
    if not isinstance(record_format, int) or isinstance(record_format, bool) or record_format < 1:
        raise CorpusError(f"{manifest_path}: 'record_format' must be a positive integer; rebuild the corpus")
    if record_format > RECORD_FORMAT:
        raise CorpusError(f"{manifest_path}: record format {record_format} is newer than this rpsdg reads "
                          f"({RECORD_FORMAT}); upgrade rpsdg")
    old = is_old_layout(manifest)
    if old and not allow_old:
        raise CorpusError(old_layout_message(path))
    if manifest["format"] not in FORMATS:
        raise CorpusError(f"{manifest_path}: unknown shard format {manifest['format']!r}")
    pattern = _OLD_SHARD_FILE if old else _SHARD_FILE
    shards = manifest["shards"]
    if not isinstance(shards, list) or not all(
            isinstance(s, Mapping) and isinstance(s.get("file"), str) and pattern.match(s["file"])
            and isinstance(s.get("sha256"), str) for s in shards):
        where = "files beside manifest.json" if old else f"files in {DATA}/ (e.g. {DATA}/shard-00000.parquet)"
        raise CorpusError(f"{manifest_path}: 'shards' must list {{file, sha256}} objects naming {where}; rebuild "
                          f"the corpus")
    return dict(manifest)


def shard_rows(directory: Path | RemotePath, shards: Sequence[Mapping[str, Any]],
               fmt: str) -> Iterator[dict[str, Any]]:
    """The rows of ``shards`` (manifest entries) under ``directory`` (a local path or a URL location), in order."""
    for shard in shards:
        for _, row in _read_shard(directory / shard["file"], fmt):
            yield row


def _read_shard(path: Path | RemotePath, fmt: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, stored row)`` of every row of a shard; ``where`` names the file and the row (or line)."""
    return _read_parquet(path) if fmt == "parquet" else _read_jsonl(path)


def _read_parquet(path: Path | RemotePath) -> Iterator[tuple[str, dict[str, Any]]]:
    try:  # a remote shard is read in one request (a shard is ``shard_size`` rows: memory stays bounded)
        parquet = pq.ParquetFile(path if isinstance(path, Path) else pa.BufferReader(path.read_bytes()))
        number = 0
        for batch in parquet.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                yield f"{path} row {number}", row
                number += 1
    except (pa.ArrowException, OSError) as error:
        raise CorpusError(f"{path}: not a readable Parquet shard ({error}); rebuild the corpus") from None


def _read_jsonl(path: Path | RemotePath) -> Iterator[tuple[str, dict[str, Any]]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise CorpusError(f"{path}: cannot read it ({error.strerror}); rebuild or restore the corpus") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise CorpusError(f"{path}:{number}: not UTF-8 text (byte 0x{raw[error.start]:02x}); fix or remove "
                                  f"the line") from None
            if not line.strip():
                continue
            try:
                yield f"{path}:{number}", json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(f"{path}:{number}: not valid JSON ({error.msg}); fix or remove the line") from None


# -- converting -----------------------------------------------------------------------------------------------------

def convert_corpus(source: Path, out: Path, force: bool = False, fmt: str | None = None,
                   shard_size: int | None = None) -> dict[str, Any]:
    """Rewrite the corpus ``source`` (old layout or current) in the current layout into ``out``; returns the new
    manifest. The rows (their mathematics and uids) are unchanged; ``lean/`` and ``lean_verdicts.json`` are carried
    over. ``out`` may be ``source`` itself with ``force``."""
    opened = Corpus(source, allow_old=True)
    problems = opened.integrity_problems()
    if problems:
        raise CorpusError(f"{source}: {'; '.join(problems[:3])}; run `rpsdg check {source}` and rebuild or restore "
                          f"the corpus before converting it")
    in_place = out.resolve() == source.resolve()
    if in_place and not force:
        raise RpsdgError(f"--out {out}: is the corpus itself; pass --force to convert it in place, or choose "
                         f"another --out")
    if not in_place and source.resolve() in out.resolve().parents:
        raise RpsdgError(f"--out {out}: is inside the corpus {source}; write the converted corpus somewhere else")
    sizes = [int(s.get("records", 0)) for s in opened.manifest["shards"] if isinstance(s.get("records"), int)]
    writer = CorpusWriter(out, opened.spec, fmt or opened.format, shard_size or max(sizes + [1]), force)
    try:
        for row in opened.rows():
            writer.add(row)
        writer.carry_over(source)
        manifest = {k: v for k, v in opened.manifest.items() if k not in ("format", "shards")}
        manifest.update(manifest_format=MANIFEST_FORMAT, record_format=RECORD_FORMAT)
        if opened.old_layout or opened.manifest.get("converted_from"):
            manifest["converted_from"] = opened.manifest.get("converted_from") or {
                "manifest_format": opened.manifest.get("manifest_format", 1),
                "record_format": opened.manifest.get("record_format", 1)}
        return writer.commit(manifest)
    except BaseException:
        writer.abort()
        raise
