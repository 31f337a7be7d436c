"""The numeric audit every rule passes before it may be used.

A rule must hold at random points that satisfy its conditions (where both sides are defined): a point where the
sides differ refutes it, and a rule with too few usable points is refused too (its conditions may be unsatisfiable
or its sides nowhere defined). Points come from an rng seeded by the rule's name, so the audit is reproducible.
Rules that hold over ``int`` are also evaluated at integer points.
To tighten: raise :data:`NEEDED` or widen :func:`_draw`.
"""

from __future__ import annotations

import random

from rpsdg.maths.numeric import close
from rpsdg.expr.evaluate import OutsideDomain, compile_expr, holds
from rpsdg.kinds.theorem.rules.model import Rule, RuleError

NEEDED = 12
"""Points at which both sides must be defined and agree."""
TRIES = 600


def _draw(rng: random.Random, integer: bool) -> float:
    if integer:
        return float(rng.randint(-6, 6))
    return rng.uniform(-1, 1) * rng.choice((0.5, 2.0, 6.0))


def audit_rule(rule: Rule) -> None:
    """Return if ``rule`` holds at :data:`NEEDED` random points; raise :class:`RuleError` naming it otherwise."""
    left, right = compile_expr(rule.lhs), compile_expr(rule.rhs)
    rng = random.Random(f"rpsdg-audit:{rule.name}")
    for integer in ((False, True) if "int" in rule.domain else (False,)):
        agreeing = 0
        for _ in range(TRIES):
            point = {name: _draw(rng, integer) for name in rule.variables}
            if not all(holds(condition, point) for condition in rule.conditions):
                continue
            try:
                a, b = left(point), right(point)
            except OutsideDomain:
                continue
            if not close(a, b, rtol=1e-9):
                shown = ", ".join(f"{k} = {v:.6g}" for k, v in point.items())
                raise RuleError(f"{rule.source}: rule {rule.name!r} fails its audit at {shown}: lhs = {a:.12g}, "
                                f"rhs = {b:.12g}; fix the rule's sides or add the side condition that excludes "
                                f"this point")
            agreeing += 1
            if agreeing == NEEDED:
                break
        if agreeing < NEEDED:
            kind = "integer" if integer else "real"
            raise RuleError(f"{rule.source}: rule {rule.name!r} could be evaluated at only {agreeing} of {NEEDED} "
                            f"{kind} points satisfying its conditions; check that the conditions can hold and "
                            f"both sides are defined there")
