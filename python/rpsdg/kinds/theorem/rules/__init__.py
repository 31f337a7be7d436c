"""Rewrite rules are data: one TOML file per family (``ring.toml``, ``field.toml``, ``explog.toml``, ``trig.toml``).

Each ``[[rule]]`` table names an equation ``lhs = rhs`` over pattern variables (every name in ``lhs``), its side
conditions (relations such as ``Ne(a, 0)`` or ``0 < a``), the domains it holds in (``int``, ``real``), its family
and the Lean 4 term that proves it in each dialect (``lean_int``: core ``Int.*`` names; ``lean_real``: Mathlib),
with ``{a}`` for the Lean text of what pattern variable ``a`` matched and ``{h0}``, ``{h1}`` for the proofs of the
conditions. Loading (:mod:`.load`) parses every string with our own grammar and audits each rule numerically
(:mod:`.audit`) before anything may use it; :mod:`.match` finds and applies rules at positions; :mod:`.graph`
builds the rule graph (an edge ``r1 → r2`` when ``r2`` can fire on what ``r1`` produces).

To add a rule: append a ``[[rule]]`` table to its family's file (or add a new ``<family>.toml``); the audit
refuses it, naming the file, the rule and the point, if it does not hold. Take Lean names only from
``shared/lean/lemmas.md`` and leave the field empty when unsure.
"""

from __future__ import annotations

from rpsdg.kinds.theorem.rules.model import Direction, Rule, RuleBook, RuleError
from rpsdg.kinds.theorem.rules.load import default_rulebook, load_rule_file, load_rulebook, rule_files

__all__ = ["Direction", "Rule", "RuleBook", "RuleError", "default_rulebook", "load_rule_file", "load_rulebook",
           "rule_files"]
