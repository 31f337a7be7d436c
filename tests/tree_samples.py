"""Trees and texts that the C fast paths' tests compare with the Python code: what a build stores, and random trees.

Shared by ``tests/test_fastparse.py`` (the C parser) and ``tests/test_fastprint.py`` (the C printer).
"""

from __future__ import annotations

from hypothesis import strategies as st

from rpsdg.core import Dropped
from rpsdg.expr.tree import FUNCTIONS, Expr, neg, num, sym
from rpsdg.kinds import get_kind
from rpsdg.run.items import candidate_row, item_rng


def stored_texts(kind: str, count: int) -> list[str]:
    """Every string of ``count`` candidates' stored rows (levels 1-5): the printed expressions and the words."""
    spec = get_kind(kind)
    texts: list[str] = []
    for index in range(count):
        try:
            row = candidate_row(spec, spec.config_type(), 1 + index % 5, item_rng(kind, 31, index), 31, index)
        except Dropped:
            continue
        stack: list = [row]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                texts.append(value)
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif isinstance(value, (list, tuple)):
                stack.extend(value)
    return texts


NAMES = st.sampled_from(["x", "y", "z", "a1", "_t", "x_2", "Tuple", "FiniteSet", "Rational", "theta"])
LEAVES = st.one_of(st.integers(-10**30, 10**30).map(num), NAMES.map(sym))


def trees():
    """Random trees of every node kind the printers and the parser know (numbers of up to 31 digits)."""

    def extend(children):
        binary = st.tuples(st.sampled_from(["add", "sub", "mul", "div", "pow"]), children, children).map(
            lambda t: Expr(t[0], (t[1], t[2])))
        unary = st.tuples(st.sampled_from(list(FUNCTIONS)), children).map(lambda t: Expr(t[0], (t[1],)))
        relation = st.tuples(st.sampled_from(["eq", "ne", "lt", "le", "gt", "ge"]), children, children).map(
            lambda t: Expr(t[0], (t[1], t[2])))
        container = st.tuples(st.sampled_from(["set", "tuple"]), st.lists(children, max_size=3)).map(
            lambda t: Expr(t[0], tuple(t[1])))
        return st.one_of(binary, unary, children.map(neg), relation, container)

    return st.recursive(LEAVES, extend, max_leaves=16)
