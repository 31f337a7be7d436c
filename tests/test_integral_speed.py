"""The integral kind's speed paths (issue 15) give exactly what the plain paths give: the checker's derivation memo,
the inlined finite-difference test and the dedup key started from the generator's canonical forms."""

from __future__ import annotations

import random

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


# -- domain reasoning (maths/domain.py): the incremental paths against the plain ones they replace ----------------

from rpsdg.expr.parse import parse  # noqa: E402
from rpsdg.expr.sampling import LeafDistribution, sample_expr, split_weights  # noqa: E402
from rpsdg.kinds.integral.generate import LAMPLE_CHARTON_WEIGHTS  # noqa: E402
from rpsdg.kinds.integral.solve import hypotheses_of  # noqa: E402
from rpsdg.maths import domain  # noqa: E402
from rpsdg.expr.canonical import Canonicalizer  # noqa: E402
from rpsdg.expr.tree import add  # noqa: E402


def _plain_needed(expressions, hypotheses):
    """``needed_conditions`` as it was: every expression's whole list, a new domain after each addition."""
    kept = list(hypotheses)
    canonicalizer = Canonicalizer()
    current = domain.facts_of(kept, canonicalizer)
    for e in expressions:
        for condition in domain.natural_conditions(e):
            if domain.implies(current, condition):
                continue
            if not domain.has_variable(condition):
                raise domain.EmptyDomain(f"{condition!r} is false")
            kept.append(condition)
            current = domain.facts_of(kept, canonicalizer)
    return tuple(kept)


def _plain_irredundant(hypotheses, expressions, keep=()):
    """``irredundant`` as it was: ``facts_of`` of the others for every hypothesis."""
    kept = list(dict.fromkeys(hypotheses))
    lists = domain.conditions_in_order(expressions)
    canonicalizer = Canonicalizer()
    for h in reversed(list(kept)):
        if h in keep:
            continue
        others = [o for o in kept if o != h]
        current = domain.facts_of(others, canonicalizer)
        if domain.implies(current, h) and domain.first_not_implied(lists, current) is None:
            kept.remove(h)
    return tuple(kept)


def _plain(expressions, hypotheses, keep=()):
    try:
        return _plain_irredundant(_plain_needed(expressions, hypotheses), expressions, keep)
    except domain.EmptyDomain as error:
        return f"empty: {error}"


def _fast(expressions, hypotheses, keep=()):
    try:
        needed = domain.needed_conditions(expressions, hypotheses)
        both = domain.irredundant(needed, expressions, keep)
        assert domain.closed_hypotheses(expressions, hypotheses, keep) == both
        return both
    except domain.EmptyDomain as error:
        with pytest.raises(domain.EmptyDomain, match=str(error).replace("(", r"\(").replace(")", r"\)")
                           .replace("*", r"\*").replace("+", r"\+")):
            domain.closed_hypotheses(expressions, hypotheses, keep)
        return f"empty: {error}"


def _generator_cases(level, wanted):
    cases = []
    for d in _derivations(level, wanted):
        cases.append(([d.problem, d.answer] + [e for s in d.steps for e in (s.integrand, s.antiderivative)],
                      hypotheses_of(d.answer, "x")))
    return cases


@pytest.mark.parametrize("level", [2, 3, 4, 5])
def test_closed_hypotheses_are_the_plain_ones_on_generated_items(level):
    cases = _generator_cases(level, 30)
    assert cases
    for expressions, base in cases:
        assert _fast(expressions, base) == _plain(expressions, base)


def test_closed_hypotheses_are_the_plain_ones_when_conditions_are_added_midway():
    """Shared subtrees (the same objects) before and after a hypothesis is added part way through an expression,
    and random partial functions: the added conditions, their order and the pruning are the plain path's."""
    u = parse("x - 1")
    shared = parse("log(x - 1) + sqrt(x + 2)")
    expressions = [shared, add(parse("1/(x - 3)"), shared), add(shared, parse("asin(x/5)")), shared,
                   parse("log(x - 1)"), u]
    for base in [(), (parse("x > 1"),), (parse("x > 5"),), (parse("Ne(x, 3)"), parse("x > 0"))]:
        assert _fast(expressions, base) == _plain(expressions, base)
    rng = random.Random(5)
    unary, binary = split_weights(LAMPLE_CHARTON_WEIGHTS, tuple(LAMPLE_CHARTON_WEIGHTS))
    leaves = LeafDistribution("x", 0.75, (1, 5))
    checked = added = 0
    for _ in range(150):
        pool = [sample_expr(rng, rng.randint(1, 6), unary, binary, leaves) for _ in range(4)]
        expressions = [pool[rng.randrange(4)] if rng.random() < 0.5 else add(pool[rng.randrange(4)],
                                                                                   pool[rng.randrange(4)])
                       for _ in range(6)]
        base = tuple(c for c in domain.natural_conditions(pool[0])[:1] if domain.has_variable(c))
        plain = _plain(expressions, base)
        assert _fast(expressions, base) == plain
        checked += 1
        added += isinstance(plain, tuple) and len(plain) > len(base) + 1
    assert checked == 150 and added > 10  # the midway path was exercised


@pytest.mark.parametrize("level", [3, 5])
def test_remembered_signs_are_the_fresh_ones(level):
    """``_sign`` remembered per domain: a domain asked about every subterm of an item, in any order, answers what
    a fresh domain answers about each."""
    for expressions, base in _generator_cases(level, 20):
        try:
            hypotheses = domain.needed_conditions(expressions, base)
        except domain.EmptyDomain:
            continue
        shared = domain.facts_of(hypotheses)
        for e in expressions:
            for _, node in e.positions():
                if node.args:
                    assert domain.sign(node, shared) == domain.sign(node, domain.facts_of(hypotheses))
        assert shared.partial


@pytest.mark.parametrize("level", [3, 5])
def test_closed_hypotheses_from_the_items_forms_are_the_fresh_ones(level):
    """The generator starts the domain reasoning from its item's canonical forms (found under a lower limit): the
    hypotheses are those of a fresh canonicalizer; a canonicalizer at another limit is not used."""
    for d in _derivations(level, 20):
        expressions = [d.problem, d.answer] + [e for s in d.steps for e in (s.integrand, s.antiderivative)]
        base = hypotheses_of(d.answer, "x")
        seeded = Canonicalizer()
        seeded.memo.update(d.extra["dedup_forms"][1].memo)
        low = Canonicalizer(3)
        fresh = domain.closed_hypotheses(expressions, base)
        assert domain.closed_hypotheses(expressions, base, (), seeded) == fresh == d.hypotheses
        assert domain.closed_hypotheses(expressions, base, (), low) == fresh
        assert not low.memo  # not used


def _plain_collect(e, out, seen):
    """``domain._collect`` as it was (every node's turn after its arguments, two set operations per node)."""
    if not e.args:
        return
    stack = [(e, False)]
    while stack:
        node, done = stack.pop()
        if not done:
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            for index in range(len(node.args) - 1, -1, -1):
                if node.args[index].args:
                    stack.append((node.args[index], False))
            continue
        if node.op not in domain._CONDITION_FREE:
            out.extend(domain._own_conditions(node))


@pytest.mark.parametrize("level", [2, 5])
def test_condition_walk_is_the_plain_one(level):
    """The natural conditions, alone and in order over an item's expressions (shared seen set), are the plain
    walk's, in the same order."""
    for expressions, _ in _generator_cases(level, 20):
        seen_plain: set = set()
        lists_plain = []
        for e in expressions:
            found: list = []
            _plain_collect(e, found, seen_plain)
            lists_plain.append(list(dict.fromkeys(found)))
            alone: list = []
            _plain_collect(e, alone, set())
            assert domain.natural_conditions(e) == list(dict.fromkeys(alone))
        assert domain.conditions_in_order(expressions) == lists_plain
