"""Differentiation by named rules, on our own tree, recording which rule made each part of the derivative.

Why our own: the integration generator needs the *derivation* (which rule at which node), not only the result,
and it must run fast. Reversing that derivation gives the step-by-step integral (``generators/integral.py``);
the checker re-differentiates stored antiderivatives with :func:`derivative` and compares canonical forms.

Rules (``DerivNode.rule``): ``constant``, ``identity``, ``power``, ``sum``, ``difference``, ``negation``,
``constant_multiple``, ``product``, ``quotient``, ``exponential`` (c^u), ``table`` (f(x) for a table f) and
``chain`` (f(u) for a table f and u ≠ x). To add a function: add its outer derivative to :func:`outer_derivative`
and its domain to :func:`domain_conditions`; the tests check every table entry against a finite difference.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

from dataclasses import dataclass, field

from rpsdg.errors import RpsdgError
from rpsdg.expr.tree import FUNCTIONS, Expr, add, div, func, is_num, mul, neg, num, pow_, sub


class NotDifferentiable(RpsdgError):
    """The tree uses a form our rules do not cover (e.g. ``u(x)^v(x)``)."""


@dataclass(frozen=True)
class DerivNode:
    """One rule application in a derivation of ``d/d var`` of ``expr``."""

    expr: Expr
    """The subterm being differentiated."""
    rule: str
    """The rule that produced :attr:`derivative` from the children's derivatives."""
    derivative: Expr
    """The derivative of :attr:`expr`, lightly cleaned (no ``1*`` or ``+ 0``), not expanded."""
    children: tuple["DerivNode", ...] = field(default=())
    """Sub-derivations this rule used, in argument order (constant factors have none)."""
    inner: Expr | None = None
    """For ``chain``: the inner function u in f(u)."""
    factor: Expr | None = None
    """For ``constant_multiple``: the constant c in c·g (or 1/c for g/c)."""


# -- light cleanup constructors: keep the raw shape, drop only the trivial ---------------------------------------

def c_add(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0):
        return b
    if is_num(b, 0):
        return a
    if b.op == "neg":
        return sub(a, b.args[0])
    return add(a, b)


def c_sub(a: Expr, b: Expr) -> Expr:
    if is_num(b, 0):
        return a
    if is_num(a, 0):
        return neg(b)
    return sub(a, b)


def c_mul(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0) or is_num(b, 0):
        return num(0)
    if is_num(a, 1):
        return b
    if is_num(b, 1):
        return a
    if is_num(a, -1):
        return neg(b)
    if is_num(b, -1):
        return neg(a)
    if a.op == "num" and b.op == "num":
        return num(a.value * b.value)  # type: ignore[operator, arg-type]
    return mul(a, b)


def c_div(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0):
        return num(0)
    if is_num(b, 1):
        return a
    return div(a, b)


def c_pow(a: Expr, n: Expr) -> Expr:
    if is_num(n, 1):
        return a
    if is_num(n, 0):
        return num(1)
    return pow_(a, n)


def outer_derivative(name: str, u: Expr) -> Expr:
    """f'(u) for a table function ``name``."""
    two = num(2)
    one = num(1)
    table = {
        "sqrt": lambda: div(one, mul(two, func("sqrt", u))),
        "exp": lambda: func("exp", u),
        "log": lambda: div(one, u),
        "sin": lambda: func("cos", u),
        "cos": lambda: neg(func("sin", u)),
        "tan": lambda: div(one, pow_(func("cos", u), two)),
        "asin": lambda: div(one, func("sqrt", sub(one, pow_(u, two)))),
        "acos": lambda: neg(div(one, func("sqrt", sub(one, pow_(u, two))))),
        "atan": lambda: div(one, add(one, pow_(u, two))),
        "sinh": lambda: func("cosh", u),
        "cosh": lambda: func("sinh", u),
        "tanh": lambda: div(one, pow_(func("cosh", u), two)),
        "asinh": lambda: div(one, func("sqrt", add(pow_(u, two), one))),
        "acosh": lambda: div(one, func("sqrt", sub(pow_(u, two), one))),
        "atanh": lambda: div(one, sub(one, pow_(u, two))),
    }
    return table[name]()


def domain_conditions(e: Expr) -> list[Expr]:
    """Conditions under which ``e`` and its derivative are defined and real: ``u > 0`` for log and sqrt, ``Ne(u, 0)``
    for divisors and negative powers, ``-1 < u < 1`` style bounds for inverse trig and ``atanh``."""
    conditions: list[Expr] = []
    for _, node in e.positions():
        op, args = node.op, node.args
        if op in ("log", "sqrt"):
            conditions.append(Expr("gt", (args[0], num(0))))
        elif op == "div" and args[1].op != "num":
            conditions.append(Expr("ne", (args[1], num(0))))
        elif op == "pow" and args[1].op == "num" and args[1].value < 0 and args[0].op != "num":  # type: ignore
            conditions.append(Expr("ne", (args[0], num(0))))
        elif op == "pow" and args[1].op != "num" and args[0].op != "num":
            conditions.append(Expr("gt", (args[0], num(0))))
        elif op in ("asin", "acos", "atanh"):
            conditions.append(Expr("lt", (pow_(args[0], num(2)), num(1))))
        elif op == "acosh":
            conditions.append(Expr("gt", (args[0], num(1))))
        elif op == "tan":
            conditions.append(Expr("ne", (func("cos", args[0]), num(0))))
    unique: list[Expr] = []
    for condition in conditions:
        if condition not in unique:
            unique.append(condition)
    return unique


def _has(e: Expr, var: str, known: dict[int, bool]) -> bool:
    """``e.has(var)``, remembered by node identity for one derivation (only nodes of its input tree, all alive
    while it runs, are asked: each subtree is scanned once instead of once per ancestor)."""
    found = known.get(id(e))
    if found is None:
        found = e.value == var if e.op == "sym" else any(_has(child, var, known) for child in e.args)
        known[id(e)] = found
    return found


def derive(e: Expr, var: str = "x", known: dict[int, bool] | None = None,
           memo: dict[Expr, DerivNode] | None = None) -> DerivNode:
    """The rule-by-rule derivation of ``d/d var`` of ``e``; ``known`` is internal (see :func:`_has`).

    ``memo`` (optional, one dict per task and per ``var``, e.g. one record's check) remembers the derivation of
    every subtree by its structure, so a tree nested in another that was derived before (a record's steps: each
    step's antiderivative is part of its parent's) is not derived again. A derivation is a pure function of the
    subtree's structure, so the memo changes no result. (One function, no wrapper: a stranger's deep tree needs no
    more stack than before.)"""
    if memo is not None:
        found = memo.get(e)
        if found is not None:
            return found
    if known is None:
        known = {}
    op = e.op
    if not _has(e, var, known):
        node = DerivNode(e, "constant", num(0))
    elif op == "sym":
        node = DerivNode(e, "identity", num(1))
    elif op in ("add", "sub"):
        left, right = derive(e.args[0], var, known, memo), derive(e.args[1], var, known, memo)
        combine = c_add if op == "add" else c_sub
        node = DerivNode(e, "sum" if op == "add" else "difference", combine(left.derivative, right.derivative),
                         (left, right))
    elif op == "neg":
        inner = derive(e.args[0], var, known, memo)
        node = DerivNode(e, "negation", neg(inner.derivative), (inner,))
    elif op == "mul":
        node = _derive_product(e, var, known, memo)
    elif op == "div":
        node = _derive_quotient(e, var, known, memo)
    elif op == "pow":
        node = _derive_power(e, var, known, memo)
    elif op in FUNCTIONS:
        u = e.args[0]
        if u.op == "sym" and u.value == var:
            node = DerivNode(e, "table", outer_derivative(op, u))
        else:
            inner = derive(u, var, known, memo)
            node = DerivNode(e, "chain", c_mul(outer_derivative(op, u), inner.derivative), (inner,), inner=u)
    else:
        raise NotDifferentiable(f"cannot differentiate node kind {op!r}")
    if memo is not None:
        memo[e] = node
    return node


def _derive_product(e: Expr, var: str, known: dict[int, bool],
                    memo: dict[Expr, DerivNode] | None) -> DerivNode:
    a, b = e.args
    if not _has(a, var, known):
        inner = derive(b, var, known, memo)
        return DerivNode(e, "constant_multiple", c_mul(a, inner.derivative), (inner,), factor=a)
    if not _has(b, var, known):
        inner = derive(a, var, known, memo)
        return DerivNode(e, "constant_multiple", c_mul(inner.derivative, b), (inner,), factor=b)
    da, db = derive(a, var, known, memo), derive(b, var, known, memo)
    return DerivNode(e, "product", c_add(c_mul(da.derivative, b), c_mul(a, db.derivative)), (da, db))


def _derive_quotient(e: Expr, var: str, known: dict[int, bool],
                     memo: dict[Expr, DerivNode] | None) -> DerivNode:
    a, b = e.args
    if not _has(b, var, known):
        inner = derive(a, var, known, memo)
        return DerivNode(e, "constant_multiple", c_div(inner.derivative, b), (inner,), factor=div(num(1), b))
    da, db = derive(a, var, known, memo), derive(b, var, known, memo)
    numerator = c_sub(c_mul(da.derivative, b), c_mul(a, db.derivative))
    return DerivNode(e, "quotient", c_div(numerator, pow_(b, num(2))), (da, db))


def _derive_power(e: Expr, var: str, known: dict[int, bool],
                     memo: dict[Expr, DerivNode] | None) -> DerivNode:
    base, exponent = e.args
    if _has(exponent, var, known):
        if _has(base, var, known):
            raise NotDifferentiable("u(x)^v(x) is outside our rules; rewrite it as exp(v*log(u))")
        inner = derive(exponent, var, known, memo)
        derivative = c_mul(c_mul(e, func("log", base)), inner.derivative)
        return DerivNode(e, "exponential", derivative, (inner,), inner=exponent)
    outer = c_mul(exponent, c_pow(base, _minus_one(exponent)))
    if base.op == "sym" and base.value == var:
        return DerivNode(e, "power", outer)
    inner = derive(base, var, known, memo)
    return DerivNode(e, "chain", c_mul(outer, inner.derivative), (inner,), inner=base)


def _minus_one(exponent: Expr) -> Expr:
    if exponent.op == "num":
        return num(exponent.value - 1)  # type: ignore[operator]
    return sub(exponent, num(1))


def derivative(e: Expr, var: str = "x", memo: dict[Expr, DerivNode] | None = None) -> Expr:
    """``d/d var`` of ``e`` by our rules (raw, not simplified); ``memo``: see :func:`derive`."""
    return derive(e, var, None, memo).derivative
