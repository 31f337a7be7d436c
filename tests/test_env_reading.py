"""The reader of model text: final answers, LaTeX to our grammar, bounds."""

from __future__ import annotations

import pytest

from rpsdg.env.reading import MAX_TEXT_CHARS, bounded, final_answer, math_segments, read_expr, split_top
from rpsdg.expr.parse import parse


@pytest.mark.parametrize("text,expected", [
    (r"\frac{x^2}{2}", "x**2/2"),
    (r"\dfrac{1}{x+1}", "1/(x + 1)"),
    (r"2x\sqrt{x}", "2*x*sqrt(x)"),
    (r"\sqrt[3]{x+1}", "(x + 1)**(1/3)"),
    (r"x^{2}e^{x}", "x**2*exp(x)"),
    (r"e^x", "exp(x)"),
    (r"\sin^2 x + \cos x", "sin(x)**2 + cos(x)"),
    (r"\sin x \cos x", "sin(x)*cos(x)"),
    (r"\ln\left(x\right)", "log(x)"),
    (r"\ln|x|", "log(sqrt(x**2))"),
    (r"\left(x + 1\right)\left(x - 1\right)", "(x + 1)*(x - 1)"),
    (r"2 \cdot x \times 3", "2*x*3"),
    (r"0.25x", "1/4*x"),
    (r"\arctan(x) + \operatorname{arsinh}(x)", "atan(x) + asinh(x)"),
    (r"\exp\left(\frac{x}{2} + 1\right)", "exp(x/2 + 1)"),
    ("x**2*exp(x)", "x**2*exp(x)"),
    ("(x+1)^2", "(x + 1)**2"),
    (r"\frac{1}{\sqrt{\left(x^{2}\right)^{2} + 1}} \left(2 x\right)", "1/sqrt((x**2)**2 + 1)*(2*x)"),
])
def test_latex_and_plain_read_as_our_trees(text, expected):
    assert read_expr(text) == parse(expected)


@pytest.mark.parametrize("text,expected", [
    (r"so \boxed{x^2 + C} done", "x^2 + C"),
    (r"The answer is $x = 3$.", "x = 3"),
    ("Answer: 5\n", "5"),
    ("first line\nlast line", "last line"),
    (r"\boxed{\frac{1}{2}} and later \boxed{7}", "7"),
    (r"$$x = 2$$", "x = 2"),
])
def test_final_answer(text, expected):
    assert final_answer(text) == expected


def test_unreadable_and_oversized_text_is_refused():
    for text in [r"\unknowncommand{x}", "x^{" * 200, "9" * 40, "x**1000", "(" * 300, r"\pi x", "1,5.3.2"]:
        assert read_expr(text) is None
    assert final_answer("x" * (MAX_TEXT_CHARS + 1)) is None
    assert final_answer("") is None and final_answer(None) is None  # type: ignore[arg-type]
    assert not bounded(parse("((x + 1)**64)**64"))
    assert bounded(parse("(x + 1)**6"))


def test_split_and_math_segments():
    assert split_top("x = 1, (y, z) = (2, 3) or w <= 4", (",", " or ")) == ["x = 1", "(y, z) = (2, 3)", "w <= 4"]
    assert split_top("a = b <= c = d", ("=",)) == ["a", "b <= c", "d"]
    assert math_segments(r"We get $x = 2$ and \(y = 3\).") == ["x = 2", "y = 3"]
    assert math_segments("no maths") == ["no maths"]
