"""Our own immutable expression tree.

Why not SymPy objects: SymPy reorders and auto-simplifies terms, so a step like ``a + b → b + a`` cannot even
be represented, and building SymPy objects in a hot loop is slow. ``Expr`` keeps exactly the shape we built,
hashes and compares in C (it is a ``NamedTuple``), and positions inside it are paths of child indices.

Node kinds (``op``):
  * ``num``  -- an integer literal, ``value`` is a Python ``int`` (rationals are ``div(num, num)``);
  * ``sym``  -- a variable, ``value`` is its name;
  * binary arithmetic ``add sub mul div pow`` and unary ``neg``;
  * functions in :data:`FUNCTIONS` (one argument each);
  * relations ``eq ne lt le gt ge`` and containers ``set`` (FiniteSet) and ``tuple`` (n-ary).

To add an operator: add it to the right table below, then to the printers (``printers.py``), the parser's
function table (``parse.py``), the evaluator (``evaluate.py``) and, if it has a derivative, ``calculus.py``.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

from numbers import Rational
from typing import Final, Iterator, NamedTuple, Union, cast

from rpsdg.expr.ops import ARITHMETIC_OPS, BINARY_ARITH, CONTAINERS, FUNCTIONS, RELATIONS  # noqa: F401 (re-exported)
from rpsdg.expr.rational import Fraction, exact

Path = tuple[int, ...]


class Expr(NamedTuple):
    """One node of an expression tree; immutable, hashable, compared structurally.

    ``op`` names the node kind (see the module docstring); ``args`` holds the children in order;
    ``value`` is the integer of a ``num`` node or the name of a ``sym`` node, else ``None``.
    """

    op: str
    args: tuple["Expr", ...] = ()
    value: Union[int, str, None] = None

    def __repr__(self) -> str:  # infix is the readable form; the printers module owns it
        from rpsdg.expr.printers import to_infix

        return f"Expr({to_infix(self)!r})"

    # -- positions -------------------------------------------------------------------------------------
    def at(self, path: Path) -> "Expr":
        """The subterm at ``path`` (a tuple of child indices from the root)."""
        node = self
        for index in path:
            node = node.args[index]
        return node

    def replace_at(self, path: Path, new: "Expr") -> "Expr":
        """A copy of this tree with the subterm at ``path`` replaced by ``new``."""
        if not path:
            return new
        head, rest = path[0], path[1:]
        children = list(self.args)
        children[head] = children[head].replace_at(rest, new)
        return Expr(self.op, tuple(children), self.value)

    def positions(self) -> Iterator[tuple[Path, "Expr"]]:
        """Every (path, subterm) pair, in pre-order (root first)."""
        stack: list[tuple[Path, Expr]] = [((), self)]
        while stack:
            path, node = stack.pop()
            yield path, node
            for index in range(len(node.args) - 1, -1, -1):
                stack.append((path + (index,), node.args[index]))

    def size(self) -> int:
        """Number of nodes."""
        return 1 + sum(child.size() for child in self.args)

    def depth(self) -> int:
        """Length of the longest root-to-leaf path, counting nodes."""
        return 1 + max((child.depth() for child in self.args), default=0)

    def free_symbols(self) -> frozenset[str]:
        """Names of the variables that occur (one walk, no set per node; items by index, which compiled code
        reads directly, where a field name is an attribute lookup)."""
        names: set[str] = set()
        stack = [self]
        while stack:
            node = stack.pop()
            if node[0] == "sym":
                names.add(cast(str, node[2]))
            elif node[1]:
                stack.extend(node[1])
        return frozenset(names)

    def has(self, name: str) -> bool:
        """Whether variable ``name`` occurs."""
        stack = [self]
        while stack:
            node = stack.pop()
            if node[0] == "sym":
                if node[2] == name:
                    return True
            elif node[1]:
                stack.extend(node[1])
        return False


# -- smart constructors: the only folding they do is what the printer/parser round trip needs -------------

try:  # the compiled build's C copy of tuple.__new__ (setup.py, RPSDG_COMPILE=1); tuple.__new__ itself elsewhere
    from rpsdg.expr._fastnode import new as _built_new  # type: ignore[import-not-found, import-untyped]
except ImportError:
    _built_new = tuple.__new__

new_node: Final = _built_new
"""``new_node(Expr, (op, args, value))`` is ``Expr(op, args, value)`` without the Python-level ``__new__``: the
way hot code makes a node. It is ``tuple.__new__``, or in the compiled build ``rpsdg.expr._fastnode.new``, which
makes the same object in one C call (``_fastnode.c`` says why). Modules that build nodes in hot loops bind it to a
``Final`` name of their own, which compiled code reads without a dictionary lookup."""

_EXPR: Final = Expr
"""``Expr`` for the constructors below: compiled code reads a ``NamedTuple`` class, like any name bound at import,
from the module's dictionary at every use (about 130 instructions a node); a ``Final`` name is a C static."""
_FRACTION: Final = Fraction


def node(op: str, args: tuple[Expr, ...] = (), value: int | str | None = None) -> Expr:
    """``Expr(op, args, value)``, made as the constructors below make theirs (compiled code calling ``Expr(...)``
    runs the ``NamedTuple``'s Python-level ``__new__``)."""
    return new_node(_EXPR, (op, args, value))


def num(value: int | Fraction) -> Expr:
    """An integer literal, or ``p/q`` as ``div(num p, num q)`` for a non-integer rational."""
    if type(value) is int:
        return new_node(_EXPR, ("num", (), value))
    if type(value) is not _FRACTION and isinstance(value, Rational):
        value = exact(value)  # a caller's rational (a ``fractions.Fraction``): the same number, our type
    if type(value) is _FRACTION:  # not isinstance: Fraction is an ABC (a slow check on this hot path)
        if value.denominator == 1:
            return new_node(_EXPR, ("num", (), int(value.numerator)))
        top = new_node(_EXPR, ("num", (), value.numerator))
        bottom = new_node(_EXPR, ("num", (), value.denominator))
        return new_node(_EXPR, ("div", (top, bottom), None))
    return new_node(_EXPR, ("num", (), int(value)))


def sym(name: str) -> Expr:
    """A variable."""
    return new_node(_EXPR, ("sym", (), name))


def add(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("add", (a, b), None))


def sub(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("sub", (a, b), None))


def mul(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("mul", (a, b), None))


def div(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("div", (a, b), None))


def pow_(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("pow", (a, b), None))


def neg(a: Expr) -> Expr:
    """``-a``; a negated literal is the negative literal, so ``-3`` prints and parses back the same (the C parser,
    ``_fastparse.c``, folds a unary minus the same way: change both together)."""
    if a.op == "num":
        return new_node(_EXPR, ("num", (), -a.value))  # type: ignore[operator]
    return new_node(_EXPR, ("neg", (a,), None))


def func(name: str, arg: Expr) -> Expr:
    """A one-argument function from :data:`FUNCTIONS`."""
    return new_node(_EXPR, (name, (arg,), None))


def eq(a: Expr, b: Expr) -> Expr:
    return new_node(_EXPR, ("eq", (a, b), None))


def is_num(e: Expr, value: int | None = None) -> bool:
    """Whether ``e`` is an integer literal (equal to ``value`` when given)."""
    return e.op == "num" and (value is None or e.value == value)


def rational_value(e: Expr) -> Fraction | None:
    """The rational number ``e`` denotes when it is a literal or a literal fraction, else ``None``."""
    if e.op == "num":
        return _FRACTION(e.value)  # type: ignore[arg-type]
    if e.op == "div" and e.args[0].op == "num" and e.args[1].op == "num" and e.args[1].value != 0:
        return _FRACTION(e.args[0].value, e.args[1].value)  # type: ignore[arg-type]
    if e.op == "neg":
        inner = rational_value(e.args[0])
        return None if inner is None else -inner
    return None


X: Final = sym("x")
ZERO: Final = num(0)
ONE: Final = num(1)


def foreign_node(e: Expr, allowed_ops: frozenset[str], variables: frozenset[str] | tuple[str, ...]) -> Expr | None:
    """The first node of ``e`` whose kind is not in ``allowed_ops`` or that is a variable not in ``variables``;
    ``None`` when every node fits. Iterative: the tree may come from a stranger's record."""
    stack = [e]
    while stack:
        node = stack.pop()
        if node.op not in allowed_ops or (node.op == "sym" and node.value not in variables):
            return node
        stack.extend(node.args)
    return None
