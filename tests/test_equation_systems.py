"""Systems solved with ``substitute``: generated items that use it pass every checker; a substitution whose
operand is not another equation ``var = expr`` of the system, or whose result is not that substitution into one
other equation, is rejected."""

from __future__ import annotations

import contextlib
import copy
import random

import pytest

from rpsdg.kinds.equation import check as check
from rpsdg.core import Dropped
from rpsdg.run.pipeline import candidate_row
from rpsdg.expr.parse import parse
from rpsdg.kinds import get_kind
from rpsdg.kinds.equation.generate import DEFAULT_LEVELS, EquationConfig

SPEC = get_kind("equation")
SYSTEMS = EquationConfig(levels={level: {**DEFAULT_LEVELS[level],
                                         "subkinds": ("system2",) if level < 4 else ("system3",)}
                                 for level in (2, 3, 4, 5)})


def _rows(count: int) -> list[dict]:
    rows = []
    for index in range(count):
        with contextlib.suppress(Dropped):
            rows.append(candidate_row(SPEC, SYSTEMS, 2 + index % 4, random.Random(f"system:{index}"), 0, index))
    return rows


ROWS = _rows(120)
SUBSTITUTED = [row for row in ROWS if any(step["rule"] == "substitute" for step in row["steps"])]


def _statuses(row: dict) -> dict[str, str]:
    return {v.checker: v.status for v in check.check_row(row)}


def test_generated_substitutions_pass_every_checker():
    assert len(SUBSTITUTED) >= 30
    assert any(row["subkind"] == "system3" for row in SUBSTITUTED)
    # both shapes: a value (y = 3) and an expression (x = 2*y + 1) substituted
    operands = [parse(s["operand"]) for row in SUBSTITUTED for s in row["steps"] if s["rule"] == "substitute"]
    assert any(o.args[1].free_symbols() for o in operands) and any(not o.args[1].free_symbols() for o in operands)
    for row in SUBSTITUTED:
        assert set(_statuses(row).values()) == {"passed"}, row["problem"]


HAND = {"uid": "hand", "problem": "Tuple(Eq(x + 2*y, 7), Eq(y, 3))", "answer": "FiniteSet(Tuple(1, 3))",
        "hypotheses": [],
        "steps": [{"rule": "substitute", "before": "Tuple(Eq(x + 2*y, 7), Eq(y, 3))",
                   "after": "Tuple(Eq(x + 6, 7), Eq(y, 3))", "operand": "Eq(y, 3)"},
                  {"rule": "subtract_both_sides", "before": "Tuple(Eq(x + 6, 7), Eq(y, 3))",
                   "after": "Tuple(Eq(x, 1), Eq(y, 3))", "operand": "6"}]}


def _hand(operand: str | None = None, after: str | None = None) -> dict:
    record = copy.deepcopy(HAND)
    if operand is not None:
        record["steps"][0]["operand"] = operand
    if after is not None:
        record["steps"][0]["after"] = record["steps"][1]["before"] = after
    return record


def test_the_hand_record_passes():
    assert set(_statuses(HAND).values()) == {"passed"}


@pytest.mark.parametrize("operand, why", [
    ("Eq(y, 4)", "not another equation"),           # a value the system does not state
    ("Eq(2*y, 6)", "var = expr"),                   # not solved for a variable
    ("Eq(3, y)", "var = expr"),                     # written the other way round
    ("", "var = expr"),                             # no source at all
])
def test_the_source_must_be_another_equation_solved_for_a_variable(operand, why):
    record = _hand(operand)
    record["steps"][0]["after"] = record["steps"][1]["before"] = (
        "Tuple(Eq(x + 8, 7), Eq(y, 3))" if operand == "Eq(y, 4)" else HAND["steps"][0]["after"])
    verdicts = {v.checker: v for v in check.check_row(record)}
    assert verdicts["replay"].status == "rejected" and why in verdicts["replay"].reason, verdicts["replay"]
    assert verdicts["numeric"].status == "rejected"


def _replay_of_substitution(problem: str, after: str, operand: str) -> check.Verdict:
    """The replay verdict of a one-step record that substitutes ``operand`` into ``problem``."""
    record = {"uid": "hand", "problem": problem, "answer": "FiniteSet(Tuple(1, 3))", "hypotheses": [],
              "steps": [{"rule": "substitute", "before": problem, "after": after, "operand": operand}]}
    return check.check_replay(check.parse_row(record))


def test_a_variable_on_both_sides_of_the_source_is_rejected():
    verdict = _replay_of_substitution("Tuple(Eq(x + 2*y, 7), Eq(y, 2*y - 3))",
                                      "Tuple(Eq(x + 4*y - 6, 7), Eq(y, 2*y - 3))", "Eq(y, 2*y - 3)")
    assert verdict.status == "rejected" and "both sides" in verdict.reason


def test_substituting_an_equation_into_itself_is_rejected():
    """``y = 3`` into itself gives ``3 = 3``: the system loses an equation (and its solutions grow)."""
    record = _hand(after="Tuple(Eq(x + 2*y, 7), Eq(3, 3))")
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected"


def test_the_result_must_be_the_substitution():
    for after in ("Tuple(Eq(x + 5, 7), Eq(y, 3))", "Tuple(Eq(x + 6, 8), Eq(y, 3))", "Tuple(Eq(x + 2*y, 6), Eq(y, 3))"):
        statuses = _statuses(_hand(after=after))
        assert statuses["replay"] == "rejected" and statuses["numeric"] == "rejected", after


def test_a_substitution_changes_exactly_one_equation():
    record = _hand(after="Tuple(Eq(x + 6, 7), Eq(y - 3, 0))")
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "exactly one equation" in verdict.reason


def test_the_target_must_contain_the_variable():
    verdict = _replay_of_substitution("Tuple(Eq(x, 1), Eq(y, 3))", "Tuple(Eq(x + 0, 1), Eq(y, 3))", "Eq(y, 3)")
    assert verdict.status == "rejected" and "no y" in verdict.reason


def test_substitute_is_a_system_rule():
    record = {"uid": "one", "problem": "Eq(x + 1, 3)", "answer": "FiniteSet(2)", "hypotheses": [],
              "steps": [{"rule": "substitute", "before": "Eq(x + 1, 3)", "after": "Eq(x, 2)", "operand": "Eq(x, 2)"}]}
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "unknown rule" in verdict.reason


def test_a_corrupted_generated_substitution_is_rejected():
    """Change the substituted value in the stored operand: it no longer is an equation of the system."""
    for row in SUBSTITUTED[:15]:
        broken = copy.deepcopy(row)
        index = next(i for i, s in enumerate(row["steps"]) if s["rule"] == "substitute")
        var, expr = parse(row["steps"][index]["operand"]).args
        broken["steps"][index]["operand"] = f"Eq({check._text(var)}, {check._text(expr)} + 1)"
        statuses = _statuses(broken)
        assert statuses["replay"] == "rejected" and statuses["numeric"] == "rejected"
