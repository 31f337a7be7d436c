"""The expression tree, our grammar and the printers: round trips, errors that name the input, safety."""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rpsdg.errors import ParseError
from rpsdg.expr import parse, to_infix
from rpsdg.expr.evaluate import OutsideDomain, evaluate
from rpsdg.expr.printers import LeanUnsupported, to_latex, to_lean, to_prefix
from rpsdg.expr.sampling import count_trees, sample_expr, split_weights, LeafDistribution
from rpsdg.expr.sympy_bridge import to_sympy
from rpsdg.expr.tree import FUNCTIONS, Expr, neg, num, sym
from rpsdg.kinds.integral.generate import LAMPLE_CHARTON_WEIGHTS

LEAVES = st.one_of(st.integers(-20, 20).map(num), st.sampled_from(["x", "y", "z"]).map(sym))


def _trees():
    def extend(children):
        binary = st.tuples(st.sampled_from(["add", "sub", "mul", "div", "pow"]), children, children).map(
            lambda t: Expr(t[0], (t[1], t[2])))
        unary = st.tuples(st.sampled_from(list(FUNCTIONS)), children).map(lambda t: Expr(t[0], (t[1],)))
        negated = children.map(neg)
        return st.one_of(binary, unary, negated)

    return st.recursive(LEAVES, extend, max_leaves=12)


@given(_trees())
@settings(max_examples=300, deadline=None)
def test_infix_round_trips_exactly(tree):
    assert parse(to_infix(tree)) == tree


@given(_trees())
@settings(max_examples=150, deadline=None)
def test_infix_means_the_same_to_sympy(tree):
    """SymPy reads our text as the same function: compare values at a point where both are defined."""
    point = {"x": 0.37, "y": 1.21, "z": 2.03}
    # Only trees whose every part is a modest number: 15**(14**20) would have SymPy build the exact integer
    # (forever), and sin(15**14) in floats has lost every digit.
    assume(_well_conditioned(tree, point))
    expected = evaluate(tree, point)
    ours = to_sympy(tree, real=False)
    theirs = sympy.sympify(to_infix(tree))  # our own printed text only: this is a test of the printer, not of input
    subs = {sympy.Symbol(k): v for k, v in point.items()}
    for value in (ours.evalf(subs=subs), theirs.evalf(subs=subs)):
        assert complex(value) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def _well_conditioned(tree: Expr, point: dict[str, float]) -> bool:
    """Whether every subtree's float value is small enough that a double keeps its digits."""
    for _, node in tree.positions():
        try:
            if abs(evaluate(node, point)) > 1e6:
                return False
        except OutsideDomain:
            return False
    return True


@pytest.mark.parametrize("text, expected", [
    ("-x**2", "-x**2"), ("(-x)**2", "(-x)**2"), ("-3*x", "-3*x"), ("x - (y - z)", "x - (y - z)"),
    ("x**y**z", "x**(y**z)"), ("(x**y)**z", "(x**y)**z"), ("x/(y*z)", "x/(y*z)"), ("2**-x", "2**(-x)"),
    ("Eq(x + 1, 2*y)", "Eq(x + 1, 2*y)"), ("x > 0", "x > 0"), ("Ne(x, 0)", "Ne(x, 0)"),
    ("FiniteSet(1, -2)", "FiniteSet(1, -2)"), ("ln(x)", "log(x)"), ("x ^ 2", "x**2"),
])
def test_parse_and_print(text, expected):
    assert to_infix(parse(text)) == expected


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"), ("x +", "expected") , ("__import__('os')", "unexpected character"), ("__import__(x)", "unknown function"), ("x; y", "unexpected"),
    ("foo(x)", "unknown function"), ("E + 1", "reserved"), ("sin(x, y)", "takes 1"), ("(x", "expected ')'"),
    ("1.5*x", "unexpected"), ("lambda", "reserved"), ("x + \u0663", "unexpected character"), ("x ! 2", "column 3"),
])
def test_parse_errors_name_the_input(text, fragment):
    with pytest.raises(ParseError) as error:
        parse(text, "test input")
    assert "test input" in str(error.value) and fragment in str(error.value)


@pytest.mark.parametrize("text", [
    "Eq(4*x - 28, 12*x + 12)", "x**2/4 - x/2 - 15/4", "FiniteSet(-6, 7)", "Tuple(Eq(x, 5), Eq(y, -2*x + 17))",
    "2**-x", "x**(-y)", "x**y**z", "-(4*(z*y) - (x*x + 2*x))", "0 < a", "x <= y", "Rational(3, 4)", "ln(x)^2",
])
def test_spaced_reading_gives_the_exact_tokens_trees(text):
    """Short ASCII texts are read by spacing the one-character operators (``**`` as ``^``); the tree is the one the
    exact regular-expression tokens give."""
    from rpsdg.expr.parse import _quick_tokenize, _tokenize, _top

    assert _top(_quick_tokenize(text)) == _top(_tokenize(text, "test input"))


@pytest.mark.parametrize("text, expected", [
    ("x<=y", "x <= y"), ("x==1", "Eq(x, 1)"), ("x!=1", "Ne(x, 1)"), ("a>b", "a > b"), ("x\t+\ny", "x + y"),
    ("x=1", "Eq(x, 1)"), (" 12 ", "12"), ("x ** 2", "x**2"),
])
def test_texts_the_spaced_reading_cannot_split_parse_exactly(text, expected):
    """A relation written without spaces, or a tab, leaves a token the spaced reading cannot accept; the exact
    tokens are read then, to the same tree as the written-out form."""
    assert to_infix(parse(text)) == expected


def test_parse_caps_nesting_and_size():
    with pytest.raises(ParseError, match="nesting"):
        parse("(" * 500 + "x" + ")" * 500)
    with pytest.raises(ParseError, match="limit"):
        parse("x+" * 150_000 + "x")
    with pytest.raises(ParseError, match="deeper"):
        parse("x+" * 1000 + "x")


def test_positions_and_replace():
    tree = parse("sin(x + 1)*y")
    assert tree.at((0, 0)) == parse("x + 1")
    assert to_infix(tree.replace_at((0, 0, 1), sym("z"))) == "sin(x + z)*y"
    assert [path for path, _ in tree.positions()][:3] == [(), (0,), (0, 0)]


def test_renderings():
    tree = parse("sqrt(x)/(x + 1)**2")
    assert to_prefix(parse("x**2 - 3")) == ["sub", "pow", "x", "INT+", "2", "INT+", "3"]
    assert to_prefix(parse("log(-12)")) == ["ln", "INT-", "1", "2"]
    assert to_latex(tree) == r"\frac{\sqrt{x}}{\left(x + 1\right)^{2}}"
    assert to_lean(tree) == "Real.sqrt x / (x + 1) ^ 2"
    assert to_lean(parse("x**(-1)")) == "x ^ (-1 : ℤ)"
    assert to_lean(parse("log(sin(x))*exp(-x)")) == "Real.log (Real.sin x) * Real.exp (-x)"
    assert to_lean(parse("a*(b + c)"), "int") == "a * (b + c)"
    with pytest.raises(LeanUnsupported):
        to_lean(parse("atanh(x)"))
    with pytest.raises(LeanUnsupported):
        to_lean(parse("a/b"), "int")


def test_count_trees_matches_known_values():
    """Unary-binary trees with n operators are counted by the large Schröder numbers."""
    assert [count_trees(1, n) for n in range(6)] == [1, 2, 6, 22, 90, 394]


def test_sampling_is_uniform_over_shapes():
    """With 2 operators there are 6 shapes; each should come up about 1/6 of the time."""
    from rpsdg.expr.sampling import sample_shape

    rng = random.Random(0)
    counts: dict[str, int] = {}
    for _ in range(6000):
        key = repr(sample_shape(rng, 2))
        counts[key] = counts.get(key, 0) + 1
    assert len(counts) == 6
    assert all(850 < n < 1150 for n in counts.values()), counts


def test_sample_expr_has_the_requested_operator_count():
    unary, binary = split_weights(LAMPLE_CHARTON_WEIGHTS)
    rng = random.Random(3)
    for operators in range(1, 10):
        tree = sample_expr(rng, operators, unary, binary, LeafDistribution())
        internal = sum(1 for _, node in tree.positions() if node.args)
        assert internal == operators  # pow2..5 and inv add literal leaves, never operators


def test_parse_remembers_trees_but_not_errors():
    """Short texts are remembered (an export re-reads a record's steps for every corrupted copy); a remembered
    tree is the tree a fresh parse gives, and a text that fails names each caller's input every time."""
    from rpsdg.expr.parse import MEMO_MAX_TEXT, _parsed

    text = "(x + 2)*y - 3/x"
    assert parse(text) == _parsed(text, "fresh") and parse(text) is parse(text, "another name")
    for what in ("first input", "second input"):
        with pytest.raises(ParseError, match=what):
            parse("x + ", what)
    long_text = "+".join(["x"] * (MEMO_MAX_TEXT // 2 + 1))
    assert parse(long_text) == _parsed(long_text, "fresh") and parse(long_text) is not parse(long_text)
