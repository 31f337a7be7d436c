"""Symbolic equality: our canonical form first, SymPy under a time limit as the fallback.

Returns a small value, never raises for "could not decide": ``"canonical"`` or ``"sympy"`` when equality is
confirmed, ``"different"`` when SymPy reduces the difference to a non-zero number, ``None`` when undecided
(too big, timed out, or SymPy left a non-numeric difference). The time limit uses ``SIGALRM`` and so only applies
in a main thread; elsewhere SymPy is not called (an undecided answer is safe, a hang is not).
"""

from __future__ import annotations


import sympy

from rpsdg.limits import OutOfTime, time_limit

from rpsdg.expr.canonical import CanonTooBig, Canonicalizer, sum_key
from rpsdg.expr.sympy_bridge import to_sympy
from rpsdg.expr.tree import Expr

SYMPY_VERSION = sympy.__version__


def canonical_equal(a: Expr, b: Expr, canonicalizer: Canonicalizer | None = None) -> bool | None:
    """Whether the canonical forms agree; ``None`` when one is too big or divides by zero."""
    canonicalizer = canonicalizer or Canonicalizer()
    try:
        left, right = canonicalizer.run(a), canonicalizer.run(b)
    except (CanonTooBig, ZeroDivisionError):
        return None
    # equal sums have equal keys; only unequal ones need their (coarser) keys compared
    return left == right or sum_key(left) == sum_key(right)


def sympy_equal(a: Expr, b: Expr, seconds: float) -> str | None:
    """``"sympy"`` if SymPy shows a - b = 0 within ``seconds``, ``"different"`` if it finds a non-zero number."""
    try:
        with time_limit(seconds) as limit:
            if not limit.armed:
                return None
            try:
                difference = sympy.simplify(to_sympy(a) - to_sympy(b))
            except OutOfTime as error:
                if not limit.fired(error):
                    raise  # an outer limit (the record's) ran out: not ours to swallow
                return None
    except (RecursionError, ValueError, TypeError, ZeroDivisionError, ArithmeticError,
            sympy.polys.polyerrors.PolynomialError, sympy.polys.polyerrors.BasePolynomialError):
        return None  # SymPy gave up (HeuristicGCDFailed 'no luck' on some mutated records): undecided
    if difference == 0:
        return "sympy"
    if difference.is_number and difference.is_finite and difference != 0:
        return "different"
    return None


def equal(a: Expr, b: Expr, sympy_seconds: float = 2.0, canonicalizer: Canonicalizer | None = None) -> str | None:
    """How equality of ``a`` and ``b`` was confirmed, ``"different"``, or ``None`` if undecided."""
    if canonical_equal(a, b, canonicalizer):
        return "canonical"
    if sympy_seconds <= 0:
        return None
    return sympy_equal(a, b, sympy_seconds)
