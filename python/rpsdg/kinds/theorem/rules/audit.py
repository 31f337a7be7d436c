"""The numeric audit every rule passes before it may be used.

A rule must hold over ℝ as users read it: at random points that satisfy its conditions, both sides must be defined
together (a point where one side is defined and the other is not refutes the rule: ``sqrt(a*b) = sqrt(a)*sqrt(b)``
at a = b = -1) and agree where defined. Pattern variables are also bound to partial terms (``log(t)``, ``sqrt(t)``,
``1/t``), unless the rule declares them ``total``, so a rule that erases a variable (``a - a = 0``) without a
definedness condition is refused too. A rule with too few usable points is refused (its conditions may be
unsatisfiable or its sides nowhere defined). Draws include 0 and ±1 (where divisions and logs fail).
Points come from an rng seeded by the rule's name, so the audit is reproducible. Rules that hold over ``int``
are also evaluated at integer points.
To tighten: raise :data:`NEEDED`, widen :func:`_draw` or add a template to :data:`PARTIAL_TEMPLATES`.
"""

from __future__ import annotations

import random

from rpsdg.maths.numeric import close
from rpsdg.expr.evaluate import OutsideDomain, compile_expr, holds
from rpsdg.expr.parse import parse
from rpsdg.expr.tree import Expr
from rpsdg.kinds.theorem.rules.match import instantiate
from rpsdg.kinds.theorem.rules.model import Rule, RuleError

NEEDED = 12
"""Points at which both sides must be defined and agree."""
TRIES = 600
PARTIAL_TEMPLATES = ("log(t)", "sqrt(t)", "1/t")
"""Partial terms a (non-total) pattern variable is bound to in turn; ``t`` is a fresh variable."""
_FRESH = "t"


def _draw(rng: random.Random, integer: bool) -> float:
    if integer:
        return float(rng.randint(-6, 6))
    if rng.random() < 0.15:
        return float(rng.choice((0, 1, -1)))
    return rng.uniform(-1, 1) * rng.choice((0.5, 2.0, 6.0))


def _fresh_draw(rng: random.Random) -> float:
    """A value for ``t`` away from 0 (so 1/t stays modest and nothing overflows), of either sign."""
    return rng.choice((-1, 1)) * rng.uniform(0.05, 3.0)


def _instances(rule: Rule) -> list[tuple[str, Expr, Expr, tuple[Expr, ...], tuple[str, ...]]]:
    """(label, lhs, rhs, conditions, variables) for the plain rule and for each non-total variable bound to each
    partial template (over the reals)."""
    out = [("", rule.lhs, rule.rhs, rule.conditions, rule.variables)]
    if "real" not in rule.domain:
        return out
    fresh = _FRESH
    while fresh in rule.variables:
        fresh += "_"
    for name in rule.variables:
        if name in rule.total:
            continue
        for template in PARTIAL_TEMPLATES:
            term = parse(template.replace("t", fresh), "audit template")
            binding = {v: Expr("sym", (), v) for v in rule.variables}
            binding[name] = term
            variables = tuple(v for v in rule.variables if v != name) + (fresh,)
            out.append((f" with {name} := {template.replace('t', fresh)}", instantiate(rule.lhs, binding),
                        instantiate(rule.rhs, binding), tuple(instantiate(c, binding) for c in rule.conditions),
                        variables))
    return out


def _defined(fn, point) -> tuple[bool, float]:
    try:
        return True, fn(point)
    except OutsideDomain:
        return False, float("nan")


def audit_rule(rule: Rule) -> None:
    """Return if ``rule`` holds at :data:`NEEDED` random points; raise :class:`RuleError` naming it otherwise."""
    rng = random.Random(f"rpsdg-audit:{rule.name}")
    for label, lhs, rhs, conditions, variables in _instances(rule):
        left, right = compile_expr(lhs), compile_expr(rhs)
        for integer in ((False, True) if "int" in rule.domain and not label else (False,)):
            agreeing = 0
            for _ in range(TRIES):
                point = {name: (_fresh_draw(rng) if name not in rule.variables else _draw(rng, integer))
                         for name in variables}
                if not all(holds(condition, point) for condition in conditions):
                    continue
                (has_a, a), (has_b, b) = _defined(left, point), _defined(right, point)
                shown = ", ".join(f"{k} = {v:.6g}" for k, v in point.items())
                if has_a != has_b:
                    which = "lhs" if has_a else "rhs"
                    raise RuleError(f"{rule.source}: rule {rule.name!r}{label} is unsound over the reals at {shown}: "
                                    f"the {which} is defined and the other side is not; add a condition that makes "
                                    f"both sides defined (e.g. 0 < a) or declare the erased variable total")
                if not has_a:
                    continue
                if not close(a, b, rtol=1e-9):
                    raise RuleError(f"{rule.source}: rule {rule.name!r}{label} fails its audit at {shown}: "
                                    f"lhs = {a:.12g}, rhs = {b:.12g}; fix the rule's sides or add the side "
                                    f"condition that excludes this point")
                agreeing += 1
                if agreeing == NEEDED:
                    break
            if agreeing < NEEDED and not label:
                kind = "integer" if integer else "real"
                raise RuleError(f"{rule.source}: rule {rule.name!r} could be evaluated at only {agreeing} of "
                                f"{NEEDED} {kind} points satisfying its conditions; check that the conditions can "
                                f"hold and both sides are defined there")
