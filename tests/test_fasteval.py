"""``rpsdg.expr._fasteval`` (the C evaluator) computes exactly what ``evaluate.py``'s closures compute.

Same float values bit for bit (the sign of zero included), and where the closures raise, the same exception type
and message; a point the C program does not handle itself (not a dict of finite floats) gives what the closures
give, and a memo's callables are called at the same points in the same order.

The compiled build (``RPSDG_COMPILE=1``) ships the module and ``compile_expr`` uses it; any other checkout builds
it here from ``python/rpsdg/expr/_fasteval.c`` with ``setup.py``'s own ``Extension`` into a temporary directory
(``conftest.py``'s ``c_module``) and calls it directly, so the C code is tested wherever a C compiler is (skipped, with the reason, where none is).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import math
import shutil
import struct
import subprocess
import sys
import types
from collections import defaultdict

import pytest
from conftest import c_module_available  # tests/conftest.py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rpsdg.expr import evaluate
from rpsdg.expr.evaluate import OutsideDomain, compile_expr, remembering
from rpsdg.expr.ops import BINARY_ARITH, FUNCTIONS
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, func, num, sym

INSTALLED = importlib.util.find_spec("rpsdg.expr._fasteval") is not None

pytestmark = c_module_available("rpsdg.expr._fasteval")


@pytest.fixture(scope="module")
def fasteval(c_module) -> types.ModuleType:
    return c_module("rpsdg.expr._fasteval")


def _program(module, e: Expr, memo: dict | None = None):
    return module.compile(e, memo, evaluate._closures)


def _closures(e: Expr, memo: dict | None = None):
    return evaluate._subtree(e, memo, False)


def _outcome(fn, *args):
    """("value", its type, the float's bytes or the value) or ("raised", the exception's type, its message)."""
    try:
        value = fn(*args)
    except Exception as error:  # noqa: BLE001 (every exception is compared)
        return "raised", type(error), str(error)
    return "value", type(value), struct.pack("<d", value) if type(value) is float else value


# -- trees and points ------------------------------------------------------------------------------------------

LITERALS = st.one_of(st.integers(-4, 12), st.sampled_from([100, 10**300, 10**400]))
LEAVES = st.one_of(st.builds(sym, st.sampled_from(["x", "y"])), st.builds(num, LITERALS),
                   st.builds(num, st.sampled_from([Fraction(1, 3), Fraction(-7, 2), Fraction(10**400, 3)])))


def _grow(children):
    return st.one_of(
        st.builds(func, st.sampled_from(FUNCTIONS), children),
        st.builds(lambda a: Expr("neg", (a,)), children),
        st.builds(lambda op, a, b: Expr(op, (a, b)), st.sampled_from(BINARY_ARITH), children, children))


TREES = st.recursive(LEAVES, _grow, max_leaves=14)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, 1e-12, 5e-324, -5e-324, 2.2250738585072014e-308,
           1e-300, 1e300, -1e300, 1.7976931348623157e308, 709.78, 710.0, -745.2, 1e16, math.pi / 2, -math.pi / 2,
           math.pi, 0.9999999999999999, -0.9999999999999999, 1.0000000000000002]
FINITE = st.one_of(st.sampled_from(SPECIAL), st.floats(-6, 6), st.floats(allow_nan=False, allow_infinity=False))
ODD = st.one_of(FINITE, st.sampled_from([math.inf, -math.inf, math.nan, 0, 3, -2, True]))
POINTS = st.fixed_dictionaries({"x": FINITE, "y": FINITE})
EXAMPLES = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _compiled_pair(fasteval, e: Expr, plain: bool = False):
    """(the program, the closures) of ``e``: evaluate.py's, or with ``plain`` the equation checker's
    (``Forms.compiled`` against ``compile_plain``); None where the closures raise when compiled (a literal
    ``float()`` rejects: the module answers None, so the caller raises the closures' error)."""
    from rpsdg.kinds.equation.check import _plain_closures

    def program_of(tree: Expr):
        return fasteval.compile_plain(tree, _plain_closures) if plain else _program(fasteval, tree)

    try:
        closures = _plain_closures(e) if plain else _closures(e)
    except Exception:  # noqa: BLE001
        assert program_of(e) is None, e
        return None
    program = program_of(e)
    assert type(program) is fasteval.Program, e
    return program, closures


PLAIN = pytest.mark.parametrize("plain", [False, True], ids=["evaluate", "plain"])
"""Both kinds of program: evaluate.py's closures, and the equation checker's (bare + - * /: an inf inside may
come back finite, ``1 / (x * 10**300 * 10**300)`` is 0; a zero divisor refused; the final value tested)."""


@PLAIN
@EXAMPLES
@given(e=TREES, points=st.lists(POINTS, min_size=1, max_size=6))
def test_programs_give_the_closures_values_and_errors(fasteval, plain, e, points):
    pair = _compiled_pair(fasteval, e, plain)
    if pair is None:  # a literal float() rejects: the closures raise it when compiled, the program is None
        return
    program, closures = pair
    for point in points:
        assert _outcome(program, point) == _outcome(closures, point), (e, point)


def _around(value: float) -> list[float]:
    return [value, math.nextafter(value, math.inf), math.nextafter(value, -math.inf)]


def test_each_operator_at_its_edges(fasteval):
    """Every function and operator at the points where its checks or CPython's errors change their answer."""
    x, y = sym("x"), sym("y")
    edges = sorted({v for s in SPECIAL + [1e-100, 37.0, 1e-320, 1024.0, 1025.0, -1074.0, -1075.0, 0.1, 1 / 3]
                    for v in _around(s) + _around(-s)})
    trees = [func(name, x) for name in FUNCTIONS] + [Expr("neg", (x,))]
    trees += [Expr(op, (x, y)) for op in BINARY_ARITH]
    trees += [Expr(op, (x, num(k))) for op in BINARY_ARITH for k in (0, 1, 2, 3, -1, -2, Fraction(1, 2))]
    trees += [Expr(op, (num(k), x)) for op in BINARY_ARITH for k in (0, 1, 2, -2, Fraction(1, 2))]
    outcomes = set()
    for e in trees:
        program, closures = _program(fasteval, e), _closures(e)
        for a in edges:
            for b in (edges if len(e.free_symbols()) == 2 else [0.0]):
                point = {"x": a, "y": b}
                got = _outcome(program, point)
                assert got == _outcome(closures, point), (e, point)
                outcomes.add(got[2] if got[0] == "raised" else "value")
    for message in ("math domain error", "math range error", "division by zero", "non-finite value",
                    "non-finite quotient", "negative base to a fractional power",
                    "tan at a pole", "log of a non-positive number", "sqrt of a negative number", "acosh below 1",
                    "atanh outside (-1, 1)", "(34, 'Numerical result out of range')"):
        assert message in outcomes, f"no edge point reached {message!r}: widen the edges"


@PLAIN
@EXAMPLES
@given(e=TREES, x=ODD, y=ODD)
def test_points_the_program_does_not_handle_go_to_the_closures(fasteval, plain, e, x, y):
    pair = _compiled_pair(fasteval, e, plain)
    if pair is None:
        return
    program, closures = pair
    for point in ({"x": x, "y": y}, {"x": x}, {}, defaultdict(float, x=x), types.MappingProxyType({"x": x, "y": y})):
        assert _outcome(program, point) == _outcome(closures, point), (e, point)
    point = {"x": x, "y": y}
    assert _outcome(lambda p: program(point=p), point) == _outcome(lambda p: closures(point=p), point)
    assert _outcome(program, {}, {})[:2] == _outcome(closures, {}, {})[:2] == ("raised", TypeError)


def _subtrees(e: Expr) -> list[Expr]:
    return [node for _, node in e.positions() if node.args]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(e=TREES, data=st.data())
def test_a_memo_is_shared_as_compile_expr_shares_it(fasteval, e, data):
    """A memo's callables (the integral checker's remembering closures) are called where the closures call them,
    in the same order; the memo's programs are used in place; each compiled subtree is stored as a program."""
    try:
        _closures(e)
    except Exception:  # noqa: BLE001 (a literal float() rejects: covered above)
        return
    inner = _subtrees(e)[1:]
    called = data.draw(st.lists(st.sampled_from(inner), unique=True, max_size=3)) if inner else []
    runs = {}
    for how, compile_with in (("c", lambda m: _program(fasteval, e, m)), ("py", lambda m: _closures(e, m))):
        log: list = []

        def counted(node, log=log):
            plain = _closures(node)
            return lambda point: log.append((node, point["x"])) or plain(point)

        memo = {node: remembering(counted(node), "x") for node in called}
        fn = compile_with(memo)
        outcomes = [_outcome(fn, {"x": x, "y": 0.5}) for x in (0.5, -1.5, 2.0, 0.5, 0.0, 0.0, 1e300)]
        runs[how] = outcomes, list(log), set(memo) | {e}
        if how == "c":
            for index, (node, stored) in enumerate(memo.items()):
                if node not in called:
                    assert type(stored) is fasteval.Program
                    # a fresh x for each node: the remembering closures remember by x alone, so at an x an earlier
                    # node's program met they would answer "(remembered)" where the fresh closures compute
                    point = {"x": 0.75 + 0.001 * index, "y": 3.0}
                    assert _outcome(stored, point) == _outcome(_closures(node), point)
            bigger = Expr("add", (e, num(1)))
            assert _outcome(_program(fasteval, bigger, memo), {"x": 1.25, "y": 0.5}) \
                == _outcome(_closures(bigger), {"x": 1.25, "y": 0.5})
    assert runs["c"] == runs["py"]


def test_references_are_released(fasteval):
    """No reference to a callable, a name or a point outlives the programs that use it."""
    name = "".join(["v", "ar"])
    tree = Expr("mul", (func("sin", Expr("add", (sym(name), num(1)))), sym(name)))
    called = Expr("add", (sym(name), num(1)))

    def inner(point):
        return point[name] + 1.0

    point = {name: 0.25}
    before = sys.getrefcount(inner), sys.getrefcount(name), sys.getrefcount(point)
    for _ in range(200):
        memo = {called: inner}
        program = _program(fasteval, tree, memo)
        assert program(point) == math.sin(1.25) * 0.25
        with pytest.raises(KeyError):
            program({})
        del memo, program
    gc.collect()
    assert (sys.getrefcount(inner), sys.getrefcount(name), sys.getrefcount(point)) == before


def test_compile_expr_uses_the_module_exactly_when_it_is_installed(fasteval):
    e = Expr("add", (func("sin", sym("x")), Expr("num", (), 2)))
    assert (evaluate._PROGRAMS is not None) == INSTALLED
    assert (type(compile_expr(e)) is fasteval.Program) == INSTALLED
    assert type(compile_expr(sym("x"))) is not fasteval.Program  # a leaf keeps its closure
    if INSTALLED:
        assert fasteval.__file__.endswith((".so", ".pyd")), fasteval.__file__


def test_a_tree_it_cannot_compile_is_left_to_the_closures(fasteval):
    x = sym("x")
    for e in (Expr("gt", (x, num(1))), Expr("neg", (x, x)), func("sin", Expr("tuple", (x,))),
              Expr("add", (x, num(10**400))), Expr("sym", (x,), "x"), Expr("add", (x, Expr("num", (), 2.5))),
              Expr("add", (x, Expr("num", (), True)))):
        assert _program(fasteval, e) is None, e
        expected = _outcome(_closures, e)
        assert _outcome(compile_expr, e)[:2] == expected[:2]
        if expected[0] == "raised":
            assert _outcome(compile_expr, e) == expected
    deep = x
    for _ in range(500):
        deep = func("atan", deep)
    assert _program(fasteval, deep) is None
    assert _program(fasteval, Expr("add", (x, num(1))), types.MappingProxyType({})) is None
    with pytest.raises(OutsideDomain, match="division by zero"):
        _program(fasteval, Expr("div", (x, num(0))))({"x": 1.0})


def _imported_symbols(path: str) -> dict[str, str]:
    """``{name: version}`` of the functions a shared object imports (``nm -D``; version "" where unversioned)."""
    listing = subprocess.run(["nm", "-D", "--undefined-only", path], capture_output=True, text=True, check=True)
    names = (line.split()[-1] for line in listing.stdout.splitlines() if line.strip())
    return dict((name.split("@", 1) + [""])[:2] for name in names)  # type: ignore[misc]


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("nm") is None
                    or not getattr(math, "__file__", "").endswith(".so"),
                    reason="compares ELF symbol versions with the math module's (Linux, nm, a shared math module)")
def test_libm_functions_bind_to_the_versions_the_math_module_uses(fasteval):
    """glibc binds an unversioned reference to a function's oldest version (``pow@GLIBC_2.2.5``, an SVID wrapper),
    so the module links libm itself (``setup.py``) and calls the ``exp``, ``log`` and ``pow`` CPython calls."""
    ours, maths = _imported_symbols(fasteval.__file__), _imported_symbols(math.__file__)
    shared = sorted(set(ours) & set(maths) & {"exp", "log", "pow", "sqrt", "sin", "cos", "tan", "asin", "acos",
                                                "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "fmod"})
    assert "pow" in shared and "exp" in shared
    assert {name: ours[name] for name in shared} == {name: maths[name] for name in shared}


# -- plain programs: the equation checker's closures (Forms.compiled) ---------------------------------------------

def test_plain_arithmetic_at_its_edges(fasteval):
    """The cases where the checker's arithmetic and evaluate.py's differ, and the zero divisors."""
    from rpsdg.kinds.equation.check import _plain_closures

    x, y, big = sym("x"), sym("y"), num(10 ** 300)
    cases = [Expr("div", (x, Expr("mul", (Expr("mul", (y, big)), big)))),  # x / inf: 0, where evaluate.py raises
             Expr("mul", (Expr("mul", (x, big)), big)),  # inf at the top: raised
             Expr("sub", (Expr("mul", (x, big)), Expr("mul", (x, big)))),
             Expr("div", (x, num(0))), Expr("div", (num(3), y)), Expr("div", (num(0), num(0))),
             Expr("add", (func("sqrt", x), Expr("div", (num(1), x)))), Expr("pow", (x, num(2))), x, num(7)]
    for e in cases:
        program = fasteval.compile_plain(e, _plain_closures)
        assert type(program) is fasteval.Program, e
        for point in ({"x": 2.0, "y": 1e300}, {"x": 0.0, "y": 0.0}, {"x": -1.0, "y": -0.0}, {"x": 1e300, "y": 3.0}):
            assert _outcome(program, point) == _outcome(_plain_closures(e), point), (e, point)
    assert _outcome(fasteval.compile_plain(cases[0], _plain_closures), {"x": 2.0, "y": 1e300}) == (
        "value", float, struct.pack("<d", 0.0))
    assert fasteval.compile_plain(Expr("tuple", (x,)), _plain_closures) is None
    assert fasteval.compile_plain(("add", (x, x), None), _plain_closures) is None
