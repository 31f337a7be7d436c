"""The equation kind's fast paths (issue 15) give exactly what the general machinery gives: the generator's
polynomial expansion (``generate._expanded``) writes the same tree as ``to_expr(canon(e))`` and makes the same
canonical form, and leaves to the canonical form every tree it cannot do within its bounds; the solver's integer
rational-root test finds the same roots."""

from __future__ import annotations

import random

from rpsdg.expr.canonical import CanonTooBig, canon, sum_key, to_expr
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, div, func, neg, num, pow_, sym
from rpsdg.kinds.equation import generate as G
from rpsdg.kinds.equation.solve import _deflate, _rational_roots


def _tree(rng: random.Random, depth: int) -> Expr:
    """A random tree of + - * / powers and negation over small integers, x, y, z and sqrt(2) (not a polynomial)."""
    if depth == 0 or rng.random() < 0.25:
        r = rng.random()
        if r < 0.4:
            return num(rng.randint(-9, 9))
        if r < 0.9:
            return sym(rng.choice("xxxyz"))
        return func("sqrt", num(2))
    op = rng.choice(["add", "sub", "mul", "div", "neg", "pow", "add", "mul"])
    if op == "neg":
        return neg(_tree(rng, depth - 1))
    if op == "pow":
        return pow_(_tree(rng, depth - 1), num(rng.randint(-1, 4)))
    if op == "div":
        return div(_tree(rng, depth - 1), rng.choice([num(rng.randint(-4, 4)), _tree(rng, depth - 1)]))
    return Expr(op, (_tree(rng, depth - 1), _tree(rng, depth - 1)))


def test_expansion_writes_and_canonicalises_as_the_canonical_form():
    rng = random.Random(15)
    expanded = 0
    for _ in range(4000):
        e = _tree(rng, rng.randint(1, 5))
        fast = G._expanded(e)
        if fast is None:
            continue
        expanded += 1
        want = canon(e)  # never raises where the fast path answers (zero divisors, huge powers are left to it)
        assert G._written(fast) == to_expr(want), e
        form = G._canon.__wrapped__(e)
        G._expanded.cache_clear()
        assert form == want and sum_key(form) == sum_key(want), e
        assert all(type(form[m]) is type(want[m]) for m in want), e  # ints stay ints (``_gcd_of`` reads them)
    assert expanded > 1000  # the bulk of the trees took the fast path


def test_expansion_leaves_what_it_cannot_do_to_the_canonical_form():
    x = sym("x")
    for e in (div(x, num(0)), pow_(x, num(0)), pow_(x, num(-1)), div(num(1), x), func("sqrt", num(2)),
              pow_(Expr("add", (x, num(1))), num(17)), sym("w")):
        assert G._expanded(e) is None, e
    try:
        expected = to_expr(canon(div(x, num(0))))
    except (CanonTooBig, ZeroDivisionError) as error:
        expected = type(error)
    assert expected is ZeroDivisionError  # what tidy still raises there (the item is dropped as degenerate)


def _slow_roots(coefficients: list[Fraction]) -> list[tuple[Fraction, int]]:
    """The rational roots by evaluating every candidate in Fractions (the definition the fast test must match)."""
    roots: dict[Fraction, int] = {}
    poly = list(coefficients)
    while len(poly) > 1:
        for candidate in sorted({Fraction(p, q) for p in range(-40, 41) for q in range(1, 13)}):
            if sum(c * candidate ** i for i, c in enumerate(poly)) == 0:
                roots[candidate] = roots.get(candidate, 0) + 1
                poly = _deflate(poly, candidate)
                break
        else:
            break
    return sorted(roots.items())


def test_integer_rational_root_test_finds_the_roots():
    rng = random.Random(3)
    for _ in range(200):
        roots = [Fraction(rng.randint(-6, 6), rng.choice((1, 1, 2, 3))) for _ in range(rng.randint(1, 4))]
        poly = [Fraction(rng.choice((1, 2, -3)))]
        for root in roots:  # multiply by (x - root)
            poly = [(poly[i - 1] if i else 0) - root * (poly[i] if i < len(poly) else 0) for i in range(len(poly) + 1)]
        found = _rational_roots(poly)
        assert found is not None and sorted(found) == _slow_roots(poly), (roots, poly)
