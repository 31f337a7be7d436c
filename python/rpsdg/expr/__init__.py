"""Expressions: our own tree (``tree``), grammar (``parse``), printers, numeric evaluation, canonical form,
random sampling and the SymPy bridge. Import the pieces from their modules; this package re-exports the
few names nearly every caller needs."""

from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr

__all__ = ["Expr", "parse", "to_infix"]
