"""The integral kind's speed paths (issue 15) give exactly what the plain paths give: the checker's derivation memo,
the inlined finite-difference test and the dedup key started from the generator's canonical forms."""

from __future__ import annotations

import pytest

from rpsdg.core import Dropped
from rpsdg.expr.canonical import canon_key
from rpsdg.expr.evaluate import OutsideDomain, compile_expr
from rpsdg.kinds.integral.check import domain_points, parse_row
from rpsdg.kinds.integral.generate import IntegralConfig, dedup_text, generate
from rpsdg.corpus.record import make_row, uid_of
from rpsdg.kinds import get_kind
from rpsdg.maths.calculus import derivative
from rpsdg.maths.numeric import DIFFERENCE_STEPS, derivative_agreement, finite_difference
from rpsdg.run.pipeline import item_rng

SPEC = get_kind("integral")
CONFIG = IntegralConfig()


def _derivations(level: int, wanted: int, seed: int = 23) -> list:
    found, index = [], 0
    while len(found) < wanted and index < wanted * 20:
        try:
            found.append(generate(CONFIG, level, item_rng("integral", seed, index)))
        except Dropped:
            pass
        index += 1
    return found


def _records(level: int, wanted: int) -> list:
    return [parse_row(make_row(d, SPEC, uid_of(dedup_text(d)), 23, i)) for i, d in enumerate(_derivations(level,
                                                                                                         wanted))]


@pytest.mark.parametrize("level", [2, 4, 5])
def test_dedup_key_from_the_generators_forms_is_the_fresh_key(level):
    derivations = _derivations(level, 25)
    assert derivations and all("dedup_forms" in d.extra for d in derivations)
    for d in derivations:
        assert dedup_text(d) == "integral:" + canon_key(d.problem)


@pytest.mark.parametrize("level", [3, 5])
def test_derivation_memo_gives_the_plain_derivatives(level):
    for record in _records(level, 15):
        memo: dict = {}
        trees = [record.answer] + [e for s in record.steps for e in (s.antiderivative, s.substitution) if e is not None]
        for tree in trees:  # nested trees share the memo, as in the checker
            assert derivative(tree, "x", memo) == derivative(tree, "x")
        assert memo  # the memo was used


def _plain_matches(big, small, point, var="x") -> bool:
    """The finite-difference test as it was written before it was inlined (``finite_difference`` per step)."""
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


@pytest.mark.parametrize("level", [1, 4])
def test_inlined_finite_difference_agrees_with_the_plain_one(level):
    checked = 0
    for record in _records(level, 15):
        points = domain_points(record)
        steps = record.steps
        # right pairs and wrong pairs (a step's antiderivative against another step's integrand)
        pairs = [(s.antiderivative, s.integrand) for s in steps] + [
            (steps[i].antiderivative, steps[(i + 1) % len(steps)].integrand) for i in range(len(steps))]
        for antiderivative, integrand in pairs:
            big, small = compile_expr(antiderivative), compile_expr(integrand)
            expected = sum(_plain_matches(big, small, point) for point in points)
            assert derivative_agreement(antiderivative, integrand, points) == expected
            checked += 1
    assert checked > 20
