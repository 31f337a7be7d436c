"""The integral kind's registration: one :class:`~rpsdg.kinds.KindSpec` whose hooks are all the rest of rpsdg
knows about integrals."""

from __future__ import annotations


from rpsdg import __version__
from rpsdg.kinds.integral import check as integral_check
from rpsdg.kinds.integral import score as integral_score
from rpsdg.kinds import KindSpec
from rpsdg.kinds.integral.generate import IntegralConfig, dedup_text, generate
from rpsdg.kinds.integral.text import describe, length_stats, renderings, step_formulas
from rpsdg.kinds.integral.lean import integral_proof, lean_integral
from rpsdg.lean.proof import LeanKind
from rpsdg.kinds.integral.rules import RULES
from rpsdg.kinds.integral.fingerprint import value_key

SPEC = KindSpec(
    name="integral",
    version=f"integral-{__version__}",
    config_type=IntegralConfig,
    generate=generate,
    step_fields=(("rule", "string"), ("integrand", "string"), ("antiderivative", "string"),
                 ("parts", "int_list"), ("substitution", "string"), ("factor", "string"),
                 ("du", "string")),
    extra_fields=(("answer_prefix", "string"), ("direction", "string")),
    dedup_text=dedup_text,
    checker_names=integral_check.NAMES,
    check=integral_check.check_row,
    renderings=renderings,
    describe=describe,
    rules=lambda: RULES,
    lean=LeanKind(renderer=lambda: lean_integral, proof=integral_proof),
    summary="a random function F is differentiated rule by rule; the derivation, reversed, is the worked solution "
            "of the integral of F'",
    seq2seq_source_prefix="sub Y'",
    step_result_field="antiderivative",
    step_input_field="integrand",
    step_check=integral_check.check_row_numeric,
    step_check_name="numeric",
    question=integral_score.question,
    reference_answer=integral_score.reference_answer,
    solution_text=integral_score.solution_text,
    score_answer=integral_score.score,
    grade_claim=integral_score.grade_claim,
    record_stats=length_stats,
    step_formulas=step_formulas,
    value_key=value_key,
)
