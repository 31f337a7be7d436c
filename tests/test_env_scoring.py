"""score_answer and grade_steps: every kind's own answers and solutions pass, equivalent forms pass, corrupted
ones fail (at the corrupted step), and hostile text never raises."""

from __future__ import annotations

import copy
import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rpsdg
from rpsdg.env.dataset import item_of
from rpsdg.expr.canonical import simplify
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix, to_latex
from rpsdg.kinds import get_kind, kind_names
from rpsdg.maths.calculus import derivative

PER_LEVEL = {"integral": 4, "equation": 4, "theorem": 3}


@functools.cache
def items(kind: str) -> list:
    out = []
    for level in (1, 2, 3, 4, 5):
        dataset = rpsdg.create_dataset(kind, PER_LEVEL.get(kind, 3), seed=11, levels=[level])
        out.extend(dataset)
    return out


def _row(problem: str, answer: str, hypotheses=(), uid: str = "test") -> dict:
    return {"kind": "integral", "uid": uid, "level": 1, "problem": problem, "answer": answer,
            "hypotheses": list(hypotheses), "steps": []}


@pytest.mark.parametrize("kind", kind_names())
def test_own_answers_and_solutions_pass_at_every_level(kind):
    for item in items(kind):
        assert rpsdg.score_answer(item, item.answer) == 1.0, (item.uid, item.answer)
        assert rpsdg.score_answer(item, f"So the answer is ${item.answer}$.") == 1.0
        assert rpsdg.score_answer(item, f"blah\n\\boxed{{{item.answer}}}\n") == 1.0
        grades = rpsdg.grade_steps(item, item.solution)
        assert grades and all(g.label == "correct" for g in grades), [(g.text, g.reason) for g in grades
                                                                       if g.label != "correct"]
        assert not any(g.first_error for g in grades)
    assert {item.level for item in items(kind)} == {1, 2, 3, 4, 5}


def test_every_kind_has_the_environment_hooks():
    for kind in kind_names():
        spec = get_kind(kind)
        assert all(getattr(spec, hook) is not None for hook in
                   ("question", "reference_answer", "solution_text", "score_answer", "grade_claim"))


# -- integrals: equivalent forms -------------------------------------------------------------------------------

def test_integral_equivalent_forms_score_one():
    for item in items("integral"):
        answer = parse(item.record["answer"])
        assert rpsdg.score_answer(item, f"{item.record['answer']} + 17") == 1.0
        assert rpsdg.score_answer(item, f"{item.record['answer']} - 3/4 + C") == 1.0
        assert rpsdg.score_answer(item, f"$\\boxed{{{to_latex(answer)} + K}}$") == 1.0
        try:
            expanded = to_infix(simplify(answer))
        except ArithmeticError:
            continue
        assert rpsdg.score_answer(item, expanded) == 1.0, (item.record["answer"], expanded)


@pytest.mark.parametrize("problem,hypotheses,answer", [
    ("2*sin(x)*cos(x)", [], r"-\frac{1}{2}\cos(2x)"),                      # trig-rewritten
    ("2*sin(x)*cos(x)", [], r"\sin^2 x + 5"),
    ("2*sin(x)*cos(x)", [], r"-\cos^{2}(x)"),
    ("1/x", ["x > 0"], r"\ln|x| + C"),
    ("1/x", ["x > 0"], r"\log(3x)"),                                       # another constant: log 3
    ("(x + 1)**2", [], r"\frac{x^3}{3} + x^2 + x"),                       # expanded
    ("(x + 1)**2", [], r"\frac{(x+1)^{3}}{3}"),
    ("exp(2*x)", [], r"\frac{1}{2} e^{2x}"),
    ("exp(2*x)", [], r"0.5\exp\left(2 x\right)"),
    ("1/(1 + x**2)", [], r"\arctan x"),
    ("cos(x)**2 - sin(x)**2", [], r"\sin(x)\cos(x)"),
    ("1/(2*sqrt(x))", ["x > 0"], r"\sqrt{x}"),
    ("3*x**2", [], "The answer is x^3 + C."),
])
def test_integral_hand_made_equivalents(problem, hypotheses, answer):
    row = _row(problem, to_infix(parse(problem)), hypotheses)
    # the stored answer only seeds the domain sampler; give a correct one
    reference = {"2*sin(x)*cos(x)": "sin(x)**2", "1/x": "log(x)", "(x + 1)**2": "(x + 1)**3/3",
                 "exp(2*x)": "exp(2*x)/2", "1/(1 + x**2)": "atan(x)", "cos(x)**2 - sin(x)**2": "sin(x)*cos(x)",
                 "1/(2*sqrt(x))": "sqrt(x)", "3*x**2": "x**3"}[problem]
    row["answer"] = reference
    assert rpsdg.score_answer(row, answer) == 1.0


def test_integral_corruptions_score_zero():
    for item in items("integral"):
        answer, problem = item.record["answer"], item.record["problem"]
        assert rpsdg.score_answer(item, f"-({answer})") == 0.0, "sign flip"
        assert rpsdg.score_answer(item, f"2*({answer})") == 0.0, "wrong constant factor"
        assert rpsdg.score_answer(item, f"({answer})/3") == 0.0, "wrong constant factor"
        assert rpsdg.score_answer(item, problem) == 0.0, "the integrand itself"
        assert rpsdg.score_answer(item, to_infix(derivative(parse(problem)))) == 0.0, "derivative of the integrand"
        assert rpsdg.score_answer(item, f"{answer} + x") == 0.0, "an extra term"


def test_integral_answer_defined_on_less_than_the_domain_scores_zero():
    row = _row("1", "x")
    assert rpsdg.score_answer(row, "x") == 1.0
    assert rpsdg.score_answer(row, "sqrt(x)**2") == 0.0   # equals x only for x >= 0
    assert rpsdg.score_answer(row, "x*y") == 0.0         # a stray variable


# -- equations ------------------------------------------------------------------------------------------------

def _solutions(item) -> list:
    return [tuple(e.args) if e.op == "tuple" else (e,) for e in parse(item.record["answer"]).args]


def test_equation_equivalent_forms_score_one():
    for item in items("equation"):
        solutions = _solutions(item)
        if item.record["problem"].startswith("Tuple"):
            (point,) = solutions
            names = "xyz"[:len(point)]
            latex = ", ".join(to_latex(v) for v in point)
            assert rpsdg.score_answer(item, f"$\\boxed{{({latex})}}$") == 1.0
            backwards = ", ".join(f"{n} = {to_infix(v)}" for n, v in reversed(list(zip(names, point))))
            assert rpsdg.score_answer(item, f"The answer is {backwards}") == 1.0
            if len(set(point)) > 1:
                swapped = ", ".join(to_infix(v) for v in reversed(point))
                assert rpsdg.score_answer(item, f"({swapped})") == 0.0
            wrong = ", ".join(to_infix(v) for v in point[:-1]) + f", {to_infix(point[-1])} + 1"
            assert rpsdg.score_answer(item, f"({wrong})") == 0.0
            continue
        roots = [s[0] for s in solutions]
        reordered = list(reversed(roots))
        assert rpsdg.score_answer(item, " or ".join(f"x = {to_infix(r)}" for r in reordered)) == 1.0
        assert rpsdg.score_answer(item, "x \\in \\{" + ", ".join(to_latex(r) for r in reordered) + "\\}") == 1.0
        assert rpsdg.score_answer(item, ", ".join(to_infix(simplify(r)) for r in roots)) == 1.0
        assert rpsdg.score_answer(item, ", ".join(f"x = {to_infix(r)}" for r in roots + roots[:1])) == 1.0
        # corruptions
        assert rpsdg.score_answer(item, ", ".join(f"x = {to_infix(r)}" for r in roots + [parse("1000")])) == 0.0
        if len(roots) > 1:
            assert rpsdg.score_answer(item, ", ".join(f"x = {to_infix(r)}" for r in roots[1:])) == 0.0
        assert rpsdg.score_answer(item, "no solution") == 0.0
        assert rpsdg.score_answer(item, f"x = -({to_infix(roots[0])}) + 1/7") == 0.0


def test_equation_no_solution_answer():
    row = {"kind": "equation", "uid": "t", "level": 1, "problem": "Eq(x + 1, x)", "answer": "FiniteSet()",
           "hypotheses": [], "steps": []}
    assert rpsdg.score_answer(row, "There is no solution.") == 1.0
    assert rpsdg.score_answer(row, r"$\emptyset$") == 1.0
    assert rpsdg.score_answer(row, "x = 1") == 0.0


# -- theorems ---------------------------------------------------------------------------------------------------

def test_theorem_chains():
    for item in items("theorem"):
        problem = parse(item.record["problem"])
        lhs, rhs = problem.args
        chain = [lhs] + [parse(s["after"]) for s in item.record["steps"]]
        text = " = ".join(to_infix(e) for e in chain)
        assert rpsdg.score_answer(item, text) == 1.0
        assert rpsdg.score_answer(item, " = ".join(to_infix(e) for e in reversed(chain))) == 1.0
        broken = chain[:-1] + [parse(f"({to_infix(rhs)}) + 1")]
        assert rpsdg.score_answer(item, " = ".join(to_infix(e) for e in broken)) == 0.0
        wrong_middle = chain[:1] + [parse(f"2*({to_infix(chain[1])})")] + chain[1:]
        assert rpsdg.score_answer(item, " = ".join(to_infix(e) for e in wrong_middle)) == 0.0
        assert rpsdg.score_answer(item, "x") == 0.0


def test_theorem_needs_a_rule_where_the_canonical_form_cannot_decide():
    row = {"kind": "theorem", "uid": "t", "level": 1, "problem": "Eq(exp(log(y)) + 1, y + 1)", "answer": "",
           "hypotheses": ["0 < y"], "steps": [], "domain": "real"}
    assert rpsdg.score_answer(row, "exp(log(y)) + 1 = y + 1") == 1.0      # one rule (exp_log) under 0 < y
    no_hypothesis = dict(row, hypotheses=[])
    assert rpsdg.score_answer(no_hypothesis, "exp(log(y)) + 1 = y + 1") == 0.0


# -- grade_steps: corrupted solutions -------------------------------------------------------------------------

def _corrupt(kind: str, record: dict, k: int) -> dict:
    record = copy.deepcopy(record)
    step = record["steps"][k]
    if kind == "integral":
        step["antiderivative"] = f"2*({step['antiderivative']}) + x"
    elif kind == "theorem":
        step["after"] = f"({step['after']}) + 1"
    else:
        after = parse(step["after"])
        if after.op == "tuple":
            first = after.args[0]
            step["after"] = to_infix(after.__class__("tuple", (parse(f"Eq({to_infix(first.args[0])}, "
                                                                        f"{to_infix(first.args[1])} + 1)"),)
                                                     + after.args[1:]))
        else:
            step["after"] = f"Eq({to_infix(after.args[0])}, 2*({to_infix(after.args[1])}) + 1)"
    return record


def _line_of_stored_step(record: dict, k: int) -> int:
    """Where the integral reference solution (top down) states stored step k's result."""
    from rpsdg.kinds.integral.score import solution_lines

    return next(i for i, (stored, role, _) in enumerate(solution_lines(record)) if stored == k and role != "announce")


@pytest.mark.parametrize("kind", kind_names())
def test_grade_steps_marks_the_corrupted_step(kind):
    checked = 0
    for item in items(kind):
        steps = item.record["steps"]
        k = len(steps) // 2
        if kind == "integral" and steps[k]["rule"] == "rewrite":
            continue
        corrupted = item_of(_corrupt(kind, dict(item.record), k))
        grades = rpsdg.grade_steps(corrupted, corrupted.solution)
        position = _line_of_stored_step(item.record, k) if kind == "integral" else k
        if kind == "equation" and grades[position].label == "correct":
            continue  # a changed constant that keeps the solution set (rare) is no corruption
        assert grades[position].label == "incorrect", (item.uid, grades[position])
        assert grades[position].first_error
        assert [g.index for g in grades if g.first_error] == [position]
        checked += 1
    assert checked >= len(items(kind)) * 2 // 3


def test_grade_steps_equation_examples():
    row = {"kind": "equation", "uid": "t", "level": 3, "problem": "Eq(x**2 - 5*x + 6, 0)",
           "answer": "FiniteSet(2, 3)", "hypotheses": [], "steps": []}
    text = "\n".join([
        "We factor: $(x - 2)(x - 3) = 0$",
        "so $x - 2 = 0$ or $x - 3 = 0$",
        "Now $x = 2$",                                # loses a root
        "Then $x^2 - 5x + 6 + 0 = 0$",                # true but useless: correct
        "Discriminant $25 - 24 = 1$",
        "and $x^2 = 5x - 7$",                         # wrong
        "Some words without maths.",
        "Answer: $\\boxed{x = 2, x = 3}$",
    ])
    labels = [g.label for g in rpsdg.grade_steps(row, text)]
    assert labels == ["correct", "correct", "incorrect", "correct", "correct", "incorrect", "unparsed", "correct"]
    assert [g.first_error for g in rpsdg.grade_steps(row, text)].index(True) == 2


def test_grade_steps_integral_chain_continues():
    row = _row("2*x*exp(x**2)", "exp(x**2)")
    text = "$\\int 2x e^{x^2} \\, dx = e^{x^2} + C$\n$= \\exp(x^2) + 5$\n$= 2e^{x^2}$"
    assert [g.label for g in rpsdg.grade_steps(row, text)] == ["correct", "correct", "incorrect"]


# -- hostile text ---------------------------------------------------------------------------------------------

HOSTILE = [
    "", " ", None, 12, "(" * 5000, ")" * 5000, "x^{" * 400, "9" * 5000, "\\frac" * 2000, "\\boxed{" * 300,
    "(x + 1)^{64}^{64}^{64}", "((x+1)^64)^64", "(x + y + z + 1)^{60}", "2^{2^{2^{2^{2^{2}}}}}", "10^{10^{10}}",
    "x" * 20001, "\\sqrt[" + "9" * 200 + "]{x}", "e^{e^{e^{e^{e^{e^{x}}}}}}", "\\sin^{999999999} x",
    "__import__('os').system('echo hi')", "lambda: 0", "x = 1 = 2 = = = ", "{{{{}}}}", "\\boxed{}", "$$$$",
    "x \\in \\{" + ", ".join(str(i) for i in range(2000)) + "\\}", "0.0000000000000000000000001x",
    "1/0", "log(0)", "sqrt(-1)", "x^{-64}", "(x - x)^{-1}", "\\int \\int dx", "\u0000\u202e", "x" * 1400,
    "|x| |x| |", "\\left( \\right)", "x ** -(-(-(-(-(-(-(-(-1))))))))",
]


@pytest.mark.parametrize("kind", kind_names())
def test_hostile_text_scores_zero_and_never_raises(kind):
    item = items(kind)[-1]
    for text in HOSTILE:
        value = rpsdg.score_answer(item, text)
        assert value in (0.0, 1.0)
        grades = rpsdg.grade_steps(item, text)
        assert all(g.label in ("correct", "incorrect", "unparsed") for g in grades)


_TOKENS = st.sampled_from(["x", "y", "2", "10", "+", "-", "*", "/", "^", "(", ")", "{", "}", "\\frac", "\\sqrt",
                           "\\sin", "\\ln", "e", "=", ",", " or ", "\\boxed{", "|", "\\cdot", "\\left(",
                           "\\right)", "$", "\n", "C", "\\int", "dx", "0.5", "64", "!", "\\pi", "[", "]", "_"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=40), st.sampled_from(sorted(PER_LEVEL)))
def test_fuzzed_model_text_never_raises(tokens, kind):
    item = items(kind)[0]
    text = "".join(tokens)
    assert 0.0 <= rpsdg.score_answer(item, text) <= 1.0
    assert isinstance(rpsdg.grade_steps(item, text), list)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_fuzzed_unicode_never_raises(text):
    item = items("integral")[0]
    assert 0.0 <= rpsdg.score_answer(item, text) <= 1.0
    assert isinstance(rpsdg.grade_steps(item, text), list)


@pytest.mark.parametrize("text", [
    "**Answer:** $x^3 + C$", "The antiderivative is $x^3$ plus a constant", r"$x^3 + \mathcal{C}$",
    "x^3 + C, where C is a constant", r"F(x) = x^3 + \text{const}", r"$$\int 3x^2\,dx = x^3 + C$$",
    "x^3 + C for all x", "Final answer: x**3 + 2", r"\[ \boxed{x^{3}} \]",
])
def test_integral_answers_in_model_formats(text):
    assert rpsdg.score_answer(_row("3*x**2", "x**3"), text) == 1.0


@pytest.mark.parametrize("text,expected", [
    (r"x = \frac{5 \pm \sqrt{13}}{2}", 1.0),
    (r"The solutions are $x = \frac{5+\sqrt{13}}{2}$ and $x = \frac{5-\sqrt{13}}{2}$.", 1.0),
    (r"x_1 = \frac{5 - \sqrt{13}}{2}, \quad x_2 = \frac{5 + \sqrt{13}}{2}", 1.0),
    (r"x = \frac{5 + \sqrt{13}}{2}", 0.0),
    (r"x = \frac{5 \pm \sqrt{12}}{2}", 0.0),
])
def test_equation_answers_in_model_formats(text, expected):
    row = {"kind": "equation", "uid": "t", "level": 3, "problem": "Eq(x**2 - 5*x + 3, 0)",
           "answer": "FiniteSet(5/2 - sqrt(13)/2, 5/2 + sqrt(13)/2)", "hypotheses": [], "steps": []}
    assert rpsdg.score_answer(row, text) == expected


def test_a_chain_may_start_on_its_own_line():
    row = _row("2*x*exp(x**2)", "exp(x**2)")
    text = "$$\\int 2x e^{x^2} \\, dx$$\n$= e^{x^2} + C$\n$= 3 e^{x^2}$"
    assert [g.label for g in rpsdg.grade_steps(row, text)] == ["unparsed", "correct", "incorrect"]
    theorem = {"kind": "theorem", "uid": "t", "level": 1, "problem": "Eq((x + 1)**2, x**2 + 2*x + 1)",
               "answer": "", "hypotheses": [], "steps": [], "domain": "real"}
    text = "$(x + 1)^2$\n$= (x + 1)(x + 1)$\n$= x^2 + x + x + 1$\n$= x^2 + 3x + 1$"
    assert [g.label for g in rpsdg.grade_steps(theorem, text)] == ["unparsed", "correct", "correct", "incorrect"]


def test_grade_steps_flags_every_prm_corruption_of_integral_steps():
    """The prm export's corruptions (sign error, wrong constant, dropped factor, missing chain-rule factor,
    misapplied rule, swapped sides) that its checker confirms at a step are flagged at that step. (For equations
    and theorems the prm checker judges the *move*, while grade_steps judges the *claim*: a step that writes the
    previous equation again is a wrong move but a true claim, so the comparison holds for integrals only.)"""
    import random

    from rpsdg.export.prm import CORRUPTIONS, INPUT_KEY, Confirmer, _corrupt

    confirmer = Confirmer("integral")
    flagged = 0
    for item in items("integral"):
        steps = item.record["steps"]
        for k in {k for k in (1, len(steps) // 2, len(steps) - 1) if 0 < k < len(steps)}:
            step = dict(steps[k], **{INPUT_KEY: steps[k]["integrand"]})
            for name in CORRUPTIONS:
                changed = _corrupt(name, step, parse(steps[k]["antiderivative"]), random.Random(k))
                if changed is None:
                    continue
                row = copy.deepcopy(dict(item.record))
                row["steps"][k]["antiderivative"] = to_infix(changed)
                verdict = confirmer.verdict(row, k)
                if verdict is None or verdict.status != "rejected" or verdict.step != k:
                    continue
                grades = rpsdg.grade_steps(row, item_of(row).solution)
                assert grades[_line_of_stored_step(row, k)].label == "incorrect", (name, item.uid, k)
                flagged += 1
    assert flagged >= 20


def test_grade_steps_follows_a_u_substitution():
    row = _row("2*x*cos(x**2)", "sin(x**2)")
    text = "\n".join([
        r"Let $u = x^2$, so $du = 2x \, dx$.",
        r"Then $\int 2x\cos(x^2)\,dx = \int \cos(u)\,du$",
        r"$= \sin(u) + C$",
        r"$= \sin(x^2) + C$",
        r"Wrong: $\int \cos(u) du = -\sin(u)$",
        r"Also wrong: $du = x\,dx$",
        r"Answer: $\boxed{\sin(x^2) + C}$",
    ])
    labels = [g.label for g in rpsdg.grade_steps(row, text)]
    assert labels == ["correct", "correct", "correct", "correct", "incorrect", "incorrect", "correct"]


def test_grade_steps_reads_integration_by_parts():
    row = _row("x*exp(x)", "x*exp(x) - exp(x)")
    text = "\n".join([
        r"By parts: $\int x e^x \, dx = x e^x - \int e^x \, dx$",
        r"$= x e^x - e^x + C$",
        r"Wrong: $\int x e^x \, dx = x e^x + \int e^x \, dx$",
        r"$\int x e^x dx = (\int x dx)(\int e^x dx)$",      # not linear in its integrals: not read
    ])
    assert [g.label for g in rpsdg.grade_steps(row, text)] == ["correct", "correct", "incorrect", "unparsed"]
