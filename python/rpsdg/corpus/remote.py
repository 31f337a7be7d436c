"""Writing a corpus to an object store or any fsspec filesystem (``rpsdg build --out s3://bucket/prefix``).

Object stores have no rename and no lock, so the local recipe (a hidden work directory renamed into place, guarded
by ``flock``; ``corpus.store.CorpusWriter``) cannot be used. Instead:

- every shard is written as ONE put of its whole bytes (``pipe_file``: a single PUT, or a multipart upload that S3
  and GCS publish only when it completes), so a shard object appears whole or not at all;
- the checkpoint ``.rpsdg-progress.json`` (same content as the local ``progress.json``) is put after every shard;
  ``--resume`` reads it, removes shards written after it and checks the sha256 of the rest;
- the dataset card and then, LAST, ``manifest.json`` are put: **a corpus at a URL is complete iff its manifest
  exists**; readers (``corpus.store.Corpus``) refuse a prefix without one. The checkpoint is removed after the
  manifest (a build killed between the two is complete; ``--resume`` rewrites it with the same bytes).

No lock: two builds to the same URL are not detected while both run. What is done instead: a build refuses a
prefix that holds anything (a manifest: a corpus; a checkpoint: an interrupted build, or one running now) unless it
is told ``--resume`` (continue from the checkpoint) or ``--force`` (delete the manifest FIRST, so no reader takes the
old corpus for complete while it is replaced, then everything under the prefix). Use ``--force`` only when no other
build writes there. Shard, card and manifest bytes are those of a local build of the same command.

:func:`open_writer` picks the writer for a location; the pipeline calls it and nothing else changes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any


from rpsdg.corpus.card import corpus_card
from rpsdg.corpus.location import RemotePath, as_location
from rpsdg.corpus.record import encode_row
from rpsdg.corpus.store import _SHARD_FILE, CARD, DATA, FORMATS, MANIFEST, CorpusWriter, ShardBuffer, shard_bytes
from rpsdg.errors import RpsdgError
from rpsdg.kinds import KindSpec

PROGRESS_OBJECT = ".rpsdg-progress.json"
"""The checkpoint of a build at a URL, inside its prefix (a local build keeps ``progress.json`` in its work dir)."""
PROBE_OBJECT = ".rpsdg-write-test"
"""Put and removed before any work, so a missing bucket or a refused write is reported before the build runs."""


def open_writer(out: Path | RemotePath | str, spec: KindSpec, fmt: str, shard_size: int, force: bool,
                resume: bool = False) -> "CorpusWriter | RemoteCorpusWriter":
    """The writer for ``out``: :class:`CorpusWriter` for a local directory (unchanged), :class:`RemoteCorpusWriter`
    for a URL (``corpus.location.as_location``; a string is passed through it)."""
    if isinstance(out, str):
        out = as_location(out)
    if isinstance(out, RemotePath):
        return RemoteCorpusWriter(out, spec, fmt, shard_size, force, resume)
    return CorpusWriter(out, spec, fmt, shard_size, force, resume)


def json_bytes(value: Any) -> bytes:
    """What ``atomic.write_json_atomic`` writes for ``value``."""
    return (json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


class RemoteCorpusWriter(ShardBuffer):
    """:class:`~rpsdg.corpus.store.CorpusWriter`'s interface for a URL (see the module docstring for the recipe)."""

    def __init__(self, out: RemotePath, spec: KindSpec, fmt: str, shard_size: int, force: bool,
                 resume: bool = False):
        if fmt not in FORMATS:
            raise RpsdgError(f"--format {fmt!r}: unknown format; choose one of {', '.join(FORMATS)}")
        if shard_size < 1:
            raise RpsdgError(f"--shard-size {shard_size}: must be at least 1")
        self.out, self.spec, self.format, self.shard_size, self.force = out, spec, fmt, shard_size, force
        self.progress = out / PROGRESS_OBJECT
        self.buffer: list[dict[str, Any]] = []
        self.shards: list[dict[str, Any]] = []
        self.sizes: dict[str, int] = {}
        out.refresh()
        names = out.names()
        has_manifest, has_progress = MANIFEST in names, PROGRESS_OBJECT in names
        if resume:
            if not has_progress:
                raise RpsdgError(f"--resume: no interrupted build of {out} to resume ({self.progress} does not "
                                 f"exist); run the build without --resume")
            if has_manifest:  # killed after its manifest, before removing the checkpoint: written again at the end
                (out / MANIFEST).unlink()
        else:
            if names and not force:
                if has_progress:
                    raise RpsdgError(f"--out {out}: holds the checkpoint of an interrupted build ({self.progress}), "
                                     f"or of one running now (object stores have no lock); pass --resume to "
                                     f"continue it, or --force to start over if no other build writes there")
                if has_manifest:
                    raise RpsdgError(f"--out {out}: already holds a corpus; pass --force to replace it, or choose "
                                     f"another URL")
                raise RpsdgError(f"--out {out}: is not empty ({', '.join(names[:3])}); pass --force to replace "
                                 f"what is there, or choose another URL")
            probe = out / PROBE_OBJECT
            try:
                out.fs.pipe_file(probe.path, b"")
                out.fs.rm_file(probe.path)
            except Exception as error:  # a missing bucket, a refused write: reported before any work
                raise RpsdgError(f"--out {out.fail('write there', error)}") from None
            if names:  # --force: the manifest goes first, so the old corpus never looks complete while replaced
                (out / MANIFEST).unlink()
                out.remove_tree()
        self.resuming = resume
        """Whether there is a checkpoint to :meth:`restore` (``--resume`` is refused without one)."""

    @property
    def shard_home(self) -> RemotePath:
        return self.out

    def _flush(self) -> None:
        if not self.buffer:
            return
        name = f"{DATA}/shard-{len(self.shards):05d}.{self.format}"
        data = shard_bytes([encode_row(row, self.spec) for row in self.buffer], self.format)
        (self.out / name).write_bytes(data)
        self.shards.append({"file": name, "records": len(self.buffer), "sha256": hashlib.sha256(data).hexdigest()})
        self.sizes[name] = len(data)
        self.buffer = []

    def checkpoint(self, state: dict[str, Any]) -> None:
        """Record that everything up to the last shard is complete, with the caller's ``state`` (one put)."""
        self.progress.write_bytes(json_bytes({"state": state, "shards": self.shards}))

    def restore(self) -> dict[str, Any]:
        """The state of the last checkpoint; shards written after it are removed, the others checked."""
        try:
            progress = json.loads(self.progress.read_bytes().decode("utf-8"))
            self.shards = list(progress["shards"])
            state = dict(progress["state"])
            kept = {str(shard["file"]) for shard in self.shards}
        except (ValueError, KeyError, TypeError) as error:
            raise RpsdgError(f"--resume: {self.progress} is unreadable ({error}); run the build with --force "
                             f"instead of --resume to start over") from None
        for relative in self.out.files():
            if relative not in kept and relative != PROGRESS_OBJECT:
                (self.out / relative).unlink()
        for shard in self.shards:
            name = str(shard["file"])
            data = (self.out / name).read_bytes() if _SHARD_FILE.match(name) and (self.out / name).is_file() else b""
            if not data or hashlib.sha256(data).hexdigest() != shard["sha256"]:
                raise RpsdgError(f"--resume: {self.out / name} is missing or changed since it was written (or was "
                                 f"written by another rpsdg version); run the build with --force instead of "
                                 f"--resume to start over")
            self.sizes[name] = len(data)
        return state

    def carry_over(self, source: Path, names: tuple[str, ...] = ()) -> None:
        raise RpsdgError(f"--out {self.out}: copying lean/ and lean_verdicts.json to a URL is not supported; write "
                         f"to a local directory, then copy it")

    def commit(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Put the last shard, the dataset card and, last, the manifest; then remove the checkpoint."""
        self._flush()
        manifest = {**manifest, "format": self.format, "shards": self.shards}
        num_bytes = sum(self.sizes[shard["file"]] for shard in self.shards)
        card = corpus_card(manifest, self.spec, f"{DATA}/*.{self.format}", num_bytes)
        (self.out / CARD).write_bytes(card.encode("utf-8"))
        (self.out / MANIFEST).write_bytes(json_bytes(manifest))
        self.progress.unlink()
        return manifest

    def abort(self, keep_for_resume: bool = False) -> None:
        """Keep what was written (with its last checkpoint) for ``--resume``, or remove it all."""
        if keep_for_resume and self.progress.exists():
            return
        self.out.remove_tree()
