"""What every ``rpsdg`` command shares: the two consoles, the error boundary and the progress bar.

This is the only place an :class:`rpsdg.errors.RpsdgError` becomes an exit code (2: bad input, 1: a check found
failing records, 3: no Lean toolchain): every command runs its work through :func:`run_guarded`.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rpsdg.errors import RpsdgError

err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def run_guarded(action: Callable[[], Any]) -> Any:
    """Run ``action``; turn an RpsdgError into its message on stderr and its exit code."""
    try:
        return action()
    except RpsdgError as error:
        err.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(error.exit_code) from None


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress callback: a bar on a terminal, nothing otherwise (CI logs stay clean)."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
