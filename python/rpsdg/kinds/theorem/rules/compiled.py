"""Rule patterns compiled to straight-line Python, for the generator's hot loops (the walk and the searches).

Why: :func:`rpsdg.kinds.theorem.rules.match.match` walks a pattern recursively, one Python call per pattern node
and one per (node, direction) pair; :func:`~rpsdg.kinds.theorem.rules.match.applications` is most of the walk's
and the shortest-proof search's time. Here every direction whose source has a given head operator is compiled once
into one function per head (:func:`compile_heads`) that tests them all against a node in index order and appends
``(direction, path, binding)`` for each that fires: exactly what ``match`` + ``admissible`` accept, bindings in the same order
(pattern variables by first occurrence, pre-order). :func:`compile_builder` compiles a pattern's instantiation
(``instantiate``) the same way, with the same folding and the same :class:`Unstable` refusals.

In the compiled build both jobs go to C instead (``rpsdg/expr/_fastmatch.c``: ``match.CompiledIndex`` hands its
patterns to ``applications`` there, and :func:`compile_builder` binds a pattern to ``instantiate`` there), and the
code generation here is what every other install runs.

The results are identical to the generic functions by construction and by test (``tests/test_theorem_speed.py``
and ``tests/test_fastmatch.py`` compare them on many expressions); the replay checker never uses this module (it keeps the generic matcher, so a
bug here is caught by the checker instead of shared with it).

Safety: the generated code contains no text from rule files other than ``repr`` of operator names, variable names
(identifiers, checked) and integer literals (checked to be ``int``); nothing is evaluated from records or users.
To extend: a new node kind needs nothing unless its instances need folding (then add it to :func:`_build_code`
as ``neg`` is).
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import functools
import hashlib
import sys
from typing import Callable, Final, Mapping, Sequence

from rpsdg.expr.ops import CONTAINERS
from rpsdg.expr.tree import Expr, new_node
from rpsdg.maths.domain import is_total

Binding = dict[str, Expr]
try:  # the C instantiation, built only by the optional compiled install (setup.py, RPSDG_COMPILE=1)
    from rpsdg.expr._fastmatch import MAX_DEPTH as _C_MAX_DEPTH  # type: ignore[import-not-found, import-untyped]
    from rpsdg.expr._fastmatch import instantiate as _c_instantiate  # type: ignore[import-not-found, import-untyped]
except ImportError:
    _c_instantiate, _C_MAX_DEPTH = None, 0
_new: Final = new_node
"""``_new(Expr, (op, args, value))`` is ``Expr(op, args, value)`` without the Python-level ``__new__`` (a ``Final``
name: compiled code reads it without a dictionary lookup)."""
HeadMatcher = Callable[[Expr, tuple, list], None]
Builder = Callable[[Mapping[str, Expr]], Expr]


class Unstable(ValueError):
    """The rewrite would put a minus sign on a literal that is zero or negative (``-(-3)``, ``-0``): our tree
    would fold it to another literal, which no Lean rewrite does, so such steps are not taken."""


def negate(child: Expr) -> Expr:
    """``-child`` as the parser reads it: a positive literal becomes the negative literal; :class:`Unstable` on a
    literal <= 0."""
    if child[0] != "num":
        return _new(Expr, ("neg", (child,), None))
    if child[2] > 0:  # type: ignore[operator]
        return _new(Expr, ("num", (), -child[2]))  # type: ignore[operator]  # Lean's -n is Neg.neg n as well
    raise Unstable("minus sign on a literal <= 0")


def _literal(value: object) -> str:
    """A safe Python literal for an op name, a variable name or an integer."""
    if type(value) is str:
        return repr(value)
    if type(value) is int:
        return repr(value)
    raise TypeError(f"cannot compile pattern constant {value!r}")


class _Code:
    """Lines of generated code with fresh local names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counter = 0

    def fresh(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}{self.counter}"


def _match_steps(pattern: Expr, access: str, code: _Code, steps: list[tuple[str, str]], bound: dict[str, str],
                 known_op: bool) -> None:
    """Append ("if", condition) / ("set", statement) steps that test ``access`` (a local name) against
    ``pattern``, recording first occurrences of variables in ``bound`` (name → local)."""
    op = pattern.op
    if op == "sym":
        name = pattern.value
        if not (isinstance(name, str) and name.isidentifier()):
            raise TypeError(f"cannot compile pattern variable {name!r}")
        if name in bound:
            steps.append(("if", f"{access} == {bound[name]}"))
        else:
            bound[name] = access
        return
    if op == "num":
        steps.append(("if", f"{access}[0] == 'num' and {access}[2] == {_literal(pattern.value)}"))
        return
    if not known_op:
        steps.append(("if", f"{access}[0] == {_literal(op)}"))
    args = code.fresh("a")
    steps.append(("set", f"{args} = {access}[1]"))
    if op in CONTAINERS:  # n-ary: the arity must match too (other operators have a fixed arity)
        steps.append(("if", f"len({args}) == {len(pattern.args)}"))
    for i, child in enumerate(pattern.args):
        local = code.fresh("n")
        steps.append(("set", f"{local} = {args}[{i}]"))
        _match_steps(child, local, code, steps, bound, False)


def _emit(steps: Sequence[tuple[str, str]], final: list[str], indent: int, lines: list[str]) -> None:
    pad = "    " * indent
    for kind, text in steps:
        if kind == "if":
            lines.append(f"{pad}if {text}:")
            indent += 1
            pad = "    " * indent
        else:
            lines.append(f"{pad}{text}")
    for text in final:
        lines.append(f"{pad}{text}")


def compile_heads(index: Mapping[str, Sequence]) -> dict[str, HeadMatcher]:
    """For each head operator of ``index`` (op → directions, as ``RuleBook.index``; ``"*"``, bare variables, is
    left out), a function ``(node, path, out)`` appending ``(direction, path, binding)`` to ``out`` for each
    direction, in index order, whose source matches ``node`` with a binding that ``admissible`` accepts;
    ``node.op`` must be that head."""
    heads: dict[str, HeadMatcher] = {}
    for op, directions in index.items():
        if op == "*" or not directions:
            continue
        for direction in directions:
            if direction.source.op != op:
                raise ValueError(f"direction {direction.rule.name} {direction.direction} is indexed under {op!r} "
                                 f"but its source has head {direction.source.op!r}")
        make = _head_maker(op, tuple((d.source, tuple(d.rule.total)) for d in directions))
        heads[op] = make(tuple(directions))
    return heads


def _use_ops(text: str, arity: int) -> str:
    for i in range(arity):
        text = text.replace(f"c{i}[0] ==", f"o{i} ==")
    return text


@functools.lru_cache(maxsize=256)
def _head_maker(op: str, shapes: tuple[tuple[Expr, tuple[str, ...]], ...]) -> Callable[[tuple], HeadMatcher]:
    """The compiled code for one head: ``make(directions)`` returns the matcher over those directions. Cached per
    process (bounded; a pure function of immutable patterns) because every config selects the same rules again."""
    code = _Code()
    arity = len(shapes[0][0].args)
    shared = op not in CONTAINERS and op != "num" and all(len(source.args) == arity for source, _ in shapes)
    lines = ["def make(D):"]
    lines.extend(f"    D{number} = D[{number}]" for number in range(len(shapes)))
    lines += ["    def match_head(node, path, out):"]
    if shared:  # fixed arity: the children are read once for all directions
        lines.append("        args = node[1]")
        lines.extend(f"        c{i} = args[{i}]" for i in range(arity))
        lines.extend(f"        o{i} = c{i}[0]" for i in range(arity))
    for number, (source, total) in enumerate(shapes):
        bound: dict[str, str] = {}
        steps: list[tuple[str, str]] = []
        if shared:
            for i, child in enumerate(source.args):
                _match_steps(child, f"c{i}", code, steps, bound, False)
        else:
            _match_steps(source, "node", code, steps, bound, True)
        for name in total:
            if name in bound:
                steps.append(("if", f"is_total({bound[name]})"))
        binding = ", ".join(f"{_literal(name)}: {local}" for name, local in bound.items())
        if shared:  # the children's operators were read once too
            steps = [(kind, _use_ops(text, arity)) for kind, text in steps]
        _emit(steps, [f"out.append((D{number}, path, {{{binding}}}))"], 2, lines)
    lines += ["    match_head.generated = GENERATED", "    return match_head"]
    text = "\n".join(lines)
    namespace: dict[str, object] = {"is_total": is_total, "GENERATED": text}
    exec(compile(text, f"<rules compiled for head {op}>", "exec"), namespace)  # noqa: S102
    return namespace["make"]  # type: ignore[return-value]


def _build_code(pattern: Expr, code: _Code, lines: list[str], constants: dict[str, object]) -> str:
    """Append statements building ``pattern``'s instance; return the expression (a local or literal name)."""
    op = pattern.op
    if op == "sym":
        name = pattern.value
        if not (isinstance(name, str) and name.isidentifier()):
            raise TypeError(f"cannot compile pattern variable {name!r}")
        return f"binding[{_literal(name)}]"
    if op == "num":
        constant = f"K{len(constants)}"
        constants[constant] = pattern
        return constant
    children = [_build_code(child, code, lines, constants) for child in pattern.args]
    local = code.fresh("t")
    if op == "neg":
        lines.append(f"    {local} = negate({children[0]})")
    else:
        tail = "," if len(children) == 1 else ""
        lines.append(f"    {local} = new(Expr, ({_literal(op)}, ({', '.join(children)}{tail}), "
                     f"{_literal(pattern.value) if pattern.value is not None else 'None'}))")
    return local


def deeper_than(e: Expr, limit: int) -> bool:
    """Whether ``e`` has a node more than ``limit`` levels below its root (no recursion: a stranger's rule file)."""
    stack = [(e, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in node.args)
    return False


def interned(pattern: Expr) -> Expr:
    """An equal pattern whose operator and variable names are interned strings, which the C matcher compares by
    identity first (call it on a pattern no deeper than ``_fastmatch.MAX_DEPTH``: it recurses)."""
    value = sys.intern(pattern.value) if pattern.op == "sym" else pattern.value  # type: ignore[arg-type]
    return Expr(sys.intern(pattern.op), tuple([interned(child) for child in pattern.args]), value)


@functools.lru_cache(maxsize=2048)
def compile_builder(pattern: Expr) -> Builder:
    """``binding → instantiate(pattern, binding)``, the same tree (the same folding of a minus sign on a literal,
    the same :class:`Unstable` and ``KeyError``), children built left to right: in the compiled build the C
    ``instantiate`` of ``rpsdg/expr/_fastmatch.c`` bound to the pattern, elsewhere generated Python."""
    if _c_instantiate is not None and not deeper_than(pattern, _C_MAX_DEPTH):
        return functools.partial(_c_instantiate, Expr, interned(pattern), Unstable)
    return generated_builder(pattern)


def generated_builder(pattern: Expr) -> Builder:
    """:func:`compile_builder` as generated Python code (every build without the C module; its source is the
    builder's ``generated`` attribute)."""
    code = _Code()
    lines = ["def build(binding):"]
    constants: dict[str, object] = {}
    result = _build_code(pattern, code, lines, constants)
    lines.append(f"    return {result}")
    namespace: dict[str, object] = {"Expr": Expr, "new": new_node, "negate": negate, **constants}
    text = "\n".join(lines)
    exec(compile(text, "<rule pattern builder>", "exec"), namespace)  # noqa: S102
    build = namespace["build"]
    build.generated = text  # type: ignore[attr-defined]  # for reading (and tests)
    return build  # type: ignore[return-value]


def tree_size(e: Expr) -> int:
    """``e.size()`` (number of nodes), without a Python call per node."""
    count = 0
    stack: list[Expr] = [e]
    while stack:  # stack.pop() itself, not a bound-method alias: compiled code calls a list's own methods directly
        count += 1
        stack.extend(stack.pop()[1])
    return count


SIGNATURE_SHIFT = 64
"""A :func:`signature` is ``size << SIGNATURE_SHIFT`` plus a sum of label digests below ``2**40`` each (no carry
into the size for trees under ``2**24`` nodes), so ``signature(e) >> SIGNATURE_SHIFT == e.size()``."""


@functools.lru_cache(maxsize=4096)
def label_weight(label: str) -> int:
    """What one node labelled ``label`` (:func:`node_label`) adds to a :func:`signature`: one node plus a fixed
    40-bit digest of the label (a pure function of the text; bounded per-process memo)."""
    digest = hashlib.blake2b(label.encode(), digest_size=5).digest()
    return (1 << SIGNATURE_SHIFT) + int.from_bytes(digest, "big")


def node_label(node: Expr) -> str:
    """What a :func:`signature` sees of one node: its op, and a variable's name (``$x``); not a literal's value,
    so folding ``-(3)`` into ``-3`` only removes one ``neg`` label."""
    return "$" + node[2] if node[0] == "sym" else node[0]  # type: ignore[operator]


class Weights(dict):
    """``label → label_weight(label)``, filled on first use: one per search (a local, not shared state)."""

    def __missing__(self, label: str) -> int:
        weight = self[label] = label_weight(label)
        return weight


def signature(e: Expr, weights: Mapping[str, int]) -> int:
    """The sum of :func:`label_weight` over ``e``'s nodes (``weights``: a :class:`Weights`): equal trees have equal
    signatures, and a rewrite changes it by a sum computable before building the result (the shortest-proof
    search's last-level filter). ``signature(e) >> SIGNATURE_SHIFT`` is ``tree_size(e)``."""
    total = 0
    stack: list[Expr] = [e]
    while stack:
        node = stack.pop()
        op = node[0]
        total += weights["$" + node[2] if op == "sym" else op]  # type: ignore[operator]
        stack.extend(node[1])
    return total


def replace_at(expr: Expr, path: tuple[int, ...], new: Expr) -> Expr:
    """``match.replace(expr, path, new)`` without recursion: the same tree, the same :class:`Unstable` when ``new``
    is a literal whose new parent is a minus sign."""
    if not path:
        return new
    ancestors = []
    node = expr
    for head in path:
        ancestors.append(node)
        node = node[1][head]
    if ancestors[-1][0] == "neg" and new[0] == "num":
        raise Unstable("a literal under a minus sign would fold into a negative literal")
    for depth in range(len(path) - 1, -1, -1):
        parent = ancestors[depth]
        head = path[depth]
        args = parent[1]
        if len(args) == 2:  # the common arities with one new tuple, not three
            args = (new, args[1]) if head == 0 else (args[0], new)
        elif len(args) == 1:
            args = (new,)
        else:
            args = args[:head] + (new,) + args[head + 1:]
        new = _new(Expr, (parent[0], args, parent[2]))
    return new
