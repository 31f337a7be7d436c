"""The C parser (``rpsdg/expr/_fastparse.c``) reads every text to the tree the Python parser gives, or declines it.

``rpsdg.expr.parse`` asks the C parser first and runs its own reading where the C one declines (returns ``None``),
so the C parser must never return a tree the Python reading would not: compared here on the texts a small build of
every kind stores, on printed random trees and on random strings over the grammar's characters, each time against
the Python reading called directly (no memo, no C). The extension is built only by the optional compiled install
(``RPSDG_COMPILE=1``); ``tests/test_compiled.py`` runs this file on such an install.
"""

from __future__ import annotations

import importlib
import random

import pytest
from hypothesis import given, settings

_fastparse = pytest.importorskip(
    "rpsdg.expr._fastparse",
    reason="the C parser rpsdg.expr._fastparse is built only by the optional compiled install (RPSDG_COMPILE=1 "
           "pip install --no-build-isolation .; tests/test_compiled.py runs this file on one)")

from tree_samples import stored_texts, trees  # noqa: E402 (tests/tree_samples.py)

from rpsdg.errors import ParseError  # noqa: E402
from rpsdg.expr.printers import to_infix  # noqa: E402
from rpsdg.expr.tree import Expr  # noqa: E402
from rpsdg.kinds import kind_names  # noqa: E402

parse_module = importlib.import_module("rpsdg.expr.parse")  # the package re-exports the function under that name
C_CHARACTERS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_+-*/^(),=!<> ")
"""The characters the C parser reads (any other one, a tab say, makes it decline)."""


def python_tree(text: str) -> Expr | None:
    """The Python reading of ``text`` (not the memo, not the C parser); ``None`` where it refuses the text."""
    try:
        return parse_module._python_parsed(text, "test input")
    except ParseError:
        return None


def assert_same(ours: Expr, theirs: Expr) -> None:
    """Equal trees whose nodes are ``Expr`` with equal types of op, args and value throughout."""
    assert ours == theirs
    stack = [(ours, theirs)]
    while stack:
        a, b = stack.pop()
        assert type(a) is Expr and type(b) is Expr
        assert type(a.op) is str and type(a.args) is tuple and type(a.value) is type(b.value), (a, b)
        stack.extend(zip(a.args, b.args))


def check_text(text: str, must_handle: bool = False) -> bool:
    """Compare the two parsers on ``text``; whether the C parser handled it. A text the Python reading accepts
    may be declined only when it has a character the C parser does not read (or ``must_handle`` forbids that)."""
    ours = parse_module._c_parse(text)
    theirs = python_tree(text)
    if ours is not None:
        assert theirs is not None, f"the C parser accepts {text!r}, which the Python parser refuses"
        assert_same(ours, theirs)
        return True
    if theirs is not None:
        assert not must_handle and not set(text) <= C_CHARACTERS, f"the C parser declined {text!r}"
    return False


def test_parse_uses_the_c_parser_and_keeps_its_memo() -> None:
    assert parse_module._c_parse is not None
    text = "(x + 2)*y - 3/x"
    assert parse_module.parse(text) is parse_module.parse(text, "another name")
    assert parse_module._parsed(text, "fresh") == python_tree(text)
    with pytest.raises(ParseError, match="test input"):
        parse_module.parse("x + ", "test input")


@pytest.mark.parametrize("kind", kind_names())
def test_every_text_a_build_stores_parses_the_same(kind: str) -> None:
    texts = stored_texts(kind, 25)
    handled = sum(check_text(text) for text in texts)
    assert handled >= len(texts) // 3, (handled, len(texts))


@given(trees())
@settings(max_examples=400, deadline=None)
def test_printed_trees_parse_the_same(tree: Expr) -> None:
    check_text(to_infix(tree), must_handle=True)  # printed text: ASCII with spaces only


PIECES = ["x", "y", "z", "_", "a1", "0", "2", "07", "10", "123456789012345678901234", "-", "+", "*", "**", "/", "^",
          "(", ")", ",", "=", "==", "!=", "!", "<", "<=", ">", ">=", " ", "  ", "sin", "ln", "log", "sqrt", "Eq",
          "Ne", "Lt", "Ge", "FiniteSet", "Tuple", "Rational", "E", "pi", "lambda", "None", "\t", ".", "é", "(", ")",
          "x", "1", "-"]


def test_random_strings_over_the_grammar_parse_the_same() -> None:
    rng = random.Random(15)
    handled = 0
    total = 30_000
    for _ in range(total):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))
        handled += check_text(text)
    assert handled > total // 20  # most random strings are errors, but many parse


def test_random_strings_of_characters_parse_the_same() -> None:
    rng = random.Random(16)
    alphabet = "xy12 0+-*/^(),=!<>_E"
    for _ in range(20_000):
        check_text("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 10))))


@pytest.mark.parametrize("text", [
    "", " ", "x", " 12 ", "0", "007", "-0", "- -3", "+-+x", "--x", "-3**2", "(-3)**2", "-x**-y", "2**-x", "x**y**z",
    "x^y^z", "x ** 2", "x***2", "x ^ 2", "a - b - c", "a/b/c", "(x)", "((x))", "()", "(x,)", "(x, y)", "(x = y)",
    "(x = y) + 1", "x = y = z", "x < y", "x<y", "x<=y", "x==1", "x!=1", "x = 1", "x ! 1", "x<==y", "Eq(x, 1)",
    "Eq(x)", "Eq(x, 1, 2)", "ln(x)", "log(x)", "sin(x, y)", "sin()", "sin", "sin (x)", "foo(x)", "x(y)", "E", "E(x)",
    "lambda", "None", "True", "_", "Tuple", "Tuple()", "Tuple(x)", "FiniteSet()", "FiniteSet(1, -2)",
    "Rational(3, 4)", "Rational(-3, 4)", "Rational(3, 0)", "Rational(3, -0)", "Rational(x, 4)", "Rational(3)",
    "Rational(3, (4))", "Rational(3, 4) + 1", "2x", "1_000", "1.5", "x;y", "x\ty", "x\n", "x + \u0663",
    "x\x00", "9" * 19, "9" * 1000, "9" * 1001, "x + " + "9" * 1000, "x" * 500, "a1_b2",
])
def test_edge_texts_parse_the_same(text: str) -> None:
    check_text(text)


def test_the_limits_are_the_python_parsers() -> None:
    nesting = parse_module.MAX_NESTING
    for depth in range(nesting - 3, nesting + 3):
        check_text("(" * depth + "x" + ")" * depth)
        check_text("-" * depth + "x")
        check_text("sin(" * depth + "x" + ")" * depth)
        check_text("x**" * depth + "x")
    deepest = parse_module.MAX_DEPTH
    for terms in range(deepest - 3, deepest + 3):
        check_text("+".join(["x"] * terms))
        check_text("-".join(["1"] * terms))
    for digits in (parse_module.MAX_DIGITS - 1, parse_module.MAX_DIGITS, parse_module.MAX_DIGITS + 1):
        check_text("9" * digits)
        check_text("x + " * 300 + "9" * digits)
    check_text("x + 1 " * 400)  # over 1000 characters: the Python parser's exact tokens
    assert parse_module._c_parse("+".join(["x"] * (deepest - 2))) is not None


def test_the_c_parser_declines_what_it_cannot_read() -> None:
    class Text(str):
        pass

    assert parse_module._c_parse(Text("x")) is None
    assert parse_module._c_parse(3) is None  # type: ignore[arg-type]
    assert parse_module._c_parse("x\t+ 1") is None and parse_module._c_parse("x + é") is None
    assert parse_module._c_parse("x + " * 100_000 + "1") is None  # over MAX_TEXT


def test_the_c_parser_refuses_tables_with_tokens_it_does_not_know() -> None:
    tables = dict(expr=Expr, not_variables=parse_module._NOT_VARIABLES,
                  function_heads=parse_module._FUNCTION_ALIASES, relation_heads=parse_module._RELATION_HEADS,
                  binary=parse_module._BINARY, relation_tokens=parse_module._RELATION_TOKENS,
                  unary_bp=parse_module._UNARY_BP, max_nesting=parse_module.MAX_NESTING,
                  max_depth=parse_module.MAX_DEPTH, max_digits=parse_module.MAX_DIGITS,
                  max_length=parse_module.MAX_TEXT)
    assert _fastparse.Parser(**tables).parse("x + 1") == parse_module.parse("x + 1")
    for name, table in (("binary", parse_module._BINARY), ("relation_tokens", parse_module._RELATION_TOKENS)):
        for changed in ({**table, "%": next(iter(table.values()))}, dict(list(table.items())[1:])):
            with pytest.raises(ValueError, match="update rpsdg/expr/_fastparse.c"):
                _fastparse.Parser(**{**tables, name: changed})
