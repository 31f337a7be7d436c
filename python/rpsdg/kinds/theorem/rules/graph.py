"""The rule graph: nodes are rules, an edge ``r1 → r2`` when ``r2`` (either direction) can fire on what ``r1``
(either direction) produces, i.e. a source pattern of ``r2`` unifies with a non-variable subterm of a target of
``r1``. Walks use it to prefer steps that interact with the previous one; ``rpsdg rules graph`` exports it.
To change what counts as "can fire", change :func:`can_fire_on`.
"""

from __future__ import annotations

import networkx as nx  # type: ignore[import-untyped]

from rpsdg.expr.tree import Expr
from rpsdg.kinds.theorem.rules.model import Direction, RuleBook


def _rename(e: Expr, suffix: str) -> Expr:
    if e.op == "sym":
        return Expr("sym", (), f"{e.value}{suffix}")
    if not e.args:
        return e
    return Expr(e.op, tuple(_rename(child, suffix) for child in e.args), e.value)


def _walk(e: Expr, s: dict[str, Expr]) -> Expr:
    while e.op == "sym" and e.value in s:
        e = s[e.value]  # type: ignore[index]
    return e


def _occurs(name: str, e: Expr, s: dict[str, Expr]) -> bool:
    e = _walk(e, s)
    if e.op == "sym":
        return e.value == name
    return any(_occurs(name, child, s) for child in e.args)


def unify(a: Expr, b: Expr, s: dict[str, Expr]) -> bool:
    """First-order unification of two patterns (all ``sym`` leaves are variables), extending ``s``."""
    a, b = _walk(a, s), _walk(b, s)
    if a == b:
        return True
    if a.op == "sym" or b.op == "sym":
        var, other = (a, b) if a.op == "sym" else (b, a)
        if _occurs(var.value, other, s):  # type: ignore[arg-type]
            return False
        s[var.value] = other  # type: ignore[index]
        return True
    if a.op != b.op or a.value != b.value or len(a.args) != len(b.args):
        return False
    return all(unify(x, y, s) for x, y in zip(a.args, b.args))


def can_fire_on(second: Direction, first: Direction) -> bool:
    """Whether ``second``'s source unifies with a non-variable subterm of ``first``'s target."""
    if not second.complete or second.bare:
        return False
    source = _rename(second.source, "'")
    return any(node.op != "sym" and unify(source, node, {}) for _, node in first.target.positions())


def rule_graph(book: RuleBook) -> nx.DiGraph:
    """The rule graph of ``book``; edge attribute ``via`` lists the direction pairs (``forward>backward``)."""
    graph = nx.DiGraph()
    for rule in book.rules:
        graph.add_node(rule.name, family=rule.family, domain=",".join(rule.domain),
                       lhs=_text(rule.lhs), rhs=_text(rule.rhs))
    directions = list(book.directions.values())
    for first in directions:
        for second in directions:
            if can_fire_on(second, first):
                a, b = first.rule.name, second.rule.name
                via = f"{first.direction}>{second.direction}"
                if graph.has_edge(a, b):
                    graph.edges[a, b]["via"] += " " + via
                else:
                    graph.add_edge(a, b, via=via)
    return graph


def _text(e: Expr) -> str:
    from rpsdg.expr.printers import to_infix

    return to_infix(e)
