"""Integration problems made backwards: differentiate a random F by named rules, then reverse the derivation.

Forward: F is a uniform random unary-binary tree (Lample & Charton's sampler, ``expr/sampling.py``); our rule
engine (``calculus.py``) differentiates it and records the rule used at every node. Backward: each node becomes
one integration step that solves its own sub-integral ∫ f_node dx = F_node: linearity for sums and constant
multiples, substitution for the chain rule, the reversed product and quotient rules, table integrals.
The problem shows f = F' in an expanded canonical form (``expr/canonical.py``), so the raw derivative's shape
does not give F away; the first step rewrites it back to the raw shape.

Levels map to the number of operators, the tree depth and the operator set (see :class:`IntegralConfig`).
To add an operator: give it a weight in ``LAMPLE_CHARTON_WEIGHTS`` and list it in the level sets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from rpsdg.maths.calculus import DerivNode, NotDifferentiable, derive, domain_conditions
from rpsdg.maths.numeric import PointSpec, sample_points
from rpsdg.core import Derivation, Dropped
from rpsdg.maths.domain import EmptyDomain, irredundant, needed_conditions
from rpsdg.errors import ConfigError
from rpsdg.expr.canonical import CanonTooBig, canon, canon_key, simplify, to_expr, without_constant
from rpsdg.expr.evaluate import compile_expr, holds
from rpsdg.expr.printers import to_infix, to_prefix
from rpsdg.expr.sampling import LeafDistribution, OPERATOR_BUILDERS, sample_expr, split_weights
from rpsdg.expr.tree import Expr, is_num
from rpsdg.kinds import level_table

LAMPLE_CHARTON_WEIGHTS: dict[str, float] = {
    "add": 10, "mul": 10, "div": 5, "sub": 3,
    "sqrt": 4, "pow2": 4, "log": 4, "exp": 4, "sin": 4, "cos": 4, "tan": 4, "pow3": 2,
    "pow4": 1, "pow5": 1, "asin": 1, "acos": 1, "atan": 1, "sinh": 1, "cosh": 1, "tanh": 1,
    "asinh": 1, "acosh": 1, "atanh": 1,
}
"""Operator weights of Lample & Charton's published configuration."""

_LEVEL_1_OPS = ("add", "sub", "mul", "pow2", "pow3", "exp", "sin", "cos")
_LEVEL_2_OPS = _LEVEL_1_OPS + ("div", "log", "sqrt")
_LEVEL_3_OPS = _LEVEL_2_OPS + ("tan", "pow4", "pow5", "atan", "sinh", "cosh")
_ALL_OPS = tuple(LAMPLE_CHARTON_WEIGHTS)

DEFAULT_LEVELS: dict[int, dict[str, Any]] = {
    1: {"operators": (1, 3), "max_depth": 4, "allowed": _LEVEL_1_OPS},
    2: {"operators": (2, 4), "max_depth": 4, "allowed": _LEVEL_2_OPS},
    3: {"operators": (4, 7), "max_depth": 6, "allowed": _LEVEL_3_OPS},
    4: {"operators": (7, 10), "max_depth": 8, "allowed": _ALL_OPS},
    5: {"operators": (10, 15), "max_depth": 12, "allowed": _ALL_OPS},
}


@dataclass(frozen=True)
class IntegralConfig:
    """Configuration of the integration generator; every field has a default, TOML ``[integral]`` overrides."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(LAMPLE_CHARTON_WEIGHTS))
    """Operator weights (names from ``expr/sampling.py``); an operator with weight 0 is never drawn."""
    levels: Mapping[int, Mapping[str, Any]] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    """Per level: ``operators`` (min, max) count, ``max_depth`` of F, ``allowed`` operator names."""
    variable: str = "x"
    """The integration variable."""
    p_variable: float = 0.75
    """Probability that a leaf is the variable (else an integer)."""
    integers: tuple[int, int] = (1, 5)
    """Range of integer leaves."""
    max_integrand_tokens: int = 400
    """Candidates whose shown integrand has more prefix tokens are dropped as ``over_long``."""
    term_limit: int = 60
    """Expansion cap for the shown integrand; a larger expansion is dropped as ``simplify_too_big``."""

    def __post_init__(self) -> None:
        unknown = sorted(set(self.weights) - OPERATOR_BUILDERS)
        if unknown:
            raise ConfigError(f"unknown operator(s) {', '.join(unknown)} in integral weights; known: "
                              f"{', '.join(sorted(OPERATOR_BUILDERS))}")
        levels = {int(k): v for k, v in self.levels.items()}
        object.__setattr__(self, "levels", levels)
        for level, table in levels.items():
            missing = sorted({"operators", "max_depth", "allowed"} - set(table))
            if missing:
                raise ConfigError(f"integral level {level}: missing key(s) {', '.join(missing)}; a level table needs "
                                  f"operators = [min, max], max_depth and allowed = [operator names]")
            low, high = table["operators"]
            if not 1 <= low <= high:
                raise ConfigError(f"integral level {level}: operators must be 1 <= min <= max, got {low}, {high}")
            bad = sorted(set(table["allowed"]) - OPERATOR_BUILDERS)
            if bad:
                raise ConfigError(f"integral level {level}: unknown operator(s) {', '.join(bad)}")
        if not 0 < self.p_variable <= 1:
            raise ConfigError(f"integral p_variable must be in (0, 1], got {self.p_variable}")
        if self.max_integrand_tokens < 1 or self.term_limit < 1:
            raise ConfigError(f"integral max_integrand_tokens ({self.max_integrand_tokens}) and term_limit "
                              f"({self.term_limit}) must be positive integers")

    def level_table(self, level: int) -> Mapping[str, Any]:
        return level_table("integral", self.levels, level)


@dataclass(frozen=True)
class IntegralStep:
    """One step of a solution: ∫ integrand dx = antiderivative (+ C), by ``rule`` from its ``parts``."""

    rule: str
    """``rewrite``, ``linearity_sum``, ``linearity_difference``, ``linearity_negation``, ``linearity_constant``,
    ``substitution``, ``reverse_product``, ``reverse_quotient``, ``power_rule`` or ``table``."""
    integrand: Expr
    """The sub-integral this step solves."""
    antiderivative: Expr
    """Its antiderivative."""
    parts: tuple[int, ...] = ()
    """Indices of the steps whose results this step combines."""
    substitution: Expr | None = None
    """For ``substitution``: the inner function u."""
    factor: Expr | None = None
    """For ``linearity_constant``: the constant c with integrand = c · (part's integrand)."""

    def to_row(self) -> dict[str, Any]:
        return {"rule": self.rule, "integrand": to_infix(self.integrand),
                "antiderivative": to_infix(self.antiderivative), "parts": list(self.parts),
                "substitution": to_infix(self.substitution) if self.substitution is not None else "",
                "factor": to_infix(self.factor) if self.factor is not None else ""}


_RULE_OF_NODE = {"sum": "linearity_sum", "difference": "linearity_difference", "negation": "linearity_negation",
                 "constant_multiple": "linearity_constant", "chain": "substitution", "exponential": "substitution",
                 "product": "reverse_product", "quotient": "reverse_quotient", "identity": "power_rule",
                 "power": "power_rule", "table": "table"}


def reverse_derivation(root: DerivNode, shown_integrand: Expr) -> list[IntegralStep]:
    """The integration steps, root first, that undo the derivation ``root``."""
    steps: list[IntegralStep] = []
    if shown_integrand != root.derivative:
        steps.append(IntegralStep("rewrite", shown_integrand, root.expr, (1,)))
    _append_steps(root, steps)
    return steps


def _append_steps(node: DerivNode, steps: list[IntegralStep]) -> int:
    index = len(steps)
    steps.append(IntegralStep(_RULE_OF_NODE[node.rule], node.derivative, node.expr))
    parts = tuple(_append_steps(child, steps) for child in node.children if child.rule != "constant")
    steps[index] = IntegralStep(steps[index].rule, node.derivative, node.expr, parts,
                                node.inner if node.rule in ("chain", "exponential") else None,
                                node.factor)
    return index


def _hypotheses(F: Expr, var: str) -> tuple[Expr, ...]:
    """F's domain conditions, less those implied by another (``u > 0`` implies ``u ≠ 0``) and the closed ones."""
    conditions = domain_conditions(F)
    positive = {c.args[0] for c in conditions if c.op == "gt" and is_num(c.args[1], 0)}
    kept = []
    for condition in conditions:
        if condition.op == "ne" and condition.args[0] in positive:
            continue
        if not condition.has(var):
            if not holds(condition, {}):
                raise Dropped("empty_domain")
            continue
        kept.append(condition)
    return tuple(kept)


def generate(config: IntegralConfig, level: int, rng: random.Random) -> Derivation:
    """One integration problem at ``level``; raises ``Dropped`` for a rejected candidate."""
    table = config.level_table(level)
    unary, binary = split_weights(config.weights, table["allowed"])
    operators = rng.randint(*table["operators"])
    leaves = LeafDistribution(config.variable, config.p_variable, tuple(config.integers))  # type: ignore[arg-type]
    sampled = sample_expr(rng, operators, unary, binary, leaves)
    if sampled.depth() > table["max_depth"]:
        raise Dropped("too_deep")
    try:
        F = to_expr(without_constant(canon(sampled, config.term_limit), config.variable))
    except CanonTooBig:
        raise Dropped("simplify_too_big") from None
    except ZeroDivisionError:
        raise Dropped("degenerate") from None
    if not F.has(config.variable):
        raise Dropped("constant")
    if sum(1 for _, node in F.positions() if node.args) < table["operators"][0]:
        raise Dropped("collapsed")  # simplification undid the level's size (Lample & Charton drop these too)
    try:
        root = derive(F, config.variable)
    except NotDifferentiable:
        raise Dropped("not_differentiable") from None
    try:
        shown = simplify(root.derivative, config.term_limit)
    except CanonTooBig:
        raise Dropped("simplify_too_big") from None
    except ZeroDivisionError:
        raise Dropped("degenerate") from None
    if is_num(shown, 0):
        raise Dropped("degenerate")
    if len(to_prefix(shown)) > config.max_integrand_tokens:
        raise Dropped("over_long")
    if not shown.has(config.variable):
        raise Dropped("constant_integrand")  # ∫ c dx with a number c: degenerate (issue 11)
    steps = reverse_derivation(root, shown)
    try:  # the hypotheses must imply the natural domain of the problem, the answer and every step
        expressions = [shown, F] + [e for step in steps for e in (step.integrand, step.antiderivative)]
        hypotheses = irredundant(needed_conditions(expressions, _hypotheses(F, config.variable)), expressions)
    except EmptyDomain:
        raise Dropped("empty_domain") from None
    compiled = [compile_expr(F), compile_expr(shown), compile_expr(root.derivative)]
    if len(sample_points(rng, [config.variable], hypotheses, compiled, PointSpec(count=4, tries=60))) < 4:
        raise Dropped("empty_domain")
    return Derivation("integral", level, shown, F, hypotheses, tuple(steps))


def dedup_text(derivation: Derivation) -> str:
    return "integral:" + canon_key(derivation.problem)
