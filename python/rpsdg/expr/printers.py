"""Printers for :class:`Expr`: infix (stored text), prefix tokens (seq2seq), LaTeX and Lean 4.

Templates and records print our own tree, never ``str(sympy_expr)``: SymPy reorders terms, and the text we store
must parse back to exactly the tree a step talks about. Every printer is a pure function of the tree. The optional
compiled build adds ``_fastprint.c``, the infix printer in C, which :func:`to_infix` asks first (it prints the same
text or declines the tree; ``tests/test_fastprint.py`` compares the two).
To add an operator: give it a precedence in ``_PREC`` and a case in each printer (and in ``_fastprint.c``, whose
constructor refuses tables it does not print); ``tests/test_expr.py``
round-trips every operator through :func:`to_infix` and :func:`rpsdg.expr.parse.parse`.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Final

from rpsdg.expr.ops import FUNCTIONS

if TYPE_CHECKING:
    from rpsdg.expr.tree import Expr

_PREC: Final = {"add": 10, "sub": 10, "mul": 20, "div": 20, "neg": 30, "pow": 40}
_ATOM: Final = 100
_NEG: Final = _PREC["neg"]
_INFIX_SYMBOL: Final = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}
_RELATION_INFIX: Final = {"lt": " < ", "le": " <= ", "gt": " > ", "ge": " >= "}
_RELATION_HEAD: Final = {"eq": "Eq", "ne": "Ne"}

try:  # the C printer, built only by the optional compiled install (setup.py, RPSDG_COMPILE=1)
    from rpsdg.expr._fastprint import Printer as _CPrinter  # type: ignore[import-not-found, import-untyped]
except ImportError:
    _CPrinter = None
_c_infix: Final[Callable[[Expr], str | None] | None] = None if _CPrinter is None else _CPrinter(
    prec=_PREC, atom=_ATOM, infix_symbols=_INFIX_SYMBOL, relation_infix=_RELATION_INFIX,
    relation_heads=_RELATION_HEAD, functions=frozenset(FUNCTIONS)).to_infix
"""``_fastprint.c``'s :func:`to_infix` (``None`` for a tree it declines), or ``None`` where it was not built."""


def _prec(e: Expr) -> int:
    if e.op == "num":
        return _PREC["neg"] if e.value < 0 else _ATOM  # type: ignore[operator]
    return _PREC.get(e.op, _ATOM)


def _needs_parens(parent: str, child: Expr, side: int) -> bool:
    """Whether ``child`` (operand ``side`` of a ``parent`` node) must be bracketed to parse back the same."""
    p, c = _PREC[parent], _prec(child)
    if parent == "pow":
        return c <= p if side == 0 else c < _ATOM
    if parent == "neg":
        return c < _PREC["pow"]
    return c < p if side == 0 else c <= p


def to_infix(e: Expr) -> str:
    """SymPy-parsable infix text that :func:`rpsdg.expr.parse.parse` reads back to ``e`` exactly."""
    if _c_infix is not None:
        text = _c_infix(e)
        if text is not None:
            return text
    return _infix(e)


def _infix(e: Expr) -> str:
    """:func:`to_infix` in Python: what ``_fastprint.c`` mirrors, and what prints every tree it declines."""
    op = e.op
    if op == "num" or op == "sym":
        return str(e.value)
    symbol = _INFIX_SYMBOL.get(op)
    if symbol is not None:  # the hot case, with _prec and _needs_parens inlined (the same rules)
        a, b = e.args
        p = _PREC[op]
        left, right = _infix(a), _infix(b)
        ca = (_NEG if a.value < 0 else _ATOM) if a.op == "num" else _PREC.get(a.op, _ATOM)  # type: ignore[operator]
        cb = (_NEG if b.value < 0 else _ATOM) if b.op == "num" else _PREC.get(b.op, _ATOM)  # type: ignore[operator]
        if op == "pow":
            if ca <= p:
                left = f"({left})"
            if cb < _ATOM:
                right = f"({right})"
        else:
            if ca < p:
                left = f"({left})"
            if cb <= p:
                right = f"({right})"
        return left + symbol + right
    if op == "neg":
        return "-" + _wrap("neg", e.args[0], 0)
    if op in FUNCTIONS:
        return f"{op}({_infix(e.args[0])})"
    if op in _RELATION_INFIX:
        return _infix(e.args[0]) + _RELATION_INFIX[op] + _infix(e.args[1])
    if op in _RELATION_HEAD:
        return f"{_RELATION_HEAD[op]}({_infix(e.args[0])}, {_infix(e.args[1])})"
    if op == "set":
        return "FiniteSet(" + ", ".join(_infix(a) for a in e.args) + ")"
    if op == "tuple":
        return "Tuple(" + ", ".join(_infix(a) for a in e.args) + ")"
    raise ValueError(f"no infix form for node kind {op!r}")


def _wrap(parent: str, child: Expr, side: int) -> str:
    text = _infix(child)
    return f"({text})" if _needs_parens(parent, child, side) else text


# -- prefix tokens in Lample & Charton's style ---------------------------------------------------------------
_PREFIX_NAME: Final = {"log": "ln"}


def to_prefix(e: Expr) -> list[str]:
    """Prefix tokens as in Lample & Charton (2019): ``INT+``/``INT-`` then digits, ``ln`` for log."""
    tokens: list[str] = []
    _prefix_into(e, tokens)
    return tokens


def _prefix_into(e: Expr, out: list[str]) -> None:
    op = e.op
    if op == "num":
        value = e.value
        out.append("INT-" if value < 0 else "INT+")  # type: ignore[operator]
        out.extend(str(abs(value)))  # type: ignore[arg-type]
        return
    if op == "sym":
        out.append(str(e.value))
        return
    if op == "neg":
        out.extend(("mul", "INT-", "1"))
    else:
        out.append(_PREFIX_NAME.get(op, op))
    for child in e.args:
        _prefix_into(child, out)


# -- LaTeX ------------------------------------------------------------------------------------------------------
_LATEX_FUNC: Final = {"sqrt": None, "exp": r"\exp", "log": r"\log", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan",
               "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "sinh": r"\sinh",
               "cosh": r"\cosh", "tanh": r"\tanh", "asinh": r"\operatorname{arsinh}",
               "acosh": r"\operatorname{arcosh}", "atanh": r"\operatorname{artanh}"}
_LATEX_REL: Final = {"eq": " = ", "ne": r" \neq ", "lt": " < ", "le": r" \leq ", "gt": " > ", "ge": r" \geq "}


def to_latex(e: Expr) -> str:
    """LaTeX for display; not meant to be parsed back."""
    op = e.op
    if op in ("num", "sym"):
        return str(e.value)
    if op == "add":
        return f"{to_latex(e.args[0])} + {_latex_wrap('add', e.args[1], 1)}"
    if op == "sub":
        return f"{to_latex(e.args[0])} - {_latex_wrap('sub', e.args[1], 1)}"
    if op == "mul":
        left, right = _latex_wrap("mul", e.args[0], 0), _latex_wrap("mul", e.args[1], 1)
        joiner = r" \cdot " if e.args[1].op == "num" or right.startswith("-") else " "
        return left + joiner + right
    if op == "div":
        return rf"\frac{{{to_latex(e.args[0])}}}{{{to_latex(e.args[1])}}}"
    if op == "pow":
        return f"{_latex_wrap('pow', e.args[0], 0)}^{{{to_latex(e.args[1])}}}"
    if op == "neg":
        return "-" + _latex_wrap("neg", e.args[0], 0)
    if op == "sqrt":
        return rf"\sqrt{{{to_latex(e.args[0])}}}"
    if op in _LATEX_FUNC:
        return rf"{_LATEX_FUNC[op]}\left({to_latex(e.args[0])}\right)"
    if op in _LATEX_REL:
        return to_latex(e.args[0]) + _LATEX_REL[op] + to_latex(e.args[1])
    if op in ("set", "tuple"):
        inner = ", ".join(to_latex(a) for a in e.args)
        return rf"\{{{inner}\}}" if op == "set" else rf"\left({inner}\right)"
    raise ValueError(f"no LaTeX form for node kind {op!r}")


def _latex_wrap(parent: str, child: Expr, side: int) -> str:
    text = to_latex(child)
    if parent == "pow" and side == 0 and child.op in FUNCTIONS and child.op != "sqrt":
        return rf"\left({text}\right)"
    if child.op == "div" and parent != "pow":
        return text
    return rf"\left({text}\right)" if _needs_parens(parent, child, side) else text


# -- Lean 4 ---------------------------------------------------------------------------------------------------
LEAN_REAL_FUNCTIONS: Final = {"sqrt": "Real.sqrt", "exp": "Real.exp", "log": "Real.log", "sin": "Real.sin",
                       "cos": "Real.cos", "tan": "Real.tan", "asin": "Real.arcsin", "acos": "Real.arccos",
                       "atan": "Real.arctan", "sinh": "Real.sinh", "cosh": "Real.cosh", "tanh": "Real.tanh",
                       "asinh": "Real.arsinh"}
"""Mathlib names of the functions we can state over ℝ; ``acosh``/``atanh`` have no Mathlib name we checked."""

_LEAN_PREC: Final = {"add": 65, "sub": 65, "mul": 70, "div": 70, "neg": 75, "pow": 75}
_LEAN_SYMBOL: Final = {"add": " + ", "sub": " - ", "mul": " * ", "div": " / ", "pow": " ^ "}
_LEAN_REL: Final = {"eq": " = ", "ne": " ≠ ", "lt": " < ", "le": " ≤ ", "gt": " > ", "ge": " ≥ "}


class LeanUnsupported(ValueError):
    """The tree uses something we cannot state in the requested Lean dialect."""


def to_lean(e: Expr, dialect: str = "real") -> str:
    """Lean 4 term text; ``dialect`` is ``"real"`` (Mathlib, ℝ) or ``"int"`` (core Lean, ``Int``).

    Exponents: a non-negative literal is a ℕ power (``x ^ 2``), a negative literal a ℤ power
    (``x ^ (-1 : ℤ)``); any other exponent is a real power (``rpow``) and only allowed over ℝ.
    """
    return _lean(e, dialect)


def _lean_prec(e: Expr) -> int:
    if e.op == "num":
        return 75 if e.value < 0 else 1024  # type: ignore[operator]
    return _LEAN_PREC.get(e.op, 1024)


def _lean(e: Expr, dialect: str) -> str:
    op = e.op
    if op in ("num", "sym"):
        return str(e.value)
    if op == "pow":
        return _lean_pow(e, dialect)
    if op in _LEAN_SYMBOL:
        if dialect == "int" and op == "div":
            raise LeanUnsupported("division is not stated over Int")
        p = _LEAN_PREC[op]
        left = _lean_wrap(e.args[0], dialect, _lean_prec(e.args[0]) < p)
        right = _lean_wrap(e.args[1], dialect, _lean_prec(e.args[1]) <= p)
        return left + _LEAN_SYMBOL[op] + right
    if op == "neg":
        return "-" + _lean_wrap(e.args[0], dialect, _lean_prec(e.args[0]) < 1024)
    if op in FUNCTIONS:
        if dialect != "real" or op not in LEAN_REAL_FUNCTIONS:
            raise LeanUnsupported(f"{op} has no Lean name in the {dialect} dialect")
        arg = e.args[0]
        atomic = arg.op == "sym" or (arg.op == "num" and arg.value >= 0)  # type: ignore[operator]
        return f"{LEAN_REAL_FUNCTIONS[op]} {_lean_wrap(arg, dialect, not atomic)}"
    if op in _LEAN_REL:
        return _lean(e.args[0], dialect) + _LEAN_REL[op] + _lean(e.args[1], dialect)
    raise LeanUnsupported(f"no Lean form for node kind {op!r}")


def _lean_pow(e: Expr, dialect: str) -> str:
    base, exponent = e.args
    base_text = _lean_wrap(base, dialect, _lean_prec(base) <= 75 or base.op in FUNCTIONS)
    if exponent.op == "num" and exponent.value >= 0:  # type: ignore[operator]
        return f"{base_text} ^ {exponent.value}"
    if exponent.op == "num":
        if dialect == "int":
            raise LeanUnsupported("negative powers are not stated over Int")
        return f"{base_text} ^ ({exponent.value} : ℤ)"
    if dialect != "real":
        raise LeanUnsupported("real powers need the real dialect")
    return f"{base_text} ^ ({_lean(exponent, dialect)} : ℝ)"


def _lean_wrap(e: Expr, dialect: str, bracket: bool) -> str:
    text = _lean(e, dialect)
    return f"({text})" if bracket else text
