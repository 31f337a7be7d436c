"""Our own grammar for the infix text we store: corpora and rule files may come from strangers.

Why not ``sympify``: SymPy's parser evaluates Python, so reading a stranger's record with it can run code.
This is a small Pratt parser over a fixed token set; it never evaluates anything, caps input size,
nesting and tree depth, and names the offending text and column in every error.

Accepted: integers, variables, ``+ - * / ** ^``, parentheses, calls of the functions in
:data:`rpsdg.expr.tree.FUNCTIONS` (``ln`` is read as ``log``), relations ``= == != < <= > >=``, and the
SymPy-style heads ``Eq Ne Lt Le Gt Ge FiniteSet Tuple Rational``. The printers in ``printers.py`` emit only
this language, so ``parse(to_infix(e)) == e`` for every tree rpsdg builds.
To extend: add the token or head here and its printing in ``printers.py``; the round-trip test covers both.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import keyword
import re
from functools import lru_cache
from typing import Final

from rpsdg.errors import ParseError
from rpsdg.expr.tree import FUNCTIONS, Expr, neg

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
_node: Final = tuple.__new__
"""``_node(Expr, (op, args, value))`` builds an ``Expr`` without the Python-level ``__new__`` (the parser is hot)."""
_BINARY: Final = {"+": (10, "add"), "-": (10, "sub"), "*": (20, "mul"), "/": (20, "div"), "**": (40, "pow"),
           "^": (40, "pow")}
_UNARY_BP: Final = 30


def _tokenize(text: str, what: str) -> list[str]:
    """The tokens of ``text`` as strings (a number, a name or an operator), then the end marker ``""``."""
    stray = _STRAY.search(text)
    if stray:
        raise ParseError(f"cannot parse {what} {_clip(text)}: unexpected character {stray.group()[0]!r} at "
                         f"column {stray.start() + 1}; use integers, variables, + - * / ** and known functions")
    tokens = _TOKEN.findall(text)
    longest = 0
    if _LONG_NUMBER.search(text):  # rare (a long digit run, maybe inside a name): only then measure the numbers
        longest = max((len(t) for t in tokens if t[:1].isdigit()), default=0)
    if longest > MAX_DIGITS:
        raise ParseError(f"cannot parse {what}: a number with {longest} digits (at most {MAX_DIGITS}); write "
                         f"smaller numbers")
    tokens.append(_END)
    return tokens


def _clip(text: str) -> str:
    return repr(text if len(text) <= 80 else text[:77] + "...")


class _Parser:
    def __init__(self, text: str, what: str):
        self.text, self.what = text, what
        self.tokens = _tokenize(text, what)
        self.index = 0
        self.nesting = 0

    def fail(self, problem: str, fix: str) -> ParseError:
        starts = [match.start() for match in _TOKEN.finditer(self.text)] + [len(self.text)]
        column = starts[self.index] + 1
        return ParseError(f"cannot parse {self.what} {_clip(self.text)}: {problem} at column {column}; {fix}")

    def peek(self) -> str:
        return self.tokens[self.index]

    def take(self) -> str:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        token = self.peek()
        if token != value:
            raise self.fail(f"expected {value!r} but found {token or 'the end'!r}", "check the brackets")
        self.index += 1

    def parse_top(self) -> Expr:
        result = self.parse_relation()
        if self.peek() != _END:
            raise self.fail(f"unexpected {self.peek()!r}", "remove the extra text or add an operator")
        return result

    def parse_relation(self) -> Expr:
        left = self.parse_arith(0)
        relation = _RELATION_TOKENS.get(self.tokens[self.index])
        if relation is not None:
            self.index += 1
            return _node(Expr, (relation, (left, self.parse_arith(0)), None))
        return left

    def parse_arith(self, min_bp: int) -> Expr:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.fail("nesting too deep", f"keep expressions under {MAX_NESTING} levels")
        tokens = self.tokens
        token = tokens[self.index]
        if token.isdigit():  # the common operands inline (every token is ASCII by now)
            self.index += 1
            left = _node(Expr, ("num", (), int(token)))
        elif token.isidentifier() and tokens[self.index + 1] != "(" and token not in _NOT_VARIABLES:
            self.index += 1
            left = _node(Expr, ("sym", (), token))
        else:
            left = self.parse_prefix()
        while True:
            entry = _BINARY.get(tokens[self.index])
            if entry is None:
                break
            bp, op = entry
            if bp < min_bp or (bp == min_bp and op != "pow"):
                break
            self.index += 1
            right = self.parse_arith(bp if op == "pow" else bp + 1)
            left = _node(Expr, (op, (left, right), None))
        self.nesting -= 1
        return left

    def parse_prefix(self) -> Expr:
        token = self.tokens[self.index]
        self.index += 1
        first = token[:1]
        if "0" <= first <= "9":
            return Expr("num", (), int(token))
        if first.isalpha() or first == "_":
            return self.parse_name(token)
        if token == "-" or token == "+":
            operand = self.parse_arith(_UNARY_BP)
            return neg(operand) if token == "-" else operand
        if token == "(":
            return self.parse_parenthesised()
        self.index -= 1
        raise self.fail(f"unexpected {token or 'end of text'!r}", "write an operand here")

    def parse_parenthesised(self) -> Expr:
        items = self.parse_items(")")
        return items[0] if len(items) == 1 else Expr("tuple", tuple(items))

    def parse_items(self, closing: str) -> list[Expr]:
        items: list[Expr] = []
        if self.tokens[self.index] == closing:
            self.index += 1
            return items
        while True:
            items.append(self.parse_relation())
            if self.tokens[self.index] == ",":
                self.index += 1
                continue
            self.expect(closing)
            return items

    def parse_name(self, name: str) -> Expr:
        if self.tokens[self.index] != "(":
            if name in _RESERVED or name in _FUNCTION_ALIASES or name in _RELATION_HEADS:
                self.index -= 1
                raise self.fail(f"{name!r} is reserved", "rename the variable (e.g. to a lower-case letter)")
            return Expr("sym", (), name)
        self.take()
        args = self.parse_items(")")
        return self.apply_head(name, args)

    def _arity(self, name: str, args: list[Expr], n: int) -> None:
        if len(args) != n:
            raise self.fail(f"{name} takes {n} argument(s), got {len(args)}", "fix the call")

    def apply_head(self, name: str, args: list[Expr]) -> Expr:
        head = _FUNCTION_ALIASES.get(name)
        if head is not None:
            self._arity(name, args, 1)
            return _node(Expr, (head, (args[0],), None))
        head = _RELATION_HEADS.get(name)
        if head is not None:
            self._arity(name, args, 2)
            return _node(Expr, (head, (args[0], args[1]), None))
        if name == "FiniteSet":
            return _node(Expr, ("set", tuple(args), None))
        if name == "Tuple":
            return _node(Expr, ("tuple", tuple(args), None))
        if name == "Rational":
            self._arity(name, args, 2)
            if not all(a.op == "num" for a in args) or args[1].value == 0:
                raise self.fail("Rational needs two integer literals, the second non-zero", "write p/q")
            return Expr("div", (args[0], args[1]))
        raise self.fail(f"unknown function {name!r}", f"use one of {', '.join(sorted(_FUNCTION_ALIASES))}")


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
    if not text.strip():
        raise ParseError(f"cannot parse {what}: it is empty; write an expression")
    parser = _Parser(text, what)
    tree = parser.parse_top()
    if len(parser.tokens) > MAX_DEPTH and _depth(tree) > MAX_DEPTH:  # a tree has at most one level per token
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
