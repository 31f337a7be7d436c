"""Our own grammar for the infix text we store: corpora and rule files may come from strangers.

Why not ``sympify``: SymPy's parser evaluates Python, so reading a stranger's record with it can run code.
This is a small Pratt parser over a fixed token set; it never evaluates anything, caps input size,
nesting and tree depth, and names the offending text and column in every error.

Accepted: integers, variables, ``+ - * / ** ^``, parentheses, calls of the functions in
:data:`rpsdg.expr.tree.FUNCTIONS` (``ln`` is read as ``log``), relations ``= == != < <= > >=``, and the
SymPy-style heads ``Eq Ne Lt Le Gt Ge FiniteSet Tuple Rational``. The printers in ``printers.py`` emit only
this language, so ``parse(to_infix(e)) == e`` for every tree rpsdg builds.

The optional compiled build (``RPSDG_COMPILE=1``, see ``setup.py``) adds ``rpsdg/expr/_fastparse.c``, the same
grammar in C over this module's tables: :func:`_parsed` asks it first, and where it declines a text (every text
this parser refuses, and any it is unsure of) the Python reading below runs, so every error and limit is this
module's. To extend: add the token or head here, its printing in ``printers.py`` and its reading in
``_fastparse.c`` together, or make sure the C parser declines it (it declines characters and heads it does not
know, and refuses to start when the tokens of ``_BINARY`` or ``_RELATION_TOKENS`` are not its own); the
round-trip test covers the printers, ``tests/test_fastparse.py`` the C parser against this one.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import keyword
import re
from functools import lru_cache
from typing import Callable, Final

from rpsdg.errors import ParseError
from rpsdg.expr.tree import FUNCTIONS, Expr, neg, new_node

MAX_TEXT: Final = 200_000
MAX_NESTING: Final = 100
MAX_DIGITS: Final = 1000
"""Longest integer literal read (Python itself refuses to convert over 4300 digits, with its own message)."""
MAX_DEPTH: Final = 300

MEMO_TEXTS: Final = 256
"""How many recent texts :func:`parse` remembers the trees of (trees are immutable, so a remembered one is as good
as a fresh one). An export re-reads each step's text for every corrupted copy of a record and every rendering."""
MEMO_MAX_TEXT: Final = 400
"""Longer texts are always parsed afresh, so the memo holds at most ``MEMO_TEXTS`` small trees."""

_TOKEN: Final = re.compile(r"[0-9]+|[A-Za-z_][A-Za-z0-9_]*|\*\*|==|!=|<=|>=|[-+*/^(),<>=]")
_STRAY: Final = re.compile(r"[^\s0-9A-Za-z_*/^(),<>=+\-!]|!(?!=)")
"""A character no token starts with; once none is left, ``findall`` reads the tokens in order."""
_LONG_NUMBER: Final = re.compile(f"[0-9]{{{MAX_DIGITS + 1}}}")
"""A digit run longer than :data:`MAX_DIGITS`: the cheap test before the longest number token is measured."""
_END: Final = ""
_FUNCTION_ALIASES: Final = {name: name for name in FUNCTIONS} | {"ln": "log"}
_RELATION_HEADS: Final = {"Eq": "eq", "Ne": "ne", "Lt": "lt", "Le": "le", "Gt": "gt", "Ge": "ge"}
_RELATION_TOKENS: Final = {"=": "eq", "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
# Names SymPy's parser gives a meaning of its own (constants, assumptions, builtins): refused as variables.
_RESERVED: Final = frozenset({"E", "I", "S", "N", "O", "Q", "pi", "oo", "nan", "zoo", "true", "false", "True",
                       "False", "None"}) | frozenset(keyword.kwlist)
_NOT_VARIABLES: Final = _RESERVED | frozenset(_FUNCTION_ALIASES) | frozenset(_RELATION_HEADS)
_node: Final = new_node
"""``_node(_EXPR, (op, args, value))`` builds an ``Expr`` without the Python-level ``__new__`` (the parser is hot)."""
_EXPR: Final = Expr
"""``Expr`` as a ``Final`` name, which compiled code reads directly instead of from the module's dict."""
_BINARY: Final = {"+": (9, "add", 11), "-": (9, "sub", 11), "*": (19, "mul", 21), "/": (19, "div", 21),
                  "**": (40, "pow", 40), "^": (40, "pow", 40)}
"""Operator token -> (reach, node kind, right operand's binding power). An operator joins the operand on its left
when its reach is at least the binding power it is parsed under: reach = its power (20 for ``*``) less one for the
left-associative ones, so ``a - b - c`` groups to the left and ``a**b**c`` to the right."""
_UNARY_BP: Final = 30

try:  # the C reading of this grammar, built only by the optional compiled install (see the module docstring)
    from rpsdg.expr._fastparse import Parser as _CParser  # type: ignore[import-not-found, import-untyped]
except ImportError:
    _CParser = None
_c_parse: Final[Callable[[str], Expr | None] | None] = None if _CParser is None else _CParser(
    expr=_EXPR, not_variables=_NOT_VARIABLES, function_heads=_FUNCTION_ALIASES, relation_heads=_RELATION_HEADS,
    binary=_BINARY, relation_tokens=_RELATION_TOKENS, unary_bp=_UNARY_BP, max_nesting=MAX_NESTING,
    max_depth=MAX_DEPTH, max_digits=MAX_DIGITS, max_length=MAX_TEXT).parse
"""``text`` -> the tree this module gives it, or ``None`` where the C parser declines it (then the Python reading
runs); ``None`` itself when the extension is not built."""


class _Failure(Exception):
    """A parse error before it is worded: :func:`_parsed` adds the text and the column (``back`` tokens before the
    next unread one), so the recursive functions need not carry them."""

    def __init__(self, problem: str, fix: str, back: int) -> None:
        super().__init__(problem)
        self.problem, self.fix, self.back = problem, fix, back


def _tokenize(text: str, what: str) -> list[str]:
    """The tokens of ``text`` as strings (a number, a name or an operator) in reverse order, after the end marker
    ``""``: the parser reads them with ``pop()`` and looks ahead with ``[-1]``."""
    tokens = _TOKEN.findall(text)
    if len("".join(tokens)) != len(text) - text.count(" "):  # a character no token covers: stray, or a tab...
        stray = _STRAY.search(text)
        if stray:
            raise ParseError(f"cannot parse {what} {_clip(text)}: unexpected character {stray.group()[0]!r} at "
                             f"column {stray.start() + 1}; use integers, variables, + - * / ** and known functions")
    if len(text) > MAX_DIGITS and _LONG_NUMBER.search(text):  # rare: only then measure the numbers
        longest = max((len(t) for t in tokens if t[:1].isdigit()), default=0)
        if longest > MAX_DIGITS:
            raise ParseError(f"cannot parse {what}: a number with {longest} digits (at most {MAX_DIGITS}); write "
                             f"smaller numbers")
    tokens.append(_END)
    tokens.reverse()
    return tokens


def _quick_tokenize(text: str) -> list[str]:
    """The tokens of a short ASCII ``text`` as :func:`_tokenize` gives them, ``**`` read as ``^``, when the text
    is well formed; otherwise some token is malformed (a stray character, ``x<y``, ``2x``), which the parser cannot
    accept, and the exact tokens are read again. Spacing the one-character operators and splitting is about twice as
    fast as ``findall``."""
    spaced = text.replace("**", "^").replace("(", " ( ").replace(")", " ) ").replace(",", " , ")
    spaced = spaced.replace("*", " * ").replace("/", " / ").replace("^", " ^ ").replace("+", " + ").replace("-", " - ")
    tokens = spaced.split()
    tokens.append(_END)
    tokens.reverse()
    return tokens


def _clip(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _column(text: str, index: int) -> int:
    """The column (from 1) where token ``index`` of ``text`` starts; the end counts as a token."""
    starts = [match.start() for match in _TOKEN.finditer(text)] + [len(text)]
    return starts[index] + 1


# The grammar, one function per rule. ``tokens`` is the reversed token list (see ``_tokenize``); ``nesting``
# counts the ``_arith`` calls under way, capped at MAX_NESTING.

def _top(tokens: list[str]) -> Expr:
    result = _relation(tokens, 0)
    if tokens[-1] != _END:
        raise _Failure(f"unexpected {tokens[-1]!r}", "remove the extra text or add an operator", 0)
    return result


def _relation(tokens: list[str], nesting: int) -> Expr:
    left = _arith(tokens, 0, nesting)
    relation = _RELATION_TOKENS.get(tokens[-1])
    if relation is not None:
        tokens.pop()
        return _node(_EXPR, (relation, (left, _arith(tokens, 0, nesting)), None))
    return left


def _arith(tokens: list[str], min_bp: int, outer: int) -> Expr:
    nesting = outer + 1
    if nesting > MAX_NESTING:
        raise _Failure("nesting too deep", f"keep expressions under {MAX_NESTING} levels", 0)
    token = tokens.pop()
    if token.isdigit():  # the common operands inline (every token is ASCII by now)
        left = _node(_EXPR, ("num", (), int(token)))
    elif token.isidentifier() and tokens[-1] != "(" and token not in _NOT_VARIABLES:
        left = _node(_EXPR, ("sym", (), token))
    else:
        left = _prefix(tokens, token, nesting)
    while True:
        entry = _BINARY.get(tokens[-1])
        if entry is None:
            return left
        reach, op, right_bp = entry
        if reach < min_bp:
            return left
        tokens.pop()
        left = _node(_EXPR, (op, (left, _arith(tokens, right_bp, nesting)), None))


def _prefix(tokens: list[str], token: str, nesting: int) -> Expr:
    """The operand that starts with ``token`` (just read) when it is not a number or a variable."""
    first = token[:1]
    if first.isalpha() or first == "_":
        return _name(tokens, token, nesting)
    if token == "-" or token == "+":
        operand = _arith(tokens, _UNARY_BP, nesting)
        return neg(operand) if token == "-" else operand
    if token == "(":
        items = _items(tokens, nesting)
        return items[0] if len(items) == 1 else Expr("tuple", tuple(items))
    raise _Failure(f"unexpected {token or 'end of text'!r}", "write an operand here", 1)


def _items(tokens: list[str], nesting: int) -> list[Expr]:
    """The comma-separated items up to the closing ``)`` (the opening one is read)."""
    items: list[Expr] = []
    if tokens[-1] == ")":
        tokens.pop()
        return items
    while True:
        items.append(_relation(tokens, nesting))
        token = tokens.pop()
        if token == ")":
            return items
        if token != ",":
            raise _Failure(f"expected ')' but found {token or 'the end'!r}", "check the brackets", 1)


def _name(tokens: list[str], name: str, nesting: int) -> Expr:
    """A call, or a reserved name (``_arith`` reads every other name as a variable)."""
    if tokens[-1] != "(":
        raise _Failure(f"{name!r} is reserved", "rename the variable (e.g. to a lower-case letter)", 1)
    tokens.pop()
    return _apply_head(name, _items(tokens, nesting))


def _arity(name: str, args: list[Expr], n: int) -> None:
    if len(args) != n:
        raise _Failure(f"{name} takes {n} argument(s), got {len(args)}", "fix the call", 0)


def _apply_head(name: str, args: list[Expr]) -> Expr:
    head = _FUNCTION_ALIASES.get(name)
    if head is not None:
        _arity(name, args, 1)
        return _node(_EXPR, (head, (args[0],), None))
    head = _RELATION_HEADS.get(name)
    if head is not None:
        _arity(name, args, 2)
        return _node(_EXPR, (head, (args[0], args[1]), None))
    if name == "FiniteSet":
        return _node(_EXPR, ("set", tuple(args), None))
    if name == "Tuple":
        return _node(_EXPR, ("tuple", tuple(args), None))
    if name == "Rational":
        _arity(name, args, 2)
        if not all(a.op == "num" for a in args) or args[1].value == 0:
            raise _Failure("Rational needs two integer literals, the second non-zero", "write p/q", 0)
        return Expr("div", (args[0], args[1]))
    raise _Failure(f"unknown function {name!r}", f"use one of {', '.join(sorted(_FUNCTION_ALIASES))}", 0)


def parse(text: str, what: str = "expression") -> Expr:
    """Parse infix ``text`` into an :class:`Expr`; ``what`` names the input in error messages."""
    if not isinstance(text, str):
        raise ParseError(f"cannot parse {what}: expected text, got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ParseError(f"cannot parse {what}: {len(text)} characters is over the {MAX_TEXT} limit")
    if len(text) <= MEMO_MAX_TEXT:
        try:
            return _remembered(text)
        except ParseError:
            pass  # errors are not remembered: parse again below, for a message that names ``what``
    return _parsed(text, what)


@lru_cache(maxsize=MEMO_TEXTS)
def _remembered(text: str) -> Expr:
    return _parsed(text, "expression")


def _parsed(text: str, what: str) -> Expr:
    if _c_parse is not None:
        tree = _c_parse(text)
        if tree is not None:
            return tree
    return _python_parsed(text, what)


def _python_parsed(text: str, what: str) -> Expr:
    """:func:`_parsed` without the C parser: the reading that words every error."""
    ascii_text = text.isascii()
    if ascii_text:  # a bare integer or variable: no tokens needed
        if text.isdigit() and len(text) <= MAX_DIGITS:
            return _node(_EXPR, ("num", (), int(text)))
        if text.isidentifier() and text not in _NOT_VARIABLES:
            return _node(_EXPR, ("sym", (), text))
    if not text.strip():
        raise ParseError(f"cannot parse {what}: it is empty; write an expression")
    if ascii_text and len(text) <= MAX_DIGITS:
        tokens = _quick_tokenize(text)
        count = len(tokens)
        try:
            return _shallow(_top(tokens), count, text, what)
        except _Failure:
            pass  # the exact tokens below say what is wrong
    tokens = _tokenize(text, what)
    count = len(tokens)
    try:
        tree = _top(tokens)
    except _Failure as failure:
        column = _column(text, count - len(tokens) - failure.back)
        raise ParseError(f"cannot parse {what} {_clip(text)}: {failure.problem} at column {column}; "
                         f"{failure.fix}") from None
    return _shallow(tree, count, text, what)


def _shallow(tree: Expr, count: int, text: str, what: str) -> Expr:
    """``tree`` (read from ``count`` tokens) unless it is deeper than :data:`MAX_DEPTH`."""
    if count > MAX_DEPTH and _depth(tree) > MAX_DEPTH:  # a tree has at most one level per token
        raise ParseError(f"cannot parse {what} {_clip(text)}: the tree is deeper than {MAX_DEPTH} levels; "
                         f"split it or use a shorter expression")
    return tree


def _depth(tree: Expr) -> int:
    """Tree depth without recursion (the tree may come from a stranger)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.args)
    return deepest
