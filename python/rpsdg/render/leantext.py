"""Lean 4 term text for expressions, as the renderers need it.

Why not ``expr.printers.to_lean`` directly: it leaves a function application unbracketed when it is the argument
of another function (``Real.log Real.sin x``, which Lean reads as ``(Real.log Real.sin) x``). This printer
brackets every non-atomic function argument and otherwise follows the same precedences (Lean's: ``+ -`` 65,
``* /`` 70, prefix ``-`` 75 with ``^`` 75 right-associative). The fix belongs in ``printers.py`` (reported);
until then the Lean renderers use this one. Exponents: a literal n ≥ 0 is a ℕ power; anything else is refused.
"""

from __future__ import annotations

from ..expr.printers import LEAN_REAL_FUNCTIONS, LeanUnsupported
from ..expr.tree import FUNCTIONS, Expr

_PREC = {"add": 65, "sub": 65, "mul": 70, "div": 70, "neg": 75, "pow": 75}
_SYMBOL = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / "}
_REL = {"eq": " = ", "ne": " ≠ ", "lt": " < ", "le": " ≤ ", "gt": " > ", "ge": " ≥ "}
_APPLICATION = 1000  # a function application: an argument position needs brackets around it


def lean_text(e: Expr, dialect: str = "real") -> str:
    """Lean text of ``e`` over ℝ (``"real"``, Mathlib names) or ``Int`` (``"int"``, no division, no functions)."""
    return _text(e, dialect)


def _prec(e: Expr) -> int:
    if e.op == "num":
        return 75 if e.value < 0 else 1024  # type: ignore[operator]
    if e.op in FUNCTIONS:
        return _APPLICATION
    return _PREC.get(e.op, 1024)


def _wrap(e: Expr, dialect: str, bracket: bool) -> str:
    text = _text(e, dialect)
    return f"({text})" if bracket else text


def _text(e: Expr, dialect: str) -> str:
    op = e.op
    if op in ("num", "sym"):
        return str(e.value)
    if op == "pow":
        base, exponent = e.args
        if exponent.op != "num" or exponent.value < 0:  # type: ignore[operator]
            raise LeanUnsupported("only literal exponents n ≥ 0 are rendered")
        return f"{_wrap(base, dialect, _prec(base) <= 75 or _prec(base) == _APPLICATION)} ^ {exponent.value}"
    if op in _SYMBOL:
        if dialect == "int" and op == "div":
            raise LeanUnsupported("division is not stated over Int")
        p = _PREC[op]
        left = _wrap(e.args[0], dialect, _prec(e.args[0]) < p)
        right = _wrap(e.args[1], dialect, _prec(e.args[1]) <= p)
        return left + _SYMBOL[op] + right
    if op == "neg":
        return "-" + _wrap(e.args[0], dialect, _prec(e.args[0]) < 1024 and _prec(e.args[0]) != _APPLICATION)
    if op in FUNCTIONS:
        if dialect != "real" or op not in LEAN_REAL_FUNCTIONS:
            raise LeanUnsupported(f"{op} has no Lean name in the {dialect} dialect")
        return f"{LEAN_REAL_FUNCTIONS[op]} {_wrap(e.args[0], dialect, _prec(e.args[0]) < 1024)}"
    if op in _REL:
        return _text(e.args[0], dialect) + _REL[op] + _text(e.args[1], dialect)
    raise LeanUnsupported(f"no Lean form for node kind {op!r}")
