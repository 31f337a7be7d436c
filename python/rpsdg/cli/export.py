"""``rpsdg export FORMAT CORPUS --out DIR``: one command per registered export format (``export/__init__.py``).

Thin wrappers over :func:`rpsdg.export.export_corpus`; an unknown FORMAT is refused by the command parser (exit 2,
listing the formats), and every :class:`rpsdg.errors.RpsdgError` becomes its message and exit code.
Adding a format to ``FORMAT_MODULES`` adds its command here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer
from typer.core import TyperGroup

from rpsdg.export import FORMAT_MODULES, export_corpus, get_format

NAME = "export"
HELP = "Write a corpus in a training layout: " + ", ".join(FORMAT_MODULES) + "."



class _FormatGroup(TyperGroup):
    """Refuses an unknown FORMAT with the list of formats (click exits 2 on a usage error)."""

    def resolve_command(self, ctx: Any, args: list[str]):  # type: ignore[override]
        if args and not args[0].startswith("-") and args[0] not in FORMAT_MODULES:
            typer.echo(f"error: unknown export format {args[0]!r}; choose one of: {', '.join(FORMAT_MODULES)} "
                       f"(usage: rpsdg export FORMAT CORPUS --out DIR)", err=True)
            raise typer.Exit(2)
        return super().resolve_command(ctx, args)


app = typer.Typer(cls=_FormatGroup, no_args_is_help=True, add_completion=False, help=HELP)

_SUMMARIES = {
    "sft": "Instruction records: problem in words and LaTeX, numbered steps naming their rules, the answer.",
    "prm": "Process supervision: step sequences labelled +1/-1 (PRM800K style); wrong steps confirmed by the checker.",
    "leandojo": "LeanDojo Benchmark 4 layout with predicted tactics and states (no Lean ran).",
    "whole-proof": "DeepSeek-Prover / Goedel whole-proof JSON lines (predicted proofs, not Lean-checked).",
    "seq2seq": "Lample & Charton prefix pairs: `sub Y' <integrand>` to antiderivative tokens.",
}


def _command(fmt: str) -> Callable[..., None]:
    def command(
        corpus: Annotated[str, typer.Argument(help="Corpus written by `rpsdg build`: a directory or a URL "
                                                   "(s3://bucket/prefix, ...).")],
        out_dir: Annotated[Path, typer.Option("--out", help="Output directory for the export.")],
        force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory.")] = False,
        seed: Annotated[int, typer.Option(help="Seed for wording variants (and prm corruptions).")] = 0,
        math: Annotated[str, typer.Option(help="Formulas in exported text: latex ($...$) or plain (readable "
                                               "infix). Default: latex for sft, plain elsewhere.")] = "",
        storage_option: Annotated[Optional[list[str]], typer.Option(
            "--storage-option", help="KEY=VALUE for the filesystem of a CORPUS URL (repeatable); see "
                                     "docs/corpus.md.")] = None,
    ) -> None:
        from rpsdg.cli.base import out, run_guarded

        def action() -> dict[str, Any]:
            from rpsdg.corpus.location import as_location, parse_storage_options

            get_format(fmt)
            location = as_location(corpus, parse_storage_options(storage_option or []), "CORPUS")
            return export_corpus(fmt, location, out_dir, force=force, seed=seed,
                                 options={"math": math} if math else None)

        manifest = run_guarded(action)
        out.print(f"wrote {manifest['records_out']} {fmt} records from {manifest['records_in']} {manifest['kind']} "
                  f"records to {out_dir}", highlight=False)
        if manifest.get("skipped"):
            out.print(f"  skipped: {manifest['skipped']}", highlight=False, markup=False)
        for config, counts in manifest.get("splits", {}).items():
            out.print(f"  {config}: " + ", ".join(f"{s} {n}" for s, n in counts.items()), highlight=False)
        for name, tally in manifest.get("corruptions", {}).items():
            out.print(f"  corruption {name}: made {tally['made']}, kept {tally['kept']}", highlight=False)

    command.__doc__ = _SUMMARIES.get(fmt, f"Export as {fmt}.")
    return command


for _fmt in FORMAT_MODULES:
    app.command(name=_fmt)(_command(_fmt))
