"""The equation kind's registration: one :class:`~rpsdg.kinds.KindSpec` whose hooks are all the rest of rpsdg
knows about equations."""

from __future__ import annotations


from rpsdg import __version__
from rpsdg.kinds.equation import check as equation_check
from rpsdg.kinds import KindSpec
from rpsdg.kinds.equation import score as equation_score
from rpsdg.kinds.equation.generate import EquationConfig, dedup_text
from rpsdg.kinds.equation.solve import generate
from rpsdg.kinds.equation.text import describe, renderings
from rpsdg.kinds.equation.lean import equation_proof, lean_equation
from rpsdg.lean.proof import LeanKind
from rpsdg.kinds.equation.rules import RULES

SPEC = KindSpec(
    name="equation",
    version=f"equation-{__version__}",
    config_type=EquationConfig,
    generate=generate,
    step_fields=(("rule", "string"), ("before", "string"), ("after", "string"), ("operand", "string"),
                 ("note", "string")),
    extra_fields=(("subkind", "string"), ("method", "string"), ("construction", "string")),
    dedup_text=dedup_text,
    checker_names=equation_check.NAMES,
    check=equation_check.check_each,
    renderings=renderings,
    describe=describe,
    rules=lambda: RULES,
    lean=LeanKind(renderer=lambda: lean_equation, proof=equation_proof),
    summary="invertible operations are applied to both sides of a solved form such as x = a (their inverses, last "
            "first, are kept as the construction); the stored steps are our own solver's teacher's solution",
    question=equation_score.question,
    reference_answer=equation_score.reference_answer,
    solution_text=equation_score.solution_text,
    score_answer=equation_score.score,
    grade_claim=equation_score.grade_claim,
)
