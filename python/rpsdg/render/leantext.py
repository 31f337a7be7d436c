"""Lean 4 term text for expressions, as the renderers need it: :func:`rpsdg.expr.printers.to_lean` restricted to
what the renderers can prove things about.

Exponents: a literal n ≥ 0 is a ℕ power; anything else (ℤ powers, real powers) is refused with
``LeanUnsupported``, which the renderers count as "not renderable" instead of guessing a proof.
"""

from __future__ import annotations

from ..expr.printers import LeanUnsupported, to_lean
from ..expr.tree import Expr


def lean_text(e: Expr, dialect: str = "real") -> str:
    """Lean text of ``e`` over ℝ (``"real"``, Mathlib names) or ``Int`` (``"int"``, no division, no functions)."""
    for _, node in e.positions():
        if node.op == "pow":
            exponent = node.args[1]
            if exponent.op != "num" or exponent.value < 0:  # type: ignore[operator]
                raise LeanUnsupported("only literal exponents n ≥ 0 are rendered")
    return to_lean(e, dialect)
