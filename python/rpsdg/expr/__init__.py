"""Expressions: our own tree (``tree``), grammar (``parse``), printers, numeric evaluation, canonical form,
random sampling and the SymPy bridge. Import the pieces from their modules; this package re-exports the
few names nearly every caller needs.

``COMPILABLE`` lists the modules ``setup.py`` compiles with mypyc when asked (``RPSDG_COMPILE=1``);
:func:`compiled_modules` says which of them this process loaded compiled (``rpsdg version`` prints it)."""

import importlib

from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr

__all__ = ["COMPILABLE", "Expr", "compiled_modules", "parse", "to_infix"]

COMPILABLE = ("tree", "parse", "printers", "canonical", "evaluate")


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILABLE` that were loaded from compiled extensions, not from ``.py`` files."""
    loaded = (importlib.import_module(f"rpsdg.expr.{name}") for name in COMPILABLE)
    return [module.__name__ for module in loaded if not (module.__file__ or "").endswith(".py")]
