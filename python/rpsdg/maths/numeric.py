"""Numeric evidence: sample points inside a domain, compare values and finite-difference derivatives.

Independent of our symbolic machinery on purpose: the derivative used here is a 5-point central difference of
the stored antiderivative, not our differentiation rules, so a bug in ``calculus.py`` cannot hide itself.
Points are drawn from an rng seeded by the caller (the record's uid), so a check is reproducible.
A comparison passes when at least ``quorum`` of ``count`` points agree: near a pole a finite difference can
miss, but a wrong step disagrees almost everywhere.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Final, Sequence

from rpsdg.draws import choice, uniform
from rpsdg.expr.evaluate import Compiled, OutsideDomain, compile_expr
from rpsdg.expr.tree import Expr

RTOL: Final = 1e-6
DIFFERENCE_STEPS = (1e-3, 1e-4, 1e-5)


@dataclass(frozen=True)
class PointSpec:
    """How points are drawn: ``count`` points, ``quorum`` of which must agree, at most ``tries`` draws."""

    count: int = 6
    quorum: int = 5
    tries: int = 200


RELATION_TESTS: dict[str, Callable[[float, float], bool]] = {
    "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b,
    "ne": lambda a, b: a != b, "eq": lambda a, b: a == b}


def _draw(rng: random.Random) -> float:
    scale = choice(rng, (0.5, 2.0, 5.0))
    return uniform(rng, -scale, scale)


def collect_points(draw: Callable[[], dict[str, float]], admits: Callable[[dict[str, float]], bool],
                   must_evaluate: Sequence[Compiled], spec: PointSpec, values: list[list[float]] | None = None
                   ) -> list[dict[str, float]]:
    """Up to ``spec.count`` points from ``draw()`` (at most ``spec.tries`` draws) that ``admits`` and where every
    function in ``must_evaluate`` has a finite real value; raising ``OutsideDomain`` rejects a point. ``values``,
    when given, receives for each kept point the list of the functions' values there (computed anyway)."""
    points: list[dict[str, float]] = []
    for _ in range(spec.tries):
        point = draw()
        try:
            if not admits(point):
                continue
            found = [fn(point) for fn in must_evaluate]
        except OutsideDomain:
            continue
        if values is not None:
            values.append(found)
        points.append(point)
        if len(points) == spec.count:
            break
    return points


def sample_points(rng: random.Random, variables: Sequence[str], hypotheses: Sequence[Expr],
                  must_evaluate: Sequence[Compiled], spec: PointSpec = PointSpec(),
                  values: list[list[float]] | None = None) -> list[dict[str, float]]:
    """Up to ``spec.count`` points where every hypothesis holds and every function in ``must_evaluate`` has a
    finite real value (fewer if the domain is hard to hit within ``spec.tries`` draws); each hypothesis is
    compiled once. ``values``: see :func:`collect_points`."""
    tests = [(RELATION_TESTS[h.op], compile_expr(h.args[0]), compile_expr(h.args[1])) for h in hypotheses]
    return collect_points(lambda: {name: _draw(rng) for name in variables},
                          lambda point: all(test(left(point), right(point)) for test, left, right in tests),
                          must_evaluate, spec, values)


def finite_difference(fn: Compiled, point: dict[str, float], var: str, h: float = 1e-3) -> float:
    """d fn / d var at ``point`` by a 5-point central difference of step ``h``·max(1, |x|); raises
    :class:`OutsideDomain` where ``fn`` is undefined at a shifted point. One shifted point, no closure (hot: the
    integral checker's derivative test)."""
    x = point[var]
    step = h * max(1.0, abs(x))
    shifted = dict(point)
    shifted[var] = x + -2 * step
    far_left = fn(shifted)
    shifted[var] = x + -step
    left = fn(shifted)
    shifted[var] = x + step
    right = fn(shifted)
    shifted[var] = x + 2 * step
    far_right = fn(shifted)
    return (far_left - 8 * left + 8 * right - far_right) / (12 * step)


def close(a: float, b: float, scale: float = 1.0, rtol: float = RTOL) -> bool:
    """Whether ``a`` and ``b`` agree to ``rtol`` relative to the larger of them and ``scale``.

    Written in float operations only (hot: every numeric comparison of the theorem and equation checkers): compiled,
    ``math.isfinite`` and a four-argument ``max`` were a module lookup and a boxed call each. ``x - x == 0.0`` is
    ``math.isfinite(x)`` for a float (inf - inf and nan - nan are nan), and the comparisons below pick what ``max``
    picks, in its order."""
    if not (a - a == 0.0 and b - b == 0.0):
        return False
    largest = abs(a)
    if abs(b) > largest:
        largest = abs(b)
    if scale > largest:
        largest = scale
    if 1.0 > largest:
        largest = 1.0
    return abs(a - b) <= rtol * largest


def derivative_agreement(antiderivative: Expr, integrand: Expr, points: Sequence[dict[str, float]],
                         var: str = "x", memo: dict | None = None) -> int:
    """How many of ``points`` have d/d var antiderivative ≈ integrand (finite difference vs value); ``memo`` shares
    compiled subtrees between calls of one task (see :func:`rpsdg.expr.evaluate.compile_expr`)."""
    big, small = compile_expr(antiderivative, memo), compile_expr(integrand, memo)
    agreeing = 0
    for point in points:
        if _derivative_matches(big, small, point, var):
            agreeing += 1
    return agreeing


def _derivative_matches(big: Compiled, small: Compiled, point: dict[str, float], var: str) -> bool:
    """Whether a difference quotient of ``big`` matches ``small`` at ``point`` for some step size.

    Fast oscillation needs a small step, a large |F| a larger one (rounding grows like |F|·eps/h); trying three
    steps keeps correct steps from failing, and a wrong derivative matches at none of them.
    """
    try:
        value = small(point)
        size = abs(big(point))
    except OutsideDomain:
        return False
    for h in DIFFERENCE_STEPS:
        try:
            estimate = finite_difference(big, point, var, h)
        except OutsideDomain:
            continue
        if abs(estimate - value) <= 1e-5 * max(1.0, abs(value), abs(estimate)) + 1e-9 * size:
            return True
    return False


def value_agreement(a: Expr, b: Expr, points: Sequence[dict[str, float]], memo: dict | None = None) -> int:
    """How many of ``points`` have a ≈ b (both defined)."""
    fa, fb = compile_expr(a, memo), compile_expr(b, memo)
    agreeing = 0
    for point in points:
        try:
            if close(fa(point), fb(point)):
                agreeing += 1
        except OutsideDomain:
            continue
    return agreeing
