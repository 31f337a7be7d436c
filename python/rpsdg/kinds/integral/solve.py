"""The teacher's solution of a backward-made integral: one step per distinct sub-integral, integrands simplified.

The generator knows F and its rule-by-rule derivation (``maths/calculus.py``). A careful teacher solving ∫ F' dx
recognises the outermost structure (a sum to split, a constant to pull out, a product or quotient rule read
backwards, ``u = g(x), du = g'(x) dx``, a table entry), solves the sub-integrals, and combines them. This module
turns the derivation tree into such steps:

* every step's integrand is the *simplified* derivative (``expr/canonical.simplify``), never the raw
  ``1/(sin(3)/x) * (-sin(3)/x**2)`` shape the chain rule prints;
* a sub-integral that occurs several times is solved once: steps form a DAG, each distinct antiderivative has one
  step, and every step that needs it cites it (the stored order is a topological order, root first, so every
  cited step comes later and the export's reading order shows it before its first use);
* a substitution states u and du = u'(x) dx itself (the ``du`` field) instead of integrating u' as a separate
  sub-problem, so ``∫ 1 dx = x + 2`` never appears;
* the root step's integrand is the problem as shown, so no separate "rewrite" step is needed.

To change how a node is solved: edit :func:`_node_step`; the checker's replay (``check.py``) must accept it.
"""

from __future__ import annotations

from rpsdg.maths.domain import EmptyDomain, closed_hypotheses

from dataclasses import dataclass
from typing import Any

from rpsdg.core import Dropped
from rpsdg.expr.canonical import Canonicalizer, CanonTooBig, simplify, to_expr
from rpsdg.expr.evaluate import holds
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, is_num
from rpsdg.maths.calculus import DerivNode, domain_conditions

_RULE_OF_NODE = {"sum": "linearity_sum", "difference": "linearity_difference", "negation": "linearity_negation",
                 "constant_multiple": "linearity_constant", "chain": "substitution", "exponential": "substitution",
                 "product": "reverse_product", "quotient": "reverse_quotient", "identity": "power_rule",
                 "power": "power_rule", "table": "table"}


@dataclass(frozen=True)
class IntegralStep:
    """One step of a solution: ∫ integrand dx = antiderivative (+ C), by ``rule`` from its ``parts``."""

    rule: str
    """``rewrite``, ``linearity_sum``, ``linearity_difference``, ``linearity_negation``, ``linearity_constant``,
    ``substitution``, ``reverse_product``, ``reverse_quotient``, ``power_rule``, ``table``; from SymPy's rule tree
    (forward and by-parts items) also ``split_sum``, ``constant_rule``, ``table_entry``, ``change_of_variable``
    and ``parts`` (see ``check.py`` for each rule's relation)."""
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
    du: Expr | None = None
    """For ``substitution`` without parts and ``parts``: u'(x), so that du = u'(x) dx."""

    def to_row(self) -> dict[str, Any]:
        return {"rule": self.rule, "integrand": to_infix(self.integrand),
                "antiderivative": to_infix(self.antiderivative), "parts": list(self.parts),
                "substitution": to_infix(self.substitution) if self.substitution is not None else "",
                "factor": to_infix(self.factor) if self.factor is not None else "",
                "du": to_infix(self.du) if self.du is not None else ""}


def hypotheses_of(F: Expr, var: str) -> tuple[Expr, ...]:
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


def domain_hypotheses(expressions: list[Expr], base: tuple[Expr, ...], canonicalizer: Canonicalizer | None = None
                      ) -> tuple[Expr, ...]:
    """``base`` closed under the natural domain of every expression of the item (problem, answer, every step), so
    the hypotheses imply where each is defined (issue 11); ``Dropped('empty_domain')`` where that is empty.
    ``canonicalizer``: see :func:`rpsdg.maths.domain.closed_hypotheses` (forms only: the same hypotheses)."""
    try:
        return closed_hypotheses(expressions, base, (), canonicalizer)
    except EmptyDomain:
        raise Dropped("empty_domain") from None


def human(e: Expr, term_limit: int, canonicalizer: Canonicalizer | None = None) -> Expr:
    """``e`` in simplified human form; raises ``Dropped('simplify_too_big')`` where the expansion is too big.
    ``canonicalizer`` (one per generated item, built with ``term_limit``) remembers the forms of shared subtrees:
    a solution's step integrands are derivatives of nested subterms."""
    try:
        if canonicalizer is not None and canonicalizer.limit == term_limit:
            return to_expr(canonicalizer.run(e))
        return simplify(e, term_limit)
    except CanonTooBig:
        raise Dropped("simplify_too_big") from None
    except ZeroDivisionError:
        raise Dropped("degenerate") from None


def _without_offset(node: DerivNode) -> DerivNode:
    """g for an operand g ± c (c constant): its derivative is g's, so ``∫ 1 dx = x + 2`` is never a step; the
    replay accepts an operand that differs from its part's antiderivative by an added constant."""
    while node.rule in ("sum", "difference") and len([c for c in node.children if c.rule != "constant"]) == 1 \
            and node.expr.args[0] == node.children[0].expr and node.children[1].rule == "constant":
        node = node.children[0]
    while node.rule == "sum" and node.children[0].rule == "constant" and node.children[1].rule != "constant":
        node = node.children[1]
    return node


def teacher_steps(root: DerivNode, shown: Expr, var: str, term_limit: int,
                  canonicalizer: Canonicalizer | None = None) -> list[IntegralStep]:
    """The steps, root first (every step's parts come after it).

    ``shown`` is the problem's integrand (already simplified); it becomes the root step's integrand.
    ``canonicalizer``: see :func:`human`.
    """
    nodes: dict[Expr, DerivNode] = {}
    children: dict[Expr, list[Expr]] = {}

    def visit(node: DerivNode) -> None:
        if node.expr in nodes:
            return
        nodes[node.expr] = node
        kept = [] if node.rule in ("chain", "exponential") else [c for c in node.children if c.rule != "constant"]
        if node.rule in ("sum", "difference", "negation", "constant_multiple", "product", "quotient"):
            # their replay reads operands up to added constants
            kept = [_without_offset(c) for c in kept]
        children[node.expr] = [c.expr for c in kept]
        for child in kept:
            visit(child)

    visit(root)
    order: list[Expr] = []  # reverse post-order: a topological order with every step before the steps it cites
    done: set[Expr] = set()

    def post(expr: Expr) -> None:
        if expr in done:
            return
        done.add(expr)
        for child in children[expr]:
            post(child)
        order.append(expr)

    post(root.expr)
    order.reverse()
    index = {expr: i for i, expr in enumerate(order)}
    steps = []
    for expr in order:
        node = nodes[expr]
        integrand = shown if expr == root.expr else human(node.derivative, term_limit, canonicalizer)
        parts = tuple(index[c] for c in children[expr])
        substitution = du = None
        if node.rule in ("chain", "exponential"):
            substitution = node.inner
            # the chain rule's one child is the derivation of u (``node.inner``): its derivative is u'(x)
            du = human(node.children[0].derivative, term_limit, canonicalizer)
        steps.append(IntegralStep(_RULE_OF_NODE[node.rule], integrand, node.expr, parts, substitution,
                                  node.factor, du))
    return steps
