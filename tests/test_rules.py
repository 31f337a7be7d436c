"""Rule files: loading, validation messages, the numeric audit, matching, substitutions, the graph, the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from rpsdg.maths.numeric import close
from rpsdg.cli import app
from rpsdg.expr.evaluate import OutsideDomain, compile_expr, holds
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import num, sym
from rpsdg.kinds.theorem.rules import RuleError, default_rulebook, load_rule_file, load_rulebook
from rpsdg.kinds.theorem.rules.graph import rule_graph, unify
from rpsdg.kinds.theorem.rules.match import (Unstable, applications, format_substitution, instantiate, match,
                               parse_substitution, replace)

BOOK = default_rulebook()
DO_NOT_EMIT = ("Int.add_neg_cancel", "Int.neg_add_cancel", "add_right_neg", "add_left_neg")
runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


RULE = """
[[rule]]
name = "{name}"
family = "ring"
lhs = "{lhs}"
rhs = "{rhs}"
conditions = {conditions}
domain = ["int", "real"]
lean_int = ""
lean_real = ""
"""


def rule_text(name="r", lhs="a + b", rhs="b + a", conditions="[]") -> str:
    return RULE.format(name=name, lhs=lhs, rhs=rhs, conditions=conditions)


# -- the shipped rules ---------------------------------------------------------------------------------------

def test_shipped_rules_cover_the_four_families():
    assert len(BOOK.rules) >= 40
    assert set(BOOK.families()) == {"ring", "field", "explog", "trig"}
    assert sum(rule.family == "ring" for rule in BOOK.rules) >= 20


def test_lean_terms_follow_lemmas_md():
    for rule in BOOK.rules:
        if rule.lean_int:
            assert rule.lean_int.startswith("Int."), rule.name
            assert "int" in rule.domain
        for term in (rule.lean_int, rule.lean_real):
            head = term.split(" ")[0]
            assert head not in DO_NOT_EMIT, rule.name
    by_name = BOOK.by_name
    assert by_name["add_comm"].lean_int == "Int.add_comm {a} {b}"
    assert by_name["add_right_neg"].lean_int == "Int.add_right_neg {a}"
    assert by_name["add_right_neg"].lean_real == "add_neg_cancel {a}"
    assert by_name["log_mul"].lean_real == ("Real.log_mul (LT.lt.ne' (by assumption : (0:ℝ) < {a})) "
                                            "(LT.lt.ne' (by assumption : (0:ℝ) < {b}))")
    assert by_name["exp_log"].lean_real == "Real.exp_log {h0}"


def test_every_rule_holds_at_its_own_random_instances():
    """Beyond the load-time audit: instances with compound subterms agree numerically where defined."""
    import random

    rng = random.Random(5)
    for rule in BOOK.rules:
        agreeing = 0
        for _ in range(60):
            binding = {v: parse(rng.choice(["x", "y", "x + y", "2*x", "x*y", "y - 1"])) for v in rule.variables}
            lhs, rhs = instantiate(rule.lhs, binding), instantiate(rule.rhs, binding)
            conditions = [instantiate(c, binding) for c in rule.conditions]
            point = {"x": rng.uniform(-3, 3), "y": rng.uniform(-3, 3)}
            if not all(holds(c, point) for c in conditions):
                continue
            try:
                a, b = compile_expr(lhs)(point), compile_expr(rhs)(point)
            except OutsideDomain:
                continue
            assert close(a, b, rtol=1e-9), (rule.name, binding, point)
            agreeing += 1
        assert agreeing >= 5, rule.name


# -- refusing bad rule files ------------------------------------------------------------------------------------

def test_a_false_rule_is_refused_naming_file_rule_and_point(tmp_path):
    path = write(tmp_path, rule_text(name="sub_comm", lhs="a - b", rhs="b - a"))
    with pytest.raises(RuleError) as error:
        load_rule_file(path)
    message = str(error.value)
    assert str(path) in message and "'sub_comm'" in message and re.search(r"a = -?\d", message)


def test_a_rule_false_only_on_part_of_its_domain_is_refused(tmp_path):
    # log(a**2) = 2*log(a) holds for a > 0 only; without that condition the lhs is defined at a negative a where
    # the rhs is not, which makes the rule false over the reals (issue 11)
    path = write(tmp_path, rule_text(name="log_sq", lhs="log(a**2)", rhs="2*log(a)"))
    with pytest.raises(RuleError, match="'log_sq' is unsound over the reals at a = -"):
        load_rule_file(path)
    assert load_rule_file(write(tmp_path, rule_text(name="log_sq", lhs="log(a**2)", rhs="2*log(a)",
                                                    conditions='["0 < a"]')))
    path = write(tmp_path, rule_text(name="sq_sqrt", lhs="sqrt(a**2)", rhs="a"))
    with pytest.raises(RuleError, match="'sq_sqrt' fails its audit at a = -"):
        load_rule_file(path)
    fixed = write(tmp_path, rule_text(name="sq_sqrt", lhs="sqrt(a**2)", rhs="a", conditions='["a >= 0"]'))
    assert load_rule_file(fixed)


@pytest.mark.parametrize("lhs, rhs, conditions, fragment", [
    ("a + b", "b + c", "[]", "rhs uses variable(s) c"),
    ("a + b", "b + a", '["Ne(a, "]', "cannot parse condition"),
    ("a + b", "b + a", '["a + 1"]', "is not a relation"),
    ("a + b", "b + a", '["Ne(c, 0)"]', "condition 'Ne(c, 0)' uses variable(s) c"),
    ("a + ", "a", "[]", "cannot parse lhs"),
    ("a/a", "1", '["Ne(a, a)"]', "could be evaluated at only 0"),
])
def test_malformed_rules_name_file_rule_and_problem(tmp_path, lhs, rhs, conditions, fragment):
    path = write(tmp_path, rule_text(name="broken", lhs=lhs, rhs=rhs, conditions=conditions))
    with pytest.raises(RuleError) as error:
        load_rule_file(path)
    assert fragment in str(error.value)
    assert "broken" in str(error.value)


def test_unknown_keys_placeholders_and_repeated_names_are_refused(tmp_path):
    with pytest.raises(RuleError, match="unknown key"):
        load_rule_file(write(tmp_path, rule_text() + 'lemma = "x"\n'))
    with pytest.raises(RuleError, match=r"placeholder \{c\}"):
        load_rule_file(write(tmp_path, rule_text().replace('lean_real = ""', 'lean_real = "add_comm {a} {c}"')))
    with pytest.raises(RuleError, match="already used"):
        load_rule_file(write(tmp_path, rule_text() + rule_text()))
    with pytest.raises(RuleError, match="not valid TOML"):
        load_rule_file(write(tmp_path, "[[rule]\n"))


# -- matching, rewriting, substitutions ---------------------------------------------------------------------------

def test_match_binds_consistently():
    pattern = parse("a - a")
    binding: dict = {}
    assert match(pattern, parse("(x + 1) - (x + 1)"), binding) and binding == {"a": parse("x + 1")}
    assert not match(pattern, parse("(x + 1) - (1 + x)"), {})
    assert not match(parse("a + 0"), parse("x + 1"), {})


def test_applications_find_every_position():
    index = BOOK.select(("ring",), "int").index()
    found = {(d.rule.name, d.direction, path) for d, path, _ in applications(parse("x*(y + z)"), index)}
    assert ("mul_add", "forward", ()) in found
    assert ("add_comm", "forward", (1,)) in found
    assert ("mul_comm", "forward", ()) in found


def test_literal_exponents_are_not_rewritten():
    index = BOOK.select(("ring",), "int").index()
    paths = {path for _, path, _ in applications(parse("x**2 + 1"), index, bare_max_size=3)}
    assert (0, 1) not in paths


def test_a_minus_sign_never_folds_into_a_literal():
    with pytest.raises(Unstable):
        replace(parse("-(x*0)"), (0,), num(0))
    with pytest.raises(Unstable):
        instantiate(parse("-(-a)"), {"a": num(3)})
    assert instantiate(parse("-a*b"), {"a": num(3), "b": sym("x")}) == parse("-3*x")


leaves = st.sampled_from(["x", "y", "1", "2", "x + 1", "-x", "x*y", "exp(x)", "-3", "3/4"])


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), leaves, min_size=1, max_size=4))
def test_substitution_text_round_trips(texts):
    binding = {name: parse(text) for name, text in texts.items()}
    text = format_substitution(binding)
    assert parse_substitution(text) == binding
    assert list(parse_substitution(text)) == sorted(binding)


def test_substitution_text_must_be_canonical():
    assert parse_substitution("") == {}
    for bad in ("b := x; a := y", "a := x;b := y", "a := x; a := y", "a = x", "a := (", "1 := x"):
        with pytest.raises(Exception):
            parse_substitution(bad)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(sorted(BOOK.by_name)), st.lists(leaves, min_size=4, max_size=4))
def test_an_instance_of_a_side_matches_with_its_binding(name, texts):
    rule = BOOK.by_name[name]
    binding = {v: parse(t) for v, t in zip(rule.variables, texts)}
    try:
        instance = instantiate(rule.lhs, binding)
    except Unstable:
        return
    found: dict = {}
    if match(rule.lhs, instance, found):
        assert instantiate(rule.lhs, found) == instance
    assert parse(to_infix(instance)) == instance


# -- the graph and the CLI ------------------------------------------------------------------------------------------

def test_unify_and_graph_edges():
    assert unify(parse("a*(b + c)"), parse("x*y"), {})
    assert not unify(parse("a + 0"), parse("x + 1"), {})
    graph = rule_graph(BOOK)
    assert set(graph.nodes) == set(BOOK.by_name)
    assert graph.has_edge("mul_add", "add_comm")       # a*b + a*c: add_comm fires at the root
    assert graph.has_edge("exp_log", "log_mul")        # backward exp_log produces exp(log(a))
    assert not graph.has_edge("add_zero", "sin_two_mul")


def test_rules_list_and_graph_commands(tmp_path):
    listed = runner.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0 and "add_comm" in listed.output and "Real.log_mul (LT.lt.ne'" in listed.output
    out = tmp_path / "g.graphml"
    made = runner.invoke(app, ["rules", "graph", "--out", str(out)])
    assert made.exit_code == 0
    graph = nx.read_graphml(out)
    assert graph.number_of_nodes() == len(BOOK.rules) and graph.number_of_edges() > 100
    again = runner.invoke(app, ["rules", "graph", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_rules_commands_refuse_a_bad_file_with_exit_2(tmp_path):
    path = write(tmp_path, rule_text(name="sub_comm", lhs="a - b", rhs="b - a"))
    result = runner.invoke(app, ["rules", "list", "--file", str(path)])
    assert result.exit_code == 2 and "sub_comm" in result.output and "fails its audit" in result.output
    result = runner.invoke(app, ["rules", "list", "--family", "nope"])
    assert result.exit_code == 2 and "unknown family" in result.output


def test_load_rulebook_refuses_names_repeated_across_files(tmp_path):
    first = tmp_path / "one.toml"
    second = tmp_path / "two.toml"
    first.write_text(rule_text(), encoding="utf-8")
    second.write_text(rule_text(), encoding="utf-8")
    with pytest.raises(RuleError, match="already used"):
        load_rulebook([first, second])
