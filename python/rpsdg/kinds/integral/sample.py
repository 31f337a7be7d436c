"""The random function every integral direction starts from: Lample & Charton's uniform tree of the level's size,
in our canonical form without its constant term, dropped when simplification undoes the level's size.

Its own module so that the backward generator (``generate.py``) and the forward/by-parts ones (``forward.py``)
share it without importing each other.
"""

from __future__ import annotations

import random
from typing import Any

from rpsdg.core import Dropped
from rpsdg.draws import randint
from rpsdg.expr.canonical import CanonTooBig, canon, to_expr, without_constant
from rpsdg.expr.sampling import LeafDistribution, sample_expr, split_weights
from rpsdg.expr.tree import Expr


def sample_function(config: Any, level: int, rng: random.Random) -> Expr:
    """A random function of the level's size, simplified (the tree sampler of every direction)."""
    table = config.level_table(level)
    unary, binary = split_weights(config.weights, table["allowed"])
    operators = randint(rng, *table["operators"])
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
    return F
