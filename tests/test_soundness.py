"""Soundness over the reals (issue 11): rules, the domain reasoner and every kind's records, as property tests.

* every shipped rule, with its variables bound to random terms (partial ones included) at random points where its
  instantiated conditions hold: both sides are defined together and agree;
* the rule audit refuses unsound rules (``sqrt(a*b) = sqrt(a)*sqrt(b)``, log_mul with only ``≠ 0``, erasing rules
  without ``total``), naming the rule and the point;
* ``maths.domain``: ``implies`` never claims a condition that fails at a point where the hypotheses hold;
  ``natural_conditions`` holding means the expression is defined, and an expression that is defined satisfies them;
* generated records of every kind: at random points where the hypotheses hold, every expression is defined;
* checkers reject a deleted integral hypothesis, a hostile theorem answer, degenerate items and relabelled steps.
"""

from __future__ import annotations

import copy
import math
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st

from rpsdg.expr.evaluate import OutsideDomain, compile_expr, holds
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, num, sym
from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.load import load_rule_file
from rpsdg.kinds.theorem.rules.match import Unstable, admissible, instantiate
from rpsdg.kinds.theorem.rules.model import FORWARD, RuleError
from rpsdg.maths.domain import facts_of, implies, is_total, natural_conditions
from rpsdg.run.pipeline import produce

BOOK = default_rulebook()
RULE_NAMES = sorted(BOOK.by_name)
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- random terms ----------------------------------------------------------------------------------------------

LEAVES = st.one_of(st.sampled_from([sym("x"), sym("y")]), st.integers(-3, 3).map(num))
UNARY = ("log", "sqrt", "exp", "sin", "cos", "tan", "atan", "asin", "acosh", "atanh", "neg")
BINARY = ("add", "sub", "mul", "div")


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: Expr(t[0], (t[1],)))
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(lambda t: Expr(t[0], (t[1], t[2])))
    square = children.map(lambda c: Expr("pow", (c, num(2))))
    return st.one_of(unary, binary, square)


TERMS = st.recursive(LEAVES, _extend, max_leaves=5)
COORDINATE = st.just(0.0) | st.floats(1e-6, 4) | st.floats(-4, -1e-6)
"""0 or at least 1e-6 in size: a smaller coordinate's square or product can underflow to 0.0 (y = -7.6e-307 gave
y**2 == 0.0, so y < 0 seemed not to imply y**2 > 0), which is float arithmetic, not the domain reasoner."""
POINT = st.fixed_dictionaries({"x": COORDINATE, "y": COORDINATE})


def _value(e: Expr, point) -> float | None:
    try:
        return compile_expr(e)(point)
    except (OutsideDomain, OverflowError):
        return None


def _overflows(e: Expr, point) -> bool:
    """Whether evaluating ``e`` at ``point`` leaves the floats (``exp(6561)``): then its definedness in floats says
    nothing about its definedness over the reals. The evaluator reports an overflow as ``OutsideDomain`` with
    Python's own words for it ("math range error", "Numerical result out of range") or as a non-finite value."""
    try:
        compile_expr(e)(point)
    except OverflowError:
        return True
    except OutsideDomain as error:
        return "range" in str(error) or "non-finite" in str(error)
    return False


# -- rules --------------------------------------------------------------------------------------------------------

@SETTINGS
@given(name=st.sampled_from(RULE_NAMES), terms=st.lists(TERMS, min_size=4, max_size=4), point=POINT)
@example(name="exp_neg", terms=[parse("((y**2)**2)**2")] + [sym("x")] * 3, point={"x": 0.0, "y": 3.0})  # exp overflows
def test_every_rule_keeps_definedness_and_value(name, terms, point):
    rule = BOOK.by_name[name]
    assume("real" in rule.domain)
    binding = dict(zip(rule.variables, terms))
    direction = BOOK.directions[(name, FORWARD)]
    assume(admissible(direction, binding))
    try:
        conditions = [instantiate(c, binding) for c in rule.conditions]
        lhs, rhs = instantiate(rule.lhs, binding), instantiate(rule.rhs, binding)
    except Unstable:  # -(0) and the like: the generator never takes such a step
        assume(False)
    assume(all(holds(c, point) for c in conditions))
    assume(not _overflows(lhs, point) and not _overflows(rhs, point))  # exp(-6561) is 0.0, 1/exp(6561) overflows
    left, right = _value(lhs, point), _value(rhs, point)
    # overflow aside (exp of a huge value), definedness must agree and values must match
    assume(all(v is None or abs(v) < 1e8 for v in (left, right)))
    big = [t for t in terms if _value(t, point) is not None and abs(_value(t, point)) > 1e6]
    assume(not big)
    assert (left is None) == (right is None), (name, binding, point)
    if left is not None:
        assert math.isclose(left, right, rel_tol=1e-6, abs_tol=1e-6), (name, binding, point, left, right)


def _rule_file(tmp_path: Path, lhs: str, rhs: str, conditions: str = "[]", extra: str = "") -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(f'[[rule]]\nname = "r"\nfamily = "f"\nlhs = "{lhs}"\nrhs = "{rhs}"\nconditions = {conditions}\n'
                    f'domain = ["real"]\n{extra}\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("lhs, rhs, conditions, extra", [
    ("sqrt(a*b)", "sqrt(a)*sqrt(b)", "[]", ""),
    ("log(a*b)", "log(a) + log(b)", '["Ne(a, 0)", "Ne(b, 0)"]', ""),
    ("log(a/b)", "log(a) - log(b)", '["Ne(a, 0)", "Ne(b, 0)"]', ""),
    ("a - a", "0", "[]", ""),
    ("a*0", "0", "[]", ""),
    ("sin(a)**2 + cos(a)**2", "1", "[]", ""),
    ("a**0", "1", "[]", 'total = ["a"]'),
    ("a/a", "1", "[]", ""),
])
def test_the_audit_refuses_rules_unsound_over_the_reals(tmp_path, lhs, rhs, conditions, extra):
    with pytest.raises(RuleError, match=r"rule 'r'.* (is unsound over the reals|fails its audit) at \w+ = "):
        load_rule_file(_rule_file(tmp_path, lhs, rhs, conditions, extra))


@pytest.mark.parametrize("lhs, rhs, conditions, extra", [
    ("log(a*b)", "log(a) + log(b)", '["0 < a", "0 < b"]', ""),
    ("a - a", "0", "[]", 'total = ["a"]'),
    ("a**0", "1", '["Ne(a, 0)"]', 'total = ["a"]'),
    ("sqrt(a*b)", "sqrt(a)*sqrt(b)", '["a >= 0", "b >= 0"]', ""),
])
def test_the_audit_accepts_the_sound_versions(tmp_path, lhs, rhs, conditions, extra):
    assert load_rule_file(_rule_file(tmp_path, lhs, rhs, conditions, extra))


def test_shipped_erasing_rules_bind_only_total_terms():
    for name in ("mul_zero", "zero_mul", "sub_self", "add_right_neg", "add_left_neg", "pow_zero",
                 "sin_sq_add_cos_sq", "cos_sq_add_sin_sq"):
        assert BOOK.by_name[name].total == ("a",), name
        direction = BOOK.directions[(name, FORWARD)]
        assert not admissible(direction, {"a": parse("log(t)")})
        assert admissible(direction, {"a": parse("exp(t) + t**2")})
    assert [to_infix(c) for c in BOOK.by_name["log_mul"].conditions] == ["0 < a", "0 < b"]
    assert [to_infix(c) for c in BOOK.by_name["log_div"].conditions] == ["0 < a", "0 < b"]


# -- the domain reasoner ----------------------------------------------------------------------------------------

HYPOTHESES = st.lists(st.tuples(st.sampled_from(["gt", "ge", "lt", "ne"]), TERMS, st.integers(-2, 2))
                      .map(lambda t: Expr(t[0], (t[1], num(t[2])))), max_size=3)
CONDITIONS = st.tuples(st.sampled_from(["gt", "ge", "lt", "le", "ne"]), TERMS, st.integers(-2, 2)).map(
    lambda t: Expr(t[0], (t[1], num(t[2]))))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hypotheses=HYPOTHESES, condition=CONDITIONS, points=st.lists(POINT, min_size=5, max_size=5))
def test_implies_is_sound(hypotheses, condition, points):
    if not implies(facts_of(hypotheses), condition):
        return
    for point in points:
        if not all(holds(h, point) for h in hypotheses):
            continue
        left, right = (_value(side, point) for side in condition.args)
        if left is None or right is None or not all(math.isfinite(v) and abs(v) < 1e12 for v in (left, right)):
            continue
        assert holds(condition, point), (hypotheses, condition, point)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(e=TERMS, point=POINT)
def test_natural_conditions_are_exactly_definedness(e, point):
    value = _value(e, point)
    conditions_hold = all(holds(c, point) for c in natural_conditions(e))
    if value is not None:
        assert conditions_hold, (to_infix(e), point)
    elif conditions_hold:
        # only overflow (exp of a huge number) or a tan pole hit to 1e-12 may leave a defined-by-conditions tree
        # without a float value
        with pytest.raises((OutsideDomain, OverflowError)) as raised:
            compile_expr(e)(point)
        assert "non-finite" in str(raised.value) or "range" in str(raised.value) or "pole" in str(raised.value)


@pytest.mark.parametrize("term, total", [("x + y*3", True), ("exp(sin(x))**2", True), ("x/2", True),
                                         ("log(x)", False), ("1/x", False), ("sqrt(x)", False), ("x**0", False),
                                         ("tan(x)", False)])
def test_is_total(term, total):
    assert is_total(parse(term)) is total


# -- generated records of every kind --------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["theorem", "integral", "equation"]), level=st.integers(1, 5),
       index=st.integers(0, 10_000))
@example(kind="theorem", level=5, index=2728)  # hypotheses that hold only in floats at some points
def test_generated_records_are_defined_wherever_their_hypotheses_hold(kind, level, index):
    spec = get_kind(kind)
    outcome = produce(spec, spec.config_type(), (level,), 3, index)
    assume(outcome.row is not None)
    row = outcome.row
    hypotheses = [parse(h) for h in row["hypotheses"]]
    if kind == "theorem":
        expressions = list(parse(row["problem"]).args) + [parse(s["after"]) for s in row["steps"]]
    elif kind == "integral":
        expressions = [parse(row["problem"]), parse(row["answer"])] + [
            parse(s[f]) for s in row["steps"] for f in ("integrand", "antiderivative")]
    else:
        problem = parse(row["problem"])
        expressions = [side for eq in (problem.args if problem.op == "tuple" else (problem,)) for side in eq.args]
    names = sorted(set().union(*(e.free_symbols() for e in expressions + hypotheses)))
    rng = random.Random(index)
    for _ in range(200):
        point = {name: rng.uniform(-5, 5) for name in names}
        if not all(holds(h, point) for h in hypotheses):
            continue
        failed = [condition for e in expressions for condition in natural_conditions(e)
                  if not (holds(condition, point) or _holds_exactly(condition, point))]
        if failed and not all(_holds_exactly(h, point) for h in hypotheses):
            continue  # the hypotheses held only in floats (ill-conditioned: tan of exp(234), see the test below)
        assert not failed, (row["problem"], row["hypotheses"], to_infix(failed[0]), point)


def _holds_exactly(condition: Expr, point: dict[str, float]) -> bool:
    """The condition at the point in 60-digit arithmetic: a float check also fails where a defined value only
    overflows (``cosh(4/asin(x)**2)**2 != 0`` near x = 0.02, found by Hypothesis), which is no domain error."""
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    exact = to_sympy(condition).subs({sympy.Symbol(name, real=True): sympy.Rational(value)
                                      for name, value in point.items()})
    if exact in (sympy.true, sympy.false):
        return bool(exact)
    return bool(type(exact)(exact.lhs.evalf(60), exact.rhs.evalf(60)))


def test_a_condition_that_only_overflows_in_floats_still_holds_exactly():
    condition = parse("Ne(cosh(x**2 + 4*x/asin(x) + 4/asin(x)**2)**2, 0)")
    point = {"x": 0.019600724754535115}
    assert not holds(condition, point)  # cosh overflows in floats
    assert _holds_exactly(condition, point)
    assert not _holds_exactly(parse("Ne(x - 1, 0)"), {"x": 1.0})
    assert not _holds_exactly(parse("x**2 - 2 > 0"), {"x": 1.25})


def test_a_hypothesis_that_holds_only_in_floats_is_false_exactly():
    # theorem level 5, seed 3, index 2728 (found by Hypothesis): the step's equal rewrite of the hypothesis is
    # negative in floats at this point, because exp(234) carries its last-bit rounding into tan's argument
    point = {"x": 0.061256684454871646, "y": 4.476677153273453, "z": 1.843544199467403}
    hypothesis = parse("cos(tan(exp((y - z)/(3*x)/x))) > 0")
    rewritten = parse("cos(tan(exp((y/(3*x) - z/(3*x))/x))) > 0")
    assert holds(hypothesis, point) and not holds(rewritten, point)
    assert not _holds_exactly(hypothesis, point) and not _holds_exactly(rewritten, point)


# -- checkers --------------------------------------------------------------------------------------------------

def _integral_row() -> dict:
    return {"uid": "t", "kind": "integral", "problem": "-2/x", "answer": "-2*log(x)", "hypotheses": ["x > 0"],
            "steps": [{"rule": "linearity_constant", "integrand": "-2/x", "antiderivative": "-2*log(x)",
                       "parts": [1], "substitution": "", "factor": "-2"},
                      {"rule": "table", "integrand": "1/x", "antiderivative": "log(x)", "parts": [],
                       "substitution": "", "factor": ""}]}


def _statuses(row: dict) -> dict[str, str]:
    return {v.checker: v.status for v in get_kind(row["kind"]).check(row)}


def test_an_integral_without_its_domain_hypothesis_is_rejected():
    row = _integral_row()
    assert set(_statuses(row).values()) <= {"passed", "not_run"}, _statuses(row)
    row["hypotheses"] = []
    assert _statuses(row)["replay"] == "rejected"
    row["hypotheses"] = ["Ne(x, 0)"]  # enough for Mathlib's log |x|, not over the reals
    assert _statuses(row)["replay"] == "rejected"


def test_a_relabelled_integral_step_is_rejected():
    row = _integral_row()
    row["steps"][0]["rule"] = "reverse_product"
    assert _statuses(row)["replay"] == "rejected"


def test_a_constant_integrand_is_rejected():
    row = {"uid": "c", "kind": "integral", "problem": "3", "answer": "3*x", "hypotheses": [],
           "steps": [{"rule": "linearity_constant", "integrand": "3", "antiderivative": "3*x", "parts": [1],
                      "substitution": "", "factor": "3"},
                     {"rule": "power_rule", "integrand": "1", "antiderivative": "x", "parts": [],
                      "substitution": "", "factor": ""}]}
    assert _statuses(row)["replay"] == "rejected"


def _theorem_row(**changes) -> dict:
    row = {"uid": "th", "kind": "theorem", "problem": "Eq(log(x*y), log(x) + log(y))", "answer": "",
           "hypotheses": ["0 < x", "0 < y"], "domain": "real", "proof_length": 1, "shortest_found": 1,
           "steps": [{"rule": "log_mul", "direction": "forward", "path": [], "substitution": "a := x; b := y",
                      "before": "log(x*y)", "after": "log(x) + log(y)"}]}
    row.update(changes)
    return row


def test_theorem_checker_accepts_the_sound_log_mul_and_rejects_the_rest():
    assert set(_statuses(_theorem_row()).values()) == {"passed"}
    assert _statuses(_theorem_row(hypotheses=["Ne(x, 0)", "Ne(y, 0)"]))["replay"] == "rejected"
    assert _statuses(_theorem_row(answer="__import__('os').system('true')"))["replay"] == "rejected"


def test_theorem_with_constant_sides_or_partial_erased_term_is_rejected():
    constant = _theorem_row(problem="Eq(2 + 3, 3 + 2)", hypotheses=[], steps=[
        {"rule": "add_comm", "direction": "forward", "path": [], "substitution": "a := 2; b := 3",
         "before": "2 + 3", "after": "3 + 2"}])
    assert _statuses(constant)["replay"] == "rejected"
    erased = _theorem_row(problem="Eq(log(x) - log(x), 0)", hypotheses=[], steps=[
        {"rule": "sub_self", "direction": "forward", "path": [], "substitution": "a := log(x)",
         "before": "log(x) - log(x)", "after": "0"}])
    assert _statuses(erased)["replay"] == "rejected"
    assert _statuses(dict(erased, hypotheses=["x > 0"]))["replay"] == "rejected"  # sub_self binds only total terms


def test_relabelled_equation_rewrite_is_rejected():
    spec = get_kind("equation")
    for index in range(200):
        outcome = produce(spec, spec.config_type(), (3, 4), 9, index)
        if outcome.row and any(s["rule"] == "factor" for s in outcome.row["steps"]):
            break
    else:
        pytest.fail("no factor step in 200 candidates of levels 3-4 (seed 9): pick another seed for this test")
    row = copy.deepcopy(outcome.row)
    step = next(s for s in row["steps"] if s["rule"] == "factor")
    for other in ("expand", "collect", "write_as_power"):
        step["rule"] = other
        assert _statuses(row)["replay"] == "rejected", other
