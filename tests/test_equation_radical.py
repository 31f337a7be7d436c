"""Radical equations ``sqrt(a*x + b) = p*x + q``: the answer is exactly the solution set (checked here, in tests
only, against SymPy's solveset and a grid of values), the extraneous root of the squared equation is never offered,
and every checker rejects records that offer it, drop the sign condition or record one the equation does not
imply."""

from __future__ import annotations

import contextlib
import copy
import random

import pytest
import sympy

from rpsdg.kinds.equation import check as check
from rpsdg.core import Dropped
from rpsdg.run.pipeline import candidate_row
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction, from_text
from rpsdg.expr.sympy_bridge import to_sympy
from rpsdg.expr.tree import num
from rpsdg.kinds import get_kind
from rpsdg.kinds.equation.generate import DEFAULT_LEVELS, EquationConfig

SPEC = get_kind("equation")
RADICAL_ONLY = EquationConfig(levels={level: {**DEFAULT_LEVELS[level], "subkinds": ("radical",)} for level in (4, 5)})


def _squared_rows(count: int) -> list[dict]:
    """Generated ``radical`` rows whose squaring step records a sign condition."""
    rows = []
    for index in range(count):
        with contextlib.suppress(Dropped):
            row = candidate_row(SPEC, RADICAL_ONLY, 4 + index % 2, random.Random(f"radical:{index}"), 0, index)
            if _square_index(row) is not None:
                rows.append(row)
    return rows


def _square_index(row: dict) -> int | None:
    return next((i for i, s in enumerate(row["steps"]) if s["rule"] == "square_both_sides" and s["operand"]), None)


ROWS = _squared_rows(160)


def _statuses(row: dict) -> dict[str, str]:
    return {v.checker: v.status for v in check.check_row(row)}


def _with_extraneous(rows: list[dict]) -> list[dict]:
    return [r for r in rows if any(s["rule"] == "divide_both_sides" and "x" in s["operand"] for s in r["steps"])]


def _roots_of_square(row: dict) -> tuple[list[Fraction], Fraction]:
    """The real roots of the squared equation ``u = v**2`` and the condition's side ``v`` as a function."""
    step = row["steps"][_square_index(row)]
    u, v2 = parse(step["after"]).args
    x = sympy.Symbol("x", real=True)
    roots = sorted(from_text(str(r)) for r in sympy.solve(to_sympy(u) - to_sympy(v2), x))
    return roots, parse(step["operand"]).args[0]


def test_enough_items_of_both_shapes():
    assert len(ROWS) >= 50
    assert len(_with_extraneous(ROWS)) >= 20
    assert any(len(parse(r["answer"]).args) == 2 for r in ROWS)


def test_honest_records_pass_every_checker():
    for row in ROWS:
        statuses = _statuses(row)
        assert statuses["replay"] == "passed" and statuses["numeric"] == "passed", (row["problem"], statuses)
        assert statuses["symbolic"] in ("passed", "not_run"), (row["problem"], statuses)


def test_answer_is_exactly_the_solution_set():
    """SymPy's solveset over the reals, and a grid of rationals where the two sides agree only at the answers."""
    x = sympy.Symbol("x", real=True)
    for row in ROWS:
        problem = parse(row["problem"])
        left, right = (to_sympy(side) for side in problem.args)
        answer = {sympy.Rational(str(a)) for a in (check.exact_value(e) for e in parse(row["answer"]).args)}
        assert set(sympy.solveset(sympy.Eq(left, right), x, sympy.S.Reals)) == answer, row["problem"]
        difference = sympy.lambdify(x, left - right, "math")
        inside = [sympy.lambdify(x, to_sympy(parse(h)), "math") for h in row["hypotheses"]]
        for k in range(-200, 201):
            value = k / 4
            if all(condition(value) for condition in inside):
                assert (abs(difference(value)) < 1e-9) == (sympy.Rational(k, 4) in answer), (row["problem"], value)


def test_the_extraneous_root_is_never_offered():
    for row in _with_extraneous(ROWS):
        roots, v = _roots_of_square(row)
        answer = [check.exact_value(e) for e in parse(row["answer"]).args]
        extraneous = [r for r in roots if check.exact_value(check._substitute(v, {"x": num(r)})) < 0]
        assert len(extraneous) == 1 and extraneous[0] not in answer


def _extraneous_root(row: dict) -> Fraction:
    roots, v = _roots_of_square(row)
    return next(r for r in roots if check.exact_value(check._substitute(v, {"x": num(r)})) < 0)


def test_offering_the_extraneous_root_is_rejected_by_every_checker():
    for row in _with_extraneous(ROWS)[:10]:
        broken = copy.deepcopy(row)
        broken["answer"] = broken["answer"][:-1] + f", {_extraneous_root(row)})"
        assert set(_statuses(broken).values()) == {"rejected"}, broken["answer"]


def test_keeping_the_extraneous_root_to_the_end_is_rejected():
    """Stop at the factored square and offer both of its roots: the recorded condition excludes one."""
    for row in _with_extraneous(ROWS)[:10]:
        broken = copy.deepcopy(row)
        cut = next(i for i, s in enumerate(row["steps"]) if s["rule"] == "factor")
        broken["steps"] = broken["steps"][:cut + 1]
        roots, _ = _roots_of_square(row)
        broken["answer"] = "FiniteSet(" + ", ".join(str(r) for r in roots) + ")"
        verdicts = {v.checker: v for v in check.check_row(broken)}
        assert verdicts["replay"].status == "rejected" and "breaks" in verdicts["replay"].reason
        assert verdicts["symbolic"].status == "rejected" and verdicts["numeric"].status == "rejected"
        # and offering only the true root from the factored form misses the other factor's root
        broken["answer"] = row["answer"]
        assert _statuses(broken)["replay"] == "rejected"


def test_squaring_without_the_condition_is_rejected():
    """Where a root is extraneous the domain cannot imply the condition (where it does, as ``10*x + 54 >= 0``
    for ``x + 7``, squaring without it is sound and passes)."""
    for row in _with_extraneous(ROWS)[:10]:
        broken = copy.deepcopy(row)
        broken["steps"][_square_index(row)]["operand"] = ""
        verdicts = {v.checker: v for v in check.check_row(broken)}
        for name in ("replay", "numeric"):
            assert verdicts[name].status == "rejected" and "sign condition" in verdicts[name].reason


@pytest.mark.parametrize("condition", ["x + 5 >= 0", "x - 100 >= 0", "sqrt(x + 7) >= 0", "x + 1 > 0",
                                       "x + 1"])
def test_a_condition_the_equation_does_not_imply_is_rejected(condition):
    """Only ``side >= 0`` for the side facing the square root: anything stronger or different could hide roots."""
    record = copy.deepcopy(HAND)
    record["steps"][0]["operand"] = condition
    statuses = _statuses(record)
    assert statuses["replay"] == "rejected" and statuses["numeric"] == "rejected"


def test_the_condition_is_no_hypothesis():
    """Written as a hypothesis (not derived from the equation) it is refused: hypotheses are domain conditions."""
    record = copy.deepcopy(HAND)
    record["hypotheses"].append("x + 1 >= 0")
    record["steps"][0]["operand"] = ""
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "not a domain condition" in verdict.reason


def test_dividing_out_the_extraneous_factor_needs_the_condition():
    """``x + 3`` may vanish on the domain ``x + 7 >= 0``; only the recorded ``x + 1 >= 0`` keeps it non-zero."""
    assert {v.status for v in check.check_row(HAND)} == {"passed"}
    record = copy.deepcopy(HAND)
    record["problem"] = record["steps"][0]["after"]
    record["hypotheses"] = []
    del record["steps"][0]
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "may vanish" in verdict.reason


def test_dropping_a_true_root_is_rejected():
    two = [r for r in ROWS if len(parse(r["answer"]).args) == 2]
    for row in two[:10]:
        answer = parse(row["answer"]).args
        _, v = _roots_of_square(row)
        # keep the root where v = 0 (a touching root the sign-change scan cannot see), drop an inner one
        inner = [e for e in answer if check.exact_value(check._substitute(v, {"x": e})) > 0]
        kept = [check._text(e) for e in answer if e != inner[0]]
        broken = copy.deepcopy(row)
        broken["answer"] = "FiniteSet(" + ", ".join(kept) + ")"
        statuses = _statuses(broken)
        assert statuses["replay"] == "rejected" and statuses["numeric"] == "rejected", broken["problem"]


HAND = {"uid": "hand", "problem": "Eq(sqrt(x + 7), x + 1)", "answer": "FiniteSet(2)", "hypotheses": ["x + 7 >= 0"],
        "steps": [
            {"rule": "square_both_sides", "before": "Eq(sqrt(x + 7), x + 1)", "after": "Eq(x + 7, (x + 1)**2)",
             "operand": "x + 1 >= 0"},
            {"rule": "expand", "before": "Eq(x + 7, (x + 1)**2)", "after": "Eq(x + 7, x**2 + 2*x + 1)", "operand": ""},
            {"rule": "subtract_both_sides", "before": "Eq(x + 7, x**2 + 2*x + 1)", "after": "Eq(0, x**2 + x - 6)",
             "operand": "x + 7"},
            {"rule": "swap_sides", "before": "Eq(0, x**2 + x - 6)", "after": "Eq(x**2 + x - 6, 0)", "operand": ""},
            {"rule": "factor", "before": "Eq(x**2 + x - 6, 0)", "after": "Eq((x - 2)*(x + 3), 0)", "operand": ""},
            {"rule": "divide_both_sides", "before": "Eq((x - 2)*(x + 3), 0)", "after": "Eq(x - 2, 0)",
             "operand": "x + 3"},
            {"rule": "add_both_sides", "before": "Eq(x - 2, 0)", "after": "Eq(x, 2)", "operand": "2"}]}
