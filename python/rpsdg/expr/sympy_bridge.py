"""Conversion between our tree and SymPy, used only by the fallback checker and tests.

SymPy objects are built directly (never from text), so nothing a stranger wrote is evaluated. The reverse
direction is for our own tests and tools; records are never parsed through SymPy.
"""

from __future__ import annotations

import sympy

from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import FUNCTIONS, Expr, num, sym

_SYMPY_FUNCTION = {"sqrt": sympy.sqrt, "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos,
                   "tan": sympy.tan, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
                   "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh, "asinh": sympy.asinh,
                   "acosh": sympy.acosh, "atanh": sympy.atanh}
_SYMPY_RELATION = {"eq": sympy.Eq, "ne": sympy.Ne, "lt": sympy.Lt, "le": sympy.Le, "gt": sympy.Gt, "ge": sympy.Ge}


def to_sympy(e: Expr, real: bool = True) -> sympy.Basic:
    """The SymPy object for ``e``; variables are real symbols unless ``real`` is false."""
    op = e.op
    if op == "num":
        return sympy.Integer(e.value)
    if op == "sym":
        return sympy.Symbol(str(e.value), real=real) if real else sympy.Symbol(str(e.value))
    args = [to_sympy(a, real) for a in e.args]
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "div":
        return args[0] / args[1]
    if op == "pow":
        return args[0] ** args[1]
    if op == "neg":
        return -args[0]
    if op in FUNCTIONS:
        return _SYMPY_FUNCTION[op](args[0])
    if op in _SYMPY_RELATION:
        return _SYMPY_RELATION[op](args[0], args[1], evaluate=False)
    if op == "set":
        return sympy.FiniteSet(*args)
    if op == "tuple":
        return sympy.Tuple(*args)
    raise ValueError(f"no SymPy form for node kind {op!r}")


def from_sympy(value: sympy.Basic) -> Expr:
    """Our tree for a SymPy expression built from numbers, symbols, + * ** and our functions."""
    if value.is_Integer:
        return num(int(value))
    if value.is_Rational:
        return num(Fraction(int(value.p), int(value.q)))
    if value.is_Symbol:
        return sym(value.name)
    if value.is_Add:
        terms = [from_sympy(a) for a in value.args]
        result = terms[0]
        for term in terms[1:]:
            result = Expr("add", (result, term))
        return result
    if value.is_Mul:
        factors = [from_sympy(a) for a in value.args]
        result = factors[0]
        for factor in factors[1:]:
            result = Expr("mul", (result, factor))
        return result
    if value.is_Pow:
        return Expr("pow", (from_sympy(value.base), from_sympy(value.exp)))
    name = type(value).__name__
    if name in _SYMPY_FUNCTION:
        return Expr(name, (from_sympy(value.args[0]),))
    raise ValueError(f"cannot convert SymPy {name} to our tree")
