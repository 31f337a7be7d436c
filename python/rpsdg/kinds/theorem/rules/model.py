"""The rule value types: :class:`Rule` (one equation from a rule file), :class:`Direction` (a rule used
left-to-right or right-to-left) and :class:`RuleBook` (an audited, indexed set of rules).

Why directions: both sides of an equation may be rewritten into the other. A direction knows the pattern it
matches (``source``), what it produces (``target``) and whether a matcher can find all of the rule's variables in
its source (``complete``): right-to-left uses of ``a*0 = 0`` would have to invent ``a`` and are only possible when
the substitution is given (the replay kernel reads it from the record).
To extend: add fields here and read them in ``load.py``; keep everything immutable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Callable, Mapping

from rpsdg.errors import RpsdgError
from rpsdg.expr.tree import Expr
from rpsdg.kinds.theorem.rules.compiled import compile_builder, label_weight, node_label, tree_size

DOMAINS = ("int", "real")
FORWARD, BACKWARD = "forward", "backward"


class RuleError(RpsdgError):
    """A rule file or rule that cannot be used (malformed, unknown variable, fails its audit)."""


@dataclass(frozen=True)
class Rule:
    """One audited equation ``lhs = rhs`` that holds wherever ``conditions`` hold and both sides are defined."""

    name: str
    """Unique name (what records store)."""
    family: str
    """Rule family (``ring``, ``field``, ``explog``, ``trig``); selects rules in the generator's config."""
    lhs: Expr
    """Left side, over pattern variables."""
    rhs: Expr
    """Right side; its variables are among the left side's."""
    variables: tuple[str, ...]
    """Pattern variables, sorted (every name in ``lhs``)."""
    conditions: tuple[Expr, ...]
    """Side conditions (relations over the pattern variables), in file order: ``{h0}``, ``{h1}`` ..."""
    domain: tuple[str, ...]
    """Domains the equation holds in: ``int`` and/or ``real``."""
    lean_int: str
    """Lean 4 term over ``Int`` (core names only) proving ``lhs = rhs``; empty if not stated."""
    lean_real: str
    """Lean 4 term over ``ℝ`` (Mathlib) proving ``lhs = rhs``; empty if not stated."""
    source: str
    """The file the rule came from (for messages)."""
    total: tuple[str, ...] = ()
    """Variables that may only match terms defined at every real point (see ``rpsdg.maths.domain.is_total``):
    a rule that erases a variable (``a*0 = 0``) would otherwise turn an undefined term into a defined one."""

    def lean(self, dialect: str) -> str:
        return self.lean_int if dialect == "int" else self.lean_real


@dataclass(frozen=True)
class Direction:
    """A rule used one way: rewrite an instance of ``source`` into the same instance of ``target``."""

    rule: Rule
    direction: str
    """``forward`` (lhs → rhs) or ``backward`` (rhs → lhs)."""
    source: Expr
    target: Expr
    complete: bool
    """Whether matching ``source`` binds every variable of the rule (else only a stated substitution can)."""
    bare: bool
    """Whether ``source`` is a single variable (fires on every subterm; the generator rations these)."""
    need: tuple[str | None, ...] = ()
    """The op each child of ``source`` must have (``None``: a variable, anything goes); a cheap pre-filter."""
    size_delta: int = 0
    """Nodes gained by the rewrite, not counting the variables' subterms."""
    excess: tuple[tuple[str, int], ...] = ()
    """Variables occurring more (or fewer) times in ``target`` than in ``source``, with the difference."""

    def grown(self, binding: Mapping[str, Expr]) -> int:
        """How many nodes the rewrite adds (negative: removes) under ``binding``."""
        delta = self.size_delta
        for name, extra in self.excess:
            delta += extra * tree_size(binding[name])
        return delta

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule.name, self.direction)

    @functools.cached_property
    def build(self) -> Callable[[Mapping[str, Expr]], Expr]:
        """``binding → instantiate(target, binding)``, compiled (``rules/compiled.py``; the generator's hot path,
        never the checker's). Cached on this object (not a field: equality and hashing ignore it)."""
        return compile_builder(self.target)

    @functools.cached_property
    def folds(self) -> int:
        """Minus signs in ``target``: each may fold onto a literal (``-3``), making the result one node smaller
        than :meth:`grown` says; with none, ``grown`` is exact."""
        return sum(1 for _, node in self.target.positions() if node.op == "neg")

    @functools.cached_property
    def reweighed(self) -> int:
        """:meth:`grown` for signatures (``rules/compiled.py: signature``): the rewrite adds this plus, for each
        variable of :attr:`excess`, its count times its binding's signature."""
        return _weighed(self.target) - _weighed(self.source)

    @functools.cached_property
    def plan(self) -> tuple:
        """``(reweighed, excess, folds, build_conditions, build)`` in one attribute read (the shortest-proof
        search's inner loop)."""
        return (self.reweighed, self.excess, self.folds, self.build_conditions, self.build)

    @functools.cached_property
    def walk_key(self) -> tuple[str, bool]:
        """``(rule name, whether the rule is outside the ring family)``: what the walk weighs a step by."""
        return (self.rule.name, self.rule.family != "ring")

    @functools.cached_property
    def build_conditions(self) -> tuple[Callable[[Mapping[str, Expr]], Expr], ...]:
        """Compiled instantiations of the rule's side conditions, in order (as :attr:`build`)."""
        return tuple(compile_builder(condition) for condition in self.rule.conditions)


@dataclass(frozen=True)
class RuleBook:
    """An audited set of rules, indexed for matching: by name, and complete directions by the head of their
    source (a bare-variable source is listed under ``"*"``)."""

    rules: tuple[Rule, ...]
    by_name: Mapping[str, Rule] = field(default_factory=dict)
    directions: Mapping[tuple[str, str], Direction] = field(default_factory=dict)

    @staticmethod
    def of(rules: tuple[Rule, ...]) -> "RuleBook":
        by_name = {rule.name: rule for rule in rules}
        directions = {}
        for rule in rules:
            for d in (FORWARD, BACKWARD):
                source, target = (rule.lhs, rule.rhs) if d == FORWARD else (rule.rhs, rule.lhs)
                names = _names(source)
                directions[(rule.name, d)] = Direction(
                    rule, d, source, target, complete=set(rule.variables) <= names, bare=source.op == "sym",
                    need=tuple(None if c.op == "sym" else c.op for c in source.args),
                    size_delta=_skeleton(target) - _skeleton(source), excess=_excess(source, target))
        return RuleBook(rules, MappingProxyType(by_name), MappingProxyType(directions))

    def families(self) -> tuple[str, ...]:
        return tuple(sorted({rule.family for rule in self.rules}))

    def select(self, families: tuple[str, ...], domain: str, require_lean: bool = False) -> "RuleBook":
        """The rules of ``families`` that hold in ``domain`` (and have a Lean term there, if asked)."""
        chosen = tuple(rule for rule in self.rules
                       if rule.family in families and domain in rule.domain
                       and (rule.lean(domain) or not require_lean))
        return RuleBook.of(chosen)

    def index(self) -> dict[str, tuple[Direction, ...]]:
        """Complete directions grouped by the op at the root of their source (``"*"`` for bare variables)."""
        grouped: dict[str, list[Direction]] = {}
        for direction in self.directions.values():
            if direction.complete:
                grouped.setdefault("*" if direction.bare else direction.source.op, []).append(direction)
        return {op: tuple(ds) for op, ds in grouped.items()}


def _names(e: Expr) -> set[str]:
    return set(e.free_symbols())


def _skeleton(e: Expr) -> int:
    """Nodes of a pattern that are not variables."""
    return 0 if e.op == "sym" else 1 + sum(_skeleton(child) for child in e.args)


def _weighed(e: Expr) -> int:
    """The signature weight of a pattern's nodes that are not variables (as :func:`_skeleton` counts them)."""
    return 0 if e.op == "sym" else label_weight(node_label(e)) + sum(_weighed(child) for child in e.args)


def _occurrences(e: Expr, counts: dict[str, int]) -> dict[str, int]:
    if e.op == "sym":
        counts[e.value] = counts.get(e.value, 0) + 1  # type: ignore[index, arg-type]
    for child in e.args:
        _occurrences(child, counts)
    return counts


def _excess(source: Expr, target: Expr) -> tuple[tuple[str, int], ...]:
    before, after = _occurrences(source, {}), _occurrences(target, {})
    return tuple(sorted((name, after.get(name, 0) - before.get(name, 0)) for name in set(before) | set(after)
                        if after.get(name, 0) != before.get(name, 0)))
