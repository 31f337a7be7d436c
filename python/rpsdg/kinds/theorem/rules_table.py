"""The theorem kind's rule table: the rule files themselves (``rules/*.toml``), each rule named once there, seen
as :class:`~rpsdg.core.RuleInfo` rows like every other kind's table.

A rewrite rule's words are its own equation ("use a + b = b + a"), its check is the replay of that equation at
the recorded position, and its Lean proof the rule's ``lean_int``/``lean_real`` term. To add a rule, add it to a
rule file (see ``rules/__init__.py``).
"""

from __future__ import annotations

from rpsdg.core import RuleInfo
from rpsdg.expr.printers import to_infix
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.model import Rule


def rule_info(rule: Rule) -> RuleInfo:
    """One rule file entry as a table row."""
    conditions = ", ".join(to_infix(c) for c in rule.conditions)
    words = f"use {to_infix(rule.lhs)} = {to_infix(rule.rhs)}" + (f" (where {conditions})" if conditions else "")
    lean = "; ".join(f"{dialect}: {term}" for dialect, term in (("int", rule.lean_int), ("real", rule.lean_real))
                     if term) or "not rendered: no lean_int/lean_real term with a pinned lemma"
    return RuleInfo(rule.name, words, "the step rewrites an instance of one side into the other at its path under "
                    "its substitution; every condition is a hypothesis", lean)


def rules() -> tuple[RuleInfo, ...]:
    """The shipped rule files' rules, in file order."""
    return tuple(rule_info(rule) for rule in default_rulebook().rules)
