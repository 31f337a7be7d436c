"""The node kinds of our expression tree, as plain tables: what every module of ``expr/`` agrees on.

They live apart from ``tree.py`` so that the printers (which ``Expr.__repr__`` calls) need not import the tree
module back. To add an operator, see ``tree.py``'s docstring.
"""

from __future__ import annotations

FUNCTIONS: tuple[str, ...] = (
    "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
)
BINARY_ARITH: tuple[str, ...] = ("add", "sub", "mul", "div", "pow")
RELATIONS: tuple[str, ...] = ("eq", "ne", "lt", "le", "gt", "ge")
CONTAINERS: tuple[str, ...] = ("set", "tuple")
ARITHMETIC_OPS: frozenset[str] = frozenset(("num", "sym", "neg") + BINARY_ARITH + FUNCTIONS)
"""Node kinds of an arithmetic expression (no relations or containers)."""
