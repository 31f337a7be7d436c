"""Real-valued numeric evaluation of :class:`Expr` at a point.

Used by every numeric check and by the rule audit. A tree is compiled once into nested Python closures (no
``eval``), then called at many points. Outside the real domain (log of a non-positive number, division by zero,
overflow, a complex result) evaluation raises :class:`OutsideDomain`, which callers treat as "pick another point".
Speed (issue 15): each node's closure does its own domain checks inline and reads literal operands directly (one
Python call per node); :func:`remembering` lets a record's checker reuse the values of stored subtrees it has
already evaluated at a point. ``tests/test_fast_paths.py`` holds both to a plain interpreter of these rules.
In the optional compiled build (``RPSDG_COMPILE=1``) the C module ``rpsdg.expr._fasteval`` compiles a tree into a
flat program of doubles instead, one C call per point, computing the same values and raising the same
:class:`OutsideDomain` errors bit for bit (``tests/test_fasteval.py``); without it (every pure or editable install)
the closures run, and a program hands any point it does not handle itself to the closures (:func:`_closures`).
To add an operator: add its real function to ``_RAW_UNARY`` (checked) or, only if it maps every finite float to
a finite float without raising, to ``_TOTAL_ON_FINITE``; keep ``_UNARY`` (the plain definition) in step; and add
it to ``_fasteval.c`` (its top says where) in the same commit, or that module compiles no tree holding it.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import importlib
import math
from typing import Any, Callable, Final, Mapping

from rpsdg.expr.exceptions import OutsideDomain
from rpsdg.expr.tree import Expr

Point = Mapping[str, float]
Compiled = Callable[[Point], float]


def _checked(fn: Callable[[float], float]) -> Callable[[float], float]:
    def run(value: float) -> float:
        try:
            result = fn(value)
        except (ValueError, OverflowError, ZeroDivisionError) as error:
            raise OutsideDomain(str(error)) from None
        if isinstance(result, complex) or not math.isfinite(result):
            raise OutsideDomain("non-finite value")
        return result

    return run


def _log(v: float) -> float:
    if v <= 0:
        raise ValueError("log of a non-positive number")
    return math.log(v)


def _sqrt(v: float) -> float:
    if v < 0:
        raise ValueError("sqrt of a negative number")
    return math.sqrt(v)


def _tan(v: float) -> float:
    if abs(math.cos(v)) < 1e-12:
        raise ValueError("tan at a pole")
    return math.tan(v)


def _acosh(v: float) -> float:
    if v < 1:
        raise ValueError("acosh below 1")
    return math.acosh(v)


def _atanh(v: float) -> float:
    if not -1 < v < 1:
        raise ValueError("atanh outside (-1, 1)")
    return math.atanh(v)


_UNARY: dict[str, Callable[[float], float]] = {
    name: _checked(fn)
    for name, fn in {
        "sqrt": _sqrt, "exp": math.exp, "log": _log, "sin": math.sin, "cos": math.cos, "tan": _tan,
        "asin": math.asin, "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
        "tanh": math.tanh, "asinh": math.asinh, "acosh": _acosh, "atanh": _atanh,
    }.items()
}


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent <= 0:
        raise OutsideDomain("zero to a power <= 0 (0**0 is undefined over the reals, as in textbooks)")
    if base < 0 and exponent != int(exponent):
        raise OutsideDomain("negative base to a fractional power")
    try:
        result = base ** exponent
    except (OverflowError, ZeroDivisionError) as error:
        raise OutsideDomain(str(error)) from None
    if isinstance(result, complex) or not math.isfinite(result):
        raise OutsideDomain("non-finite power")
    return result


def _divide(a: float, b: float) -> float:
    if b == 0:
        raise OutsideDomain("division by zero")
    result = a / b
    if not math.isfinite(result):
        raise OutsideDomain("non-finite quotient")
    return result


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise OutsideDomain("non-finite value")
    return value


def compile_expr(e: Expr, memo: dict[Expr, Compiled] | None = None) -> Compiled:
    """A function from a point (variable name → float) to the value of ``e``; raises :class:`OutsideDomain`.

    ``memo`` (one dict per task, e.g. one record's check) shares the closures of subtrees compiled before.
    """
    return _subtree(e, memo, _PROGRAMS is not None)


def _subtree(e: Expr, memo: dict[Expr, Compiled] | None, programs: bool) -> Compiled:
    """:func:`compile_expr`, with C programs where ``programs`` is true."""
    if memo is None or not e.args:  # a leaf's closure is cheaper to make than to look up
        return _compile(e, memo, programs)
    found = memo.get(e)
    if found is None:
        found = memo[e] = _compile(e, memo, programs)
    return found


def _load_programs(name: str = "compile") -> Any:
    """``rpsdg.expr._fasteval.<name>``, or None where the C module was not built (every pure install)."""
    try:
        return getattr(importlib.import_module("rpsdg.expr._fasteval"), name)
    except ImportError:
        return None


_PROGRAMS: Final = _load_programs()
PLAIN_PROGRAMS: Final = _load_programs("compile_plain")
"""``compile_plain(e, closures)``: the equation checker's closures of a tree (``Forms.compiled`` in
``kinds/equation/check.py``: + - * / as bare IEEE operations, a zero divisor refused, any other node as this
module's closures, the final value tested for finiteness) as one C program, or None where the C module was not
built; the program is None for a tree it cannot compile. ``closures(e, None)`` builds what it falls back to."""


def _closures(e: Expr, calls: dict[Expr, Compiled] | None) -> Compiled:
    """The closures of ``e``, never a C program: what a program of ``_fasteval`` falls back to for a point it does
    not handle itself. ``calls``: the subtrees whose memo entry the program calls (the closures call them too)."""
    return _subtree(e, dict(calls) if calls else None, False)


_TOTAL_ON_FINITE: dict[str, Callable[[float], float]] = {
    "sin": math.sin, "cos": math.cos, "atan": math.atan, "tanh": math.tanh, "asinh": math.asinh}
"""Functions that map every finite float to a finite float without raising: their closures skip the checks."""

_RAW_UNARY: dict[str, Callable[[float], float]] = {
    "sqrt": _sqrt, "exp": math.exp, "log": _log, "tan": _tan, "asin": math.asin, "acos": math.acos,
    "sinh": math.sinh, "cosh": math.cosh, "acosh": _acosh, "atanh": _atanh}
"""The other functions, run under the same checks as :data:`_UNARY` but inlined into one closure per node."""

_isfinite: Final = math.isfinite
_ERRORS = (ValueError, OverflowError, ZeroDivisionError)


def _compile(e: Expr, memo: dict[Expr, Compiled] | None, programs: bool) -> Compiled:
    """One closure per node computing exactly what ``_UNARY``, ``_power``, ``_divide`` and ``_finite`` compute
    (the same float operations in the same order, so values and domain verdicts are unchanged), with the checks
    inlined and literal operands folded in: one Python call per node instead of two or three (hot: the numeric
    checks evaluate each tree at dozens of points). With ``programs``, a tree of more than one node is first
    offered to ``_fasteval`` (which stores its compiled subtrees in ``memo`` as programs)."""
    if programs and e.args:
        program = _PROGRAMS(e, memo, _closures)
        if program is not None:
            return program
    op = e.op
    if op == "num":
        constant = float(e.value)  # type: ignore[arg-type]
        return lambda point: constant
    if op == "sym":
        name = e.value

        def variable(point: Point) -> float:
            return point[name]  # type: ignore[index]

        return variable
    children = [_subtree(child, memo, programs) for child in e.args]
    if op in _TOTAL_ON_FINITE:
        total, (arg,) = _TOTAL_ON_FINITE[op], children
        return lambda point: total(arg(point))
    if op in _RAW_UNARY:
        raw, (arg,) = _RAW_UNARY[op], children

        def unary(point: Point) -> float:
            value = arg(point)
            try:
                result = raw(value)
            except _ERRORS as error:
                raise OutsideDomain(str(error)) from None
            if not _isfinite(result):
                raise OutsideDomain("non-finite value")
            return result

        return unary
    if op in _UNARY:  # an operator added to _UNARY but not sorted into the tables above
        fn, (arg,) = _UNARY[op], children
        return lambda point: fn(arg(point))
    if op == "neg":
        (arg,) = children
        return lambda point: -arg(point)
    if len(children) != 2:
        raise ValueError(f"cannot evaluate node kind {op!r} numerically")
    left, right = children
    lconst = float(e.args[0].value) if e.args[0].op == "num" else None  # type: ignore[arg-type]
    rconst = float(e.args[1].value) if e.args[1].op == "num" else None  # type: ignore[arg-type]
    if op in ("add", "sub", "mul"):
        return _arithmetic(op, left, right, lconst, rconst)
    if op == "div":
        if rconst is not None and rconst != 0:
            def divide_by_constant(point: Point) -> float:
                result = left(point) / rconst
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite quotient")

            return divide_by_constant
        return lambda point: _divide(left(point), right(point))
    if op == "pow":
        if rconst is not None and rconst > 0 and rconst == int(rconst):
            def constant_power(point: Point) -> float:  # neither guard of _power can fire
                try:
                    result = left(point) ** rconst
                except (OverflowError, ZeroDivisionError) as error:
                    raise OutsideDomain(str(error)) from None
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite power")

            return constant_power
        return lambda point: _power(left(point), right(point))
    raise ValueError(f"cannot evaluate node kind {op!r} numerically")


def _arithmetic(op: str, left: Compiled, right: Compiled, lconst: float | None, rconst: float | None) -> Compiled:
    """``left op right`` with the finiteness check of :func:`_finite`; a literal side is read once, not called."""
    if op == "add":
        if lconst is not None:
            def add_left(point: Point) -> float:
                result = lconst + right(point)
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite value")
            return add_left
        if rconst is not None:
            def add_right(point: Point) -> float:
                result = left(point) + rconst
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite value")
            return add_right

        def add(point: Point) -> float:
            result = left(point) + right(point)
            if _isfinite(result):
                return result
            raise OutsideDomain("non-finite value")
        return add
    if op == "sub":
        if lconst is not None:
            def sub_left(point: Point) -> float:
                result = lconst - right(point)
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite value")
            return sub_left
        if rconst is not None:
            def sub_right(point: Point) -> float:
                result = left(point) - rconst
                if _isfinite(result):
                    return result
                raise OutsideDomain("non-finite value")
            return sub_right

        def sub(point: Point) -> float:
            result = left(point) - right(point)
            if _isfinite(result):
                return result
            raise OutsideDomain("non-finite value")
        return sub
    if lconst is not None:
        def mul_left(point: Point) -> float:
            result = lconst * right(point)
            if _isfinite(result):
                return result
            raise OutsideDomain("non-finite value")
        return mul_left
    if rconst is not None:
        def mul_right(point: Point) -> float:
            result = left(point) * rconst
            if _isfinite(result):
                return result
            raise OutsideDomain("non-finite value")
        return mul_right

    def mul(point: Point) -> float:
        result = left(point) * right(point)
        if _isfinite(result):
            return result
        raise OutsideDomain("non-finite value")
    return mul


class _Undefined:
    """Marks a remembered point where the function raised :class:`OutsideDomain`."""


def remembering(fn: Compiled, var: str) -> Compiled:
    """``fn`` (a function of the one variable ``var``) that remembers its value, or that it had none, at each
    value of ``var`` it was called at; the same numbers as ``fn``, computed once. For a tree whose subtrees are
    evaluated again on their own at the same points (a record's steps nest: each step's antiderivative is part of
    its parent's). Zero is never remembered (``0.0`` and ``-0.0`` are one key but can give different values)."""
    values: dict[float, float | type[_Undefined]] = {}

    def run(point: Point) -> float:
        x = point[var]
        found = values.get(x)
        if found is None:
            if x == 0:
                return fn(point)
            try:
                found = values[x] = fn(point)
            except OutsideDomain:
                values[x] = _Undefined
                raise
            return found  # type: ignore[return-value]
        if found is _Undefined:
            raise OutsideDomain("no finite real value at this point (remembered)")
        return found  # type: ignore[return-value]

    return run


def evaluate(e: Expr, point: Point) -> float:
    """The value of ``e`` at ``point``; raises :class:`OutsideDomain` where it has no finite real value."""
    return compile_expr(e)(point)


def holds(condition: Expr, point: Point) -> bool:
    """Whether relation ``condition`` (``gt ge lt le ne eq``) holds at ``point``; outside the domain it fails."""
    try:
        a, b = (compile_expr(side)(point) for side in condition.args)
    except OutsideDomain:
        return False
    return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b, "ne": a != b, "eq": a == b}[condition.op]
