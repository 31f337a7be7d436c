"""Deciding, before a proof is emitted, whether Lean's ``ring1`` (or ``field_simp`` then ``ring1``) closes a goal.

Why: no Lean runs where corpora are built, so a renderer must know that the algebra it leaves to a tactic is
closable. Two tests, both on our expression tree (never on stored text through SymPy's parser):

* :func:`ring_equal`: ``a = b`` as a commutative-ring identity in which every function application, every
  reciprocal of a non-numeral and every non-literal power is an opaque atom. That is exactly the ring ``ring1``
  works in (it reads ``a / b`` as ``a * b⁻¹`` with ``b⁻¹`` an atom unless b is a numeral, evaluates numerals,
  ``Nat.cast`` of numerals and ``n - 1`` in ℕ exponents with ``norm_num``, and compares atoms syntactically up to
  reducible unfolding). The test is conservative: ``(x + 1)⁻¹`` and ``(1 + x)⁻¹`` are different atoms here, as for
  ``ring1``.
* :func:`rational_equal`: ``a = b`` as an identity of rational functions, function applications (and
  non-literal powers) still opaque, divisions kept: what ``field_simp`` then ``ring1`` proves once every
  non-numeral denominator is known to be non-zero. :func:`denominator_bases` lists the bases whose ``≠ 0`` facts
  ``field_simp`` needs (the base of a power, each factor of a product; numerals dropped).

Used by the equation renderer (its ``linear_combination`` steps) and the integral renderer (its ``congr_deriv``
goals). To support a new construct: teach :func:`opaque_ring` / :func:`opaque_functions` how ``ring1`` sees it.
"""

from __future__ import annotations


from rpsdg.expr.canonical import CanonTooBig, canon, equal
from rpsdg.expr.printers import to_infix
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import FUNCTIONS, Expr, mul, num, rational_value, sub, sym


def _atom(key: str, atoms: dict[str, Expr]) -> Expr:
    return atoms.setdefault(key, sym(f"_atom{len(atoms)}"))


def _literal_power(e: Expr) -> bool:
    return e.op == "pow" and e.args[1].op == "num" and e.args[1].value >= 0  # type: ignore[operator]


def opaque_ring(e: Expr, atoms: dict[str, Expr]) -> Expr:
    """``e`` with every function application and every reciprocal of a non-numeral replaced by a symbol named
    after its text: the ring ``ring1`` works in, where such terms are atoms."""
    if e.op in FUNCTIONS:
        return _atom(to_infix(e), atoms)
    if e.op == "div" and rational_value(e.args[1]) is None:
        return mul(opaque_ring(e.args[0], atoms), _atom("1/" + to_infix(e.args[1]), atoms))
    if e.op == "pow" and not _literal_power(e):
        return _atom(to_infix(e), atoms)
    if not e.args:
        return e
    return Expr(e.op, tuple(opaque_ring(a, atoms) for a in e.args), e.value)


def opaque_functions(e: Expr, atoms: dict[str, Expr]) -> Expr:
    """``e`` with function applications and non-literal powers as atoms, divisions kept (``field_simp``'s view)."""
    if e.op in FUNCTIONS or (e.op == "pow" and not _literal_power(e)):
        return _atom(to_infix(e), atoms)
    if not e.args:
        return e
    return Expr(e.op, tuple(opaque_functions(a, atoms) for a in e.args), e.value)


def ring_equal(a: Expr, b: Expr) -> bool:
    """Whether ``a = b`` is a commutative-ring identity with functions and reciprocals as opaque atoms."""
    atoms: dict[str, Expr] = {}
    try:
        return equal(opaque_ring(a, atoms), opaque_ring(b, atoms)) is True
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return False


def rational_equal(a: Expr, b: Expr, functions_opaque: bool = True) -> bool:
    """Whether ``a = b`` holds as rational functions (SymPy ``cancel`` on our tree). With ``functions_opaque``
    (the default) function applications are atoms first, so ``√u ^ 2 = u`` is *not* an identity (``field_simp``
    cannot prove it); the equation renderer's ``clear_denominators`` check passes ``False`` (its steps hold no
    function applications in denominators, and its output must not change)."""
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    atoms: dict[str, Expr] = {}
    left, right = (opaque_functions(a, atoms), opaque_functions(b, atoms)) if functions_opaque else (a, b)
    try:
        return sympy.cancel(to_sympy(left) - to_sympy(right)) == 0
    except (TypeError, ValueError, ZeroDivisionError, sympy.SympifyError):
        return False


def multiple(d: Expr, e: Expr) -> Fraction | None:
    """The rational c with ``d = c·e`` as a ring identity (``e`` not identically 0), else None."""
    atoms: dict[str, Expr] = {}
    try:
        sd, se = canon(opaque_ring(d, atoms)), canon(opaque_ring(e, atoms))
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return None
    if not se:
        return None
    monomial, coefficient = next(iter(se.items()))
    c = Fraction(sd.get(monomial, 0)) / Fraction(coefficient)
    return c if ring_equal(d, mul(num(c), e)) else None


def factor_bases(e: Expr) -> list[Expr]:
    """The non-numeral multiplicative bases of ``e``: ``2 * (x + 3) ^ 3 * sin x`` gives ``[x + 3, sin x]``
    (``e ≠ 0`` follows from each base ``≠ 0``)."""
    if rational_value(e) is not None:
        return []
    if e.op == "mul":
        return factor_bases(e.args[0]) + factor_bases(e.args[1])
    if e.op == "neg":
        return factor_bases(e.args[0])
    if _literal_power(e) and e.args[1].value > 0:  # type: ignore[operator]
        return factor_bases(e.args[0])
    if e.op == "div":
        return factor_bases(e.args[0]) + factor_bases(e.args[1])
    return [e]


def denominator_bases(*expressions: Expr) -> list[Expr]:
    """Every base (see :func:`factor_bases`) of every non-numeral denominator in ``expressions``, functions'
    arguments left out (``field_simp`` does not clear them), without repeats, in order of appearance."""
    found: list[Expr] = []

    def visit(e: Expr) -> None:
        if e.op in FUNCTIONS:
            return
        if e.op == "div" and rational_value(e.args[1]) is None:
            for base in factor_bases(e.args[1]):
                if base not in found:
                    found.append(base)
        for argument in e.args:
            visit(argument)

    for expression in expressions:
        visit(expression)
    return found


def difference(equation: Expr) -> Expr:
    """``lhs - rhs`` of an equation node."""
    return sub(equation.args[0], equation.args[1])
