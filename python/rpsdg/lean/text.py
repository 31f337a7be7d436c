"""What every kind's Lean renderer shares: term text for expressions, item names and the refusal value.

:func:`lean_text` is :func:`rpsdg.expr.printers.to_lean` restricted to what the renderers can prove things about.

Exponents: a literal n ≥ 0 is a ℕ power; anything else (ℤ powers, real powers) is refused with
``LeanUnsupported``, which the renderers count as "not renderable" instead of guessing a proof.
"""

from __future__ import annotations

from dataclasses import dataclass

from rpsdg.expr.printers import LeanUnsupported, to_lean
from rpsdg.expr.tree import Expr


def lean_text(e: Expr, dialect: str = "real") -> str:
    """Lean text of ``e`` over ℝ (``"real"``, Mathlib names) or ``Int`` (``"int"``, no division, no functions)."""
    for _, node in e.positions():
        if node.op == "pow":
            exponent = node.args[1]
            if exponent.op != "num" or exponent.value < 0:  # type: ignore[operator]
                raise LeanUnsupported("only literal exponents n ≥ 0 are rendered")
    return to_lean(e, dialect)


@dataclass(frozen=True)
class NotRenderable:
    """An item the renderer cannot state or prove in Lean, with the reason (counted, never guessed)."""

    uid: str
    reason: str


def theorem_name(uid: str) -> str:
    """The stable Lean name of an item: derived from its uid only."""
    return f"item_{uid[:16]}"
