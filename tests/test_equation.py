"""The equation kind: every generated item passes its checkers; corrupted records are rejected; bad configs fail
clearly (exit code 2 through the CLI)."""

from __future__ import annotations

import contextlib
import copy
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rpsdg.kinds.equation import check as check
from rpsdg.cli import app
from rpsdg.core import Dropped
from rpsdg.run.pipeline import candidate_row
from rpsdg.errors import ConfigError
from rpsdg.expr.parse import parse
from rpsdg.expr.tree import Expr, add, num
from rpsdg.kinds import get_kind
from rpsdg.kinds.equation.generate import DEFAULT_LEVELS, SUBKINDS, EquationConfig

SPEC = get_kind("equation")
CONFIG = EquationConfig()


def _rows(level: int, count: int, tag: str = "t") -> list[dict]:
    rows = []
    for index in range(count):
        with contextlib.suppress(Dropped):
            rows.append(candidate_row(SPEC, CONFIG, level, random.Random(f"{tag}:{level}:{index}"), 0, index))
    return rows


ROWS = {level: _rows(level, 40) for level in DEFAULT_LEVELS}


def _statuses(row: dict) -> dict[str, str]:
    return {v.checker: v.status for v in check.check_row(row)}


@pytest.mark.parametrize("level", sorted(DEFAULT_LEVELS))
def test_every_generated_item_passes_its_checkers(level):
    rows = ROWS[level]
    assert len(rows) >= 30, f"level {level}: only {len(rows)} of 40 candidates survived generation"
    for row in rows:
        verdicts = check.check_row(row)
        assert [v.checker for v in verdicts] == list(check.NAMES)
        assert verdicts[0].status == "passed", (row["problem"], verdicts[0])
        assert verdicts[2].status == "passed", (row["problem"], verdicts[2])
        assert verdicts[1].status in ("passed", "not_run"), (row["problem"], verdicts[1])


def test_levels_cover_every_subkind():
    seen = {row["subkind"] for rows in ROWS.values() for row in rows}
    assert seen == set(SUBKINDS)


def test_record_format():
    for rows in ROWS.values():
        for row in rows:
            problem = parse(row["problem"])
            assert problem.op in ("eq", "tuple")
            assert row["problem"].startswith(("Eq(", "Tuple(Eq("))
            assert row["answer"].startswith("FiniteSet(")
            assert set(row["steps"][0]) == {"rule", "before", "after", "operand", "note"}
            assert row["steps"][0]["before"] == row["problem"]
            assert all(step["rule"] in check.RULES for step in row["steps"])


def test_record_texts_mean_to_sympy_what_they_mean_to_us():
    """The public format promises SymPy-readable text: ``sympify`` of our own printed records (never of input)
    gives the objects our parser reads, relations and sets unevaluated."""
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    for row in _all_rows():
        texts = [row["problem"], row["answer"], *row["hypotheses"]]
        texts += [step[field] for step in row["steps"] for field in ("after", "operand") if step[field]]
        for text in texts:
            assert sympy.sympify(text) == to_sympy(parse(text), real=False), text


def test_rational_excluded_values_are_hypotheses_and_never_answers():
    rational = [row for rows in ROWS.values() for row in rows if row["subkind"] == "rational"]
    assert rational
    for row in rational:
        assert row["hypotheses"] and all(h.startswith("Ne(") for h in row["hypotheses"])
        answer = parse(row["answer"])
        for text in row["hypotheses"]:
            hypothesis = parse(text)
            for value in answer.args:
                assert check._hypothesis_holds(hypothesis, {"x": value}) is True


def test_extraneous_roots_are_removed_by_a_recorded_division():
    found = 0
    for level in (4, 5):
        for row in ROWS[level] + _rows(level, 60, "extra"):
            divisions = [s for s in row["steps"] if s["rule"] == "divide_both_sides" and "x" in s["operand"]]
            if divisions and row["subkind"] in ("rational", "logarithmic"):
                found += 1
                assert _statuses(row)["replay"] == "passed"
                broken = copy.deepcopy(row)
                broken["hypotheses"] = []
                assert _statuses(broken)["replay"] == "rejected"
    assert found


def test_polynomial_degree_matches_multiplicities():
    polynomials = [row for rows in ROWS.values() for row in rows if row["subkind"] in ("polynomial", "quadratic")]
    assert polynomials
    for row in polynomials:
        factor_steps = [s for s in row["steps"] if s["rule"] in ("factor", "quadratic_formula")]
        assert factor_steps
        record = check.parse_row(row)
        assert check._degree_problem(record) is None


def _all_rows() -> list[dict]:
    return [row for level in sorted(ROWS) for row in ROWS[level]]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_changed_number_in_a_step_is_rejected(data):
    rows = _all_rows()
    row = copy.deepcopy(rows[data.draw(st.integers(0, len(rows) - 1))])
    index = data.draw(st.integers(0, len(row["steps"]) - 1))
    after = row["steps"][index]["after"]
    digits = [i for i, ch in enumerate(after) if ch.isdigit()]
    if not digits:
        return
    at = data.draw(st.sampled_from(digits))
    changed = after[:at] + str((int(after[at]) + data.draw(st.integers(1, 8))) % 10) + after[at + 1:]
    row["steps"][index]["after"] = changed
    if index + 1 < len(row["steps"]):
        row["steps"][index + 1]["before"] = changed
    statuses = _statuses(row)
    if not _same_equation(after, changed):
        assert statuses["replay"] == "rejected", (row["steps"][index], changed)
        assert statuses["numeric"] == "rejected", (row["steps"][index], changed)


def _same_equation(a: str, b: str) -> bool:
    """Whether two stored equations have identical sides (a digit change inside e.g. ``x**1`` can keep them)."""
    ea, eb = parse(a), parse(b)
    parts_a = ea.args if ea.op == "tuple" else (ea,)
    parts_b = eb.args if eb.op == "tuple" else (eb,)
    return all(check.identical(p.args[0], q.args[0]) and check.identical(p.args[1], q.args[1])
               for p, q in zip(parts_a, parts_b))


def _first(subkind: str, level: int | None = None) -> dict:
    for lv, rows in sorted(ROWS.items()):
        for row in rows:
            if row["subkind"] == subkind and (level is None or lv == level):
                return copy.deepcopy(row)
    raise LookupError(subkind)


def test_wrong_answer_is_rejected_by_every_checker():
    row = _first("linear")
    answer = parse(row["answer"]).args[0]
    row["answer"] = f"FiniteSet({check._text(answer)} + 1)"
    assert set(_statuses(row).values()) == {"rejected"}


def test_missing_root_is_rejected():
    row = _first("polynomial")
    answer = parse(row["answer"])
    row["answer"] = "FiniteSet(" + ", ".join(check._text(a) for a in answer.args[:-1]) + ")"
    statuses = _statuses(row)
    assert statuses["replay"] == "rejected"
    assert statuses["numeric"] == "rejected"


def test_extra_root_is_rejected():
    row = _first("quadratic")
    row["answer"] = row["answer"][:-1] + ", 1000)"
    statuses = _statuses(row)
    assert statuses["replay"] == "rejected" and statuses["symbolic"] == "rejected"


def test_offering_an_excluded_value_is_rejected():
    row = _first("rational")
    excluded = parse(row["hypotheses"][0]).args[0]  # Ne(x - e, 0): the root of x - e is excluded
    value = check.exact_value(check._substitute(excluded, {"x": parse("0")}))
    row["answer"] = f"FiniteSet({check._text(parse(row['answer']).args[0])}, {-value})"
    statuses = _statuses(row)
    assert statuses["replay"] == "rejected"
    assert statuses["symbolic"] == "rejected"


def test_division_by_a_variable_expression_needs_a_recorded_condition():
    record = {"uid": "u", "problem": "Eq(x*(x - 1), 2*x)", "answer": "FiniteSet(3)", "hypotheses": [],
              "steps": [{"rule": "divide_both_sides", "before": "Eq(x*(x - 1), 2*x)", "after": "Eq(x - 1, 2)",
                         "operand": "x"},
                        {"rule": "add_both_sides", "before": "Eq(x - 1, 2)", "after": "Eq(x, 3)", "operand": "1"}]}
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "may vanish" in verdict.reason
    # recording x ≠ 0 would hide the real root 0: a hypothesis must be a domain condition of the problem
    record["hypotheses"] = ["Ne(x, 0)"]
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "not a domain condition" in verdict.reason


def test_clearing_a_recorded_denominator_passes():
    record = {"uid": "u", "problem": "Eq(6/x, 2)", "answer": "FiniteSet(3)", "hypotheses": ["Ne(x, 0)"],
              "steps": [{"rule": "clear_denominators", "before": "Eq(6/x, 2)", "after": "Eq(6, 2*x)", "operand": "x"},
                        {"rule": "divide_both_sides", "before": "Eq(6, 2*x)", "after": "Eq(3, x)", "operand": "2"},
                        {"rule": "swap_sides", "before": "Eq(3, x)", "after": "Eq(x, 3)", "operand": ""}]}
    assert {v.status for v in check.check_row(record)} == {"passed"}
    record["hypotheses"] = []
    assert check.check_replay(check.parse_row(record)).status == "rejected"


def test_an_excluded_value_as_the_final_solution_is_rejected():
    record = {"uid": "u", "problem": "Eq(x/(x - 2), 2/(x - 2))", "answer": "FiniteSet(2)",
              "hypotheses": ["Ne(x - 2, 0)"],
              "steps": [{"rule": "clear_denominators", "before": "Eq(x/(x - 2), 2/(x - 2))", "after": "Eq(x, 2)",
                         "operand": "x - 2"}]}
    verdicts = {v.checker: v for v in check.check_row(record)}
    assert verdicts["replay"].status == "rejected" and "breaks the hypothesis" in verdicts["replay"].reason
    assert verdicts["symbolic"].status == "rejected" and verdicts["numeric"].status == "rejected"


def test_log_of_a_side_that_may_be_negative_is_rejected():
    record = {"uid": "u", "problem": "Eq(x, 2)", "answer": "FiniteSet(2)", "hypotheses": [],
              "steps": [{"rule": "apply_log", "before": "Eq(x, 2)", "after": "Eq(log(x), log(2))", "operand": ""},
                        {"rule": "apply_exp", "before": "Eq(log(x), log(2))", "after": "Eq(x, 2)", "operand": ""}]}
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected"


def test_squaring_needs_the_sign_condition():
    """sqrt(x + 7) = x + 1 squared gives x + 7 = (x + 1)**2, which also has the root -3 where x + 1 < 0."""
    record = {"uid": "u", "problem": "Eq(sqrt(x + 7), x + 1)", "answer": "FiniteSet(2)",
              "hypotheses": ["x + 7 >= 0"],
              "steps": [{"rule": "square_both_sides", "before": "Eq(sqrt(x + 7), x + 1)",
                         "after": "Eq(x + 7, (x + 1)**2)", "operand": ""}]}
    verdict = check.check_replay(check.parse_row(record))
    assert verdict.status == "rejected" and "sign condition" in verdict.reason
    generated = next(row for rows in ROWS.values() for row in rows
                     if any(s["rule"] == "square_both_sides" for s in row["steps"]))
    assert {v.status for v in check.check_row(generated)} == {"passed"}
    assert any(h.endswith(">= 0") for h in generated["hypotheses"])


def test_only_odd_roots_may_be_taken():
    record = {"uid": "u", "problem": "Eq(x**2, 4)", "answer": "FiniteSet(2)", "hypotheses": [],
              "steps": [{"rule": "take_odd_root", "before": "Eq(x**2, 4)", "after": "Eq(x, 2)", "operand": "2"}]}
    assert check.check_replay(check.parse_row(record)).status == "rejected"
    record = {"uid": "u", "problem": "Eq((2*x + 1)**3, -27)", "answer": "FiniteSet(-2)", "hypotheses": [],
              "steps": [{"rule": "take_odd_root", "before": "Eq((2*x + 1)**3, -27)", "after": "Eq(2*x + 1, -3)",
                         "operand": "3"},
                        {"rule": "subtract_both_sides", "before": "Eq(2*x + 1, -3)", "after": "Eq(2*x, -4)",
                         "operand": "1"},
                        {"rule": "divide_both_sides", "before": "Eq(2*x, -4)", "after": "Eq(x, -2)", "operand": "2"}]}
    assert {v.status for v in check.check_row(record)} == {"passed"}


def test_unknown_rule_and_broken_chain_are_rejected():
    row = _first("linear")
    bad_rule = copy.deepcopy(row)
    bad_rule["steps"][0]["rule"] = "cube_both_sides"
    assert _statuses(bad_rule)["replay"] == "rejected"
    broken = copy.deepcopy(row)
    broken["steps"][0]["before"] = "Eq(x, 12345)"
    assert _statuses(broken)["replay"] == "rejected"


def test_system_step_must_use_a_multiple_of_another_equation():
    row = next(copy.deepcopy(r) for rows in ROWS.values() for r in rows  # a system solved by elimination
               if r["subkind"].startswith("system") and any(s["rule"] == "eliminate" for s in r["steps"]))
    step = next(i for i, s in enumerate(row["steps"]) if s["rule"] == "eliminate")
    lhs, rhs = parse(row["steps"][step]["operand"]).args
    row["steps"][step]["operand"] = check._text(Expr("eq", (lhs, add(rhs, num(1)))))
    assert _statuses(row)["replay"] == "rejected"


def test_malformed_record_fails_every_checker():
    row = _first("linear")
    row["problem"] = "Eq(x +, 1)"
    assert set(_statuses(row).values()) == {"rejected"}


def test_generation_is_deterministic():
    assert _rows(3, 10, "d") == _rows(3, 10, "d")


@pytest.mark.parametrize("bad, message", [
    ({"levels": {1: {"operations": (0, 0), "coefficients": 5, "subkinds": ("linear",)}}}, "at least one operation"),
    ({"levels": {1: {"operations": (1, 2), "coefficients": 5, "subkinds": ("cubic_spline",)}}}, "unknown"),
    ({"levels": {1: {"operations": (1, 2), "coefficients": 1, "subkinds": ("linear",)}}}, "coefficients"),
    ({"levels": {1: {"operations": (1, 2), "subkinds": ("linear",)}}}, "missing"),
    ({"max_degree": 9}, "supported range"),
    ({"max_degree": 1}, "supported range"),
])
def test_impossible_configs_raise_config_error(bad, message):
    with pytest.raises(ConfigError, match=message):
        EquationConfig(**bad)


def test_unconfigured_level_is_a_config_error():
    config = EquationConfig(levels={1: DEFAULT_LEVELS[1]})
    with pytest.raises(ConfigError, match="no level 3"):
        SPEC.generate(config, 3, random.Random(0))


runner = CliRunner()


@pytest.mark.parametrize("toml, message", [
    ("[equation]\nmax_degree = 12\n", "supported range"),
    ("[equation.levels.1]\noperations = [0, 0]\ncoefficients = 5\nsubkinds = ['linear']\n", "operation"),
    ("[equation.levels.1]\noperations = [1, 2]\ncoefficients = 5\nsubkinds = ['nope']\n", "sub-kind"),
    ("[equation]\ncolour = 3\n", "unknown key"),
])
def test_cli_refuses_impossible_configs_with_exit_2(tmp_path: Path, toml, message):
    config = tmp_path / "gen.toml"
    config.write_text(toml)
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "--kind", "equation", "--count", "5", "--levels", "1", "--out", str(out),
                                 "--config", str(config)])
    assert result.exit_code == 2
    assert message in result.output
    assert f"{config} [equation]" in " ".join(result.output.split()), "the message names the file and its table"
    assert not out.exists()


def test_cli_build_and_check_round_trip(tmp_path: Path):
    out = tmp_path / "corpus"
    result = runner.invoke(app, ["build", "--kind", "equation", "--count", "30", "--levels", "1-5", "--seed", "3",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["records"] == 30 and manifest["kind"] == "equation"
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0
    listed = runner.invoke(app, ["show", str(out), "--list"])
    uid = listed.output.split()[0]
    shown = runner.invoke(app, ["show", str(out), uid])
    assert shown.exit_code == 0 and "Answer: FiniteSet(" in shown.output


def test_a_record_of_the_wrong_shape_is_refused_naming_the_field():
    """``_validate_shapes``: text that parses but is not an equation record's shape, each with the field named."""
    from rpsdg.expr.parse import ParseError

    row = _first("linear")
    uid = row["uid"][:12]
    cases = []
    broken = copy.deepcopy(row)
    broken["steps"][0]["before"] = "x + 1"
    cases.append((broken, f"record {uid}: step 0 before must be 1 equation(s) Eq(lhs, rhs) like the problem"))
    broken = copy.deepcopy(row)
    broken["steps"][0]["operand"] = "y"
    cases.append((broken, f"record {uid}: step 0 operand uses the variable 'y', which is not allowed there"))
    broken = copy.deepcopy(row)
    broken["problem"] = "Eq(x, FiniteSet(1))"
    cases.append((broken, f"record {uid}: problem contains set; expected an arithmetic expression"))
    broken = copy.deepcopy(row)
    broken["problem"] = "Eq(x, y)"
    cases.append((broken, f"record {uid}: problem uses the variable 'y', which is not allowed there"))
    broken = copy.deepcopy(row)
    broken["answer"] = "FiniteSet(x)"
    cases.append((broken, f"record {uid}: a solution value uses the variable 'x', which is not allowed there"))
    broken = copy.deepcopy(row)
    broken["hypotheses"] = ["x + 1"]
    cases.append((broken, f"record {uid}: hypothesis add is not a relation"))
    for record, message in cases:
        with pytest.raises(ParseError) as raised:
            check.parse_row(record)
        assert str(raised.value) == message
