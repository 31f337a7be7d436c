"""Equations made backwards: start from the solution, apply invertible operations to both sides, reverse them.

Forward: the solved form (``x = a``; ``k·(x - r1)·(x - r2) = 0`` for polynomials; ``x = a, y = b`` for systems) is
made to look hard by operations that are equivalences on the recorded domain: add a term to both sides, multiply
or divide by a non-zero constant, factor out or split terms, swap sides, exponentiate, take logarithms, divide by a
denominator whose zeros are recorded as excluded values, combine equations of a system. Every forward operation is
recorded with its inverse; the inverses, last first, are the construction (``EquationStep``), each from ``before``
to ``after`` by ``rule`` with ``operand``: a proof of how the item was made, kept in the record as
``construction``. The stored solving steps are the teacher's, from our own solver (``solve.py``), which
:func:`construct`'s caller ``solve.generate`` runs on the finished problem. The checker (``check.py``) replays
every step from the text.

Sub-kinds: ``linear`` (multi-step, variables on both sides, parentheses, fractions), ``rational`` (excluded values
as hypotheses, an extraneous root removed by a recorded division), ``quadratic`` (factoring, or the quadratic
formula for irrational roots), ``polynomial`` (degree 3..``max_degree`` from its roots, with multiplicities),
``exponential``, ``logarithmic`` (with an extraneous root at level 5), ``radical`` (a square root equal to a
non-negative constant, squared under its sign condition, or an odd power undone by its root; from level 4 also
``sqrt(a*x + b) = p*x + q``, squared under the recorded sign condition ``p*x + q >= 0`` that the equation implies,
the quadratic's extraneous root then divided out) and ``system2``/``system3`` linear systems (solved by
``eliminate``; some by the substitution method or ending in back-substitution, rule ``substitute``).
Levels map to the number of random operations, the coefficient size and the sub-kinds (:data:`DEFAULT_LEVELS`).
To add a sub-kind: write ``_make_<name>(rng, table, config) -> _Made``, add it to :data:`_MAKERS` and to a level;
any new solving rule needs its replay in ``check/equation.py``.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import math
import functools
import random
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, Callable, Final, Mapping

from rpsdg.core import Derivation, Dropped
from rpsdg.draws import choice, randint, randrange, sample, weighted_index
from rpsdg.expr.canonical import Canonicalizer, CanonTooBig, Sum, scaled, sum_key, to_expr
from rpsdg.expr.printers import to_infix
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, add, div, eq, func, mul, neg, node, num, pow_, rational_value, sub, sym
from rpsdg.kinds.equation.check import fitting_label
from rpsdg.maths.domain import has_variable
from rpsdg.kinds.equation.config import (DEFAULT_LEVELS, SUBKINDS, SUPPORTED_DEGREES,  # noqa: F401 (re-exported)
                                         EquationConfig)

VARIABLES = ("x", "y", "z")
X: Final = sym("x")


@dataclass(frozen=True)
class EquationStep:
    """One solving step: ``before`` becomes ``after`` by ``rule`` (applied to both sides) with ``operand``."""

    rule: str
    """A rule named in ``check/equation.py`` (``subtract_both_sides``, ``divide_both_sides``, ``factor`` ...)."""
    before: Expr
    """The equation (``eq``) or system (``tuple`` of ``eq``) the step starts from."""
    after: Expr
    """What the step gives."""
    operand: Expr | None = None
    """The term added/subtracted, the factor multiplied/divided by, the discriminant for ``quadratic_formula``,
    the multiple of another equation for ``eliminate``; ``None`` for rewrites."""
    before_text: str = ""
    """``to_infix(before)`` when already printed (each equation is one step's after and the next one's before,
    so the generator prints it once); empty means print on demand."""
    after_text: str = ""
    """``to_infix(after)`` when already printed."""
    note: str = ""
    """Why the step is taken where the rule alone does not say (the candidates a factoring gives, the condition an
    extraneous root breaks); wording only, the checkers do not read it."""

    def __init__(self, rule: str, before: Expr, after: Expr, operand: Expr | None = None, before_text: str = "",
                 after_text: str = "", note: str = "") -> None:
        # written out (the dataclass's own would do the same): the compiled build runs a generated __init__ as
        # Python code, about 10x the cost of this one compiled, and every solution makes one per step
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "before", before)
        object.__setattr__(self, "after", after)
        object.__setattr__(self, "operand", operand)
        object.__setattr__(self, "before_text", before_text)
        object.__setattr__(self, "after_text", after_text)
        object.__setattr__(self, "note", note)

    def to_row(self) -> dict[str, Any]:
        return {"rule": self.rule, "before": self.before_text or to_infix(self.before),
                "after": self.after_text or to_infix(self.after),
                "operand": to_infix(self.operand) if self.operand is not None else "", "note": self.note}


@dataclass
class _Forward:
    """The forward process: the current equation and the solving steps recorded so far (forward order)."""

    state: Expr
    steps: list[EquationStep] = field(default_factory=list)
    text: str = ""

    def to(self, new_state: Expr, rule: str, operand: Expr | None = None) -> None:
        """Move forward to ``new_state``; the solving step ``rule`` (with ``operand``) leads back."""
        if new_state == self.state:
            return
        text = to_infix(new_state)
        rule = fitting_label(rule, new_state, self.state)  # the solving step goes new_state → state
        self.steps.append(EquationStep(rule, new_state, self.state, operand, text, self.text or to_infix(self.state)))
        self.state, self.text = new_state, text

    def solving_steps(self) -> tuple[EquationStep, ...]:
        return tuple(reversed(self.steps))


@dataclass(frozen=True)
class _Made:
    subkind: str
    forward: _Forward
    answer: Expr
    hypotheses: tuple[Expr, ...] = ()


_MEMO_SIZE: Final = 512
"""Entries in each of the generator's memos (:func:`_canon`, :func:`tidy`, :func:`_expanded`). An item adds about
4, 10 and 20 at level 3 and finds most of its repeats among its own entries, so a few dozen items' worth keeps
them. Larger memos cost more than they save over a long build: at 20,000 entries each, level 3 ran 1.2-1.3x
slower after a few thousand items than with memos emptied every 10 items (the memory they hold and walk)."""


# -- small builders ----------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=_MEMO_SIZE)
def _canon(e: Expr) -> Sum:
    """The canonical form of a side. A pure function of the tree (the bounded cache only saves time, and holds no
    state a result could depend on); forms are shared, never mutated. The forms of ``e``'s compound children come
    from this cache too (a side is mostly built from sides already in it: ``tidy(add(side, t))``), handed to the
    canonicalizer as its memo; it makes them exactly as it would itself, so the result is the same. A small
    polynomial (:func:`_expanded`) is expanded directly into the same form."""
    expanded = _expanded(e)
    if expanded is not None:
        return {tuple((name, k, atom) for name, k, atom in zip(VARIABLES, m, _ATOMS) if k): c
                for m, c in expanded.items()}
    canonicalizer = Canonicalizer()
    for child in e.args:
        if any(grandchild.args for grandchild in child.args):  # a child like 3*x is quicker made again
            try:
                canonicalizer.memo[child] = _canon(child)
            except (CanonTooBig, ZeroDivisionError):
                pass  # the canonicalizer meets the same problem only if it needs that child's form
    return canonicalizer.run(e)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def tidy(e: Expr) -> Expr:
    """The expanded, collected form of a side (our canonical form, printed); ``canon(to_expr(s)) == s`` is
    property-tested, so the printed side's form is the same form. Cached like :func:`_canon` (a pure function of
    the tree; the solver asks for one side's form more than once). A small polynomial (:func:`_expanded`) is
    expanded and written here directly, as ``to_expr`` writes its canonical form (the same tree)."""
    expanded = _expanded(e)
    if expanded is not None:
        return _written(expanded)
    return to_expr(_canon(e))


Poly = dict[tuple[int, int, int], "int | Fraction"]
"""A polynomial in x, y, z: exponents (of x, y, z) → non-zero rational coefficient, an ``int`` where integral."""
_EXPANDED_TERMS: Final = 40
_EXPANDED_POWER: Final = 16
_EXPANDED_BITS: Final = 200
_EXPANDED_DEGREE: Final = 64
_EXPONENTS: Final = {"x": (1, 0, 0), "y": (0, 1, 0), "z": (0, 0, 1)}


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _expanded(e: Expr) -> Poly | None:
    """The expansion of ``e`` when it is built from integer literals, x, y, z, + - *, powers by 1..16 and
    divisions by non-zero constants, and stays small; ``None`` otherwise (the canonical form then decides).

    Why (speed): the canonical form of such a tree is exactly this expansion (one monomial per exponent triple,
    the same exact coefficients, integral ones as ``int``), made here with plain ints and tuples. The bounds (terms,
    power, coefficient bits, degree) sit far inside the canonical form's own (``TERM_LIMIT``,
    ``MAX_EXPANDED_POWER``, ``MAX_COEFFICIENT_BITS``), so wherever this gives a result the canonical form gives the
    same one and raises nothing; a zero divisor, a zero or negative power and anything else are left to it.
    Cached like :func:`_canon` (a pure function of the tree; a side is mostly built from sides expanded before,
    ``tidy(add(side, t))``); results are shared, never mutated."""
    op = e.op
    if op == "num":
        return {(0, 0, 0): e.value} if e.value else {}  # type: ignore[dict-item]
    if op == "sym":
        exponents = _EXPONENTS.get(e.value)  # type: ignore[arg-type]
        return {exponents: 1} if exponents is not None else None
    if op == "add" or op == "sub":
        left = _expanded(e.args[0])
        right = _expanded(e.args[1]) if left is not None else None
        if right is None:
            return None
        result = dict(left)  # type: ignore[arg-type]
        for m, c in right.items():
            total = result.get(m, 0) + c if op == "add" else result.get(m, 0) - c
            if total:
                result[m] = total.numerator if type(total) is Fraction and total.denominator == 1 else total
            else:
                del result[m]
        return result if len(result) <= _EXPANDED_TERMS else None
    if op == "neg":
        inner = _expanded(e.args[0])
        return None if inner is None else {m: -c for m, c in inner.items()}
    if op == "mul":
        left = _expanded(e.args[0])
        right = _expanded(e.args[1]) if left is not None else None
        return None if right is None else _expanded_product(left, right)  # type: ignore[arg-type]
    if op == "div":
        left = _expanded(e.args[0])
        right = _expanded(e.args[1]) if left is not None else None
        if right is None or len(right) != 1 or (0, 0, 0) not in right:
            return None  # a zero divisor, or one with a variable: the canonical form decides
        c = right[(0, 0, 0)]
        out: Poly = {}
        for m, v in left.items():  # type: ignore[union-attr]
            if type(v) is int and type(c) is int and v % c == 0:
                out[m] = v // c
            else:
                q = Fraction(v) / c
                out[m] = q.numerator if q.denominator == 1 else q
        return out if all(_small(v) for v in out.values()) else None
    if op == "pow":
        exponent = e.args[1]
        if exponent.op != "num" or not 1 <= exponent.value <= _EXPANDED_POWER:  # type: ignore[operator]
            return None
        base = _expanded(e.args[0])
        power = base
        for _ in range(exponent.value - 1):  # type: ignore[operator]
            if power is None or base is None:
                break
            power = _expanded_product(power, base)
        return power
    return None


def _small(c: int | Fraction) -> bool:
    if type(c) is int:
        return c.bit_length() <= _EXPANDED_BITS
    return c.numerator.bit_length() <= _EXPANDED_BITS and c.denominator.bit_length() <= _EXPANDED_BITS


def _expanded_product(a: Poly, b: Poly) -> Poly | None:
    result: Poly = {}
    for (i, j, k), c in a.items():
        for (p, q, r), d in b.items():
            m = (i + p, j + q, k + r)
            total = result.get(m, 0) + c * d
            if total:
                result[m] = total.numerator if type(total) is Fraction and total.denominator == 1 else total
            else:
                del result[m]
    if len(result) > _EXPANDED_TERMS or any(i + j + k > _EXPANDED_DEGREE for i, j, k in result) or not all(
            _small(v) for v in result.values()):
        return None
    return result


_ATOMS: Final = (sym("x"), sym("y"), sym("z"))


def _written_order(m: tuple[int, int, int]) -> tuple[int, tuple[tuple[str, int], ...]]:
    """``to_expr``'s order of terms: falling degree, then the monomials' (name, exponent) keys."""
    i, j, k = m
    names: list[tuple[str, int]] = []
    if i:
        names.append(("x", i))
    if j:
        names.append(("y", j))
    if k:
        names.append(("z", k))
    return -(i + j + k), tuple(names)


def _written(poly: Poly) -> Expr:
    """``to_expr`` of the canonical form whose expansion is ``poly``: the same terms in the same order, each
    written as ``_term_expr`` writes it (``c*x**2``, ``-x``, ``3*x/2``, minus signs between terms). The terms are
    sorted as (order, monomial, coefficient) triples: two monomials never share an order, so this is the order of
    ``sorted(..., key=order)`` without a call through Python's protocol per term."""
    if not poly:
        return num(0)
    result: Expr | None = None
    for _, m, coeff in sorted([(_written_order(m), m, c) for m, c in poly.items()]):
        negative = coeff < 0
        if negative and result is not None:
            coeff = -coeff
        top: Expr | None = None
        for atom, k in zip(_ATOMS, m):
            if k:
                factor = atom if k == 1 else pow_(atom, num(k))
                top = factor if top is None else mul(top, factor)
        p, q = (coeff, 1) if type(coeff) is int else (coeff.numerator, coeff.denominator)
        term = scaled(top, p) if q == 1 else div(scaled(top, p), num(q))
        result = term if result is None else (sub(result, term) if negative else add(result, term))
    return result  # type: ignore[return-value]


def _plain(e: Expr) -> bool:
    """Whether ``e`` is a polynomial in the variables (constants may hold functions): safe to tidy."""
    op = e.op
    if op in ("num", "sym"):
        return True
    if op in ("add", "sub", "mul"):
        return _plain(e.args[0]) and _plain(e.args[1])
    if op == "neg":
        return _plain(e.args[0])
    if op == "div":
        return _plain(e.args[0]) and _symbol_free(e.args[1])
    if op == "pow":  # a power of a sum (a cube to be undone by its root) is kept whole, not expanded
        exponent = e.args[1]
        if exponent.op == "num" and exponent.value >= 0 and e.args[0].op in ("num", "sym"):  # type: ignore[operator]
            return True
    return _symbol_free(e)


def _symbol_free(e: Expr) -> bool:
    """``not e.free_symbols()`` without building the sets (hot)."""
    return not has_variable(e)


def _number(value: Fraction | int) -> Expr:
    return num(value if isinstance(value, (int, Fraction)) else Fraction(value))


def _term(coefficient: int, power: int, var: Expr = X) -> Expr:
    """``c·var^power`` as a person writes it."""
    if power == 0:
        return num(coefficient)
    atom = var if power == 1 else pow_(var, num(power))
    if coefficient == 1:
        return atom
    if coefficient == -1:
        return neg(atom)
    return mul(num(coefficient), atom)


def _negative_part(e: Expr) -> Expr | None:
    """``p`` when ``e`` reads as ``-p`` (a negative literal or fraction, ``-p``, ``(-c)*p``, ``(-c)/q``)."""
    value = rational_value(e)
    if value is not None:
        return _number(-value) if value < 0 else None
    if e.op == "neg":
        return e.args[0]
    if e.op in ("mul", "div"):
        inner = _negative_part(e.args[0])
        if inner is not None:
            return e.args[1] if e.op == "mul" and inner == num(1) else node(e.op, (inner, e.args[1]))
    return None


def _join(op: str, left: Expr, right: Expr) -> Expr:
    """``left + right`` or ``left - right`` written as a person would (``a - 3``, not ``a + -3``)."""
    positive = _negative_part(right)
    if positive is not None:
        return node("sub" if op == "add" else "add", (left, positive))
    return node(op, (left, right))


def _plus(side: Expr, t: Expr) -> Expr:
    """``side + t``: collected when ``side`` is plain, else written out (``2*(x + 1) + 3``), merging a trailing
    constant (``exp(u) - 4 + 12`` is written ``exp(u) + 8``)."""
    if _plain(side):
        return tidy(add(side, t))
    shift = rational_value(t)
    if shift is not None and side.op in ("add", "sub"):
        tail = rational_value(side.args[1])
        if tail is not None:
            total = (tail if side.op == "add" else -tail) + shift
            return side.args[0] if total == 0 else _join("add", side.args[0], _number(total))
    return _join("add", side, t)


def _scale(e: Expr, c: Fraction) -> Expr:
    """``c·e`` distributed through sums and numerators, so the shape of ``e`` stays readable."""
    if _plain(e):
        return tidy(mul(_number(c), e))
    if e.op in ("add", "sub"):
        return _join(e.op, _scale(e.args[0], c), _scale(e.args[1], c))
    if e.op == "div":
        return div(_scale(e.args[0], c), e.args[1])
    if e.op == "neg":
        return _scale(e.args[0], -c)
    if e.op == "mul":
        value = rational_value(e.args[0])
        if value is not None:
            product = value * c
            return e.args[1] if product == 1 else mul(_number(product), e.args[1])
    return _with_coefficient(Fraction(c), e)


def _nonzero(rng: random.Random, bound: int) -> int:
    value = randint(rng, 1, bound)
    return value if rng.random() < 0.5 else -value


def _linear_factor(root: Fraction, var: Expr = X) -> Expr:
    """The factor that vanishes at ``root``: ``x - 3``, ``x + 2``, ``x``, ``2*x - 1``."""
    p, q = root.numerator, root.denominator
    lead = var if q == 1 else mul(num(q), var)
    if p == 0:
        return lead
    return sub(lead, num(p)) if p > 0 else add(lead, num(-p))


def _product(factors: list[Expr]) -> Expr:
    result = factors[0]
    for factor in factors[1:]:
        result = mul(result, factor)
    return result


def _with_coefficient(k: Fraction, e: Expr) -> Expr:
    if k == 1:
        return e
    if k == -1:
        return neg(e)
    return mul(_number(k), e)


def _gcd_of(e: Expr) -> int:
    """The gcd of the integer coefficients of plain ``e`` (0 if some coefficient is not an integer)."""
    g = 0
    for coefficient in _canon(e).values():
        if not isinstance(coefficient, int):
            return 0
        g = math.gcd(g, coefficient)
    return g


# -- random operations on one equation ----------------------------------------------------------------------------

def _op_add_term(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    L, R = fw.state.args
    power = randint(rng, 0, degree)
    c = _nonzero(rng, bound)
    t = _term(c, power)
    new = eq(_plus(L, t), _plus(R, t))
    if c > 0:
        fw.to(new, "subtract_both_sides", t)
    else:
        fw.to(new, "add_both_sides", _term(-c, power))
    return True


def _op_multiply(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    L, R = fw.state.args
    c = _nonzero(rng, max(2, min(bound, 6)))
    if c == 1:
        c = 2
    sides = []
    for side in (L, R):
        if _plain(side) and side.op in ("add", "sub") and rng.random() < 0.4:
            sides.append(mul(num(c), side))
        else:
            sides.append(_scale(side, Fraction(c)))
    fw.to(eq(*sides), "divide_both_sides", num(c))
    return True


def _op_divide(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    L, R = fw.state.args
    if not (_plain(L) and _plain(R)):
        return False
    c = randint(rng, 2, max(2, min(bound, 5)))
    sides = [div(side, num(c)) if not _symbol_free(side) and side.op != "num" else tidy(div(side, num(c)))
             for side in (L, R)]
    fw.to(eq(*sides), "multiply_both_sides", num(c))
    return True


def _op_swap(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    L, R = fw.state.args
    fw.to(eq(R, L), "swap_sides")
    return True


def _op_uncollect(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    """Split a collected side into two parts (``5x + 2`` → ``3x + 2 + 2x``); solving collects them."""
    index = randint(rng, 0, 1)
    side = fw.state.args[index]
    if not _plain(side) or side.op == "num":
        return False
    t = _term(randint(rng, 1, bound), randint(rng, 0, degree))
    rest = tidy(sub(side, t))
    if rest.op == "num" and rest.value == 0:
        return False
    new_side = add(rest, t)
    sides = list(fw.state.args)
    sides[index] = new_side
    fw.to(eq(*sides), "collect")
    return True


def _op_factor_out(fw: _Forward, rng: random.Random, bound: int, degree: int) -> bool:
    """Write a side with a common factor as ``g*(...)``; solving expands it."""
    index = randint(rng, 0, 1)
    side = fw.state.args[index]
    if not _plain(side) or side.op not in ("add", "sub"):
        return False
    g = _gcd_of(side)
    if g < 2:
        return False
    sides = list(fw.state.args)
    sides[index] = mul(num(g), tidy(div(side, num(g))))
    fw.to(eq(*sides), "expand")
    return True


_OPS: tuple[tuple[Callable[..., bool], float], ...] = (
    (_op_add_term, 5.0), (_op_multiply, 2.0), (_op_divide, 1.0), (_op_swap, 0.7), (_op_uncollect, 1.0),
    (_op_factor_out, 1.5),
)


def _random_ops(fw: _Forward, rng: random.Random, count: int, bound: int, degree: int = 1,
                ops: tuple[tuple[Callable[..., bool], float], ...] = _OPS) -> None:
    functions = [op for op, _ in ops]
    cumulative = list(accumulate([w for _, w in ops]))
    done = tries = 0
    while done < count and tries < 4 * count + 8:
        tries += 1
        op = functions[weighted_index(rng, cumulative)]
        if op(fw, rng, bound, degree):
            done += 1


def _answer_value(rng: random.Random, bound: int, fractions: bool) -> Fraction:
    if fractions and rng.random() < 0.3:
        return Fraction(_nonzero(rng, bound), randint(rng, 2, 4))
    return Fraction(randint(rng, -bound, bound))


# -- sub-kinds -------------------------------------------------------------------------------------------------

def _make_linear(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    bound = table["coefficients"]
    a = _answer_value(rng, bound, level >= 3)
    fw = _Forward(eq(X, _number(a)))
    _random_ops(fw, rng, randint(rng, *table["operations"]), bound)
    return _Made("linear", fw, node("set", (_number(a),)))


def _make_polynomial_from_roots(rng: random.Random, table: Mapping[str, Any], roots: list[Fraction],
                                multiplicities: list[int], subkind: str) -> _Made:
    bound = table["coefficients"]
    k = Fraction(choice(rng, (1, 1, 1, 2, 3, -1)))
    factors = []
    for root, multiplicity in zip(roots, multiplicities):
        factor = _linear_factor(root)
        factors.append(factor if multiplicity == 1 else pow_(factor, num(multiplicity)))
    solved = eq(_with_coefficient(k, _product(factors)), num(0))
    fw = _Forward(solved)
    fw.to(eq(tidy(solved.args[0]), num(0)), "factor")
    degree = sum(multiplicities)
    _random_ops(fw, rng, randint(rng, *table["operations"]), bound, degree)
    answer = node("set", tuple(_number(r) for r in sorted(roots)))
    return _Made(subkind, fw, answer)


def _distinct_roots(rng: random.Random, count: int, bound: int, fractions: bool) -> list[Fraction]:
    roots: list[Fraction] = []
    while len(roots) < count:
        root = Fraction(randint(rng, -bound, bound))
        if fractions and rng.random() < 0.25:
            root = Fraction(_nonzero(rng, bound), choice(rng, (2, 3)))
        if root not in roots:
            roots.append(root)
    return roots


def _make_quadratic(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    bound = table["coefficients"]
    if level >= 4 and rng.random() < 0.5:
        return _make_irrational_quadratic(rng, table)
    roots = _distinct_roots(rng, 2, bound, level >= 4)
    return _make_polynomial_from_roots(rng, table, roots, [1, 1], "quadratic")


def _make_irrational_quadratic(rng: random.Random, table: Mapping[str, Any]) -> _Made:
    bound = table["coefficients"]
    a = randint(rng, 1, 3)
    b = randint(rng, -bound, bound)
    c = _nonzero(rng, bound)
    discriminant = b * b - 4 * a * c
    if discriminant <= 0 or math.isqrt(discriminant) ** 2 == discriminant:
        raise Dropped("no_irrational_roots")
    root_expr = _quadratic_roots(a, b, discriminant)
    factored = _with_coefficient(Fraction(a), mul(sub(X, root_expr[0]), sub(X, root_expr[1])))
    fw = _Forward(eq(factored, num(0)))
    fw.to(eq(tidy(add(add(_term(a, 2), _term(b, 1) if b else num(0)), num(c))), num(0)), "quadratic_formula",
          num(discriminant))
    _random_ops(fw, rng, randint(rng, *table["operations"]), bound, 2)
    return _Made("quadratic", fw, node("set", tuple(root_expr)))


def _quadratic_roots(a: int, b: int, discriminant: int) -> list[Expr]:
    """(-b ± √D)/(2a) with √D = s·√d (d square-free) and the common factor of b, s and 2a cancelled."""
    s, d = 1, discriminant
    for p in range(2, math.isqrt(discriminant) + 1):
        while d % (p * p) == 0:
            d //= p * p
            s *= p
    g = math.gcd(math.gcd(b, s), 2 * a)
    b, s, q = b // g, s // g, 2 * a // g
    radical = func("sqrt", num(d)) if s == 1 else mul(num(s), func("sqrt", num(d)))
    roots = []
    for sign in ("add", "sub"):
        top = node(sign, (num(-b), radical)) if b else (radical if sign == "add" else neg(radical))
        roots.append(top if q == 1 else div(top, num(q)))
    return roots


def _make_polynomial(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    degree = randint(rng, SUPPORTED_DEGREES[0], config.max_degree)
    bound = min(table["coefficients"], 5)
    distinct = randint(rng, max(2, degree - 1 if level >= 5 else degree), degree)
    roots = _distinct_roots(rng, distinct, bound, False)
    multiplicities = [1] * distinct
    for _ in range(degree - distinct):
        multiplicities[randrange(rng, 0, distinct)] += 1
    return _make_polynomial_from_roots(rng, table, roots, multiplicities, "polynomial")


def _excluded_other_than(rng: random.Random, bound: int, avoid: set[Fraction]) -> Fraction:
    for _ in range(50):
        value = Fraction(randint(rng, -bound, bound))
        if value not in avoid:
            return value
    raise Dropped("no_excluded_value")


def _make_rational(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    if level >= 4 and rng.random() < 0.5:
        return _make_rational_extraneous(rng, table)
    bound = table["coefficients"]
    a = Fraction(randint(rng, -bound, bound))
    e1 = _excluded_other_than(rng, bound, {a})
    e2 = _excluded_other_than(rng, bound, {a, e1})
    k = _nonzero(rng, 3)
    c1, c2 = k * (a - e1), k * (a - e2)
    f1, f2 = _linear_factor(e1), _linear_factor(e2)
    fw = _Forward(eq(X, _number(a)))
    fw.to(eq(tidy(mul(_number(c1 - c2), X)), _number((c1 - c2) * a)), "divide_both_sides", _number(c1 - c2))
    L, R = fw.state.args
    t1 = _term(int(c2), 1)
    fw.to(eq(tidy(add(L, t1)), tidy(add(R, t1))), "subtract_both_sides" if c2 > 0 else "add_both_sides",
          _term(int(abs(c2)), 1))
    L, R = fw.state.args
    shift = -c1 * e2
    fw.to(eq(tidy(add(L, _number(shift))), tidy(add(R, _number(shift)))),
          "subtract_both_sides" if shift > 0 else "add_both_sides", _number(abs(shift)))
    fw.to(eq(_with_coefficient(c1, f2), _with_coefficient(c2, f1)), "expand")
    fw.to(eq(div(_number(c1), f1), div(_number(c2), f2)), "clear_denominators", mul(f1, f2))
    if rng.random() < 0.4:
        L, R = fw.state.args
        fw.to(eq(_join("sub", L, R), num(0)), "add_both_sides", R)
    extra = max(0, randint(rng, *table["operations"]) - 3)
    _random_ops(fw, rng, extra, bound, 0, ((_op_add_term, 1.0), (_op_multiply, 1.0), (_op_swap, 0.5)))
    hypotheses = (node("ne", (f1, num(0))), node("ne", (f2, num(0))))
    return _Made("rational", fw, node("set", (_number(a),)), hypotheses)


def _make_rational_extraneous(rng: random.Random, table: Mapping[str, Any]) -> _Made:
    """P/(x - e) = Q/(x - e) with P - Q = k(x - a)(x - e): clearing the denominator gives the root e, which the
    recorded ``x - e ≠ 0`` then removes by a division."""
    bound = table["coefficients"]
    a = Fraction(randint(rng, -bound, bound))
    e = _excluded_other_than(rng, bound, {a})
    k = Fraction(choice(rng, (1, 1, 2, -1)))
    fa, fe = _linear_factor(a), _linear_factor(e)
    fw = _Forward(eq(X, _number(a)))
    if a:
        fw.to(eq(fa, num(0)), "add_both_sides" if a > 0 else "subtract_both_sides", _number(abs(a)))
    L = fw.state.args[0]
    fw.to(eq(_with_coefficient(k, mul(L, fe)), num(0)), "divide_both_sides", _with_coefficient(k, fe))
    fw.to(eq(tidy(fw.state.args[0]), num(0)), "factor")
    Q = tidy(add(_term(randint(rng, 0, 2), 2), add(_term(_nonzero(rng, bound), 1), num(_nonzero(rng, bound)))))
    fw.to(eq(tidy(add(fw.state.args[0], Q)), Q), "subtract_both_sides", Q)
    P, Q = fw.state.args
    fw.to(eq(div(P, fe), div(Q, fe)), "clear_denominators", fe)
    return _Made("rational", fw, node("set", (_number(a),)), (node("ne", (fe, num(0))),))


def _outer_ops(fw: _Forward, rng: random.Random, count: int, bound: int) -> None:
    """A few operations on an equation that is no longer a polynomial: scale, shift, swap."""
    _random_ops(fw, rng, count, bound, 0, ((_op_add_term, 1.0), (_op_multiply, 1.0), (_op_swap, 0.3)))


def _linear_inside(fw: _Forward, rng: random.Random, bound: int, a: Expr, rhs_value: Expr,
                   alpha: int) -> tuple[Expr, Expr]:
    """From ``x = a`` forward to ``alpha*x + beta = rhs_value``; returns (alpha*x + beta, rhs_value)."""
    if alpha != 1:
        fw.to(eq(tidy(mul(num(alpha), X)), tidy(mul(num(alpha), a))), "divide_both_sides", num(alpha))
    beta = tidy(sub(rhs_value, mul(num(alpha), a)))
    value = rational_value(beta)
    if value is None:
        raise Dropped("degenerate")
    if value:
        L, R = fw.state.args
        fw.to(eq(tidy(add(L, beta)), rhs_value), "subtract_both_sides" if value > 0 else "add_both_sides",
              _number(abs(value)))
    return fw.state.args[0], fw.state.args[1]


def _solved_inside(rng: random.Random, bound: int, alpha: int, value: Expr) -> tuple[_Forward, Expr, Expr]:
    """``x = (value - beta)/alpha`` forward to ``alpha*x + beta = value``: (the forward process, ``u``, the answer)."""
    beta = randint(rng, -bound, bound)
    answer = tidy(div(sub(value, num(beta)), num(alpha)))
    fw = _Forward(eq(X, answer))
    u, _ = _linear_inside(fw, rng, bound, answer, value, alpha)
    return fw, u, answer


def _make_exponential(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    bound = table["coefficients"]
    alpha = _nonzero(rng, 3)
    if rng.random() < 0.6:
        base = choice(rng, (2, 3, 5))
        top = {2: 8, 3: 5, 5: 4}[base]
        k = randint(rng, 0, top)
        a = Fraction(randint(rng, -bound, bound))
        fw = _Forward(eq(X, _number(a)))
        u, _ = _linear_inside(fw, rng, bound, _number(a), num(k), alpha)
        fw.to(eq(pow_(num(base), u), pow_(num(base), num(k))), "equate_exponents")
        fw.to(eq(pow_(num(base), u), num(base ** k)), "write_as_power")
        answer = _number(a)
    else:
        m = randint(rng, 2, 3 * bound)
        fw, u, answer = _solved_inside(rng, bound, alpha, func("log", num(m)))
        fw.to(eq(func("exp", u), num(m)), "apply_log")
    _outer_ops(fw, rng, max(1, randint(rng, *table["operations"]) - 2), bound)
    return _Made("exponential", fw, node("set", (answer,)))


def _make_logarithmic(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    bound = table["coefficients"]
    if level >= 5 and rng.random() < 0.5:
        return _make_log_extraneous(rng, table)
    alpha = _nonzero(rng, 3)
    if rng.random() < 0.6:
        a = Fraction(randint(rng, -bound, bound))
        m = randint(rng, 2, 3 * bound)
        fw = _Forward(eq(X, _number(a)))
        u, _ = _linear_inside(fw, rng, bound, _number(a), num(m), alpha)
        fw.to(eq(func("log", u), func("log", num(m))), "apply_exp")
        answer = _number(a)
    else:
        k = randint(rng, 1, 3)
        fw, u, answer = _solved_inside(rng, bound, alpha, func("exp", num(k)))
        fw.to(eq(func("log", u), num(k)), "apply_exp")
    _outer_ops(fw, rng, max(1, randint(rng, *table["operations"]) - 2), bound)
    return _Made("logarithmic", fw, node("set", (answer,)), (node("gt", (u, num(0))),))


def _make_log_extraneous(rng: random.Random, table: Mapping[str, Any]) -> _Made:
    """log(x + p) + log(x + q) = log(m): the quadratic it leads to has a root outside the domain."""
    bound = table["coefficients"]
    r2 = randint(rng, -bound, bound - 3)
    r1 = randint(rng, r2 + 2, bound)
    p = randint(rng, -r1 + 1, -r2 - 1)
    q = -(r1 + r2) - p
    m = (r1 + p) * (r1 + q)
    fp, fq = tidy(add(X, num(p))), tidy(add(X, num(q)))
    f1, f2 = _linear_factor(Fraction(r1)), _linear_factor(Fraction(r2))
    fw = _Forward(eq(X, num(r1)))
    if r1:
        fw.to(eq(f1, num(0)), "add_both_sides" if r1 > 0 else "subtract_both_sides", num(abs(r1)))
    fw.to(eq(mul(fw.state.args[0], f2), num(0)), "divide_both_sides", f2)
    fw.to(eq(tidy(fw.state.args[0]), num(0)), "factor")
    fw.to(eq(tidy(add(fw.state.args[0], num(m))), num(m)), "subtract_both_sides", num(m))
    fw.to(eq(mul(fp, fq), num(m)), "expand")
    fw.to(eq(func("log", mul(fp, fq)), func("log", num(m))), "apply_exp")
    fw.to(eq(add(func("log", fp), func("log", fq)), func("log", num(m))), "combine_logs")
    hypotheses = (node("gt", (fp, num(0))), node("gt", (fq, num(0))))
    return _Made("logarithmic", fw, node("set", (num(r1),)), hypotheses)


def _make_radical(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    """``sqrt(u) = c`` with ``c >= 0`` (squaring is then an equivalence on ``u >= 0``) or ``u**3 = k**3``; from
    level 4 on, also ``sqrt(u) = v`` with ``x`` on both sides (:func:`_make_radical_squared`)."""
    if level >= 4 and rng.random() < RADICAL_SQUARED_SHARE.get(level, 0.5):
        return _make_radical_squared(rng, table)
    bound = table["coefficients"]
    alpha = _nonzero(rng, 3)
    a = Fraction(randint(rng, -bound, bound))
    fw = _Forward(eq(X, _number(a)))
    hypotheses: tuple[Expr, ...] = ()
    if rng.random() < 0.6:
        c = randint(rng, 1, 6)
        u, _ = _linear_inside(fw, rng, bound, _number(a), num(c * c), alpha)
        fw.to(eq(func("sqrt", u), num(c)), "square_both_sides")
        hypotheses = (node("ge", (u, num(0))),)
    else:
        k = _nonzero(rng, 4)
        u, _ = _linear_inside(fw, rng, bound, _number(a), num(k), alpha)
        fw.to(eq(pow_(u, num(3)), num(k ** 3)), "take_odd_root", num(3))
    _outer_ops(fw, rng, max(1, randint(rng, *table["operations"]) - 2), bound)
    return _Made("radical", fw, node("set", (_number(a),)), hypotheses)


RADICAL_SQUARED_SHARE: Final = {4: 0.4, 5: 0.6}
"""Per level, the share of ``radical`` items of the form ``sqrt(a*x + b) = p*x + q``."""


def _radical_squared_parameters(rng: random.Random, bound: int) -> tuple[int, int, int, int, bool]:
    """(p, q, r1, r2, extraneous): ``v = p*x + q`` with ``v(r1) >= 0``; ``r2 != r1`` has ``v(r2) < 0`` when
    ``extraneous``; ``u = v**2 - p**2*(x - r1)*(x - r2)`` is then linear with small coefficients."""
    extraneous = rng.random() < 0.75
    for _ in range(30):
        p = choice(rng, (1, 1, 1, -1, 2))
        q = randint(rng, -bound // 2, bound // 2)
        r1, r2 = randint(rng, -bound, bound), randint(rng, -bound, bound)
        a = 2 * p * q + p * p * (r1 + r2)
        b = q * q - p * p * r1 * r2
        if (r1 != r2 and p * r1 + q >= 0 and (p * r2 + q < 0) == extraneous and a != 0
                and abs(a) <= 2 * bound and abs(b) <= 6 * bound):
            return p, q, r1, r2, extraneous
    raise Dropped("coefficients_too_large")


def _make_radical_squared(rng: random.Random, table: Mapping[str, Any]) -> _Made:
    """``sqrt(a*x + b) = p*x + q``. Squaring is an equivalence only where ``p*x + q >= 0``; the equation implies
    that condition (a square root is non-negative), so the solving step records it as its operand and it hides no
    solution. The square gives ``p**2*(x - r1)*(x - r2) = 0``; a root ``r2`` with ``p*r2 + q < 0`` is extraneous
    and is removed by dividing by its factor, which the recorded condition keeps away from 0."""
    p, q, r1, r2, extraneous = _radical_squared_parameters(rng, table["coefficients"])
    v = tidy(add(_term(p, 1), num(q)))
    u = tidy(sub(pow_(v, num(2)), mul(num(p * p), mul(_linear_factor(Fraction(r1)), _linear_factor(Fraction(r2))))))
    k = Fraction(p * p)
    if extraneous:
        fw = _Forward(eq(X, num(r1)))
        if r1:
            fw.to(eq(_linear_factor(Fraction(r1)), num(0)), "add_both_sides" if r1 > 0 else "subtract_both_sides",
                  num(abs(r1)))
        f2 = _linear_factor(Fraction(r2))
        fw.to(eq(mul(_with_coefficient(k, fw.state.args[0]), f2), num(0)), "divide_both_sides",
              _with_coefficient(k, f2))
        answer = node("set", (num(r1),))
    else:
        low, high = sorted((r1, r2))
        fw = _Forward(eq(mul(_with_coefficient(k, _linear_factor(Fraction(low))), _linear_factor(Fraction(high))),
                         num(0)))
        answer = node("set", (num(low), num(high)))
    fw.to(eq(tidy(fw.state.args[0]), num(0)), "factor")
    fw.to(eq(num(0), fw.state.args[0]), "swap_sides")
    fw.to(eq(u, tidy(pow_(v, num(2)))), "subtract_both_sides", u)
    fw.to(eq(u, pow_(v, num(2))), "expand")
    fw.to(eq(func("sqrt", u), v), "square_both_sides", node("ge", (v, num(0))))
    _outer_ops(fw, rng, max(1, randint(rng, *table["operations"]) - 3), table["coefficients"])
    return _Made("radical", fw, answer, (node("ge", (u, num(0))),))


def _system_equation(row: list[Fraction], constant: Fraction, names: tuple[str, ...]) -> Expr:
    """``a*x + b*y - c*z = d`` from integer coefficients, written directly (no canonical pass: this is hot)."""
    lhs: Expr | None = None
    for coefficient, name in zip(row, names):
        c = int(coefficient)
        if c == 0:
            continue
        if lhs is None:
            lhs = _term(c, 1, sym(name))
        else:
            lhs = add(lhs, _term(c, 1, sym(name))) if c > 0 else sub(lhs, _term(-c, 1, sym(name)))
    return eq(lhs if lhs is not None else num(0), _number(constant))


def _make_system(rng: random.Random, table: Mapping[str, Any], size: int, subkind: str) -> _Made:
    bound = table["coefficients"]
    names = VARIABLES[:size]
    values = [Fraction(randint(rng, -bound, bound)) for _ in names]
    rows = [[Fraction(int(i == j)) for j in range(size)] for i in range(size)]
    constants = list(values)

    def state() -> Expr:
        return node("tuple", tuple(_system_equation(rows[i], constants[i], names) for i in range(size)))

    fw = _Forward(state())
    wanted = randint(rng, *table["operations"])
    if size == 2 and rng.random() < SUBSTITUTION_SHARE:
        _substitution_method(fw, rng, rows, constants, names, state)
        wanted = max(0, wanted - 4)  # its six steps are most of the level's budget
    elif rng.random() < BACK_SUBSTITUTION_SHARE:
        _back_substitution(fw, rng, rows, constants, names, state)
        wanted = max(1, wanted - size + 1)  # a substitution is an operation of the level's budget
    limit = 3 * bound
    for done in range(wanted + 3 * size):
        if done >= wanted and all(sum(1 for c in row if c) >= 2 for row in rows):
            break
        i, j = sample(rng, range(size), 2)
        if rng.random() < 0.2:
            c = choice(rng, (2, 3, -1))
            rows[i] = [c * v for v in rows[i]]
            constants[i] *= c
            fw.to(state(), "divide_both_sides", num(c))
            continue
        k = _nonzero(rng, 3)
        operand = _system_equation([k * v for v in rows[j]], k * constants[j], names)
        rows[i] = [a + k * b for a, b in zip(rows[i], rows[j])]
        constants[i] += k * constants[j]
        fw.to(state(), "eliminate", operand)
    if any(abs(c) > limit for row in rows for c in row) or not all(sum(1 for c in row if c) >= 2 for row in rows):
        raise Dropped("coefficients_too_large")
    answer = node("set", (node("tuple", tuple(_number(v) for v in values)),))
    return _Made(subkind, fw, answer)


SUBSTITUTION_SHARE: Final = 0.3
"""Share of ``system2`` items solved by substitution (one equation solved for a variable, put into the other)."""
BACK_SUBSTITUTION_SHARE: Final = 0.5
"""Share of the other system items whose solution ends by back-substitution (``y = 3`` put into ``x + 2*y = 7``)."""


def _replaced(fw: _Forward, i: int, equation: Expr) -> Expr:
    """The current system with equation ``i`` replaced."""
    parts = list(fw.state.args)
    parts[i] = equation
    return node("tuple", tuple(parts))


def _shift_step(fw: _Forward, i: int, lhs: Expr, rhs: Fraction, t: Fraction) -> None:
    """Forward to equation ``i`` = ``lhs + t = rhs + t``; solving subtracts ``t`` (adds ``-t``) again."""
    if t:
        fw.to(_replaced(fw, i, eq(_join("add", lhs, _number(t)), _number(rhs + t))),
              "subtract_both_sides" if t > 0 else "add_both_sides", _number(abs(t)))


def _back_substitution(fw: _Forward, rng: random.Random, rows: list[list[Fraction]], constants: list[Fraction],
                       names: tuple[str, ...], state: Callable[[], Expr]) -> None:
    """From the solved system, forward to a triangular one; solving substitutes each known value (``y = 3``)
    into an equation (``x + 2*y = 7`` becomes ``x + 6 = 7``) and moves the constant. The rows are updated."""
    order = list(range(len(names)))
    rng.shuffle(order)
    pairs = [(order[a], order[b]) for a in range(len(order)) for b in range(a + 1, len(order))]
    for i, j in pairs:  # j's row is still `var_j = value` when it is substituted into i (solving order: reversed)
        k = _nonzero(rng, 3)
        source = _system_equation(rows[j], constants[j], names)
        lhs = _system_equation(rows[i], constants[i], names).args[0]
        _shift_step(fw, i, lhs, constants[i], k * constants[j])
        rows[i][j] += k
        constants[i] += k * constants[j]
        fw.to(state(), "substitute", source)


def _substitution_method(fw: _Forward, rng: random.Random, rows: list[list[Fraction]], constants: list[Fraction],
                         names: tuple[str, ...], state: Callable[[], Expr]) -> None:
    """From the solved ``x = a, y = b`` forward to ``x - m*y = n, p*x + q*y = r``; solving isolates ``x = m*y + n``,
    substitutes it into the other equation, solves that for ``y`` and substitutes ``y = b`` back."""
    t = randint(rng, 0, 1)  # the variable isolated (its equation keeps the index t)
    o = 1 - t
    var_t, var_o = sym(names[t]), sym(names[o])
    m, p = _nonzero(rng, 3), _nonzero(rng, 4)
    q = choice(rng, [c for c in range(-4, 5) if p * m + c != 0])
    s = p * m + q
    n = constants[t] - m * constants[o]
    isolated = _join("add", _term(m, 1, var_o), _number(n)) if n else _term(m, 1, var_o)
    fw.to(_replaced(fw, t, eq(var_t, isolated)), "substitute", fw.state.args[o])
    b = constants[o]
    if s != 1:
        fw.to(_replaced(fw, o, eq(_term(s, 1, var_o), _number(s * b))), "divide_both_sides", num(s))
    _shift_step(fw, o, _term(s, 1, var_o), s * b, Fraction(p * n))
    inserted = _with_coefficient(Fraction(p), isolated)
    own = _term(q, 1, var_o)
    lhs = inserted if not q else (_join("add", inserted, own) if t < o else _join("add", own, inserted))
    r = p * constants[t] + q * b
    fw.to(_replaced(fw, o, eq(lhs, _number(r))), "expand")
    rows[o][t], rows[o][o], constants[o] = Fraction(p), Fraction(q), r
    fw.to(_replaced(fw, o, _system_equation(rows[o], constants[o], names)), "substitute", fw.state.args[t])
    rows[t][o], constants[t] = Fraction(-m), n
    fw.to(state(), "add_both_sides" if m > 0 else "subtract_both_sides", _term(abs(m), 1, var_o))


def _make_system2(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    return _make_system(rng, table, 2, "system2")


def _make_system3(rng: random.Random, table: Mapping[str, Any], level: int, config: EquationConfig) -> _Made:
    return _make_system(rng, table, 3, "system3")


_MAKERS: dict[str, Callable[[random.Random, Mapping[str, Any], int, EquationConfig], _Made]] = {
    "linear": _make_linear, "rational": _make_rational, "quadratic": _make_quadratic,
    "polynomial": _make_polynomial, "exponential": _make_exponential, "logarithmic": _make_logarithmic,
    "radical": _make_radical,
    "system2": _make_system2, "system3": _make_system3,
}


def construct(config: EquationConfig, level: int, rng: random.Random) -> Derivation:
    """One equation at ``level`` with its construction (the inverses of the forward operations, last first) as
    steps; raises ``Dropped`` for a rejected candidate. ``solve.generate`` replaces the steps by the teacher's."""
    table = config.level_table(level)
    subkind = choice(rng, tuple(table["subkinds"]))
    try:
        made = _MAKERS[subkind](rng, table, level, config)
    except CanonTooBig:
        raise Dropped("simplify_too_big") from None
    except ZeroDivisionError:
        raise Dropped("degenerate") from None
    steps = made.forward.solving_steps()
    if not steps:
        raise Dropped("no_operations")
    problem = made.forward.state
    if len(made.forward.text or to_infix(problem)) > config.max_problem_chars:
        raise Dropped("over_long")
    hypotheses = tuple(dict.fromkeys(made.hypotheses))  # log(x - 3) + log(x - 3): one condition, stated once
    return Derivation("equation", level, problem, made.answer, hypotheses, steps, {"subkind": made.subkind})


def dedup_text(derivation: Derivation) -> str:
    """The problem's equations, each side in canonical form."""
    problem = derivation.problem
    equations = problem.args if problem.op == "tuple" else (problem,)
    try:
        return "equation:" + " ; ".join(f"{sum_key(_canon(e.args[0]))} = {sum_key(_canon(e.args[1]))}"
                                        for e in equations)
    except (CanonTooBig, ZeroDivisionError):
        return "equation:" + to_infix(problem)
