"""``rpsdg lean ...``: render a corpus as a Lake project, and check it with a real Lean toolchain.

``lean render CORPUS`` needs no Lean; ``lean check CORPUS`` needs ``lake``/``lean`` (PATH or ``--lean-path``) and
exits 3 without them, leaving the corpus untouched. Library code lives in ``render/project.py`` and
``check/lean.py``; this module only parses options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.markup import escape

from rpsdg.cli.base import err, out, progress_bar, run_guarded

NAME = "lean"
HELP = "Render a corpus as a Lean 4 Lake project and check it with Lean."
app = typer.Typer(name=NAME, no_args_is_help=True, add_completion=False, help=HELP)


def render_and_report(corpus: Path, per_module: int) -> None:
    """Render ``corpus`` into ``corpus/lean`` and print the counts (used by ``build --lean`` too)."""
    from rpsdg.lean.project import render_corpus

    def action():
        with progress_bar("rendering Lean", None) as advance:
            return render_corpus(corpus, per_module, advance)

    report = run_guarded(action)
    out.print(f"rendered {report.rendered} items into {escape(str(corpus / 'lean'))} ({len(report.modules)} module(s), "
              f"{per_module} per module); not renderable: {len(report.not_renderable)}")
    for reason, count in report.reasons().items():
        out.print(f"  {count} x {reason}", highlight=False, markup=False)
    out.print(f"check with: cd {escape(str(corpus / 'lean'))} && lake exe cache get && lake build   (or: rpsdg lean check "
              f"{corpus})", highlight=False, markup=False)


@app.command()
def render(
    corpus: Annotated[Path, typer.Argument(help="Corpus directory.")],
    per_module: Annotated[int, typer.Option(help="Theorems per Lean module.")] = 50,
) -> None:
    """Write CORPUS/lean: a Lake project with one theorem per item and a line map back to items and steps."""
    render_and_report(corpus, per_module)


@app.command()
def check(
    corpus: Annotated[Path, typer.Argument(help="Corpus directory.")],
    lean_path: Annotated[Optional[Path], typer.Option(help="Directory holding lake and lean.")] = None,
    require: Annotated[bool, typer.Option(help="Keep only Lean-passed items in the corpus.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds per module before it is split.")] = 600.0,
    memory_gb: Annotated[float, typer.Option(help="Address-space limit per Lean process (GB).")] = 9.0,
    budget_gb: Annotated[float, typer.Option(help="Memory budget for parallel Lean processes (GB).")] = 16.0,
    per_module: Annotated[Optional[int], typer.Option(help="Re-render with this many theorems per module.")] = None,
    repl: Annotated[Optional[Path], typer.Option(help="The Lean REPL binary (leanprover-community/repl) for the "
                                                      "warm pool; default $RPSDG_LEAN_REPL or `repl` on PATH, else "
                                                      "`lake env lean` per module.")] = None,
) -> None:
    """Check every item with Lean; write CORPUS/lean_verdicts.json (per item, with Lean and Mathlib versions)."""
    from rpsdg.lean.runner import RunLimits, check_corpus_lean

    def action():
        limits = RunLimits(timeout_s=timeout, memory_gb=memory_gb, budget_gb=budget_gb)
        with progress_bar("checking with Lean", None) as advance:
            return check_corpus_lean(corpus, lean_path, limits, require, per_module, advance, repl)

    report = run_guarded(action)
    out.print(f"Lean {report.toolchain}, Mathlib {report.mathlib}: {report.counts()} "
              f"({report.checked_modules} module(s) checked, {report.cached_modules} from cache)")
    if report.removed is not None:
        out.print(f"--require: removed {report.removed} items that Lean did not pass: {report.removed_reasons} "
                  f"(per item in {corpus / 'lean_verdicts.json'})")
    failed = [(u, v) for u, v in report.verdicts.items() if v["status"] not in ("passed", "not_renderable")]
    for uid, verdict in failed[:20]:
        step = f" step {verdict['step']}" if verdict.get("step") is not None else ""
        err.print(f"  {verdict['status'].upper()} {uid[:16]}{step}: {verdict['detail'][:160]}", highlight=False,
                  markup=False)
