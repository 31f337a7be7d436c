"""Random expressions: unary-binary trees drawn uniformly by number of operators (Lample & Charton, 2019).

``count_trees`` is their dynamic program D(e, n): the number of ways to finish a tree that has ``e`` empty slots
and ``n`` operators still to place. Sampling places operators one at a time, choosing (slot, arity) with
probability proportional to the number of completions, so every tree shape with ``n`` operators is equally
likely. Operators are then drawn by weight within their arity and leaves by the leaf distribution.
Everything is driven by the ``random.Random`` passed in, so an item is a pure function of its seed.
To add an operator: give it a weight in the generator config and a case in :data:`OPERATOR_BUILDERS`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import Callable, Mapping, NamedTuple, Sequence

from rpsdg.draws import randint, weighted_index
from rpsdg.expr.tree import Expr, func, num, pow_, sym

UNARY_OPERATORS: dict[str, Callable[[Expr], Expr]] = {
    "pow2": lambda a: pow_(a, num(2)), "pow3": lambda a: pow_(a, num(3)),
    "pow4": lambda a: pow_(a, num(4)), "pow5": lambda a: pow_(a, num(5)),
    "inv": lambda a: Expr("div", (num(1), a)),
    **{name: (lambda n: lambda a: func(n, a))(name) for name in (
        "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan",
        "sinh", "cosh", "tanh", "asinh", "acosh", "atanh")},
}
BINARY_OPERATORS = ("add", "sub", "mul", "div")
OPERATOR_BUILDERS = frozenset(UNARY_OPERATORS) | frozenset(BINARY_OPERATORS)


@lru_cache(maxsize=None)
def count_trees(empty: int, operators: int) -> int:
    """D(e, n): completions of a tree with ``empty`` open slots and ``operators`` operators to place."""
    if empty == 0:
        return 0
    if operators == 0:
        return 1
    return (count_trees(empty - 1, operators) + count_trees(empty, operators - 1)
            + count_trees(empty + 1, operators - 1))


@dataclass(frozen=True)
class LeafDistribution:
    """How leaves are drawn: the variable with probability ``p_variable``, else an integer in ``integers``."""

    variable: str = "x"
    p_variable: float = 0.75
    integers: tuple[int, int] = (1, 5)


def _choose_slot(rng: random.Random, empty: int, operators: int, allow_unary: bool) -> tuple[int, int]:
    """(k, arity): skip k open slots (they become leaves), put an operator of ``arity`` in the next. The choices are
    (0, 1), (0, 2), (1, 1), ... (only arity 2 without unary operators), weighted by their completions."""
    weights: list[int] = []
    for k in range(empty):
        if allow_unary:
            weights.append(count_trees(empty - k, operators - 1))
        weights.append(count_trees(empty - k + 1, operators - 1))
    chosen = weighted_index(rng, list(accumulate(weights)))
    return (chosen // 2, 1 + chosen % 2) if allow_unary else (chosen, 2)


def sample_shape(rng: random.Random, operators: int, allow_unary: bool = True) -> list:
    """A uniform random tree shape as nested lists: ``[]`` is a leaf, ``[child]``/``[left, right]`` operators."""
    root: list = []
    open_slots: list[list] = [root]
    remaining = operators
    leaves: list[list] = []
    while remaining:
        k, arity = _choose_slot(rng, len(open_slots), remaining, allow_unary)
        leaves.extend(open_slots[:k])
        node = open_slots[k]
        children = [[] for _ in range(arity)]
        node.extend(children)
        open_slots = children + open_slots[k + 1:]
        remaining -= 1
    return root


class _Table(NamedTuple):
    """Operator names in sorted order and their cumulative weights: what ``rng.choices(names, weights)`` builds on
    every call, built once per expression."""

    names: list[str]
    cumulative: list


def _table(weights: Mapping[str, float]) -> _Table:
    names = sorted(weights)
    return _Table(names, list(accumulate([weights[n] for n in names])))


def sample_expr(rng: random.Random, operators: int, unary_weights: Mapping[str, float],
                binary_weights: Mapping[str, float], leaves: LeafDistribution) -> Expr:
    """A random expression with ``operators`` operators, shape uniform, operators drawn by weight."""
    shape = sample_shape(rng, operators, allow_unary=bool(unary_weights))
    unary = _table(unary_weights) if unary_weights else _Table([], [])
    return _fill(shape, rng, unary, _table(binary_weights), leaves)


def _fill(shape: list, rng: random.Random, unary: _Table, binary: _Table, leaves: LeafDistribution) -> Expr:
    if not shape:
        if rng.random() < leaves.p_variable:
            return sym(leaves.variable)
        return num(randint(rng, *leaves.integers))
    if len(shape) == 1:
        name = unary.names[weighted_index(rng, unary.cumulative)]
        return UNARY_OPERATORS[name](_fill(shape[0], rng, unary, binary, leaves))
    op = binary.names[weighted_index(rng, binary.cumulative)]
    return Expr(op, (_fill(shape[0], rng, unary, binary, leaves), _fill(shape[1], rng, unary, binary, leaves)))


def split_weights(weights: Mapping[str, float], allowed: Sequence[str] | None = None
                  ) -> tuple[dict[str, float], dict[str, float]]:
    """(unary, binary) weight tables from one table, keeping only ``allowed`` names when given."""
    keep = set(allowed) if allowed is not None else set(weights)
    unary = {k: v for k, v in weights.items() if k in UNARY_OPERATORS and k in keep and v > 0}
    binary = {k: v for k, v in weights.items() if k in BINARY_OPERATORS and k in keep and v > 0}
    return unary, binary
