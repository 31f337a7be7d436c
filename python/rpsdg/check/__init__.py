"""Checkers: the replay kernel, numeric and symbolic equivalence, and (``lean``) the Lean runner.

Each kind's checkers live in ``check/<kind>.py`` and expose ``check_row(row) -> list[Verdict]`` and ``NAMES``;
the kind's spec points at them. Verdicts are values (``core.Passed | Rejected | NotRun``), never exceptions.
Call them through :func:`run_checks`, which holds that promise even for a row no checker foresaw.
"""

from __future__ import annotations

from typing import Any, Mapping

from .. import __version__
from ..core import Rejected, Verdict
from ..errors import RpsdgError
from ..generators import KindSpec


def run_checks(spec: KindSpec, row: Mapping[str, Any]) -> list[Verdict]:
    """Every verdict of ``spec``'s checkers on ``row``. A row that makes a checker fail (a stranger's malformed but
    parsable text, say an equation where a term belongs) is rejected by every checker, with the error as reason:
    a record we cannot check is not a verified record."""
    try:
        return list(spec.check(row))
    except (RpsdgError, ArithmeticError, LookupError, ValueError, TypeError, RecursionError) as error:
        reason = f"malformed record: the checkers could not read it ({type(error).__name__}: {error})"
        return [Rejected(name, f"rpsdg-{__version__}", -1, reason) for name in spec.checker_names]
