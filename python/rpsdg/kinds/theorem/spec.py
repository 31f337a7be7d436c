"""The theorem kind's registration: one :class:`~rpsdg.kinds.KindSpec` whose hooks are all the rest of rpsdg
knows about theorems."""

from __future__ import annotations


from rpsdg import __version__
from rpsdg.kinds.theorem import check as theorem_check
from rpsdg.kinds import KindSpec
from rpsdg.kinds.theorem import score as theorem_score
from rpsdg.kinds.theorem.generate import TheoremConfig, dedup_text, generate
from rpsdg.kinds.theorem.text import describe, renderings
from rpsdg.kinds.theorem.lean import lean_theorem, load_rule_terms, theorem_proof
from rpsdg.lean.proof import LeanKind
from rpsdg.kinds.theorem.rules_table import rules

def lean_renderer():
    """A renderer for one run: the rule files' Lean terms are read once."""
    terms = load_rule_terms()
    return lambda row: lean_theorem(row, terms)


def commands():
    """``rpsdg rules ...``: list the rewrite rules and export their graph (imported only when the CLI starts)."""
    from rpsdg.kinds.theorem.cli import HELP, NAME, app

    return NAME, HELP, app


SPEC = KindSpec(
    name="theorem",
    version=f"theorem-{__version__}",
    config_type=TheoremConfig,
    generate=generate,
    step_fields=(("rule", "string"), ("direction", "string"), ("path", "int_list"), ("substitution", "string"),
                 ("before", "string"), ("after", "string")),
    extra_fields=(("proof_length", "int"), ("shortest_found", "int"), ("domain", "string"), ("ring_closable", "int"),
                  ("walk", "string")),
    dedup_text=dedup_text,
    checker_names=theorem_check.NAMES,
    symbolic_checkers=("replay",),  # exact re-application of every rule is a symbolic proof
    check=theorem_check.check_each,
    renderings=renderings,
    describe=describe,
    rules=rules,
    lean=LeanKind(renderer=lean_renderer, proof=theorem_proof),
    summary="a random walk applies audited rewrite rules to a start expression; start = end is the theorem and "
            "the walk (shortened where a shorter proof is found) its proof",
    novel_split="rule_combination",
    commands=commands,
    question=theorem_score.question,
    reference_answer=theorem_score.reference_answer,
    solution_text=theorem_score.solution_text,
    score_answer=theorem_score.score,
    grade_claim=theorem_score.grade_claim,
)
