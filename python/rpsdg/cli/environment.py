"""``rpsdg eval``, ``rpsdg report``, ``rpsdg contamination``: thin commands over :mod:`rpsdg.env`.

Registered on the main app by :func:`add_commands` (one line in ``cli/main.py``). Each command runs its work through
:func:`rpsdg.cli.base.run_guarded`, so an :class:`rpsdg.errors.RpsdgError` becomes its message and exit code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

from rpsdg.cli.base import out, run_guarded
from rpsdg.corpus.store import check_output_dir


def eval_command(
    predictions: Annotated[Path, typer.Argument(help="JSON lines with uid and answer and/or solution.")],
    corpus: Annotated[list[Path], typer.Option(help="Corpus directory the uids come from (repeat for several).")],
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write report.json, report.html and "
                                                                  "items.jsonl here.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory.")] = False,
) -> None:
    """Score predictions: accuracy and step validity per kind and level."""
    from rpsdg.env.evaluate import evaluate, write_report

    def action() -> dict[str, Any]:
        if out_dir is not None:
            check_output_dir(out_dir, force)
        report = evaluate(predictions, corpus)
        if out_dir is not None:
            write_report(report, out_dir)
        return report

    report = run_guarded(action)
    out.print(f"{report['scored']} predictions scored ({report['unknown_uids']} unknown uids, "
              f"{report['unreadable_lines']} unreadable lines)")
    for row in report["per_kind_level"] + [report["overall"]]:
        accuracy = "—" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
        validity = "—" if row["step_validity"] is None else f"{row['step_validity']:.3f}"
        name = "overall" if row["kind"] == "all" else f"{row['kind']} level {row['level']}"
        out.print(f"  {name}: {row['predictions']} predictions, accuracy {accuracy}, "
                  f"step validity {validity} over {row['steps']} steps")
    if out_dir is not None:
        out.print(f"wrote {escape(str(out_dir / 'report.html'))}")


def report_command(
    corpus: Annotated[Path, typer.Argument(help="Corpus directory.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Directory for report.html and report.json.")],
    force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory.")] = False,
) -> None:
    """Write a static offline HTML page about a corpus (plots and sample items)."""
    from rpsdg.env.report import write_corpus_report

    def action() -> list[Path]:
        check_output_dir(out_dir, force)
        return write_corpus_report(corpus, out_dir)

    paths = run_guarded(action)
    out.print(f"wrote {escape(str(paths[0]))}")


def contamination_command(
    corpus: Annotated[Path, typer.Argument(help="Corpus directory.")],
    against: Annotated[Path, typer.Option(help="Benchmark problems as JSON lines.")],
    field: Annotated[str, typer.Option(help="The JSON field holding the problem text.")] = "problem",
    out_dir: Annotated[Optional[Path], typer.Option("--out", help="Write contamination.json here.")] = None,
    force: Annotated[bool, typer.Option(help="Replace a non-empty --out directory.")] = False,
    show: Annotated[int, typer.Option(help="How many matches to print.")] = 20,
) -> None:
    """Find corpus items that match a benchmark's problems (canonical form, up to renaming variables)."""
    from rpsdg.env.contamination import find_matches, write_matches

    def action() -> dict[str, Any]:
        if out_dir is not None:
            check_output_dir(out_dir, force)
        report = find_matches(corpus, against, field)
        if out_dir is not None:
            write_matches(report, out_dir)
        return report

    report = run_guarded(action)
    out.print(f"{report['matched_records']} of {report['corpus_records']} corpus records match "
              f"{report['benchmark_items_read']} readable benchmark items "
              f"({report['benchmark_items_unreadable']} unreadable)")
    for match in report["matches"][:show]:
        out.print(f"  {match['uid'][:16]}  L{match['level']}  {match['problem'][:70]}  ~ benchmark line(s) "
                  f"{', '.join(str(n) for n in match['benchmark_lines'][:5])}", highlight=False, markup=False)


def add_commands(app: typer.Typer) -> None:
    """Mount ``eval``, ``report`` and ``contamination`` on the main app."""
    app.command("eval")(eval_command)
    app.command("report")(report_command)
    app.command("contamination")(contamination_command)
