"""The C printer (``rpsdg/expr/_fastprint.c``) prints every tree as ``printers.py`` does, or declines it.

``printers.to_infix`` asks the C printer first and prints in Python where it declines (returns ``None``), so the
C printer must never return a text the Python printer would not: compared here on every expression a small build
of each kind stores (parsed back), on random trees and on trees the C printer must decline, each time against the
Python printer called directly. The module is built here from its source where it is not installed
(``conftest.py``'s ``c_module``), so the C code is tested wherever a C compiler is (skipped, with the reason, where
none is); ``tests/test_compiled.py`` runs this file on a compiled install too.
"""

from __future__ import annotations

import importlib.util

import pytest
from conftest import c_module_available  # tests/conftest.py
from hypothesis import given, settings
from tree_samples import stored_texts, trees  # tests/tree_samples.py

from rpsdg.errors import ParseError
from rpsdg.expr import printers
from rpsdg.expr.ops import FUNCTIONS
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, add, neg, num, sym
from rpsdg.kinds import kind_names

INSTALLED = importlib.util.find_spec("rpsdg.expr._fastprint") is not None

pytestmark = c_module_available("rpsdg.expr._fastprint")


def _tables() -> dict:
    return dict(prec=printers._PREC, atom=printers._ATOM, infix_symbols=printers._INFIX_SYMBOL,
                relation_infix=printers._RELATION_INFIX, relation_heads=printers._RELATION_HEAD,
                functions=frozenset(FUNCTIONS))


@pytest.fixture(scope="module")
def c_infix(c_module):
    return c_module("rpsdg.expr._fastprint").Printer(**_tables()).to_infix


def _python(e: Expr) -> str | None:
    try:
        return printers._infix(e)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError):
        return None


def check(c_infix, e: Expr, must_handle: bool = True) -> bool:
    """Compare the two printers on ``e``; whether the C printer handled it."""
    ours, theirs = c_infix(e), _python(e)
    if ours is not None:
        assert ours == theirs, e
        return True
    assert not must_handle, f"the C printer declined {theirs!r}"
    return False


def test_to_infix_uses_the_c_printer_exactly_where_it_is_installed() -> None:
    assert (printers._c_infix is not None) == INSTALLED
    e = add(num(-3), sym("x"))
    assert printers.to_infix(e) == printers._infix(e) == "-3 + x"


@pytest.mark.parametrize("kind", kind_names())
def test_every_expression_a_build_stores_prints_the_same(c_infix, kind: str) -> None:
    handled = 0
    for text in stored_texts(kind, 25):
        try:
            tree = parse(text, "stored text")
        except ParseError:
            continue  # words, not an expression
        handled += check(c_infix, tree)
    assert handled > 20


@given(trees())
@settings(max_examples=500, deadline=None)
def test_random_trees_print_the_same(c_infix, tree: Expr) -> None:
    check(c_infix, tree)


def _deep(depth: int) -> Expr:
    e = sym("x")
    for _ in range(depth):
        e = neg(add(e, num(1)))
    return e


@pytest.mark.parametrize("tree", [
    Expr("num", (), Fraction(1, 2)),             # a value that is not an int
    Expr("num", (), True),
    Expr("sym", (), "θ"),                        # not ASCII
    Expr("sym", (), 3),
    Expr("add", (num(1),)),                      # wrong arity: the Python printer raises
    Expr("add", (num(1), num(2), num(3))),
    Expr("frobnicate", (num(1),)),               # an unknown node kind
    add(sym("x"), Expr("sym", (), "θ")),
    _deep(300),                                  # deeper than the C printer's limit
])
def test_what_the_c_printer_does_not_know_is_declined(c_infix, tree: Expr) -> None:
    assert c_infix(tree) is None


def test_a_tree_just_inside_the_depth_limit_is_printed(c_infix) -> None:
    assert check(c_infix, _deep(199))  # 399 nodes deep


def test_numbers_of_every_size_print_as_python_prints_them(c_infix) -> None:
    for value in (0, 1, -1, 2**63 - 1, -2**63, 2**63, -2**63 - 1, 10**40, -10**40):
        assert check(c_infix, add(num(value), sym("x")))
        assert check(c_infix, neg(num(abs(value)) if value else sym("x")))


@pytest.mark.parametrize("table, change", [
    ("prec", {"pow": 41}), ("infix_symbols", {"pow": "^"}), ("relation_infix", {"lt": "<"}),
    ("relation_heads", {"eq": "Equality"}), ("atom", 99),
])
def test_the_c_printer_refuses_tables_it_does_not_print(c_module, table: str, change) -> None:
    tables = _tables()
    tables[table] = {**tables[table], **change} if isinstance(change, dict) else change
    with pytest.raises(ValueError, match="change _fastprint.c with it"):
        c_module("rpsdg.expr._fastprint").Printer(**tables)


# -- ac_text: the text of a tree prepared for keys up to associativity and commutativity -------------------------

@pytest.fixture(scope="module")
def c_ac_text(c_module):
    return c_module("rpsdg.expr._fastprint").ac_text


def _python_ac(tree, names) -> tuple:
    from rpsdg.kinds.theorem.generate import _python_ac_text

    try:
        return ("text", _python_ac_text(tree, names))
    except (KeyError, TypeError) as error:
        return ("raised", type(error))


def _c_ac(c_ac_text, tree, names) -> tuple:
    try:
        text = c_ac_text(tree, names)
    except (KeyError, TypeError) as error:
        return ("raised", type(error))
    return ("declined", None) if text is None else ("text", text)


def _ac_compare(c_ac_text, e: Expr) -> int:
    """Compare the two renderers on ``e`` prepared as ``ac_key`` prepares it, under an empty mapping and up to six
    renamings of its variables; how many comparisons."""
    import itertools

    from rpsdg.kinds.theorem.generate import _ac_tree

    tree = _ac_tree(e)
    names = sorted(e.free_symbols())
    mappings = [{}] + [{name: f"v{order[i]}" for i, name in enumerate(names)}
                       for order in itertools.islice(itertools.permutations(range(len(names))), 6)]
    for mapping in mappings:
        assert _c_ac(c_ac_text, tree, mapping) == _python_ac(tree, mapping), (e, mapping)
    return len(mappings)


def test_ac_text_renders_every_stored_theorem_side_as_python_does(c_ac_text) -> None:
    compared = 0
    for text in stored_texts("theorem", 150):
        try:
            e = parse(text)
        except ParseError:
            continue  # a word, not an expression
        for side in (e.args if e.op == "eq" else (e,)):
            compared += _ac_compare(c_ac_text, side)
    assert compared > 500


@settings(max_examples=300, deadline=None)
@given(trees())
def test_ac_text_renders_random_trees_as_python_does(c_ac_text, e: Expr) -> None:
    _ac_compare(c_ac_text, e)


def test_ac_text_sorts_ac_children_keeps_op_children_and_declines_the_rest(c_ac_text) -> None:
    tree = ("ac", "add", (("sym", "y"), "3", ("op", "pow", (("sym", "x"), "2"))))
    assert c_ac_text(tree, {}) == "add(3,pow(x,2),y)"
    assert c_ac_text(tree, {"x": "v1", "y": "v0"}) == "add(3,pow(v1,2),v0)"
    with pytest.raises(KeyError):
        c_ac_text(tree, {"x": "v1"})
    for declined in [("other", "add", ()), ("ac", 3, ()), ["ac", "add", ()], ("ac", "add", ["x"]), 4,
                     ("sym",), ("ac", "add", (("sym", "x"),))]:
        names = {"x": 7} if declined == ("ac", "add", (("sym", "x"),)) else {}
        assert c_ac_text(declined, names) is None, declined
    deep: tuple | str = "1"
    for _ in range(1000):
        deep = ("op", "neg", (deep,))
    assert c_ac_text(deep, {}) is None  # past its depth: the Python renderer's turn
