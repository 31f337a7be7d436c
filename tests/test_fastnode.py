"""``rpsdg.expr._fastnode.new`` (the compiled build's node constructor) is ``tuple.__new__``.

For a node the result is an ``Expr`` equal to what ``tuple.__new__`` makes, field for field and by identity of the
fields, with the same reference counts; any other input (another class, items that are not a tuple, a wrong
number of arguments) gives ``tuple.__new__``'s result or its error, message included. ``tree.new_node`` is this
function in the compiled build and ``tuple.__new__`` elsewhere.

The module is built here from ``python/rpsdg/expr/_fastnode.c`` (``conftest.py``'s ``c_module``) where it is not
installed, so the C code is tested wherever a C compiler is (skipped, with the reason, where none is).
"""

from __future__ import annotations

import importlib.util
import sys
import types
from typing import Any, NamedTuple

import pytest
from conftest import c_module_available  # tests/conftest.py
from hypothesis import given
from hypothesis import strategies as st

from rpsdg.expr import tree
from rpsdg.expr.tree import Expr, num, sym

INSTALLED = importlib.util.find_spec("rpsdg.expr._fastnode") is not None

pytestmark = c_module_available("rpsdg.expr._fastnode")


@pytest.fixture(scope="module")
def fastnode(c_module) -> types.ModuleType:
    return c_module("rpsdg.expr._fastnode")


def _outcome(make, *args: Any) -> tuple:
    try:
        made = make(*args)
    except Exception as error:  # noqa: BLE001 (the point: the same exception, whatever it is)
        return ("raised", type(error), str(error))
    return ("made", type(made), tuple(made))


def test_tree_uses_the_c_constructor_exactly_where_it_is_installed() -> None:
    if INSTALLED:
        assert tree.new_node is sys.modules["rpsdg.expr._fastnode"].new
    else:
        assert tree.new_node is tuple.__new__


@given(st.recursive(st.sampled_from([num(0), num(-3), sym("x")]),
                    lambda children: st.tuples(st.sampled_from(["add", "mul", "neg", "sin", "tuple"]),
                                               st.lists(children, max_size=3)).map(
                        lambda pair: Expr(pair[0], tuple(pair[1]))), max_leaves=12))
def test_a_node_is_the_node_tuple_new_makes(fastnode, node: Expr) -> None:
    items = (node.op, node.args, node.value)
    made, reference = fastnode.new(Expr, items), tuple.__new__(Expr, items)
    assert type(made) is Expr and made == reference == node
    assert all(ours is theirs for ours, theirs in zip(made, reference))
    assert hash(made) == hash(reference)
    assert made.op is node.op and made.args is node.args and made.value is node.value


def test_reference_counts_are_those_of_tuple_new(fastnode) -> None:
    op, args, value = "add", (num(1), sym("y")), None
    before = [sys.getrefcount(item) for item in (op, args)]
    made = [fastnode.new(Expr, (op, args, value)) for _ in range(100)]
    assert [sys.getrefcount(item) for item in (op, args)] == [count + 100 for count in before]
    del made
    assert [sys.getrefcount(item) for item in (op, args)] == before


class _Pair(NamedTuple):
    left: int
    right: int


class _WithDict(tuple):
    pass


@pytest.mark.parametrize("args", [
    (Expr, ("num", (), 3)),
    (_Pair, (1, 2)),
    (Expr, ["num", (), 3]),            # a list, not a tuple: tuple.__new__ reads any iterable
    (Expr, ("num", ())),               # too few items: tuple.__new__ makes the short tuple
    (_WithDict, (1, 2)),               # a subclass with an instance dict
    (tuple, (1, 2)),
    (int, (1,)),                       # not a tuple subclass: tuple.__new__'s TypeError
    ("Expr", ("num", (), 3)),          # not a class
    (Expr, 3),                         # not iterable
    (Expr,),
    (Expr, ("num", (), 3), "extra"),
])
def test_any_other_input_gets_what_tuple_new_gives(fastnode, args: tuple) -> None:
    assert _outcome(fastnode.new, *args) == _outcome(tuple.__new__, *args)


def test_no_arguments_is_tuple_new_s_error(fastnode) -> None:
    assert _outcome(fastnode.new) == _outcome(tuple.__new__)


def test_trees_of_atoms_are_left_out_of_the_collectors_walks(fastnode) -> None:
    """A node whose items cannot lead back to it (``_nodes.h``): ints, strs, None, and args tuples of such nodes.
    CPython's own rule for an exact tuple (no item may be tracked), applied when the node is made."""
    import gc

    leaf = fastnode.new(Expr, ("sym", (), "x"))
    literal = fastnode.new(Expr, ("num", (), 3))
    args = (leaf, literal)
    node = fastnode.new(Expr, ("add", args, None))
    assert not gc.is_tracked(leaf) and not gc.is_tracked(literal)
    assert not gc.is_tracked(node) and not gc.is_tracked(args)
    assert node == Expr("add", (sym("x"), num(3))) and hash(node) == hash(Expr("add", (sym("x"), num(3))))
    tracked_child = tuple.__new__(Expr, ("sym", (), "y"))  # made in Python: still tracked
    assert gc.is_tracked(fastnode.new(Expr, ("mul", (leaf, tracked_child), None)))


def test_a_node_that_holds_a_container_stays_tracked_and_its_cycle_is_collected(fastnode) -> None:
    import gc
    import weakref

    class Marker:
        pass

    holder: dict = {}  # a dict may be tracked again later (a container put in it), so the node stays tracked
    node = fastnode.new(Expr, ("sym", (), holder))
    assert gc.is_tracked(node)
    marker = Marker()
    holder["node"], holder["marker"] = node, marker
    gone = weakref.ref(marker)
    del holder, node, marker
    gc.collect()
    assert gone() is None  # the cycle node -> dict -> node was found and freed
