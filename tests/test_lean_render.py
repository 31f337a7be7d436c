"""Lean rendering: golden files per template, the pinned lemma table, calc/step counts, line maps, the Lake
project writer and the no-toolchain path of `rpsdg lean check`. No Lean runs here (see test_lean_run.py).

Regenerate the golden files after an intended template change with RPSDG_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from rpsdg.lean.runner import keep_lean_passed, static_scan
from rpsdg.cli import app
from rpsdg.errors import RpsdgError
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, sym
from rpsdg.kinds.equation.lean import EquationLean, lean_equation
from rpsdg.kinds.integral.lean import IntegralLean, lean_integral
from rpsdg.lean.text import NotRenderable
from rpsdg.lean.lemma_table import DO_NOT_EMIT, FUNCTION_NAMES, LEMMAS, lemma
from rpsdg.lean.proof import Renderers
from rpsdg.lean.project import ITEMS, environment, line_map, module_text, render_row, write_project
from rpsdg.kinds.theorem.lean import TheoremLean, check_rule_term, lean_theorem
from rpsdg.run.pipeline import BuildConfig, build

GOLDEN = Path(__file__).parent / "golden"

RULES = {  # hand-made rule terms in the format the rules/*.toml files will carry (lean_int / lean_real)
    "add_comm": {"int": "Int.add_comm {a} {b}", "real": "add_comm {a} {b}"},
    "mul_comm": {"int": "Int.mul_comm {a} {b}", "real": "mul_comm {a} {b}"},
    "mul_add": {"int": "Int.mul_add {a} {b} {c}", "real": "mul_add {a} {b} {c}"},
    "add_zero": {"int": "Int.add_zero {a}", "real": "add_zero {a}"},
    "log_mul": {"real": "Real.log_mul {h0} {h1}"},
}

RENDERERS = Renderers({"theorem": lambda row: lean_theorem(row, RULES)})
"""Renderers that read the hand-made rule terms above instead of the rule files."""


def integral_row(uid: str, problem: str, answer: str, hypotheses: list[str], steps: list[tuple]) -> dict:
    return {"uid": uid, "kind": "integral", "problem": problem, "answer": answer, "hypotheses": hypotheses,
            "steps": [{"rule": r, "integrand": f, "antiderivative": F, "parts": list(p), "substitution": u,
                       "factor": c} for r, f, F, p, u, c in steps]}


INTEGRAL_ROWS = [
    integral_row("a1" * 32, "2", "2*x", [], [("linearity_constant", "2", "2*x", [1], "", "2"),
                                            ("power_rule", "1", "x", [], "", "")]),
    integral_row("b2" * 32, "-3/x**2", "3/x", ["Ne(x, 0)"], [("reverse_quotient", "-3/x**2", "3/x", [1], "", ""),
                                                            ("power_rule", "1", "x", [], "", "")]),
    integral_row("c3" * 32, "cos(x)/sin(x)", "log(sin(x))", ["sin(x) > 0"],
                 [("substitution", "cos(x)/sin(x)", "log(sin(x))", [1], "sin(x)", ""),
                  ("table", "cos(x)", "sin(x)", [], "", "")]),
    integral_row("d4" * 32, "3*x**2*exp(x**3)", "exp(x**3)", [],
                 [("rewrite", "3*x**2*exp(x**3)", "exp(x**3)", [1], "", ""),
                  ("substitution", "exp(x**3)*(3*x**2)", "exp(x**3)", [2], "x**3", ""),
                  ("power_rule", "3*x**2", "x**3", [], "", "")]),
]

INTEGRAL_TAN = integral_row(  # defect 2: tan chain through HasDerivAt.rpsdg_tan, not (Real.hasDerivAt_tan h).comp
    "a5" * 32, "2*x/cos(x**2)**2", "tan(x**2)", ["Ne(cos(x**2), 0)"],
    [("substitution", "2*x/cos(x**2)**2", "tan(x**2)", [1], "x**2", ""), ("power_rule", "2*x", "x**2", [], "", "")])

INTEGRAL_FIELD = integral_row(  # defect 1: the rewrite step is a rational identity (1/x*x = 1 needs x ≠ 0)
    "b6" * 32, "log(x) + 2", "log(x)*x + x", ["x > 0"],
    [("rewrite", "log(x) + 2", "log(x)*x + x", [1], "", ""),
     ("linearity_sum", "1/x*x + log(x) + 1", "log(x)*x + x", [2, 5], "", ""),
     ("reverse_product", "1/x*x + log(x)", "log(x)*x", [3, 4], "", ""),
     ("table", "1/x", "log(x)", [], "", ""), ("power_rule", "1", "x", [], "", ""),
     ("power_rule", "1", "x", [], "", "")])

INTEGRAL_NEVER = integral_row(  # defect 1: √(exp x)^2 = exp x is neither a ring nor a field identity
    "c7" * 32, "sqrt(exp(x))/2", "sqrt(exp(x))", [],
    [("rewrite", "sqrt(exp(x))/2", "sqrt(exp(x))", [1], "", ""),
     ("substitution", "1/(2*sqrt(exp(x)))*exp(x)", "sqrt(exp(x))", [2], "exp(x)", ""),
     ("table", "exp(x)", "exp(x)", [], "", "")])

INTEGRAL_POWER_BASE = integral_row(  # defect 4: (x + 3)^3 ≠ 0 is stated as x + 3 ≠ 0; pow_ne_zero for the lemma
    "d8" * 32, "-3/(x + 3)**4", "1/(x + 3)**3", ["Ne((x + 3)**3, 0)"],
    [("rewrite", "-3/(x + 3)**4", "1/(x + 3)**3", [1], "", ""),
     ("reverse_quotient", "-3*(x + 3)**2/((x + 3)**3)**2", "1/(x + 3)**3", [2], "", ""),
     ("substitution", "3*(x + 3)**2", "(x + 3)**3", [3], "x + 3", ""),
     ("linearity_sum", "1", "x + 3", [4], "", ""), ("power_rule", "1", "x", [], "", "")])


def _long_sum_row(terms: int) -> dict:
    """∫ 1 + 2x + 3x² + … dx by one linearity_sum per +: 2·terms - 1 steps (defect 5: heartbeat headroom).
    Steps 0 … terms-2 are the sums (largest first), then one power_rule step per term."""
    powers = [("x" if k == 1 else f"x**{k}", "1" if k == 1 else "2*x" if k == 2 else f"{k}*x**{k - 1}")
              for k in range(1, terms + 1)]
    sums, rows = terms - 1, []
    for position, count in enumerate(range(terms, 1, -1)):
        inner = position + 1 if count > 2 else sums  # the next smaller sum, or the power step of x
        rows.append(("linearity_sum", " + ".join(f for _, f in powers[:count]),
                     " + ".join(F for F, _ in powers[:count]), [inner, sums + count - 1], "", ""))
    rows.extend(("power_rule", f, F, [], "", "") for F, f in powers)
    return integral_row("e9" * 32, rows[0][1], rows[0][2], [], rows)


INTEGRAL_LONG = _long_sum_row(14)

INTEGRAL_FIX_ROWS = [INTEGRAL_TAN, INTEGRAL_FIELD, INTEGRAL_NEVER, INTEGRAL_POWER_BASE, INTEGRAL_LONG]

THEOREM_CONSTANT = {"uid": "f0" * 32, "kind": "theorem", "problem": "Eq(2 + 3, 3 + 2)", "hypotheses": [],
                    "domain": "int", "answer": "",
                    "steps": [{"rule": "add_comm", "direction": "forward", "path": [], "substitution": "a := 2; b := 3",
                               "before": "2 + 3", "after": "3 + 2"}]}
"""Defect 3: a constant-only statement must be typed (it would elaborate over ℕ)."""

THEOREM_INT = {"uid": "e5" * 32, "kind": "theorem", "problem": "Eq((a + b)*c, c*b + a*c)", "hypotheses": [],
               "domain": "int", "answer": "",
               "steps": [{"rule": "mul_comm", "direction": "forward", "path": [], "substitution": "a := a + b; b := c",
                          "before": "(a + b)*c", "after": "c*(a + b)"},
                         {"rule": "mul_add", "direction": "forward", "path": [], "substitution": "a := c; b := a; c := b",
                          "before": "c*(a + b)", "after": "c*a + c*b"},
                         {"rule": "add_comm", "direction": "forward", "path": [], "substitution": "a := c*a; b := c*b",
                          "before": "c*a + c*b", "after": "c*b + c*a"},
                         {"rule": "mul_comm", "direction": "backward", "path": [1],
                          "substitution": "a := a; b := c", "before": "c*b + c*a", "after": "c*b + a*c"}]}

THEOREM_REAL = {"uid": "f6" * 32, "kind": "theorem", "problem": "Eq(log(x*y) + 0, log(x) + log(y))",
                "hypotheses": ["Ne(x, 0)", "Ne(y, 0)"], "domain": "real", "answer": "",
                "steps": [{"rule": "add_zero", "direction": "forward", "path": [], "substitution": "a := log(x*y)",
                           "before": "log(x*y) + 0", "after": "log(x*y)"},
                          {"rule": "log_mul", "direction": "forward", "path": [], "substitution": "",
                           "before": "log(x*y)", "after": "log(x) + log(y)"}]}


EQUATION = {"uid": "a7" * 32, "kind": "equation", "problem": "Eq(2*exp(-3*x + 8) - 5, 29)",
            "answer": "FiniteSet(-log(17)/3 + 8/3)", "hypotheses": [],
            "steps": [{"rule": "add_both_sides", "before": "Eq(2*exp(-3*x + 8) - 5, 29)",
                       "after": "Eq(2*exp(-3*x + 8), 34)", "operand": "5"},
                      {"rule": "divide_both_sides", "before": "Eq(2*exp(-3*x + 8), 34)",
                       "after": "Eq(exp(-3*x + 8), 17)", "operand": "2"},
                      {"rule": "apply_log", "before": "Eq(exp(-3*x + 8), 17)", "after": "Eq(-3*x + 8, log(17))",
                       "operand": ""},
                      {"rule": "subtract_both_sides", "before": "Eq(-3*x + 8, log(17))",
                       "after": "Eq(-3*x, log(17) - 8)", "operand": "8"},
                      {"rule": "divide_both_sides", "before": "Eq(-3*x, log(17) - 8)",
                       "after": "Eq(x, -log(17)/3 + 8/3)", "operand": "-3"},
                      {"rule": "swap_sides", "before": "Eq(x, -log(17)/3 + 8/3)",
                       "after": "Eq(-log(17)/3 + 8/3, x)", "operand": ""},
                      {"rule": "swap_sides", "before": "Eq(-log(17)/3 + 8/3, x)",
                       "after": "Eq(x, -log(17)/3 + 8/3)", "operand": ""}]}


def equation_row(uid: str, problem: str, answer: str, hypotheses: list[str], steps: list[tuple]) -> dict:
    """An equation record from (rule, after, operand) steps: each step's before is the previous after."""
    rows, before = [], problem
    for rule, after, operand in steps:
        rows.append({"rule": rule, "before": before, "after": after, "operand": operand})
        before = after
    return {"uid": uid, "kind": "equation", "problem": problem, "answer": answer, "hypotheses": hypotheses,
            "steps": rows}


EQUATION_ROOTS = equation_row(  # 3*(2x - 1)*(x + 1)^2: a fraction root, a double root, k = 3
    "b8" * 32, "Eq(6*x**3 + 9*x**2, 3)", "FiniteSet(-1, 1/2)", [],
    [("subtract_both_sides", "Eq(6*x**3 + 9*x**2 - 3, 0)", "3"),
     ("factor", "Eq(3*(2*x - 1)*(x + 1)**2, 0)", "")])

EQUATION_QUADRATIC_FORMULA = equation_row(  # 2x^2 + 2x - 1 = 0, roots (-1 ± √3)/2, λ = -1/2
    "c9" * 32, "Eq(2*x**2 + 2*x, 1)", "FiniteSet((-1 + sqrt(3))/2, (-1 - sqrt(3))/2)", [],
    [("subtract_both_sides", "Eq(2*x**2 + 2*x - 1, 0)", "1"),
     ("quadratic_formula", "Eq(2*((x - (-1 + sqrt(3))/2)*(x - (-1 - sqrt(3))/2)), 0)", "12")])

EQUATION_SYSTEM = equation_row(  # system2 record of a seed-9 build
    "da" * 32, "Tuple(Eq(10*x + 3*y, -54), Eq(18*x + 6*y, -96))", "FiniteSet(Tuple(-6, 2))", [],
    [("divide_both_sides", "Tuple(Eq(10*x + 3*y, -54), Eq(9*x + 3*y, -48))", "2"),
     ("divide_both_sides", "Tuple(Eq(10*x + 3*y, -54), Eq(3*x + y, -16))", "3"),
     ("eliminate", "Tuple(Eq(x, -6), Eq(3*x + y, -16))", "Eq(9*x + 3*y, -48)"),
     ("eliminate", "Tuple(Eq(x, -6), Eq(y, 2))", "Eq(3*x, -18)")])

EQUATION_RATIONAL = equation_row(  # rational record of a seed-9 build: clear_denominators, reverse by evaluation
    "eb" * 32, "Eq(-60/(x + 4) + 72/(x + 7), 0)", "FiniteSet(11)", ["Ne(x + 4, 0)", "Ne(x + 7, 0)"],
    [("divide_both_sides", "Eq(-30/(x + 4) + 36/(x + 7), 0)", "2"),
     ("add_both_sides", "Eq(-30/(x + 4), -36/(x + 7))", "-36/(x + 7)"),
     ("clear_denominators", "Eq(-30*(x + 7), -36*(x + 4))", "(x + 4)*(x + 7)"),
     ("expand", "Eq(-30*x - 210, -36*x - 144)", ""), ("add_both_sides", "Eq(-30*x, -36*x + 66)", "210"),
     ("add_both_sides", "Eq(6*x, 66)", "36*x"), ("divide_both_sides", "Eq(x, 11)", "6")])

EQUATION_ONE_WAY = equation_row(  # exp x = log 3 + 2: exp_log needs 0 < log 3 + 2, not a numeral; no reverse
    "fc" * 32, "Eq(exp(x), log(3) + 2)", "FiniteSet(log(log(3) + 2))", [],
    [("apply_log", "Eq(x, log(log(3) + 2))", "")])

EQUATION_LOG = equation_row(  # log u = log m: exp_log with the recorded u > 0, and with 0 < 10 by norm_num
    "0d" * 32, "Eq(log(2*x + 4), log(10))", "FiniteSet(3)", ["2*x + 4 > 0"],
    [("apply_exp", "Eq(2*x + 4, 10)", ""), ("subtract_both_sides", "Eq(2*x, 6)", "4"),
     ("divide_both_sides", "Eq(x, 3)", "2")])

EQUATION_LOG_VALUE = equation_row(  # log u = k: u = exp k, undone by log_exp
    "1e" * 32, "Eq(log(-x), 2)", "FiniteSet(-exp(2))", ["-x > 0"],
    [("apply_exp", "Eq(-x, exp(2))", ""), ("divide_both_sides", "Eq(x, -exp(2))", "-1")])


EQUATION_SQRT_CONST = equation_row(  # sqrt(u) = c (case a): squared with the recorded u >= 0, undone by sqrt_sq
    "2f" * 32, "Eq(sqrt(2*x + 39) + 1, 6)", "FiniteSet(-7)", ["2*x + 39 >= 0"],
    [("subtract_both_sides", "Eq(sqrt(2*x + 39), 5)", "1"), ("square_both_sides", "Eq(2*x + 39, 25)", ""),
     ("subtract_both_sides", "Eq(2*x, -14)", "39"), ("divide_both_sides", "Eq(x, -7)", "2")])

EQUATION_SQRT_LINEAR = equation_row(  # sqrt(ax + b) = px + q (case b): sign condition, extraneous root divided out
    "3a" * 32, "Eq(sqrt(9*x + 72), x + 4)", "FiniteSet(8)", ["9*x + 72 >= 0"],
    [("square_both_sides", "Eq(9*x + 72, (x + 4)**2)", "x + 4 >= 0"),
     ("expand", "Eq(9*x + 72, x**2 + 8*x + 16)", ""), ("subtract_both_sides", "Eq(0, x**2 - x - 56)", "9*x + 72"),
     ("swap_sides", "Eq(x**2 - x - 56, 0)", ""), ("factor", "Eq((x - 8)*(x + 7), 0)", ""),
     ("divide_both_sides", "Eq(x - 8, 0)", "x + 7"), ("add_both_sides", "Eq(x, 8)", "8")])

EQUATION_ODD_ROOT = equation_row(  # u^3 = k^3: Odd.pow_inj forward, a linear_combination with the cofactor back
    "4b" * 32, "Eq((-x + 16)**3, 64)", "FiniteSet(12)", [],
    [("take_odd_root", "Eq(-x + 16, 4)", "3"), ("subtract_both_sides", "Eq(-x, -12)", "16"),
     ("divide_both_sides", "Eq(x, 12)", "-1")])

EQUATION_COMBINE_LOGS = equation_row(  # log u + log v: Real.log_mul from the recorded u, v > 0; apply_exp by mul_pos
    "5c" * 32, "Eq(log(x - 5) + log(x + 6), log(12))", "FiniteSet(6)", ["x - 5 > 0", "x + 6 > 0"],
    [("combine_logs", "Eq(log((x - 5)*(x + 6)), log(12))", ""), ("apply_exp", "Eq((x - 5)*(x + 6), 12)", ""),
     ("expand", "Eq(x**2 + x - 30, 12)", ""), ("subtract_both_sides", "Eq(x**2 + x - 42, 0)", "12"),
     ("factor", "Eq((x - 6)*(x + 7), 0)", ""), ("divide_both_sides", "Eq(x - 6, 0)", "x + 7"),
     ("add_both_sides", "Eq(x, 6)", "6")])

EQUATION_DIVIDE_EXCLUDED = equation_row(  # division by a recorded excluded value's factor (2·d with d ≠ 0)
    "6d" * 32, "Eq(2*x**2 - 24*x - 26, 0)", "FiniteSet(13)", ["Ne(x + 1, 0)"],
    [("factor", "Eq(2*((x - 13)*(x + 1)), 0)", ""), ("divide_both_sides", "Eq(x - 13, 0)", "2*(x + 1)"),
     ("add_both_sides", "Eq(x, 13)", "13")])

RADICAL_ROWS = [EQUATION_SQRT_CONST, EQUATION_SQRT_LINEAR, EQUATION_ODD_ROOT, EQUATION_COMBINE_LOGS,
                EQUATION_DIVIDE_EXCLUDED]


def _module(rows, dialect: str) -> str:
    env = environment()
    blocks = [render_row(row, env, RENDERERS).text for row in rows]
    return module_text(env, f"{ITEMS}.Golden", dialect, blocks, "golden")


@pytest.mark.parametrize("name, rows, dialect", [
    ("integral_real", INTEGRAL_ROWS, "real"),
    ("integral_fixes", [r for r in INTEGRAL_FIX_ROWS if r is not INTEGRAL_NEVER], "real"),
    ("theorem_constant", [THEOREM_CONSTANT], "int"),
    ("theorem_int", [THEOREM_INT], "int"),
    ("theorem_real", [THEOREM_REAL], "real"),
    ("equation_real", [EQUATION], "real"),
    ("equation_roots", [EQUATION_ROOTS, EQUATION_QUADRATIC_FORMULA], "real"),
    ("equation_system", [EQUATION_SYSTEM], "real"),
    ("equation_rational", [EQUATION_RATIONAL, EQUATION_ONE_WAY], "real"),
    ("equation_logs", [EQUATION_LOG, EQUATION_LOG_VALUE], "real"),
    ("equation_radicals", RADICAL_ROWS, "real"),
])
def test_golden_files(name, rows, dialect):
    text = _module(rows, dialect)
    path = GOLDEN / f"{name}.lean"
    if os.environ.get("RPSDG_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path} differs; RPSDG_UPDATE_GOLDEN=1 after review"


def test_int_module_is_core_only_and_real_imports_support():
    assert "import" not in _module([THEOREM_INT], "int")
    real = _module(INTEGRAL_ROWS, "real")
    assert "import Mathlib\nimport Rpsdg.Basic" in real


# -- lemma names -----------------------------------------------------------------------------------------------

_LOCAL = re.compile(r"^(?:s\d+|h\d+(?:_\d+)?|e\d+|[rfpuzcn]\d+|hz|[a-z]|t'*|hderiv|hint|Set\.uIcc|MeasureTheory\.volume|ℝ|Int)$")
_WORDS = frozenset({"theorem", "have", "by", "exact", "fun", "calc", "apply", "fun_prop", "rpsdg_deriv_eq",
                    "HasDerivAt", "IntervalIntegrable", "in", "namespace", "end", "import", "Mathlib", "Rpsdg",
                    "Basic", "ne'", "assumption", "symm", "_", "linear_combination", "norm", "skip", "first",
                    "field_simp", "done", "ring1", "constructor", "rintro", "rcases", "with", "norm_num",
                    "rfl", "intro", "linarith", "decide", "rpsdg_field", "positivity", "set_option", "maxHeartbeats", "rw", "show", "e0", "e1", "e2",
                    "e3", "e4", "e5", "e6", "e7", "e8", "e9"})


def proof_names(text: str) -> set[str]:
    """Every global name in the Lean code (comments dropped), with dot notation resolved: ``sK.m`` and ``(…).m``
    on a derivative proof name ``HasDerivAt.m``, ``(hK).ne'`` names ``LT.lt.ne'``, ``(…).symm`` ``Eq.symm``."""
    code = re.sub(r"--[^\n]*", "", text)
    code = re.sub(r"\bitem_[0-9a-f]{16}(?:_integral)?\b", "", code)
    code = re.sub(rf"{ITEMS}\.\w+", "", code)
    names = set()
    for match in re.finditer(r"(\)\.)?([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)", code):
        dotted, token = match.group(1), match.group(2)
        head, _, rest = token.partition(".")
        if dotted or (rest and re.fullmatch(r"s\d+|h\d+(?:_\d+)?", head)):
            for method in (token if dotted else rest).split("."):
                owner = "LT.lt" if method == "ne'" else "Eq" if method in ("symm", "trans") else "HasDerivAt"
                names.add(f"{owner}.{method}")
            continue
        if token in _WORDS or _LOCAL.match(token):
            continue
        names.add(token)
    return names


@pytest.fixture(scope="module")
def sample_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lean") / "corpus"
    build(BuildConfig(kind="integral", count=150, seed=11, out=out, format="jsonl"))
    return out


def _rendered_with_pinned_names(corpus: Path) -> list[tuple[dict, str]]:
    """(row, Lean text) of every renderable item of ``corpus``, each text checked to use pinned names only."""
    from rpsdg.corpus.store import Corpus

    env = environment()
    rendered = []
    for row in Corpus(corpus).rows():
        result = render_row(row, env)
        if isinstance(result, NotRenderable):
            continue
        for name in proof_names(result.text):
            assert name in LEMMAS or name in FUNCTION_NAMES, f"unpinned name {name!r} in\n{result.text}"
            assert name not in DO_NOT_EMIT
        rendered.append((row, result.text))
    return rendered


def test_every_emitted_name_is_pinned(sample_corpus):
    assert len(_rendered_with_pinned_names(sample_corpus)) >= 100


@pytest.mark.parametrize("kind, count", [("theorem", 120), ("equation", 150)])
def test_theorem_and_equation_names_are_pinned(kind, count, tmp_path):
    out = tmp_path / kind
    build(BuildConfig(kind=kind, count=count, seed=4, out=out, format="jsonl"))
    rendered = _rendered_with_pinned_names(out)
    for row, text in rendered:
        if kind == "theorem":
            assert len(re.findall(r"^      _ = ", text, re.M)) == len(row["steps"])
        else:
            _assert_one_have_per_step(row, text)
    assert len(rendered) >= count // 4


def _assert_one_have_per_step(row: dict, text: str) -> None:
    """Forward: one `have eK` per recorded step, in order; reverse walk: one `have rK` per step, last first,
    each under its `(undone)` marker; evaluation and one-way items have no reverse haves. A step's side
    obligations (`have cK`, `have nK`) sit between its marker and its main `have`."""
    data = lean_equation(row)
    steps = len(row["steps"])
    assert isinstance(data, EquationLean)
    side = r"(?:\s+have [cn]\d+ : [^\n]*\n[^\n]*\n)*"  # side obligations (sign condition, non-zero divisor)
    forward = re.findall(rf"^\s+-- rpsdg:step (\d+) \w+\n{side}\s+have e(\d+) :", text, re.M)
    assert [(int(k), int(n)) for k, n in forward] == [(k, k + 1) for k in range(steps)] and \
        data.step_count == steps
    undone = re.findall(rf"^\s+-- rpsdg:step (\d+) \w+ \(undone\)\n{side}\s+have r(\d+) :", text, re.M)
    if data.reverse_method == "walk":
        assert [(int(k), int(n)) for k, n in undone] == [(k, k) for k in reversed(range(steps))]
    else:
        assert undone == [] and ("rintro rfl" in text) == (data.reverse_method == "evaluate")
    assert (" ↔ " in text) == data.iff and (" → " in text) != data.iff


@pytest.mark.parametrize("row", [EQUATION, EQUATION_ROOTS, EQUATION_QUADRATIC_FORMULA, EQUATION_SYSTEM,
                                 EQUATION_RATIONAL, EQUATION_ONE_WAY, EQUATION_LOG, EQUATION_LOG_VALUE,
                                 *RADICAL_ROWS],
                         ids=lambda r: r["uid"][:2])
def test_equation_has_one_have_per_step_each_way(row):
    _assert_one_have_per_step(row, render_row(row, environment()).text)


def test_equation_reverse_methods():
    methods = {row["uid"][:2]: lean_equation(row).reverse_method
               for row in (EQUATION, EQUATION_ROOTS, EQUATION_QUADRATIC_FORMULA, EQUATION_SYSTEM,
                           EQUATION_RATIONAL, EQUATION_ONE_WAY)}
    assert methods == {"a7": "walk", "b8": "walk", "c9": "walk", "da": "walk", "eb": "evaluate", "fc": "one-way"}
    assert "clear_denominators" in lean_equation(EQUATION_RATIONAL).note
    assert "apply_log" in lean_equation(EQUATION_ONE_WAY).note


def test_several_roots_one_split_per_factor():
    data = lean_equation(EQUATION_ROOTS)
    assert data.conclusion == "x = -1 ∨ x = 1 / 2"
    close = "\n".join(data.close)
    assert close.count("rcases Iff.mp mul_eq_zero") == 1  # two factors: one split
    assert close.count("pow_eq_zero_iff (by norm_num : (2 : ℕ) ≠ 0)") == 1  # the double root only
    assert data.close[0] == "have z0 : (x + 1) ^ 2 * (2 * x - 1) = 0 := by linear_combination e2 / (3)"
    assert data.close[-1] == "exact Or.inr (by linear_combination z1 / (2))"  # 2x - 1 = 0 solved for x
    back = "\n".join(data.back_open)
    assert back.count("· linear_combination") == 2


def test_quadratic_formula_cites_one_square_root_fact():
    data = lean_equation(EQUATION_QUADRATIC_FORMULA)
    fact = "Real.sq_sqrt (by norm_num : (0 : ℝ) ≤ 3)"
    assert data.haves[1].proof == f"by linear_combination e1 + (-1 / 2) * {fact}"
    assert data.back[0].proof == f"by linear_combination r2 - (-1 / 2) * {fact}"


def test_system_steps_name_the_equations_they_combine():
    data = lean_equation(EQUATION_SYSTEM)
    assert data.variables == "x y" and data.conclusion == "x = -6 ∧ y = 2"
    assert [h.proof for h in data.haves] == [
        "by linear_combination p2 / (2)", "by linear_combination e1 / (3)",
        "by linear_combination p1 + (-3) * e2", "by linear_combination e2 + (-3) * e3"]
    assert data.close == ("exact ⟨e3, e4⟩",)
    assert [(h.name, h.proof) for h in data.back] == [
        ("r3", "by linear_combination f2 - (-3) * f1"), ("r2", "by linear_combination f1 - (-3) * r3"),
        ("r1", "by linear_combination (3) * r3"), ("r0", "by linear_combination (2) * r1")]
    assert data.back_close == ("exact ⟨r2, r0⟩",)


def test_apply_exp_cites_the_recorded_positivity_hypothesis():
    data = lean_equation(EQUATION_LOG)
    assert data.haves[0].proof == ("(Real.exp_log h0).symm.trans ((congrArg Real.exp e0).trans "
                                   "(Real.exp_log (by norm_num)))")
    assert data.back[-1].proof == "congrArg Real.log r1"
    value = lean_equation(EQUATION_LOG_VALUE)
    assert value.haves[0].proof == "(Real.exp_log h0).symm.trans (congrArg Real.exp e0)"
    assert value.back[-1].proof == "(congrArg Real.log r1).trans (Real.log_exp (2))"
    unrecorded = {**EQUATION_LOG, "hypotheses": []}
    assert "hypothesis u > 0" in lean_equation(unrecorded).reason


def test_square_both_sides_cites_the_radicand_hypothesis_and_the_sign_condition():
    const = lean_equation(EQUATION_SQRT_CONST)
    assert const.reverse_method == "walk"
    assert const.haves[1].proof == ("by linear_combination (Real.sqrt (2 * x + 39) + 5) * e1 - "
                                    "Real.sq_sqrt h0")
    assert const.back[-2].proof == ("(congrArg Real.sqrt (by linear_combination r2 : 2 * x + 39 = (5) ^ 2)).trans "
                                    "(Real.sqrt_sq (by norm_num : (0 : ℝ) ≤ 5))")
    linear = lean_equation(EQUATION_SQRT_LINEAR)
    assert linear.reverse_method == "walk"
    assert linear.haves[0].side == (("c1", "x + 4 ≥ 0", "by linarith [Real.sqrt_nonneg (9 * x + 72)]"),)
    assert linear.haves[5].side == (("n6", "x + 7 ≠ 0", "by intro hz; linarith"),)
    assert linear.haves[5].proof == "mul_left_cancel₀ n6 (by linear_combination e5)"
    assert linear.back[-1].side == (("c1", "x + 4 ≥ 0", "by linarith"),)
    assert linear.back[-1].proof == "(congrArg Real.sqrt r1).trans (Real.sqrt_sq c1)"


def test_odd_root_combine_logs_and_excluded_divisor():
    root = lean_equation(EQUATION_ODD_ROOT)
    assert root.haves[0].proof == ("Iff.mp (Odd.pow_inj (by decide : Odd 3)) "
                                   "(by linear_combination e0 : (-x + 16) ^ 3 = (4) ^ 3)")
    assert root.back[-1].proof == "by linear_combination ((-x + 16) ^ 2 + (-x + 16) * (4) + (4) ^ 2) * r1"
    logs = lean_equation(EQUATION_COMBINE_LOGS)
    fact = "Real.log_mul (ne_of_lt h0).symm (ne_of_lt h1).symm"
    assert logs.haves[0].proof == f"by linear_combination e0 + {fact}"
    assert logs.back[-1].proof == f"by linear_combination r1 - {fact}"
    assert logs.haves[1].proof.startswith("(Real.exp_log (mul_pos h0 h1)).symm")
    excluded = lean_equation(EQUATION_DIVIDE_EXCLUDED)
    assert excluded.haves[1].side == (("n2", "2 * (x + 1) ≠ 0", "by intro hz; exact h0 (by linear_combination hz / (2))"),)


@pytest.mark.parametrize("row, reason", [
    ({**EQUATION_SQRT_CONST, "hypotheses": []}, "without a recorded hypothesis u >= 0"),
    ({**EQUATION_SQRT_LINEAR, "steps": [{**EQUATION_SQRT_LINEAR["steps"][0], "operand": ""},
                                        *EQUATION_SQRT_LINEAR["steps"][1:]]}, "without a recorded sign condition"),
    ({**EQUATION_DIVIDE_EXCLUDED, "hypotheses": []}, "shows the divisor is non-zero"),
    ({**EQUATION_COMBINE_LOGS, "hypotheses": ["x - 5 > 0"]}, "without recorded hypotheses u > 0 and v > 0"),
])
def test_new_rule_refusals_keep_their_reason(row, reason):
    result = lean_equation(row)
    assert isinstance(result, NotRenderable) and reason in result.reason, getattr(result, "reason", result)


@pytest.mark.parametrize("row, reason", [
    (equation_row("01" * 32, "Eq((x - 1)*(x + 2), 0)", "FiniteSet(-2, 3)", [], [("expand", "Eq(x**2 + x - 2, 0)", ""),
                                                                             ("factor", "Eq((x - 1)*(x + 2), 0)", "")]),
     "does not vanish at exactly one new answer element"),
    (equation_row("02" * 32, "Eq(sqrt(2)**2*x, 4)", "FiniteSet(2)", [], [("simplify", "Eq(2*x, 4)", ""),
                                                                          ("divide_both_sides", "Eq(x, 2)", "2")]),
     "not a ring identity"),
    (equation_row("03" * 32, "Tuple(Eq(x + y, 3), Eq(x - y, 1))", "FiniteSet(Tuple(2, 1))", [],
                  [("eliminate", "Tuple(Eq(x + y, 3), Eq(x, 5))", "Eq(x + y, 3)")]),
     "eliminate is not one equation plus a multiple of another"),
    (equation_row("04" * 32, "Eq(x**2 - 3, 0)", "FiniteSet(sqrt(3), -sqrt(3))", [],
                  [("quadratic_formula", "Eq((x - sqrt(3))*(x - -sqrt(3)) + x, 0)", "12")]),
     "quadratic_formula is not before + λ·(√d² - d)"),
])
def test_equation_refusals_keep_their_reason(row, reason):
    result = lean_equation(row)
    assert isinstance(result, NotRenderable) and reason in result.reason, getattr(result, "reason", result)


def test_equation_corpus_renders_every_new_shape(tmp_path):
    from rpsdg.corpus.store import Corpus

    out = tmp_path / "equation"
    build(BuildConfig(kind="equation", count=200, seed=9, out=out, format="jsonl"))
    env = environment()
    texts, rows = [], list(Corpus(out).rows())
    for row in rows:
        result = render_row(row, env)
        if not isinstance(result, NotRenderable):
            texts.append(result.text)
            _assert_one_have_per_step(row, result.text)
    assert len(texts) >= 0.75 * len(rows)
    assert any(" ∨ " in t and "mul_eq_zero" in t for t in texts)
    assert any("pow_eq_zero_iff" in t for t in texts)
    assert any("(x y z : ℝ)" in t for t in texts) and any("(x y : ℝ)" in t for t in texts)
    assert any("rintro rfl" in t for t in texts)


def test_lemma_refuses_unknown_and_deprecated():
    for bad in ("Int.add_neg_cancel", "add_right_neg", "HasDerivAt.tan_nonexistent"):
        with pytest.raises(RpsdgError):
            lemma(bad)
    with pytest.raises(RpsdgError):
        check_rule_term("Int.neg_add_cancel {a}")
    check_rule_term("congrArg (fun t : Int => t * {c}) (Int.add_comm {a} {b})")


def test_theorem_with_unpinned_rule_is_refused():
    rules = {**RULES, "add_comm": {"int": "Int.add_neg_cancel {a}"}}
    with pytest.raises(RpsdgError):
        lean_theorem(THEOREM_INT, rules)


# -- structure: one Lean obligation per recorded step ---------------------------------------------------------

def test_integral_has_one_have_per_step(sample_corpus):
    from rpsdg.corpus.store import Corpus

    for row in Corpus(sample_corpus).rows():
        data = lean_integral(row)
        if isinstance(data, IntegralLean):
            text = render_row(row, environment()).text
            assert len(re.findall(r"^  have s\d+ :", text, re.M)) == len(row["steps"]) == data.step_count
            assert sorted(h.step for h in data.haves) == list(range(len(row["steps"])))


def test_not_renderable_is_a_value_with_reason():
    row = integral_row("0f" * 32, "1/sqrt(x**2 - 1)", "acosh(x)", ["x > 1"], [("table", "1/sqrt(x**2 - 1)",
                                                                               "acosh(x)", [], "", "")])
    result = lean_integral(row)
    assert isinstance(result, NotRenderable) and "acosh" in result.reason


def _commuted_chain(draw) -> dict:
    leaves = st.sampled_from([sym("a"), sym("b"), sym("c")])
    expr = draw(st.recursive(leaves, lambda kids: st.builds(lambda o, l, r: Expr(o, (l, r)),
                                                             st.sampled_from(["add", "mul"]), kids, kids),
                             max_leaves=8))
    steps, current = [], expr
    for _ in range(draw(st.integers(1, 6))):
        spots = [(p, n) for p, n in current.positions() if n.op in ("add", "mul")]
        if not spots:
            break
        path, node = draw(st.sampled_from(spots))
        left, right = node.args
        swapped = Expr(node.op, (right, left))
        backward = draw(st.booleans())
        first, second = (right, left) if backward else (left, right)
        after = current.replace_at(path, swapped)
        steps.append({"rule": f"{node.op}_comm", "direction": "backward" if backward else "forward",
                      "path": list(path), "substitution": f"a := {to_infix(first)}; b := {to_infix(second)}",
                      "before": to_infix(current), "after": to_infix(after)})
        current = after
    return {"uid": hashlib.sha256(to_infix(expr).encode()).hexdigest(), "kind": "theorem", "answer": "",
            "problem": f"Eq({to_infix(expr)}, {to_infix(current)})", "hypotheses": [], "domain": "int",
            "steps": steps}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_calc_has_exactly_one_line_per_step(data):
    row = _commuted_chain(data.draw)
    if not row["steps"]:
        return
    result = lean_theorem(row, RULES)
    assert isinstance(result, TheoremLean), getattr(result, "reason", "")
    text = render_row(row, environment(), RENDERERS).text
    calc_lines = re.findall(r"^      _ = (.*) := (.*)$", text, re.M)
    assert len(calc_lines) == len(row["steps"]) == result.step_count
    for (after, proof), step in zip(calc_lines, row["steps"]):
        assert proof.startswith("congrArg (fun t : Int =>") == bool(step["path"])
        assert proof.count(".symm") == (step["direction"] == "backward")
        assert "rfl" not in proof


def test_line_map_points_every_step_line_at_its_step():
    text = _module(INTEGRAL_ROWS + [], "real")
    ranges = line_map(text)
    lines = text.split("\n")
    for first, last, uid, step in ranges:
        for number in range(first, last + 1):
            line = lines[number - 1]
            match = re.match(r"\s*have s(\d+) :", line)
            if match:
                assert step == int(match.group(1)) and uid in {r["uid"] for r in INTEGRAL_ROWS}
    covered = {n for first, last, _, _ in ranges for n in range(first, last + 1)}
    for number, line in enumerate(lines, start=1):
        if line.startswith("theorem ") or line.strip().startswith("have s"):
            assert number in covered


# -- project writer, scan, CLI ----------------------------------------------------------------------------------

def test_project_layout_and_modules(tmp_path):
    rows = INTEGRAL_ROWS + [THEOREM_INT, THEOREM_REAL]
    report = write_project(rows, tmp_path / "lean", per_module=2, renderers=RENDERERS)
    root = tmp_path / "lean"
    assert report.rendered == 6 and not report.not_renderable
    assert (root / "lean-toolchain").read_text().strip() == "leanprover/lean4:v4.34.0"
    assert '@ "v4.34.0"' in (root / "lakefile.lean").read_text()
    assert (root / "Rpsdg" / "Basic.lean").read_text() == (Path(__file__).parents[1] / "lean" / "Rpsdg" /
                                                            "Basic.lean").read_text()
    assert (root / "Rpsdg.lean").read_text() == "import Rpsdg.Basic\n"
    assert (root / f"{ITEMS}.lean").read_text().splitlines() == [f"import {ITEMS}.{m[:-5]}" for m in sorted(
        p.name for p in (root / ITEMS).iterdir())]
    modules = sorted(p.name for p in (root / ITEMS).iterdir())
    assert modules == ["Int00000.lean", "Real00000.lean", "Real00001.lean", "Real00002.lean"]
    maps = json.loads((root / "linemap.json").read_text())
    assert {u for m in maps.values() for _, _, u, _ in m["ranges"]} == {r["uid"] for r in rows}
    for module in (root / ITEMS).iterdir():
        assert static_scan(module.read_text()) == []
    write_project(rows[:1], root, per_module=2, renderers=RENDERERS)  # replaced whole, no leftovers
    assert sorted(p.name for p in (root / ITEMS).iterdir()) == ["Real00000.lean"]


def test_static_scan_ignores_comments_and_strings():
    text = "-- sorry in a comment\n/- admit -/\ntheorem t : True := by\n  native_decide\n#eval \"sorry\"\n"
    assert static_scan(text) == ["line 4: native_decide"]
    assert static_scan("theorem u : 1 = 1 := by sorry") == ["line 1: sorry"]
    assert static_scan("axiom cheat : False") == ["line 1: axiom"]


def _hashes(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def test_lean_check_without_toolchain_exits_3_and_touches_nothing(sample_corpus, tmp_path, monkeypatch):
    before = _hashes(sample_corpus)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no toolchain is found, even where one is installed
    result = CliRunner().invoke(app, ["lean", "check", str(sample_corpus)])
    assert result.exit_code == 3
    assert "elan" in result.output and "embedded" in result.output
    assert _hashes(sample_corpus) == before


def test_render_cli_and_require_filter(sample_corpus, tmp_path):
    """`lean render` writes the project; keep_lean_passed's filtering is exercised with hand-set statuses
    (a test of the corpus rewrite only: these are not Lean verdicts)."""
    import shutil

    corpus = tmp_path / "c"
    shutil.copytree(sample_corpus, corpus)
    result = CliRunner().invoke(app, ["lean", "render", str(corpus), "--per-module", "40"])
    assert result.exit_code == 0, result.output
    summary = json.loads((corpus / "lean" / "render.json").read_text())
    assert summary["rendered"] + summary["not_renderable"] == 150
    from rpsdg.corpus.store import Corpus

    uids = [row["uid"] for row in Corpus(corpus).rows()]
    statuses = {u: {"status": "passed" if i % 3 else "failed"} for i, u in enumerate(uids)}
    removed = keep_lean_passed(corpus, statuses)
    kept = [row["uid"] for row in Corpus(corpus).rows()]
    assert removed == len([u for u in uids if statuses[u]["status"] != "passed"])
    assert kept == [u for u in uids if statuses[u]["status"] == "passed"]
    assert (corpus / "lean" / "render.json").is_file()
    assert Corpus(corpus).integrity_problems() == []


def test_repository_pin_matches_rendered_pin():
    from rpsdg.lean.project import PIN

    root = Path(__file__).parents[1]
    assert (root / "lean-toolchain").read_text().strip() == PIN["toolchain"]
    assert f'@ "{PIN["mathlib"]}"' in (root / "lakefile.lean").read_text()
    for template in ("integral/real", "theorem/int", "theorem/real", "equation/real", "common/module"):
        assert (root / "templates" / f"{template}.lean.j2").read_text() == \
            environment().loader.get_source(environment(), f"{template}.lean.j2")[0]


def test_render_cli_on_bad_corpus_exits_2(tmp_path):
    result = CliRunner().invoke(app, ["lean", "render", str(tmp_path / "missing")])
    assert result.exit_code == 2 and "not a directory" in result.output


def test_the_record_states_what_the_rendered_theorem_proves(tmp_path):
    """A record's ``lean`` field is made by the generator, the theorem by the renderer: same hypotheses, same
    ``problem ↔ solution`` (the record brackets conjunctions, which bind tighter than ``↔`` anyway)."""
    from rpsdg.corpus.store import Corpus

    out = tmp_path / "equation"
    build(BuildConfig(kind="equation", count=150, seed=8, out=out, format="jsonl"))
    compared = set()
    for row in Corpus(out).rows():
        data = lean_equation(row)
        if isinstance(data, NotRenderable):
            continue
        head, goal = row["lean"].split(" :\n    ", 1)
        rendered = f"{data.problem} ↔ {data.conclusion}"
        assert goal.replace("(", "").replace(")", "") == rendered.replace("(", "").replace(")", ""), row["uid"]
        binders = f"theorem equation_item ({data.variables} : ℝ)" + "".join(f" ({n} : {t})" for n, t in data.hypotheses)
        assert head.replace("(", "").replace(")", "") == binders.replace("(", "").replace(")", ""), row["uid"]
        compared.add(row["subkind"])
    assert len(compared) >= 7
