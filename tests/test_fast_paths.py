"""The speed-ups of issue 15 compute exactly what the plain definitions compute.

* ``compile_expr``'s inlined closures against a plain recursive interpreter of the documented real semantics
  (same float operations, same points outside the domain);
* ``remembering``: same values and the same ``OutsideDomain`` points as the closure it wraps, each point computed once;
* ``natural_conditions`` (which skips repeated subtrees) and ``first_undefined`` (which skips subtrees met in an
  earlier expression) against plain scans of every node;
* ``numeric.close``, written in float operations, against its definition with ``math.isfinite`` and ``max``;
* the equation checker's ``_agreeing`` (``x - x == 0.0`` for finiteness) against ``close`` point by point.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rpsdg.expr.evaluate import OutsideDomain, compile_expr, remembering
from rpsdg.expr.tree import Expr, func, num, sym
from rpsdg.maths import domain
from rpsdg.maths.domain import facts_of, first_undefined, implies, natural_conditions
from rpsdg.maths.numeric import close

FUNCTIONS = ("sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
             "acosh", "atanh")


def _tree(rng: random.Random, depth: int) -> Expr:
    if depth == 0 or rng.random() < 0.25:
        return sym("x") if rng.random() < 0.6 else num(rng.choice([-3, -2, -1, 0, 1, 2, 3, 5, 100]))
    roll = rng.random()
    if roll < 0.3:
        return func(rng.choice(FUNCTIONS), _tree(rng, depth - 1))
    if roll < 0.35:
        return Expr("neg", (_tree(rng, depth - 1),))
    op = rng.choice(["add", "sub", "mul", "div", "pow", "pow"])
    return Expr(op, (_tree(rng, depth - 1), _tree(rng, depth - 1)))


def _reference(e: Expr, x: float) -> float:
    """The documented semantics, one node at a time (raises OutsideDomain)."""
    op = e.op
    if op == "num":
        return float(e.value)  # type: ignore[arg-type]
    if op == "sym":
        return x
    values = [_reference(child, x) for child in e.args]
    if op == "neg":
        return -values[0]
    if op in FUNCTIONS:
        v = values[0]
        if (op == "log" and v <= 0) or (op == "sqrt" and v < 0) or (op == "acosh" and v < 1) \
                or (op == "atanh" and not -1 < v < 1) or (op == "tan" and abs(math.cos(v)) < 1e-12):
            raise OutsideDomain(op)
        try:
            result = getattr(math, op)(v)
        except (ValueError, OverflowError):
            raise OutsideDomain(op) from None
    else:
        a, b = values
        if op == "div" and b == 0 or op == "pow" and (a == 0 and b <= 0 or a < 0 and b != int(b)):
            raise OutsideDomain(op)
        try:
            result = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b,
                      "pow": lambda: a ** b}[op]()
        except (OverflowError, ZeroDivisionError):
            raise OutsideDomain(op) from None
    if not math.isfinite(result):
        raise OutsideDomain(op)
    return result


def _outcome(fn, *args):
    try:
        return fn(*args)
    except OutsideDomain:
        return "outside"


X_VALUES = (0.0, 1.0, -1.0, 0.5, -2.5, 3.7, 1e-4, -750.0, 800.0, 1e300)


@pytest.mark.parametrize("seed", range(4))
def test_compiled_closures_match_the_plain_interpreter(seed):
    rng = random.Random(seed)
    for _ in range(1500):
        e = _tree(rng, rng.randint(1, 6))
        fn = compile_expr(e)
        for x in X_VALUES + (rng.uniform(-5, 5),):
            expected = _outcome(_reference, e, x)
            got = _outcome(fn, {"x": x})
            assert got == expected or (expected != "outside" and got != "outside"
                                       and math.isnan(expected) and math.isnan(got)), (e, x, expected, got)


def test_remembering_gives_the_same_values_and_computes_each_point_once():
    rng = random.Random(5)
    for _ in range(300):
        e = _tree(rng, 5)
        plain = compile_expr(e)
        calls = []

        def counted(point, plain=plain):
            calls.append(point["x"])
            return plain(point)

        fn = remembering(counted, "x")
        for x in X_VALUES * 2:
            assert _outcome(fn, {"x": x}) == _outcome(plain, {"x": x})
        assert sorted(calls) == sorted([x for x in X_VALUES if x != 0] + [0.0, 0.0])  # zero is never remembered


def test_remembering_closures_inside_a_memo_are_reused_by_larger_trees():
    inner = func("log", sym("x"))
    outer = Expr("add", (inner, num(1)))
    memo: dict = {}
    calls = []
    plain = compile_expr(inner)

    def counted(point):
        calls.append(point["x"])
        return plain(point)

    memo[inner] = remembering(counted, "x")
    big = compile_expr(outer, memo)
    assert big({"x": 2.0}) == math.log(2.0) + 1
    assert memo[inner]({"x": 2.0}) == math.log(2.0)
    with pytest.raises(OutsideDomain):
        big({"x": -1.0})
    with pytest.raises(OutsideDomain):
        memo[inner]({"x": -1.0})
    assert calls == [2.0, -1.0]


def _plain_conditions(e: Expr) -> list[Expr]:
    found: list[Expr] = []

    def visit(node: Expr) -> None:
        for child in node.args:
            visit(child)
        found.extend(domain._own_conditions(node))

    visit(e)
    return list(dict.fromkeys(found))


def test_natural_conditions_skip_only_repeats():
    rng = random.Random(7)
    for _ in range(2000):
        e = _tree(rng, 6)
        if rng.random() < 0.5:  # repeated subtrees on purpose
            e = Expr("add", (Expr("mul", (e, _tree(rng, 2))), e))
        assert natural_conditions(e) == _plain_conditions(e)


def test_first_undefined_matches_a_scan_of_every_expression():
    rng = random.Random(11)
    x = sym("x")
    hypothesis_choices = [Expr("gt", (x, num(0))), Expr("ne", (x, num(0))), Expr("gt", (x, num(1))),
                          Expr("lt", (x, num(1)))]
    for _ in range(400):
        shared = _tree(rng, 4)
        expressions = [Expr("add", (shared, _tree(rng, 3))), shared, Expr("mul", (_tree(rng, 3), shared))]
        hypotheses = rng.sample(hypothesis_choices, rng.randint(0, 2))
        expected = None
        plain_domain = facts_of(hypotheses)
        for index, e in enumerate(expressions):
            missing = next((c for c in _plain_conditions(e) if not implies(plain_domain, c)), None)
            if missing is not None:
                expected = (index, missing)
                break
        assert first_undefined(expressions, facts_of(hypotheses)) == expected


def _mul_monomials_by_sorting(a, b):
    """``canonical._mul_monomials`` as first written (a dict of exponents, then a sort by key): the reference for
    the merge that replaced it."""
    from rpsdg.expr.rational import Fraction

    from rpsdg.expr.canonical import _normal

    if not a and not any(key[0] == "#" for key, _, _ in b):
        return 1, b
    if not b and not any(key[0] == "#" for key, _, _ in a):
        return 1, a
    merged: dict = {}
    for key, exp, atom in a + b:
        if key in merged:
            merged[key][0] += exp
        else:
            merged[key] = [exp, atom]
    coeff = 1
    factors = []
    for key, (exp, atom) in merged.items():
        exp = _normal(exp) if type(exp) is Fraction else exp
        if exp == 0:
            continue
        if key.startswith("#"):
            whole, frac = divmod(Fraction(exp), 1)
            coeff *= Fraction(int(key[1:])) ** int(whole)
            if frac == 0:
                continue
            exp = frac
        factors.append((key, exp, atom))
    factors.sort(key=lambda f: f[0])
    return _normal(Fraction(coeff)) if coeff != 1 else 1, tuple(factors)


def test_merged_monomial_products_equal_the_sorted_definition():
    """Every pair of monomials met in the canonical forms of random trees (prime atoms such as ``2^(1/2)``
    included) multiplies to the same coefficient, factors and exponent types as the dict-and-sort definition."""
    from rpsdg.expr.canonical import CanonTooBig, _mul_monomials, canon

    rng = random.Random(15)
    monomials = set()
    for _ in range(400):
        try:
            monomials.update(canon(_tree(rng, 4)))
        except (CanonTooBig, ZeroDivisionError, ValueError):
            continue
    for k in (2, 3, 6, 8, 12, 18):  # prime atoms: 2^(1/2), 2^(3/2)·3^(1/2) ...
        for root in (func("sqrt", num(k)), Expr("pow", (num(k), Expr("div", (num(1), num(3))))),
                     Expr("div", (sym("x"), func("sqrt", num(k))))):
            monomials.update(canon(root))
    monomials = sorted(monomials, key=repr)
    assert any(key[0] == "#" for m in monomials for key, _, _ in m), "no prime atom was met: widen the trees"
    pairs = [(a, b) for a in monomials for b in rng.sample(monomials, 20)]
    for a, b in pairs:
        fast, plain = _mul_monomials(a, b), _mul_monomials_by_sorting(a, b)
        assert fast == plain and type(fast[0]) is type(plain[0]), (a, b)
        assert [type(exp) for _, exp, _ in fast[1]] == [type(exp) for _, exp, _ in plain[1]], (a, b)


_EDGE_FLOATS = st.sampled_from([0.0, -0.0, 1.0, -1.0, 1e-300, 5e-324, 1e308, -1e308, math.inf, -math.inf, math.nan])


@given(st.one_of(st.floats(), _EDGE_FLOATS), st.one_of(st.floats(), _EDGE_FLOATS),
       st.one_of(st.floats(), _EDGE_FLOATS), st.sampled_from([1e-6, 1e-7, 1e-9, 0.0]), st.booleans())
def test_close_is_its_definition(a: float, b: float, scale: float, rtol: float, near: bool) -> None:
    if near and math.isfinite(a):
        b = a * (1 + rtol / 2)  # agreeing pairs, not only the random ones (which almost never agree)
    definition = math.isfinite(a) and math.isfinite(b) and abs(a - b) <= rtol * max(abs(a), abs(b), scale, 1.0)
    assert close(a, b, scale, rtol) is definition


_ROW_VALUES = st.one_of(st.none(), st.floats(), _EDGE_FLOATS)


@given(st.lists(st.tuples(_ROW_VALUES, _ROW_VALUES, st.booleans()), max_size=12))
def test_agreeing_counts_the_points_close_calls_close(pairs: list) -> None:
    from rpsdg.kinds.equation.check import _agreeing

    a = tuple(x for x, _, _ in pairs)
    b = tuple(x * (1 + 1e-10) if near and x is not None and math.isfinite(x) else y for x, y, near in pairs)
    expected = sum(1 for x, y in zip(a, b) if x is not None and y is not None and close(x, y, rtol=1e-9))
    assert _agreeing(a, b) == expected
    assert _agreeing(a, a) == sum(1 for x in a if x is not None and math.isfinite(x))
