"""The teacher's solution of an equation: our own solver, run on the problem the generator made.

The generator (``generate.py``) makes a problem by running invertible operations forwards from a solved form; the
inverses of those operations, last first, prove the problem is equivalent to its answer, but they wander (an item
built by "add 8" then "subtract 7" would be solved by "add 7" then "subtract 8"). The stored ``steps`` are this
module's instead; the construction stays in the record (``construction``) as the proof of how the item was made.

How a careful teacher solves, and so how this solver does:

* **One side with x, the other constant**: undo the outermost operation first, one inverse per layer. Constant
  terms around the part with x are moved in one step (``subtract 12``, never ``subtract 4`` then ``subtract 8``),
  constant factors are divided out in one step (``divide by 10``, never ``divide by 2`` then ``divide by 5``); a
  square root is squared (its right side non-negative), a cube undone by its root, ``exp`` by ``log`` and ``log``
  by ``exp``, ``b**u = b**k`` by equating exponents. A linear side that would need more than three moves is
  expanded first.
* **x more than once**: collect or expand only then. Linear: constant denominators cleared, like terms collected,
  the x terms moved to the left, the constants to the right, one division. Polynomial: everything to one side,
  made primitive with a positive leading coefficient, factored (rational roots) or solved by the quadratic
  formula. Denominators with x are cleared by multiplying by their product; a square root equal to an expression
  with x is isolated and squared under the sign condition ``rhs >= 0`` that the equation implies; a sum of two logs
  is combined.
* **Domain**: the candidates of a factored form are checked against the recorded conditions (hypotheses, and the
  sign condition of a squaring step); a root that breaks one is rejected by dividing by its factor (non-zero on
  the domain), and the step's ``note`` says which root and why.
* **Systems**: one stated method (``SolvedSteps.method``). Substitution when an equation gives its own variable
  with coefficient 1 (two unknowns); otherwise elimination: each variable eliminated once, from one pivot
  equation, in an order that keeps equation ``i`` for variable ``i``, then back-substitution. Never re-eliminated.

Every step uses the checker's vocabulary (``check.py`` ``_SINGLE_RULES``, ``eliminate``, ``substitute``), so the
records are checked exactly as before. :func:`merge_constant_moves` is a last safety net: two adjacent moves of
the same kind with constant operands on the same equation become one.

To extend: a new shape of side gets a branch in :meth:`_Solver.peel` (one side has x) or :meth:`_Solver.both`
(both sides); raise :class:`Unsolved` where the solver has no teacher's move (the item is then dropped, counted
as ``unsolved``).
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass, field
from typing import Final, Sequence

from rpsdg.core import Derivation, Dropped
from rpsdg.expr.canonical import CanonTooBig
from rpsdg.expr.evaluate import holds
from rpsdg.expr.printers import to_infix
from rpsdg.expr.rational import Fraction
from rpsdg.kinds.equation.check import fitting_label, polynomial_coefficients
from rpsdg.expr.tree import Expr, add, eq, func, mul, neg, node, num, pow_, rational_value, sub, sym
from rpsdg.maths.domain import has_variable
from rpsdg.kinds.equation.generate import (VARIABLES, X, EquationConfig, EquationStep, _canon, _expanded,
                                           _negative_part, construct, _join, _linear_factor, _number,
                                           _plain, _product, _quadratic_roots, _system_equation, _term,
                                           _with_coefficient, tidy)


class Unsolved(Exception):
    """The solver has no teacher's move for this shape (the item is dropped as ``unsolved``)."""


@dataclass(frozen=True)
class SolvedSteps:
    """The solver's answer: the steps and the method it used (``elimination``/``substitution`` for systems)."""

    steps: tuple[EquationStep, ...]
    method: str = ""


TRANSLATIONS = ("add_both_sides", "subtract_both_sides")
SCALINGS = ("multiply_both_sides", "divide_both_sides")
LINEAR_MOVES = TRANSLATIONS + SCALINGS
MAX_STEPS: Final = 40


# -- small helpers -------------------------------------------------------------------------------------------------

def _without_one(terms: list[tuple[int, Expr]], term: tuple[int, Expr]) -> list[tuple[int, Expr]]:
    """``terms`` less its last occurrence of ``term`` (the terms before it keep their order)."""
    at = len(terms) - 1 - terms[::-1].index(term)
    return terms[:at] + terms[at + 1:]


def _int(e: Expr) -> int:
    """The integer of a ``num`` node (``tree.num`` turns a non-integer rational into a ``div``)."""
    value = e.value
    assert type(value) is int, f"a num node holds an int, not {value!r}"
    return value


def _has_x(e: Expr) -> bool:
    """Whether x occurs (stops at the first; ``free_symbols`` builds every set and is hot here)."""
    stack = [e]
    while stack:  # a walk without a generator per node (hot)
        node = stack.pop()
        if node.op == "sym":
            if node.value == "x":
                return True
        else:
            stack.extend(node.args)
    return False


def _x_count(e: Expr) -> int:
    count, stack = 0, [e]
    while stack:
        node = stack.pop()
        if node.op == "sym":
            count += node.value == "x"
        else:
            stack.extend(node.args)
    return count


def _constant(e: Expr) -> bool:
    return not has_variable(e)


def _signed_terms(e: Expr, sign: int = 1) -> list[tuple[int, Expr]]:
    """``e`` as a signed sum of terms (``a - b + c`` → ``[(1, a), (-1, b), (1, c)]``)."""
    if e.op == "add":
        return _signed_terms(e.args[0], sign) + _signed_terms(e.args[1], sign)
    if e.op == "sub":
        return _signed_terms(e.args[0], sign) + _signed_terms(e.args[1], -sign)
    return [(sign, e)]


def _sum_of(terms: Sequence[tuple[int, Expr]]) -> Expr:
    """The sum of signed terms written as a person would."""
    result: Expr | None = None
    for sign, term in terms:
        if result is None:
            result = term if sign > 0 else _negated(term)
        else:
            result = _join("add" if sign > 0 else "sub", result, term)
    return result if result is not None else num(0)


def _negated(e: Expr) -> Expr:
    value = rational_value(e)
    if value is not None:
        return _number(-value)
    if e.op == "neg":
        return e.args[0]
    if e.op == "mul":
        c = rational_value(e.args[0])
        if c is not None:
            return _with_coefficient(-c, e.args[1])
    return neg(e)


def _value(e: Expr) -> Expr:
    """A constant side, simplified (``30 + 20`` → ``50``)."""
    return tidy(e)


def _polynomial_like(e: Expr) -> bool:
    """Built from x and constants by + - * and powers by non-negative integers, divisions by constants only."""
    return _variable_and_polynomial_like(e)[1]


def _variable_and_polynomial_like(e: Expr) -> tuple[bool, bool]:
    """(whether a variable occurs, :func:`_polynomial_like`) in one walk: a constant subtree is polynomial-like
    whatever it holds, so each node's answer follows from its children's (the plain definition asked
    ``_constant`` at every node, walking each subtree again; hot in the solver)."""
    op = e.op
    if op == "num":
        return False, True
    if op == "sym":
        return True, True
    results = [_variable_and_polynomial_like(child) for child in e.args]
    if not any(variable for variable, _ in results):
        return False, True
    if op in ("add", "sub", "mul"):
        return True, results[0][1] and results[1][1]
    if op == "neg":
        return True, results[0][1]
    if op == "div":
        return True, results[0][1] and not results[1][0]
    if op == "pow":
        return True, e.args[1].op == "num" and e.args[1].value >= 0 and results[0][1]  # type: ignore[operator]
    return True, False


def _coefficients(e: Expr) -> list[Fraction] | None:
    """Coefficients (constant first) of ``e`` as a polynomial in x with rational coefficients, else ``None``:
    only a polynomial-like tree (:func:`_polynomial_like`) whose form has number coefficients is admitted (stricter
    than the checker's reading, which is the same function, ``check.polynomial_coefficients``). A form too big to
    make raises, as before (the item is dropped)."""
    if not _polynomial_like(e):
        return None
    expanded = _expanded(e)  # a small polynomial: read off its expansion (the same numbers as from its form)
    if expanded is not None:
        if any(j or k for _, j, k in expanded):
            return None  # y or z occurs: no polynomial in x, as polynomial_coefficients says
        top = max((i for i, _, _ in expanded), default=0)
        return [Fraction(expanded.get((p, 0, 0), 0)) for p in range(top + 1)]
    return polynomial_coefficients(_canon(e), numbers_only=True)


def _polynomial_expr(coefficients: Sequence[Fraction]) -> Expr:
    return tidy(_sum_of([(1, mul(_number(c), pow_(X, num(p))) if p else _number(c))
                         for p, c in enumerate(coefficients) if c] or [(1, num(0))]))


def _lcm_of_denominators(values: Sequence[Fraction]) -> int:
    result = 1
    for v in values:
        result = result * v.denominator // math.gcd(result, v.denominator)
    return result


def _divisors(n: int) -> list[int]:
    n = abs(n)
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def _rational_roots(coefficients: list[Fraction]) -> list[tuple[Fraction, int]] | None:
    """Every root with multiplicity when all roots are rational, else ``None``."""
    scale = _lcm_of_denominators(coefficients)
    poly = [int(c * scale) for c in coefficients]
    roots: list[tuple[Fraction, int]] = []
    zero = 0
    while poly and poly[0] == 0:
        poly = poly[1:]
        zero += 1
    if zero:
        roots.append((Fraction(0), zero))
    while len(poly) > 1:
        found = None
        if abs(poly[0]) > 10 ** 7 or abs(poly[-1]) > 10 ** 7:
            return None
        for p in _divisors(poly[0]):
            for q in _divisors(poly[-1]):
                for s in (p, -p):
                    if _vanishes_at(poly, s, q):
                        found = Fraction(s, q)
                        break
                if found is not None:
                    break
            if found is not None:
                break
        if found is None:
            return None
        deflated = _deflate(poly, found)
        scale = _lcm_of_denominators(deflated)
        poly = [int(c * scale) for c in deflated]
        for i, (root, m) in enumerate(roots):
            if root == found:
                roots[i] = (root, m + 1)
                break
        else:
            roots.append((found, 1))
    return roots


def _vanishes_at(poly: Sequence[int], p: int, q: int) -> bool:
    """Whether the integer polynomial ``poly`` (constant first) vanishes at ``p/q`` (``q > 0``): ``q**n·poly(p/q)``
    in integers (Horner), the verdict of evaluating in Fractions, without a Fraction per operation (hot)."""
    total, scale = 0, 1
    for c in reversed(poly):
        total = total * p + c * scale
        scale *= q
    return total == 0


def _deflate(poly: list, root: Fraction) -> list:
    """``poly / (x - root)`` (constant first), exact; integer coefficients stay rational."""
    n = len(poly) - 1
    out = [Fraction(0)] * n
    carry = Fraction(0)
    for k in range(n, 0, -1):
        carry = carry * root + poly[k]
        out[k - 1] = carry
    return out


# -- the solver ----------------------------------------------------------------------------------------------------

@dataclass
class _Solver:
    """Solving one equation: the current state and the steps so far (solving order)."""

    state: Expr
    conditions: list[Expr]
    steps: list[EquationStep] = field(default_factory=list)

    def to(self, new_state: Expr, rule: str, operand: Expr | None = None, note: str = "") -> None:
        if new_state == self.state:
            return
        if len(self.steps) >= MAX_STEPS:
            raise Unsolved("too many steps")
        rule = fitting_label(rule, self.state, new_state)  # a rewrite's label names what it does (checked)
        self.steps.append(EquationStep(rule, self.state, new_state, operand, note=note))
        self.state = new_state

    # -- one equation ----------------------------------------------------------------------------------------------

    def run(self) -> None:
        for _ in range(MAX_STEPS):
            L, R = self.state.args
            if L == X and not _has_x(R):
                return
            if not _has_x(L) and not _has_x(R):
                raise Unsolved(f"no x left in {to_infix(self.state)}")
            if self._factored_done():
                return
            if self._cancel_common_term():
                continue
            if _denominators(L) or _denominators(R):
                self.clear_denominators()
            elif not _has_x(L):
                self.to(eq(R, L), "swap_sides")
            elif _has_x(R) and (_has_radical(L) or _has_radical(R)):
                if not _has_radical(L):
                    self.to(eq(R, L), "swap_sides")
                self.isolate_radical()
            elif not _has_x(R):
                self.peel()
            else:
                self.both()
        raise Unsolved("no progress")

    def _cancel_common_term(self) -> bool:
        """A term on both sides (``9/(x + 1) + 11 = 11 + ...``) is taken from both first, in one move."""
        L, R = self.state.args
        left, right = _signed_terms(L), _signed_terms(R)
        for term in left:
            if term in right and (len(left) > 1 or len(right) > 1):  # once from each side: it may occur twice
                rest_l = _without_one(left, term) or [(1, num(0))]
                rest_r = _without_one(right, term) or [(1, num(0))]
                sign, body = term
                rule = "subtract_both_sides" if sign > 0 else "add_both_sides"
                self.to(eq(_sum_of(rest_l), _sum_of(rest_r)), rule, body)
                return True
        return False

    def _factored_done(self) -> bool:
        """A product of linear factors = 0 whose every root is allowed: a solved form (``x = a or x = b``)."""
        L, R = self.state.args
        if R != num(0) or L.op not in ("mul", "pow"):
            return False
        factors = self._factor_list(L)
        return factors is not None and (len(factors) >= 2 or L.op == "pow")

    def _factor_list(self, e: Expr) -> list[Expr] | None:
        if e.op == "mul":
            left, right = self._factor_list(e.args[0]), self._factor_list(e.args[1])
            return None if left is None or right is None else left + right
        if e.op == "neg":
            return self._factor_list(e.args[0])
        if e.op == "pow" and e.args[1].op == "num" and e.args[0].op in ("add", "sub", "sym", "mul"):
            return self._factor_list(e.args[0])
        if _constant(e):
            return []
        if e == X or (e.op in ("add", "sub") and _x_count(e) == 1 and _scale_chain(e.args[0])[1] == X
                      and _constant(e.args[1])):
            return [e]
        coefficients = _coefficients(e)
        return [e] if coefficients is not None and len(coefficients) == 2 else None

    def peel(self) -> None:
        """x only on the left: undo the outermost operation of the left side."""
        L, R = self.state.args
        if L.op == "add" and L.args[0].op == "log" and L.args[1].op == "log":
            u, v = L.args[0].args[0], L.args[1].args[0]
            self.to(eq(func("log", mul(u, v)), R), "combine_logs")
            return
        if (_x_count(L) > 1 and _polynomial_like(L)) or (_plain(L) and self._linear_depth(L) > 3):
            coefficients = _coefficients(L)
            if coefficients is None:
                raise Unsolved(f"x occurs more than once in {to_infix(L)}")
            if len(coefficients) > 2:
                self.polynomial()
                return
            tidied = tidy(L)
            if tidied != L:
                self.to(eq(tidied, R), _rewrite_rule(L))
                return
        terms = _signed_terms(L)
        if len(terms) > 1:
            with_x = [(s, t) for s, t in terms if _has_x(t)]
            if len(with_x) != 1:
                raise Unsolved(f"x in several terms of {to_infix(L)}")
            rest = [(s, t) for s, t in terms if not _has_x(t)]
            moved = _value(_sum_of(rest))
            sign, term = with_x[0]
            kept = term if sign > 0 else _negated(term)
            value = rational_value(moved)
            if value is not None and value < 0:
                self.to(eq(kept, _value(add(R, _number(-value)))), "add_both_sides", _number(-value))
            else:
                self.to(eq(kept, _value(sub(R, moved))), "subtract_both_sides", moved)
            return
        factor, inner = _scale_chain(L)
        if factor != 1:
            self.scale_by(Fraction(1) / factor, inner, _value(mul(_number(1 / factor), R)))
            return
        op = L.op
        n = _int(L.args[1]) if op == "pow" and L.args[1].op == "num" else 0  # a literal exponent, else 0
        if op == "sqrt":
            self.to(eq(L.args[0], _value(pow_(R, num(2)))), "square_both_sides")
        elif n % 2 == 1 and n >= 3:
            value = rational_value(R)
            root = _odd_root_of(value, n) if value is not None else None
            if root is None:
                raise Unsolved(f"odd root of {to_infix(R)}")
            self.to(eq(L.args[0], _number(root)), "take_odd_root", num(n))
        elif op == "exp":
            self.to(eq(L.args[0], func("log", R)), "apply_log")
        elif op == "log":
            self.to(eq(L.args[0], R.args[0] if R.op == "log" else func("exp", R)), "apply_exp")
        elif op == "pow" and _constant(L.args[0]) and _has_x(L.args[1]):
            base = rational_value(L.args[0])
            value = rational_value(R)
            if R.op == "pow" and R.args[0] == L.args[0]:
                self.to(eq(L.args[1], R.args[1]), "equate_exponents")
                return
            k = _log_exact(value, base) if base is not None and value is not None else None
            if k is None:
                raise Unsolved(f"{to_infix(R)} is no power of {to_infix(L.args[0])}")
            self.to(eq(L, pow_(L.args[0], num(k))), "write_as_power")
        elif _plain(L):
            tidied = tidy(L)
            if tidied == L:
                raise Unsolved(f"cannot peel {to_infix(L)}")
            self.to(eq(tidied, R), _rewrite_rule(L))
        else:
            raise Unsolved(f"cannot peel {to_infix(L)}")

    def _linear_depth(self, e: Expr) -> int:
        """How many linear moves peeling ``e`` layer by layer takes."""
        if not _has_x(e) or e == X:
            return 0
        terms = _signed_terms(e)
        if len(terms) > 1:
            with_x = [t for _, t in terms if _has_x(t)]
            return 1 + (self._linear_depth(with_x[0]) if len(with_x) == 1 else 9)
        factor, inner = _scale_chain(e)
        if factor != 1:
            return 1 + self._linear_depth(inner)
        return 9

    def scale_by(self, k: Fraction, new_left: Expr, new_right: Expr) -> None:
        """One scaling move by ``k`` (written as a division by an integer where it reads better)."""
        if k == 1:
            return
        if (1 / k).denominator == 1:
            self.to(eq(new_left, new_right), "divide_both_sides", _number(1 / k))
        else:
            self.to(eq(new_left, new_right), "multiply_both_sides", _number(k))

    def both(self) -> None:
        """x on both sides."""
        L, R = self.state.args
        cl, cr = _coefficients(L), _coefficients(R)
        if cl is None or cr is None:
            raise Unsolved(f"x on both sides of {to_infix(self.state)}")
        if max(len(cl), len(cr)) > 2:
            self.polynomial()
            return
        self.linear(cl, cr)

    def linear(self, cl: list[Fraction], cr: list[Fraction]) -> None:
        L, R = self.state.args
        scale = _lcm_of_denominators(cl + cr)
        if scale != 1:
            self.to(eq(tidy(mul(num(scale), L)), tidy(mul(num(scale), R))), "multiply_both_sides", num(scale))
            return
        tl, tr = tidy(L), tidy(R)
        if (tl, tr) != (L, R):
            self.to(eq(tl, tr), _rewrite_rule(L if tl != L else R))
            return
        cr = cr + [Fraction(0)] * (2 - len(cr))
        cl = cl + [Fraction(0)] * (2 - len(cl))
        if cr[1]:
            t = _term(int(cr[1]), 1) if cr[1].denominator == 1 else mul(_number(cr[1]), X)
            if cr[1] > 0:
                self.to(eq(tidy(sub(L, t)), tidy(sub(R, t))), "subtract_both_sides", t)
            else:
                t = _negated(t)
                self.to(eq(tidy(add(L, t)), tidy(add(R, t))), "add_both_sides", t)
            return
        raise Unsolved("linear: x still on the right")

    def polynomial(self) -> None:
        """Everything to one side, primitive with a positive leading coefficient, then factored."""
        L, R = self.state.args
        if R != num(0):
            tl = tidy(L)
            if tl != L and not _has_x(R):
                self.to(eq(tl, R), _rewrite_rule(L))
                return
            if _has_x(R) and (tl != L or tidy(R) != R):
                self.to(eq(tl, tidy(R)), _rewrite_rule(L if tl != L else R))
                return
            positive = _negative_part(R)
            if positive is not None:
                self.to(eq(tidy(add(L, positive)), num(0)), "add_both_sides", positive)
            else:
                self.to(eq(tidy(sub(L, R)), num(0)), "subtract_both_sides", R)
            return
        coefficients = _coefficients(L)
        if coefficients is None:
            raise Unsolved(f"not a polynomial: {to_infix(L)}")
        lead = coefficients[-1]
        scale = _lcm_of_denominators(coefficients)
        integers = [int(c * scale) for c in coefficients]
        content = math.gcd(*integers)
        k = Fraction(scale, content) * (1 if lead > 0 else -1)
        if k != 1 and len(coefficients) > 2:
            primitive = [c * k for c in coefficients]
            self.scale_by(k, _polynomial_expr(primitive), num(0))
            return
        if len(coefficients) == 2:  # a linear left side = 0: move the constant, divide
            self.to(eq(tidy(L), num(0)), _rewrite_rule(L)) if tidy(L) != L else None
            L = self.state.args[0]
            value = coefficients[0]
            if value:
                if value < 0:
                    self.to(eq(tidy(add(L, _number(-value))), _number(-value)), "add_both_sides", _number(-value))
                else:
                    self.to(eq(tidy(sub(L, _number(value))), _number(-value)), "subtract_both_sides",
                            _number(value))
            return
        self.factor(coefficients)

    def factor(self, coefficients: list[Fraction]) -> None:
        L = self.state.args[0]
        roots = _rational_roots(coefficients)
        lead = coefficients[-1]
        if roots is None:
            if len(coefficients) != 3 or any(c.denominator != 1 for c in coefficients):
                raise Unsolved(f"no rational roots: {to_infix(L)}")
            c, b, a = (int(v) for v in coefficients)
            discriminant = b * b - 4 * a * c
            if discriminant <= 0:
                raise Unsolved("no real roots")
            r0, r1 = _quadratic_roots(a, b, discriminant)
            factored = _with_coefficient(Fraction(a), mul(sub(X, r0), sub(X, r1)))
            self.to(eq(factored, num(0)), "quadratic_formula", num(discriminant),
                    note=f"the solutions are `{to_infix(eq(X, r0))}` and `{to_infix(eq(X, r1))}`")
            return
        roots.sort(key=lambda pair: pair[0])
        factors = []
        content = lead
        for root, m in roots:
            content /= root.denominator ** m
            f = _linear_factor(root)
            factors.append(f if m == 1 else pow_(f, num(m)))
        factored = _with_coefficient(content, _product(factors))
        candidates = [root for root, _ in roots]
        listed = [f"`{to_infix(eq(X, _number(r)))}`" for r in candidates]
        word = "candidates are " if self.conditions else "solutions are "
        note = ("the " + word + ", ".join(listed[:-1]) + " and " + listed[-1]) if len(listed) > 1 else (
            "so " + listed[0])
        self.to(eq(factored, num(0)), "factor", note=note)
        bad = [(root, m, reason) for root, m in roots for reason in [self._broken(root)] if reason]
        if not bad:
            if len(roots) == 1 and roots[0][1] == 1:
                self.finish_linear(content, roots[0][0])
            return
        good = [(root, m) for root, m in roots if all(root != b for b, _, _ in bad)]
        if not good:
            raise Unsolved("every candidate is excluded")
        divisor_factors = [pow_(_linear_factor(r), num(m)) if m > 1 else _linear_factor(r) for r, m, _ in bad]
        divisor = _with_coefficient(content, _product(divisor_factors))
        kept = [pow_(_linear_factor(r), num(m)) if m > 1 else _linear_factor(r) for r, m in good]
        reasons = "; ".join(f"`{to_infix(eq(X, _number(r)))}` is rejected, since it breaks {reason}"
                            for r, _, reason in bad)
        self.to(eq(_product(kept), num(0)), "divide_both_sides", divisor,
                note=reasons + f", so `{to_infix(_product(divisor_factors))}` is non-zero on the domain")
        if len(good) == 1 and good[0][1] == 1:
            self.finish_linear(Fraction(1), good[0][0])

    def finish_linear(self, content: Fraction, root: Fraction) -> None:
        """``c*(q*x - p) = 0`` → ``x = p/q`` in at most two moves."""
        L = self.state.args[0]
        f = _linear_factor(root)
        if content != 1 and root.denominator == 1:
            self.to(eq(f, num(0)), "divide_both_sides", _number(content))
        if root.denominator != 1:
            self.to(eq(X, _number(root)), "divide_both_sides", _number(content * root.denominator))
            return
        if root:
            if root > 0:
                self.to(eq(X, _number(root)), "add_both_sides", _number(root))
            else:
                self.to(eq(X, _number(root)), "subtract_both_sides", _number(-root))
        elif self.state.args[0] != X:
            self.to(eq(X, num(0)), "divide_both_sides", _number(content))
        del L

    def _broken(self, root: Fraction) -> str:
        """The recorded condition ``root`` breaks (as text), or empty."""
        point = {"x": float(root)}
        for condition in self.conditions:
            if not holds(condition, point):
                what = {"ne": "the excluded value", "gt": "the domain of the logarithm",
                        "ge": "the sign condition"}.get(condition.op, "the domain")
                return f"`{to_infix(condition)}` ({what})"
        return ""

    def clear_denominators(self) -> None:
        L, R = self.state.args
        denominators: list[Expr] = []
        for side in (L, R):
            for d in _denominators(side):
                if d not in denominators:
                    denominators.append(d)
        operand = _product(denominators)
        sides = [self._times_denominators(side, denominators) for side in (L, R)]
        self.to(eq(*sides), "clear_denominators", operand)

    @staticmethod
    def _times_denominators(side: Expr, denominators: list[Expr]) -> Expr:
        out = []
        for sign, term in _signed_terms(side):
            coefficient = Fraction(1)
            if term.op == "neg":
                sign, term = -sign, term.args[0]
            leading = rational_value(term.args[0]) if term.op == "mul" else None
            if leading is not None and term.args[1].op == "div":
                coefficient, term = leading, term.args[1]
            if term.op == "div" and term.args[1] in denominators:
                others = [d for d in denominators if d != term.args[1]]
                top = term.args[0]
                value = rational_value(top)
                if value is not None:
                    coefficient *= value
                    piece = _with_coefficient(coefficient, _product(others)) if others else _number(coefficient)
                else:
                    piece = _with_coefficient(coefficient, _product([top] + others))
            elif rational_value(term) == 0:
                continue
            else:
                piece = _with_coefficient(coefficient, _product([term] + denominators))
            out.append((sign, piece))
        return _sum_of(out)

    def isolate_radical(self) -> None:
        """The left side holds ``sqrt(u)``: move the other terms, divide out its factor, square."""
        L, R = self.state.args
        terms = _signed_terms(L)
        if len(terms) > 1:
            radical = [(s, t) for s, t in terms if _has_radical(t)]
            if len(radical) != 1:
                raise Unsolved("several radicals")
            rest = _sum_of([(s, t) for s, t in terms if not _has_radical(t)])
            sign, term = radical[0]
            kept = term if sign > 0 else _negated(term)
            moved = tidy(rest)
            positive = _negative_part(moved)
            if positive is not None:
                self.to(eq(kept, tidy(add(R, positive))), "add_both_sides", positive)
            else:
                self.to(eq(kept, tidy(sub(R, moved))), "subtract_both_sides", moved)
            return
        factor, inner = _scale_chain(L)
        if factor != 1:
            self.scale_by(Fraction(1) / factor, inner, tidy(mul(_number(1 / factor), R)))
            return
        if L.op != "sqrt":
            raise Unsolved(f"radical inside {to_infix(L)}")
        condition = node("ge", (R, num(0)))
        self.conditions.append(condition)
        self.to(eq(L.args[0], pow_(R, num(2))), "square_both_sides", condition)


def _rewrite_rule(e: Expr) -> str:
    """``expand`` where a product or power of a sum is multiplied out, else ``collect``."""
    def products(node: Expr) -> bool:
        if node.op in ("mul", "pow", "div") and any(a.op in ("add", "sub") for a in node.args):
            return True
        return any(products(a) for a in node.args)
    return "expand" if products(e) else "collect"


def _scale_chain(e: Expr) -> tuple[Fraction, Expr]:
    """(k, inner) with ``e == k*inner`` through constant factors, divisions by constants and negations."""
    factor = Fraction(1)
    while True:
        first = rational_value(e.args[0]) if e.op == "mul" else None
        second = rational_value(e.args[1]) if e.op in ("mul", "div") else None
        if e.op == "neg":
            factor, e = -factor, e.args[0]
        elif e.op == "mul" and first is not None and _has_x(e.args[1]):
            factor, e = factor * first, e.args[1]
        elif e.op == "mul" and second is not None and _has_x(e.args[0]):
            factor, e = factor * second, e.args[0]
        elif e.op == "div" and second is not None and second != 0 and _has_x(e.args[0]):
            factor, e = factor / second, e.args[0]
        elif e.op == "div" and e.args[0].op == "mul" and second is not None and second != 0:
            factor, e = factor / second, e.args[0]
        else:
            return factor, e


def _odd_root_of(value: Fraction, n: int) -> Fraction | None:
    sign = -1 if value < 0 else 1
    p = round(abs(value.numerator) ** (1 / n))
    q = round(value.denominator ** (1 / n))
    for a in (p - 1, p, p + 1):
        for b in (q - 1, q, q + 1):
            if a >= 0 and b > 0 and Fraction(a, b) ** n == abs(value):
                return sign * Fraction(a, b)
    return None


def _log_exact(value: Fraction, base: Fraction) -> int | None:
    if value <= 0 or base <= 0 or base == 1:
        return None
    for k in range(-12, 40):
        if base ** k == value:
            return k
    return None


def _denominators(e: Expr) -> list[Expr]:
    """Divisors with x, outermost first, without repeats."""
    found: list[Expr] = []

    def walk(node: Expr) -> None:
        if node.op == "div" and _has_x(node.args[1]):
            if node.args[1] not in found:
                found.append(node.args[1])
        for a in node.args:
            walk(a)
    walk(e)
    return found


def _has_radical(e: Expr) -> bool:
    stack = [e]
    while stack:
        node = stack.pop()
        if node.op == "sqrt" and _has_x(node):
            return True
        stack.extend(node.args)
    return False


# -- systems -------------------------------------------------------------------------------------------------------

@dataclass
class _System:
    rows: list[list[Fraction]]
    constants: list[Fraction]
    names: tuple[str, ...]
    steps: list[EquationStep] = field(default_factory=list)
    state: Expr | None = None
    solved: dict[int, Fraction] = field(default_factory=dict)

    def equation(self, i: int) -> Expr:
        return _system_equation(self.rows[i], self.constants[i], self.names)

    def current(self) -> Expr:
        return node("tuple", tuple(self.equation(i) for i in range(len(self.names))))

    def to(self, i: int, equation: Expr, rule: str, operand: Expr | None = None) -> None:
        state = self.state
        assert state is not None, "a system is solved from its first state"
        parts = list(state.args)
        parts[i] = equation
        new_state = node("tuple", tuple(parts))
        if new_state != state:
            rule = fitting_label(rule, state, new_state)
            self.steps.append(EquationStep(rule, state, new_state, operand))
            self.state = new_state

    def scale_row(self, i: int, k: Fraction) -> None:
        self.rows[i] = [v * k for v in self.rows[i]]
        self.constants[i] *= k
        if any(v.denominator != 1 for v in self.rows[i] + [self.constants[i]]):
            raise Unsolved("fractional row")
        equation = self.equation(i)
        if (1 / k).denominator == 1:
            self.to(i, equation, "divide_both_sides", _number(1 / k))
        else:
            self.to(i, equation, "multiply_both_sides", _number(k))

    def eliminate(self, i: int, p: int, column: int) -> None:
        """Remove ``column`` from row ``i`` with pivot row ``p`` (scaling row ``i`` first if needed)."""
        a, b = self.rows[i][column], self.rows[p][column]
        if not a:
            return
        k = a / b
        if k.denominator != 1:
            self.scale_row(i, Fraction(k.denominator))
            a = self.rows[i][column]
            k = a / b
        multiple = _system_equation([k * v for v in self.rows[p]], k * self.constants[p], self.names)
        self.rows[i] = [u - k * v for u, v in zip(self.rows[i], self.rows[p])]
        self.constants[i] -= k * self.constants[p]
        self.to(i, self.equation(i), "eliminate", multiple)

    def isolate(self, i: int) -> None:
        """Row ``i`` holds only its own variable: ``c*v = d`` → ``v = d/c``."""
        c = self.rows[i][i]
        if c != 1:
            self.rows[i][i] = Fraction(1)
            value = self.constants[i] / c
            self.constants[i] = value
            operand = _number(c)
            self.to(i, self.equation(i), "divide_both_sides", operand)
        self.solved[i] = self.constants[i]

    def back_substitute(self, i: int) -> None:
        """Put every solved value into row ``i``, move the constant, divide."""
        for j in sorted(self.solved):
            if j == i or not self.rows[i][j]:
                continue
            source = self.equation(j)
            shift = self.rows[i][j] * self.solved[j]
            lhs = _system_equation([v if n != j else Fraction(0) for n, v in enumerate(self.rows[i])],
                                   self.constants[i], self.names).args[0]
            written = _join("add", lhs, _number(shift)) if shift else lhs
            self.rows[i][j] = Fraction(0)
            self.to(i, eq(written, _number(self.constants[i])), "substitute", source)
            self.constants[i] -= shift
            if shift:
                rule = "subtract_both_sides" if shift > 0 else "add_both_sides"
                self.to(i, self.equation(i), rule, _number(abs(shift)))
        self.isolate(i)


def _solve_system(problem: Expr) -> SolvedSteps:
    size = len(problem.args)
    names = VARIABLES[:size]
    rows, constants = [], []
    for equation in problem.args:
        coefficients = _canon(sub(equation.args[0], equation.args[1]))
        row = [Fraction(0)] * size
        constant = Fraction(0)
        for mono, value in coefficients.items():
            if not mono:
                constant = -Fraction(value)
            elif len(mono) == 1 and mono[0][0] in names and mono[0][1] == 1:
                row[names.index(mono[0][0])] = Fraction(value)
            else:
                raise Unsolved("not a linear system")
        rows.append(row)
        constants.append(constant)
    best: SolvedSteps | None = None
    candidates: list[tuple[str, tuple[int, ...]]] = [("elimination", order)
                                                     for order in itertools.permutations(range(size))]
    # natural order first (permutations start with it), substitution (two unknowns) before the other orders
    if size == 2:
        candidates = candidates[:1] + [("substitution", (i,)) for i in range(2)] + candidates[1:]
    written = _System(rows, constants, names).current()  # the problem as we write systems (every candidate's start)
    for method, order in candidates:
        if best is not None and method == "elimination" and order != tuple(range(size)) and (
                best.method == "substitution" or len(best.steps) <= 2 * size + 1):
            break  # a good enough solution already: other elimination orders are tried only when needed (speed)
        system = _System([list(r) for r in rows], list(constants), names)
        system.state = problem
        if written != problem:  # the problem is not written as we write systems: tidy it first
            system.steps.append(EquationStep("collect", problem, written))
            system.state = written
        try:
            if method == "substitution":
                _substitution(system, order[0])
            else:
                _elimination(system, order)
        except (Unsolved, ZeroDivisionError):
            continue
        # a substitution reads well: preferred up to two steps more (ties go to it)
        score = len(system.steps) - (2.5 if method == "substitution" else 0)
        if best is None or score < len(best.steps) - (2.5 if best.method == "substitution" else 0):
            best = SolvedSteps(tuple(system.steps), method)
    if best is None:
        raise Unsolved("no elimination order keeps each equation for its own variable")
    return best


def _elimination(system: _System, order: tuple[int, ...]) -> None:
    for position, p in enumerate(order):
        if not system.rows[p][p]:
            raise Unsolved("zero pivot")
        for i in order[position + 1:]:
            system.eliminate(i, p, p)
    for p in reversed(order):
        system.back_substitute(p)
    for i in range(len(system.names)):
        if any(v for j, v in enumerate(system.rows[i]) if j != i) or system.rows[i][i] != 1:
            raise Unsolved("not solved")


def _substitution(system: _System, i: int) -> None:
    """Two unknowns: equation ``i`` gives its variable with coefficient 1; put it into the other one."""
    o = 1 - i
    if system.rows[i][i] != 1 or not system.rows[i][o] or not system.rows[o][i]:
        raise Unsolved("no variable with coefficient 1")
    var_i, var_o = sym(system.names[i]), sym(system.names[o])
    m = -system.rows[i][o]
    n = system.constants[i]
    c = int(system.rows[i][o])
    move = ("subtract_both_sides", _term(c, 1, var_o)) if c > 0 else ("add_both_sides", _term(-c, 1, var_o))
    isolated = _join("add", _with_coefficient(m, var_o) if m.denominator != 1 else _term(int(m), 1, var_o),
                     _number(n)) if n else _term(int(m), 1, var_o)
    system.to(i, eq(var_i, isolated), move[0], move[1])
    source = system.state.args[i]  # type: ignore[union-attr]
    p, q = system.rows[o][i], system.rows[o][o]
    inserted = _with_coefficient(p, isolated) if isolated.op not in ("add", "sub") else mul(_number(p), isolated)
    if p == 1:
        inserted = isolated
    elif p == -1:
        inserted = neg(isolated)
    own = _term(int(q), 1, var_o) if q.denominator == 1 else mul(_number(q), var_o)
    lhs = _join("add", inserted, own) if i < o else _join("add", own, inserted)
    system.to(o, eq(lhs, _number(system.constants[o])), "substitute", source)
    s = p * m + q
    shift = p * n
    if not s:
        raise Unsolved("the substitution cancels the variable")
    expanded = tidy(lhs)
    system.to(o, eq(expanded, _number(system.constants[o])), "expand")
    rhs = system.constants[o] - shift
    if shift:
        rule = "subtract_both_sides" if shift > 0 else "add_both_sides"
        system.to(o, eq(_term(int(s), 1, var_o) if s.denominator == 1 else mul(_number(s), var_o), _number(rhs)),
                  rule, _number(abs(shift)))
    value = rhs / s
    if s != 1:
        system.to(o, eq(var_o, _number(value)), "divide_both_sides", _number(s))
    system.rows[o] = [Fraction(0)] * 2
    system.rows[o][o] = Fraction(1)
    system.constants[o] = value
    back = tidy(add(mul(_number(m), _number(value)), _number(n)))
    system.to(i, eq(var_i, back), "substitute", system.state.args[o])  # type: ignore[union-attr]
    system.rows[i] = [Fraction(0)] * 2
    system.rows[i][i] = Fraction(1)
    system.constants[i] = rational_value(back)  # type: ignore[assignment]


# -- merging -------------------------------------------------------------------------------------------------------

def _changed_index(step: EquationStep) -> int | None:
    if step.before.op != "tuple":
        return -1
    changed = [i for i, (b, a) in enumerate(zip(step.before.args, step.after.args)) if b != a]
    return changed[0] if len(changed) == 1 else None


def mergeable(first: EquationStep, second: EquationStep) -> bool:
    """Two adjacent moves of the same kind (translation or scaling) with constant operands on one equation."""
    if first.operand is None or second.operand is None:
        return False
    if first.operand.free_symbols() or second.operand.free_symbols():
        return False
    same_kind = ((first.rule in TRANSLATIONS and second.rule in TRANSLATIONS)
                 or (first.rule in SCALINGS and second.rule in SCALINGS))
    return same_kind and _changed_index(first) == _changed_index(second)


def merge_constant_moves(steps: Sequence[EquationStep]) -> list[EquationStep]:
    """Adjacent mergeable moves made one (``subtract 4``, ``subtract 8`` → ``subtract 12``)."""
    out: list[EquationStep] = []
    for step in steps:
        if out and mergeable(out[-1], step):
            first = out.pop()
            merged = _merged(first, step)
            if merged is not None:
                out.append(merged)
            elif first.before != step.after:  # the moves cancel, but the terms they moved still stand: collect them
                out.append(EquationStep(fitting_label("collect", first.before, step.after), first.before, step.after))
            continue
        out.append(step)
    return out


def _merged(first: EquationStep, second: EquationStep) -> EquationStep | None:
    a, b = _canon_value(first.operand), _canon_value(second.operand)  # type: ignore[arg-type]
    if a is None or b is None:
        raise Unsolved("unmergeable constant moves")
    if first.rule in TRANSLATIONS:
        total = (a if first.rule == "add_both_sides" else -a) + (b if second.rule == "add_both_sides" else -b)
        if total == 0:
            return None
        rule = "add_both_sides" if total > 0 else "subtract_both_sides"
        return EquationStep(rule, first.before, second.after, _number(abs(total)))
    factor = (a if first.rule == "multiply_both_sides" else 1 / a) * (
        b if second.rule == "multiply_both_sides" else 1 / b)
    if factor == 1:
        return None
    if (1 / factor).denominator == 1:
        return EquationStep("divide_both_sides", first.before, second.after, _number(1 / factor))
    return EquationStep("multiply_both_sides", first.before, second.after, _number(factor))


def _canon_value(e: Expr) -> Fraction | None:
    value = rational_value(e)
    if value is not None:
        return value
    form = _canon(e)
    if not form:
        return Fraction(0)
    if len(form) == 1 and () in form and isinstance(form[()], (int, Fraction)):
        return Fraction(form[()])
    return None


def solve(problem: Expr, hypotheses: Sequence[Expr] = ()) -> SolvedSteps:
    """The teacher's solution of ``problem`` (an equation in x, or a linear system in x, y[, z]); raises
    :class:`Unsolved` where the solver has no move."""
    if problem.op == "tuple":
        solved = _solve_system(problem)
        return SolvedSteps(tuple(merge_constant_moves(solved.steps)), solved.method)
    solver = _Solver(problem, list(hypotheses))
    solver.run()
    steps = merge_constant_moves(solver.steps)
    if not steps:
        raise Unsolved("already solved")
    return SolvedSteps(tuple(steps))


def generate(config: EquationConfig, level: int, rng: random.Random) -> Derivation:
    """One equation at ``level``: the generator's problem (:func:`construct`) with the teacher's steps; the
    construction is kept as the ``construction`` column (JSON rows). Raises ``Dropped`` for a rejected candidate
    (``unsolved`` where the solver has no teacher's move)."""
    made = construct(config, level, rng)
    try:
        solved = solve(made.problem, made.hypotheses)
    except (Unsolved, CanonTooBig, ZeroDivisionError) as error:
        raise Dropped("unsolved", str(error)) from None
    construction = json.dumps([step.to_row() for step in made.steps], separators=(",", ":"))
    extra = {**made.extra, "method": solved.method, "construction": construction}
    first = made.steps[0]  # the construction starts from the problem, already printed there
    problem_text = first.before_text if isinstance(first, EquationStep) and first.before is made.problem else ""
    return Derivation(made.kind, made.level, made.problem, made.answer, made.hypotheses,
                      _printed(solved.steps, made.problem, problem_text), extra)


def _printed(steps: Sequence[EquationStep], problem: Expr | None = None, problem_text: str = ""
             ) -> tuple[EquationStep, ...]:
    """``steps`` with their equations' text: each step's after is the next one's before, printed once (the
    problem's text, where given, is not printed again)."""
    out: list[EquationStep] = []
    text = ""
    for step in steps:
        if out and step.before is out[-1].after:
            before = text
        elif problem_text and step.before is problem:
            before = problem_text
        else:
            before = to_infix(step.before)
        text = to_infix(step.after)
        out.append(EquationStep(step.rule, step.before, step.after, step.operand, before, text, step.note))
    return tuple(out)
