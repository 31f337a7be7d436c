"""The defects of issue 14, one test each that fails on the old output: the integral ``congr_deriv`` pre-check
(``ring1`` / ``field_simp`` / not renderable, recorded in ``render.json``), the tan helper lemma, typed
constant-only statements, non-zero hypotheses in base form, heartbeat headroom for long items, and the shared
identity tests (``rpsdg.lean.identity``). No Lean runs here: these check the emitted text and the decisions."""

from __future__ import annotations

import json
import re

import pytest

from rpsdg.expr.parse import parse
from rpsdg.kinds.integral.lean import IntegralLean, lean_integral
from rpsdg.lean.identity import denominator_bases, factor_bases, multiple, rational_equal, ring_equal
from rpsdg.lean.lemma_table import LEMMAS
from rpsdg.lean.project import environment, heartbeats_line, render_row, support_library, write_project
from rpsdg.lean.text import NotRenderable

from test_lean_render import (INTEGRAL_FIELD, INTEGRAL_FIX_ROWS, INTEGRAL_LONG, INTEGRAL_NEVER, INTEGRAL_POWER_BASE,
                              INTEGRAL_ROWS, INTEGRAL_TAN, RENDERERS, THEOREM_CONSTANT, THEOREM_INT, THEOREM_REAL)


def _text(row: dict) -> str:
    result = render_row(row, environment(), RENDERERS)
    assert not isinstance(result, NotRenderable), result
    return result.text


def P(text: str):
    return parse(text, "test")


# -- the shared identity tests -------------------------------------------------------------------------------------

def test_ring_equal_treats_reciprocals_and_functions_as_atoms():
    assert ring_equal(P("exp(x)*(3*x**2)"), P("3*x**2*exp(x)"))
    assert ring_equal(P("1/x*x + log(x)*1"), P("1/x*x + log(x)"))
    assert not ring_equal(P("1/x*x"), P("1"))  # needs x ≠ 0: field_simp, not ring1
    assert not ring_equal(P("1/(x + 1)"), P("1/(1 + x)"))  # different atoms for ring1 too
    assert not ring_equal(P("exp(3*x)"), P("exp(x*3)"))


def test_rational_equal_keeps_functions_opaque():
    assert rational_equal(P("1/x*x + 1"), P("2"))
    assert rational_equal(P("3*sqrt(x)**2*(1/(2*sqrt(x)))"), P("3*sqrt(x)/2"))
    assert not rational_equal(P("1/(2*sqrt(exp(x)))*exp(x)"), P("sqrt(exp(x))/2"))  # needs √u² = u
    assert rational_equal(P("1/(2*sqrt(exp(x)))*exp(x)"), P("sqrt(exp(x))/2"), functions_opaque=False)


def test_denominator_bases_are_bases_not_powers():
    assert factor_bases(P("2*(x + 3)**3*sin(x)")) == [P("x + 3"), P("sin(x)")]
    assert denominator_bases(P("-3/(x + 3)**4"), P("1/(2*x) + exp(1/y)")) == [P("x + 3"), P("x")]
    assert multiple(P("4*x + 2"), P("2*x + 1")) == 2


# -- defect 1: the congr_deriv pre-check ---------------------------------------------------------------------------

def test_every_integral_step_gets_a_decided_closer():
    for row in INTEGRAL_ROWS + [INTEGRAL_TAN, INTEGRAL_LONG]:
        data = lean_integral(row)
        assert isinstance(data, IntegralLean) and data.decision == "ring1"
        assert all(have.proof == "(by ring1)" for have in data.haves)
    text = _text(INTEGRAL_ROWS[0])
    assert "rpsdg_deriv_eq" not in text and "(by ring1)" in text


def test_rational_step_gets_its_nonzero_facts_then_field_simp():
    data = lean_integral(INTEGRAL_FIELD)
    assert isinstance(data, IntegralLean) and data.decision == "field_simp"
    rewrite = [have for have in data.haves if have.step == 0][0]
    assert rewrite.closer == "field" and rewrite.facts == (("n0", "x ≠ 0", "(h0).ne'"),)
    text = _text(INTEGRAL_FIELD)
    assert "    s1.congr_deriv (by\n      have n0 : x ≠ 0 := (h0).ne'\n      rpsdg_field)\n" in text


def test_a_goal_no_tactic_closes_is_not_renderable_with_the_reason():
    data = lean_integral(INTEGRAL_NEVER)
    assert isinstance(data, NotRenderable)
    assert "neither a ring nor a field identity" in data.reason and "sqrt(exp(x))" in data.reason


def test_render_json_records_the_decision_per_item_and_counts(tmp_path):
    report = write_project(INTEGRAL_FIX_ROWS + INTEGRAL_ROWS, tmp_path / "lean", renderers=RENDERERS)
    info = json.loads((tmp_path / "lean" / "render.json").read_text(encoding="utf-8"))
    decisions = {item["uid"][:2]: item["decision"] for item in info["items"]}
    assert decisions == {"a5": "ring1", "b6": "field_simp", "c7": "not_renderable", "d8": "field_simp",
                         "e9": "ring1", "a1": "ring1", "b2": "ring1", "c3": "ring1", "d4": "ring1"}
    assert info["decisions"] == {"field_simp": 2, "not_renderable": 1, "ring1": 6} == report.decision_counts()
    assert info["not_renderable_reasons"] == {"congr_deriv goal is neither a ring nor a field identity": 1}


# -- defect 2: tan ---------------------------------------------------------------------------------------------------

def test_tan_chain_uses_the_support_lemma():
    text = _text(INTEGRAL_TAN)
    assert "(s1.rpsdg_tan h0).congr_deriv (by ring1)" in text
    assert "hasDerivAt_tan" not in text and ".comp" not in text
    library = support_library()
    assert "theorem HasDerivAt.rpsdg_tan {f : ℝ → ℝ} {f' x : ℝ} (hf : HasDerivAt f f' x) " \
           "(h : Real.cos (f x) ≠ 0) :" in library
    assert "(Real.hasDerivAt_tan h).comp x hf" in library and "sorry" not in library
    assert LEMMAS["HasDerivAt.rpsdg_tan"].library == "rpsdg"
    for name in ("Real.hasDerivAt_tan", "HasDerivAt.comp", "HasDerivAt.congr_deriv"):
        assert name in LEMMAS


# -- defect 3: constant-only statements are typed --------------------------------------------------------------------

@pytest.mark.parametrize("row, typed", [(THEOREM_CONSTANT, "(2 + 3 : Int) = 3 + 2 :=\n  calc (2 + 3 : Int)"),
                                        (THEOREM_INT, "((a + b) * c : Int) = c * b + a * c"),
                                        (THEOREM_REAL, "(Real.log (x * y) + 0 : ℝ) = ")])
def test_statements_ascribe_their_type(row, typed):
    assert typed in _text(row)


def test_integral_derivatives_are_typed():
    assert "HasDerivAt (fun x : ℝ => 2 * x) (2 : ℝ) x" in _text(INTEGRAL_ROWS[0])


# -- defect 4: non-zero hypotheses in base form ---------------------------------------------------------------------

def test_power_hypothesis_is_stated_for_its_base():
    text = _text(INTEGRAL_POWER_BASE)
    assert "(h0 : x + 3 ≠ 0)" in text and "^ 3 ≠ 0" not in text
    assert ".fun_div s2 (pow_ne_zero 3 h0)" in text  # the quotient lemma's own `(x + 3) ^ 3 ≠ 0`
    assert "have n0 : x + 3 ≠ 0 := h0" in text
    product = dict(INTEGRAL_POWER_BASE, hypotheses=["Ne(2*((x + 3)**3*x), 0)"])
    data = lean_integral(product)
    assert isinstance(data, IntegralLean)
    assert data.hypotheses == (("h0", "x + 3 ≠ 0"), ("h0_1", "x ≠ 0"))


# -- defect 5: heartbeats ---------------------------------------------------------------------------------------------

def test_long_items_get_heartbeat_headroom_and_short_ones_do_not():
    long_text = _text(INTEGRAL_LONG)
    assert len(INTEGRAL_LONG["steps"]) == 27
    assert re.search(r"^set_option maxHeartbeats \d+ in\ntheorem item_e9", long_text, re.M)
    assert "set_option" not in _text(INTEGRAL_ROWS[0])
    assert heartbeats_line(25, 100) == ""
    assert heartbeats_line(61, 24000) == "set_option maxHeartbeats 1220000 in\n"
    assert heartbeats_line(3, 9000) == "set_option maxHeartbeats 450000 in\n"


# -- the golden Lake project (.ci/run builds it with lake where Lean exists) -----------------------------------------

def test_golden_project_holds_every_golden_file_and_fresh_items(tmp_path):
    from pathlib import Path

    from rpsdg.lean.golden import write_golden_project
    from rpsdg.lean.runner import static_scan

    golden = Path(__file__).parent / "golden"
    modules = write_golden_project(tmp_path / "g", golden, items_per_kind=3, seed=2)
    names = {Path(m).stem for m in modules}
    assert {"GoldenIntegralFixes", "GoldenTheoremConstant", "GoldenEquationRadicals"} <= names
    assert any(name.startswith("Real") for name in names)
    root = (tmp_path / "g" / "RpsdgItems.lean").read_text(encoding="utf-8")
    assert root.count("import RpsdgItems.") == len(modules) == len(list(golden.glob("*.lean"))) + \
        len([m for m in modules if not Path(m).stem.startswith("Golden")])
    for module in modules:
        assert static_scan((tmp_path / "g" / module).read_text(encoding="utf-8")) == []
    assert (tmp_path / "g" / "lakefile.lean").is_file() and (tmp_path / "g" / "Rpsdg" / "Basic.lean").is_file()


def test_constant_only_theorem_export_statement_is_typed():
    from rpsdg.kinds.theorem.lean import lean_theorem, theorem_proof

    from test_lean_render import RULES

    proof = theorem_proof(lean_theorem(THEOREM_CONSTANT, RULES), "t")
    assert proof.statement.goal == "(2 + 3 : Int) = 3 + 2"
    assert theorem_proof(lean_theorem(THEOREM_INT, RULES), "t").statement.goal == "(a + b) * c = c * b + a * c"


def test_positive_hypothesis_gives_its_bases_nonzero():
    row = dict(INTEGRAL_FIELD, hypotheses=["2*x**3 > 0"])
    data = lean_integral(row)
    assert isinstance(data, IntegralLean) and data.hypotheses == (("h0", "0 < 2 * x ^ 3"),)
    rewrite = [have for have in data.haves if have.step == 0][0]
    assert rewrite.facts == (("n0", "x ≠ 0", "(ne_zero_pow (by norm_num : (3 : ℕ) ≠ 0) "
                                            "(right_ne_zero_of_mul (h0).ne'))"),)


def test_expanded_product_of_known_bases_is_nonzero_by_rewriting():
    from rpsdg.kinds.integral.lean import _nonzero_proof

    proof = _nonzero_proof(P("x**2 + 8*x + 16"), [P("Ne(x + 4, 0)")])
    assert proof == "(by rw [show x ^ 2 + 8 * x + 16 = (x + 4) ^ 2 by ring1]; exact (pow_ne_zero 2 h0))"
    proof = _nonzero_proof(P("4*x + 16"), [P("Ne(4*(x + 4), 0)")])
    assert proof == "(by rw [show 4 * x + 16 = 4 * (x + 4) by ring1]; exact (mul_ne_zero (by norm_num : (4 : ℝ) " \
                    "≠ 0) h0))"
    with pytest.raises(Exception, match="no hypothesis gives x \\^ 3 \\+ 2 \\* x \\^ 2 ≠ 0"):
        _nonzero_proof(P("x**3 + 2*x**2"), [P("Ne(x**2 + 2*x, 0)")])  # x + 2 ≠ 0 is not known on its own
