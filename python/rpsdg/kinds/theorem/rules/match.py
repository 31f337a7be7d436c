"""Matching rule patterns against expressions, instantiating them, and rewriting at a position.

A pattern is an :class:`Expr` whose ``sym`` leaves are pattern variables; literals match only themselves.
:func:`match` extends a binding (variable → subterm) or fails; :func:`instantiate` builds a pattern's instance
with the same smart constructors the parser uses (``-3`` is a literal), so every rewritten tree prints and parses
back to itself. :func:`applications` lists every (direction, path, binding) that fires in an expression, using a
per-head index so only directions whose source has the node's operator are tried; on a :class:`CompiledIndex` (what
the generator uses) the same list comes from code compiled per head (``rules/compiled.py``), while the replay
checker keeps the generic functions here.
Substitutions are stored as text ``a := x + 1; b := 2*y`` (names sorted); :func:`format_substitution` and
:func:`parse_substitution` are exact inverses.
To extend: new node kinds need nothing here unless they need special folding in :func:`instantiate`.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

from typing import Callable, Final, Iterable, Iterator, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, Path
from rpsdg.kinds.theorem.rules.compiled import HeadMatcher, Unstable, compile_heads, deeper_than, interned
from rpsdg.kinds.theorem.rules.compiled import negate as _negate
from rpsdg.kinds.theorem.rules.model import Direction
from rpsdg.maths.domain import is_total

Binding = dict[str, Expr]

try:  # the C matcher, built only by the optional compiled install (setup.py, RPSDG_COMPILE=1)
    from rpsdg.expr import _fastmatch  # type: ignore[attr-defined]
except ImportError:
    _fastmatch = None
_c_applications: Final[Callable[..., list] | None] = None if _fastmatch is None else _fastmatch.applications
"""``_fastmatch.c``'s ``applications(expr, table, bare, bare_max_size, is_total)``, or ``None`` where it was not
built."""


def match(pattern: Expr, term: Expr, binding: Binding) -> bool:
    """Whether ``term`` is an instance of ``pattern`` consistent with ``binding`` (extended in place)."""
    op = pattern.op
    if op == "sym":
        bound = binding.get(pattern.value)  # type: ignore[arg-type]
        if bound is None:
            binding[pattern.value] = term  # type: ignore[index]
            return True
        return bound == term
    if op != term.op:
        return False
    if op == "num":
        return pattern.value == term.value
    for p, t in zip(pattern.args, term.args):
        if not match(p, t, binding):
            return False
    return len(pattern.args) == len(term.args)


def instantiate(pattern: Expr, binding: Mapping[str, Expr]) -> Expr:
    """``pattern`` with every variable replaced by its binding (a missing one raises ``KeyError``); a minus sign
    on a positive literal becomes the negative literal, as the parser reads it; on a literal <= 0 it raises
    :class:`Unstable`."""
    op = pattern.op
    if op == "sym":
        return binding[pattern.value]  # type: ignore[index]
    if op == "num":
        return pattern
    args = tuple(instantiate(child, binding) for child in pattern.args)
    if op == "neg":
        return _negate(args[0])
    return Expr(op, args, pattern.value)


def replace(expr: Expr, path: Path, new: Expr) -> Expr:
    """``expr`` with the subterm at ``path`` replaced by ``new``; :class:`Unstable` if ``new`` is a literal and
    its new parent a minus sign (the parser would fold ``-(3)`` into the literal ``-3``, changing the positions)."""
    if not path:
        return new
    head = path[0]
    if expr.op == "neg" and len(path) == 1 and new.op == "num":
        raise Unstable("a literal under a minus sign would fold into a negative literal")
    child = replace(expr.args[head], path[1:], new)
    return Expr(expr.op, expr.args[:head] + (child,) + expr.args[head + 1:], expr.value)


def rewrite(expr: Expr, direction: Direction, path: Path, binding: Mapping[str, Expr]) -> Expr:
    """``expr`` with the subterm at ``path`` replaced by ``direction``'s target under ``binding``; raises
    :class:`Unstable` for a rewrite that would need folding a double minus."""
    return replace(expr, path, instantiate(direction.target, binding))


def admissible(direction: Direction, binding: Mapping[str, Expr]) -> bool:
    """Whether every variable the rule declares ``total`` is bound to a term defined at every real point."""
    return all(is_total(binding[name]) for name in direction.rule.total if name in binding)


def conditions_of(direction: Direction, binding: Mapping[str, Expr]) -> tuple[Expr, ...]:
    """The rule's side conditions for this use."""
    return tuple(instantiate(condition, binding) for condition in direction.rule.conditions)


class CompiledIndex(dict):
    """An index (head op → directions, as ``RuleBook.index``) with its heads compiled: :func:`applications` on it
    gives the same list as on the plain index, several times faster. Build one per config (the generator's
    ``LevelTables``), not per call. In the compiled build the C matcher (``rpsdg/expr/_fastmatch.c``) reads
    :attr:`table`; elsewhere, or for patterns beyond its limits, the heads are Python code generated per head
    (``rules/compiled.py``)."""

    def __init__(self, index: Mapping[str, tuple[Direction, ...]], use_c: bool = True) -> None:
        super().__init__(index)
        self.table: dict[str, tuple[tuple[Direction, Expr, tuple[str, ...]], ...]] | None = (
            c_table(index, _fastmatch.MAX_VARIABLES, _fastmatch.MAX_DEPTH)
            if use_c and _c_applications is not None else None)
        self.heads: dict[str, HeadMatcher] = compile_heads(index) if self.table is None else {}
        # bare-variable directions as (direction, its variable, whether the rule needs that variable total):
        # what ``admissible`` asks of a one-variable binding, answered before matching
        self.bare: tuple[tuple[Direction, str, bool], ...] = tuple(
            (direction, direction.source.value, direction.source.value in direction.rule.total)  # type: ignore[misc]
            for direction in index.get("*", ()))


def c_table(index: Mapping[str, tuple[Direction, ...]], max_variables: int, max_depth: int
            ) -> dict[str, tuple[tuple[Direction, Expr, tuple[str, ...]], ...]] | None:
    """``_fastmatch.c``'s table of ``index`` (op → (direction, source, total names), ``"*"`` and empty heads left
    out), or ``None`` when a source has more than ``max_variables`` variables or ``max_depth`` levels (that
    module's ``MAX_VARIABLES`` and ``MAX_DEPTH``)."""
    table: dict[str, tuple[tuple[Direction, Expr, tuple[str, ...]], ...]] = {}
    for op, directions in index.items():
        if op == "*" or not directions:
            continue
        for direction in directions:
            if len(direction.source.free_symbols()) > max_variables or deeper_than(direction.source, max_depth):
                return None
        table[op] = tuple((direction, interned(direction.source), tuple(direction.rule.total))
                          for direction in directions)
    return table


def applications(expr: Expr, index: Mapping[str, tuple[Direction, ...]], bare_max_size: int = 0
                 ) -> Iterable[tuple[Direction, Path, Binding]]:
    """Every (direction, path, binding) that fires in ``expr``, pre-order. Bare-variable sources fire on every
    subterm; they are offered only at subterms of at most ``bare_max_size`` nodes (0: never). On a
    :class:`CompiledIndex`, the same applications come as a list, computed by the compiled matchers."""
    if isinstance(index, CompiledIndex):
        if not index:
            return []
        if index.table is not None and _c_applications is not None:
            return _c_applications(expr, index.table, index.bare if bare_max_size > 0 else (), bare_max_size,
                                   is_total)
        return _compiled_applications(expr, index.heads, index.bare if bare_max_size > 0 else (), bare_max_size)
    return _applications(expr, index, bare_max_size)


def _compiled_applications(expr: Expr, heads: Mapping[str, HeadMatcher],
                           bare: tuple[tuple[Direction, str, bool], ...], bare_max_size: int
                           ) -> list[tuple[Direction, Path, Binding]]:
    out: list[tuple[Direction, Path, Binding]] = []
    stack: list[tuple[Path, Expr]] = [((), expr)]
    pop, push, get = stack.pop, stack.append, heads.get
    while stack:
        path, node = pop()
        op, args = node[0], node[1]
        head = get(op)
        if head is not None:
            head(node, path, out)
        if bare and (not args or _small(node, bare_max_size)):  # a leaf is small (bare_max_size >= 1)
            for direction, name, total in bare:
                if not total or is_total(node):  # admissible(direction, {name: node})
                    out.append((direction, path, {name: node}))
        # children pushed last-first (pre-order); a leaf is skipped when nothing can fire on it
        arity = len(args)
        if arity == 2:
            second = args[1]
            if (second[1] or bare or second[0] in heads) and not (op == "pow" and second[0] == "num"):
                push((path + (1,), second))  # literal exponents stay literals (see _applications)
            first = args[0]
            if first[1] or bare or first[0] in heads:
                push((path + (0,), first))
        elif arity == 1:
            push((path + (0,), args[0]))
        elif arity:
            for i in range(arity - 1, -1, -1):
                push((path + (i,), args[i]))
    return out


def _applications(expr: Expr, index: Mapping[str, tuple[Direction, ...]], bare_max_size: int = 0
                  ) -> Iterator[tuple[Direction, Path, Binding]]:
    """:func:`applications` on a plain index: the reference the compiled matchers are tested against."""
    bare = index.get("*", ()) if bare_max_size > 0 else ()
    stack: list[tuple[Path, Expr]] = [((), expr)]
    while stack:
        path, node = stack.pop()
        args = node.args
        for direction in index.get(node.op, ()):
            need = direction.need
            if need:
                if need[0] is not None and args[0].op != need[0]:
                    continue
                if len(need) > 1 and need[1] is not None and args[1].op != need[1]:
                    continue
            binding: Binding = {}
            if match(direction.source, node, binding) and admissible(direction, binding):
                yield direction, path, binding
        if bare and _small(node, bare_max_size):
            for direction in bare:
                binding = {direction.source.value: node}  # type: ignore[dict-item]
                if admissible(direction, binding):
                    yield direction, path, binding
        for i in range(len(args) - 1, -1, -1):
            if i == 1 and node.op == "pow" and args[1].op == "num":
                continue  # literal exponents stay literals (x**2 must not become x**(2 + 0))
            stack.append((path + (i,), args[i]))


def _small(node: Expr, limit: int) -> bool:
    """Whether ``node`` has at most ``limit`` nodes (stops counting as soon as it has more)."""
    budget = limit
    stack = [node]
    while stack:
        budget -= 1
        if budget < 0:
            return False
        stack.extend(stack.pop().args)
    return True


def format_substitution(binding: Mapping[str, Expr]) -> str:
    """``a := x + 1; b := 2*y`` with names sorted."""
    return "; ".join(f"{name} := {to_infix(binding[name])}" for name in sorted(binding))


def parse_substitution(text: str, what: str = "substitution",
                       read: Callable[[str, str], Expr] | None = None) -> dict[str, Expr]:
    """The binding written by :func:`format_substitution`; :class:`ParseError` unless ``text`` is exactly in
    that form (names sorted, unique, each right side read by our grammar). ``read(text, what)``, when given,
    parses a right side instead of :func:`parse` (a reader that remembers what it parsed in one record)."""
    if not isinstance(text, str):
        raise ParseError(f"cannot read {what}: expected text like 'a := x + 1; b := 2*y'")
    if text == "":
        return {}  # a rule without variables (exp(0) = 1)
    binding: dict[str, Expr] = {}
    for part in text.split("; "):
        name, sep, value = part.partition(" := ")
        if not sep or not name.isidentifier() or name in binding:
            raise ParseError(f"cannot read {what} {text!r}: {part!r} is not 'name := expression' with a new name")
        binding[name] = (read or parse)(value, f"{what} binding {name}")
    if format_substitution(binding) != text:
        raise ParseError(f"cannot read {what} {text!r}: not in canonical form (names sorted, printed as "
                         f"{format_substitution(binding)!r})")
    return binding
