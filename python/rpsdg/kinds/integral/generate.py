"""Integration problems made backwards: differentiate a random F by named rules, then reverse the derivation.

Forward: F is a uniform random unary-binary tree (Lample & Charton's sampler, ``expr/sampling.py``); our rule
engine (``calculus.py``) differentiates it and records the rule used at every node. Backward: each node becomes
one integration step that solves its own sub-integral ∫ f_node dx = F_node: linearity for sums and constant
multiples, substitution for the chain rule, the reversed product and quotient rules, table integrals.
The problem shows f = F' in an expanded canonical form (``expr/canonical.py``), so the raw derivative's shape
does not give F away; ``solve.py`` writes the teacher's steps (one per distinct sub-integral, simplified).

Other directions (``IntegralConfig.direction``, issue 16): ``forward`` integrates a random f with SymPy's
rule-based integrator and ``parts`` builds ∫ F G' by parts (``forward.py``); ``mixed`` draws one per item.
Every item records its direction; a level's ``max_steps`` is its step budget.

Levels map to the number of operators, the tree depth and the operator set (see :class:`IntegralConfig`).
To add an operator: give it a weight in ``LAMPLE_CHARTON_WEIGHTS`` and list it in the level sets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Mapping

from rpsdg.maths.calculus import NotDifferentiable, derive
from rpsdg.maths.numeric import PointSpec, sample_points
from rpsdg.core import Derivation, Dropped
from rpsdg.errors import ConfigError
from rpsdg.expr.canonical import TERM_LIMIT, Canonicalizer, canon_key
from rpsdg.expr.evaluate import compile_expr
from rpsdg.expr.printers import to_prefix
from rpsdg.expr.sampling import OPERATOR_BUILDERS
from rpsdg.kinds import level_table
from rpsdg.kinds.integral.sample import sample_function
from rpsdg.kinds.integral.solve import IntegralStep, domain_hypotheses, human, hypotheses_of, teacher_steps

__all__ = ["IntegralConfig", "IntegralStep", "generate", "backward", "sample_function", "dedup_text"]

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

DEFAULT_MAX_STEPS = {1: 8, 2: 12, 3: 20, 4: 28, 5: 36}
"""A level's step budget where its table sets no ``max_steps``; items with more steps are dropped."""

DIRECTIONS = ("backward", "forward", "parts", "mixed")
DEFAULT_MIX: dict[str, float] = {"backward": 0.5, "forward": 0.3, "parts": 0.2}
"""``--direction mixed``: each item's direction is drawn with these weights."""

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
    direction: str = "backward"
    """How items are made: ``backward`` (differentiate a random F), ``forward`` (integrate a random f with
    SymPy's rule-based integrator and translate its steps), ``parts`` (Lample & Charton's integration by parts:
    ∫ F G' = F G - ∫ F' G), or ``mixed`` (each item's direction drawn with the weights in ``mix``)."""
    mix: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    """Direction weights for ``mixed`` (default: backward 0.5, forward 0.3, parts 0.2)."""
    sympy_seconds: float = 1.0
    """Time limit of one SymPy ``integral_steps`` call (forward and parts); a call over it drops the item as
    ``sympy_timeout``. A safety net: the size limit below keeps nearly every call far under it."""
    sympy_max_tokens: int = 40
    """Integrands handed to SymPy have at most this many prefix tokens (else dropped as ``sympy_too_big``)."""

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
        if self.direction not in DIRECTIONS:
            raise ConfigError(f"integral direction {self.direction!r} is unknown; choose one of "
                              f"{', '.join(DIRECTIONS)}")
        bad_mix = sorted(set(self.mix) - {"backward", "forward", "parts"})
        if bad_mix or not self.mix or any(w < 0 for w in self.mix.values()) or sum(self.mix.values()) <= 0:
            raise ConfigError(f"integral mix {dict(self.mix)}: weights must be non-negative numbers for backward, "
                              f"forward and parts, not all zero")
        if not 0 < self.p_variable <= 1:
            raise ConfigError(f"integral p_variable must be in (0, 1], got {self.p_variable}")
        if self.max_integrand_tokens < 1 or self.term_limit < 1:
            raise ConfigError(f"integral max_integrand_tokens ({self.max_integrand_tokens}) and term_limit "
                              f"({self.term_limit}) must be positive integers")

    def level_table(self, level: int) -> Mapping[str, Any]:
        return level_table("integral", self.levels, level)


def generate(config: IntegralConfig, level: int, rng: random.Random) -> Derivation:
    """One integration problem at ``level`` made in the configured direction; raises ``Dropped`` for a rejected
    candidate. Every item records its direction (the ``direction`` column)."""
    direction = config.direction
    if direction == "mixed":
        names = sorted(config.mix)
        direction = rng.choices(names, weights=[config.mix[n] for n in names])[0]
    if direction == "backward":
        derivation = backward(config, level, rng)
    else:
        from rpsdg.kinds.integral import forward  # SymPy is imported only where it runs

        derivation = (forward.forward if direction == "forward" else forward.by_parts)(config, level, rng)
    budget = config.level_table(level).get("max_steps", DEFAULT_MAX_STEPS[min(max(level, 1), 5)])
    if len(derivation.steps) > budget:
        raise Dropped("over_step_budget")
    extra = {"direction": direction}
    if _DEDUP_KEY in derivation.extra:  # the backward generator's forms, for dedup_text
        extra[_DEDUP_KEY] = derivation.extra[_DEDUP_KEY]
    return Derivation("integral", level, derivation.problem, derivation.answer, derivation.hypotheses,
                      derivation.steps, extra)


def backward(config: IntegralConfig, level: int, rng: random.Random) -> Derivation:
    """Differentiate a random F; the teacher's solution of ∫ F' dx (``solve.py``)."""
    F = sample_function(config, level, rng)
    try:
        root = derive(F, config.variable)
    except NotDifferentiable:
        raise Dropped("not_differentiable") from None
    canonicalizer = Canonicalizer(config.term_limit)  # this item's canonical forms, shared by its steps
    shown = human(root.derivative, config.term_limit, canonicalizer)
    if not shown.has(config.variable):
        raise Dropped("degenerate")  # F' constant: F is linear in disguise (log(exp(x)/c))
    if len(to_prefix(shown)) > config.max_integrand_tokens:
        raise Dropped("over_long")
    if not shown.has(config.variable):
        raise Dropped("constant_integrand")  # ∫ c dx with a number c: degenerate (issue 11)
    steps = teacher_steps(root, shown, config.variable, config.term_limit, canonicalizer)
    # the domain reasoning and the dedup key work at TERM_LIMIT: one canonicalizer for both, started from this
    # item's forms (a limit only decides when to give up, never what a form is)
    keyer = Canonicalizer(TERM_LIMIT)
    keyer.memo.update(canonicalizer.memo)
    hypotheses = domain_hypotheses([shown, F] + [e for step in steps for e in (step.integrand, step.antiderivative)],
                                   hypotheses_of(F, config.variable), keyer)
    closures: dict = {}  # one compile memo: the raw derivative repeats subtrees of F (chain and product rules)
    compiled = [compile_expr(F, closures), compile_expr(shown, closures), compile_expr(root.derivative, closures)]
    if len(sample_points(rng, [config.variable], hypotheses, compiled, PointSpec(count=4, tries=60))) < 4:
        raise Dropped("empty_domain")
    return Derivation("integral", level, shown, F, hypotheses, tuple(steps), {_DEDUP_KEY: (shown, keyer)})


_DEDUP_KEY = "dedup_forms"
"""``Derivation.extra`` entry (not a stored column: ``make_row`` copies only the spec's ``extra_fields``) holding
``(problem, a Canonicalizer at TERM_LIMIT with the item's forms)`` from the backward generator, for
:func:`dedup_text`."""


def dedup_text(derivation: Derivation) -> str:
    """``integral:`` and the canonical key of the problem (``canon_key`` at ``TERM_LIMIT``). Where the backward
    generator left a :class:`Canonicalizer` with its item's forms (the shown integrand is built from forms it has
    worked out; the domain reasoning adds its own, at ``TERM_LIMIT``), the key starts from those forms: a limit only
    decides when to give up, never what a form is, so a form found under the item's lower limit is the one a fresh
    canonicalizer computes (the same key, uid and errors)."""
    known = derivation.extra.get(_DEDUP_KEY)
    if known is not None and known[0] is derivation.problem:
        return "integral:" + known[1].key(derivation.problem)
    return "integral:" + canon_key(derivation.problem)
