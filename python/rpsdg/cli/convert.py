"""``rpsdg convert OLD --out NEW``: rewrite a corpus in the current layout (shards under ``data/``, one schema for
every kind, a dataset card).

Corpora written before record format 2 (shards beside ``manifest.json``) are refused by every other command with
this command in the message. The rows (their mathematics and uids) are unchanged; ``lean/`` and
``lean_verdicts.json`` are carried over. It also changes the shard format or size of a current corpus. Library
code: :func:`rpsdg.corpus.store.convert_corpus`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from rpsdg.cli.base import out, run_guarded


def convert(
    corpus: Annotated[Path, typer.Argument(help="Corpus directory (old layout or current).")],
    out_dir: Annotated[Path, typer.Option("--out", help="Output corpus directory (may be CORPUS with --force).")],
    force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory (or convert in place).")] = False,
    fmt: Annotated[Optional[str], typer.Option("--format", help="Shard format (default: the corpus's).")] = None,
    shard_size: Annotated[Optional[int], typer.Option(help="Records per shard (default: the corpus's).")] = None,
) -> None:
    """Rewrite a corpus in the current layout (data/ shards, one schema for every kind, a dataset card)."""
    from rpsdg.corpus.store import convert_corpus

    def action() -> dict[str, Any]:
        return convert_corpus(corpus, out_dir, force=force, fmt=fmt, shard_size=shard_size)

    manifest = run_guarded(action)
    out.print(f"wrote {manifest['records']} {manifest['kind']} records to {escape(str(out_dir))} in record format "
              f"{manifest['record_format']} ({len(manifest['shards'])} shard(s) under data/, {manifest['format']})")
