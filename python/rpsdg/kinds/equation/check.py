"""Checkers for equation records, run on the stored text alone (the generator's objects are never trusted).

* ``replay``: the steps chain from the problem; every equation is defined on the recorded domain (each divisor
  with a variable is non-zero, each log argument positive, each square-root argument non-negative, by a recorded
  hypothesis); each step's stated operation applied to ``before`` gives ``after`` (our canonical form decides
  polynomial identities; rational identities by cross-multiplication) and is invertible on that domain
  (multiply/divide only by what cannot vanish there, logs of positive sides only, squaring only of sides that are
  non-negative there (the sign condition), odd roots only, equal bases for exponents, a system step changes one
  equation by a multiple of another); the last equation is a solved form and the answer is exactly its solution
  set (nothing excluded offered); factoring keeps degree = sum of multiplicities; every hypothesis is a domain
  condition of the problem (a stronger one could hide solutions).
  Systems: ``eliminate`` subtracts a multiple of another equation (the operand) from one equation; ``substitute``
  replaces ``var`` in one equation by ``expr`` where the operand ``var = expr`` is another equation of the system
  with ``var`` not in ``expr`` (:func:`_substitute_step`); any one-equation rule may change one equation.
  Rewrite rules must have the shape their names promise (``factor`` a sum into a product, ``expand`` multiplies out
  a product or power of a sum, ``collect`` fewer terms, ``write_as_power`` a number as ``b**k``): a relabelled step
  is rejected (:func:`_shape_problem`).
  Sign conditions: ``square_both_sides`` of ``sqrt(u) = v`` may record ``v >= 0`` as its operand. It is no
  hypothesis (not a domain condition) but is implied by the equation (the other side is non-negative), so it
  hides no solution; replay checks exactly that, and from that step on the domain in force
  (:func:`step_domains`) includes it: a factor that vanishes only outside it may be divided out (an extraneous
  root removed), and every checker demands that the answer satisfies it (:func:`recorded_conditions`).
* ``symbolic``: the answer satisfies the original and every intermediate equation and the hypotheses, exactly in
  our canonical form; ``NotRun`` where the form cannot decide (e.g. ``exp(log(5))``).
* ``numeric``: every step's identities at random points of the domain, the answer in every equation and
  hypothesis in floating point, and (one variable) a sign-change scan that finds no root the answer misses (the
  grid plus the edges of linear ``>=`` hypotheses, so a root next to a square root's domain edge is seen).

To add a solving rule: add its semantics to ``_SINGLE_RULES`` (one equation) and, if it acts on systems
differently, to ``_system_step``; the generator must then use the rule name.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Callable, Final, Iterable, Iterator, Mapping, Sequence

from rpsdg import __version__
from rpsdg.core import NotRun, Passed, Rejected, Verdict
from rpsdg.draws import choice, uniform
from rpsdg.errors import ParseError
from rpsdg.expr.canonical import Canonicalizer, CanonTooBig, Sum, canon, constant_value
from rpsdg.expr.evaluate import PLAIN_PROGRAMS, OutsideDomain, compile_expr, holds
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import (ARITHMETIC_OPS, FUNCTIONS, Expr, add, div, foreign_node, func, mul, neg, node, num,
                             pow_, sub)
from rpsdg.maths.numeric import PointSpec, close, collect_points
from rpsdg.maths.domain import (Domain, Fact, NotRational as _NotRational, constant_float as _constant,
                                constant_sign as _constant_sign, exact as _exact, exact_value, facts_of,
                                has_variable as _has_variable, nonvanishing, sign)

VERSION: Final = f"rpsdg-{__version__}"
NAMES = ("replay", "symbolic", "numeric")
VARIABLES = ("x", "y", "z")
POINTS = PointSpec(count=3, quorum=3, tries=200)
SCAN_POINTS: Final = 31

Pairs = list[tuple[Expr, Expr]]


@dataclass(frozen=True)
class ParsedStep:
    rule: str
    before: Expr
    after: Expr
    operand: Expr | None

    def __init__(self, rule: str, before: Expr, after: Expr, operand: Expr | None) -> None:
        # written out (the dataclass's own would do the same): the compiled build runs a generated __init__ as
        # Python code, about 10x the cost of this one compiled
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "before", before)
        object.__setattr__(self, "after", after)
        object.__setattr__(self, "operand", operand)


@dataclass(frozen=True)
class ParsedEquation:
    """An equation record re-read from its stored strings."""

    uid: str
    problem: Expr
    answer: Expr
    hypotheses: tuple[Expr, ...]
    steps: tuple[ParsedStep, ...]
    variables: tuple[str, ...]


def parse_row(row: Mapping[str, Any]) -> ParsedEquation:
    """Re-read a stored row with our grammar; raises :class:`ParseError` naming the field."""
    uid = str(row.get("uid", "?"))
    seen: dict[str, Expr] = {}  # one step's after is the next step's before: parse each text once

    def read(text: Any, what: str, index: int = -1) -> Expr:
        if isinstance(text, str) and text in seen:
            return seen[text]
        where = what if index < 0 else f"step {index} {what}"  # named only where it is parsed (30 reads, 10 parses)
        parsed = parse(text, f"{where} of record {uid[:12]}")
        seen[text] = parsed
        return parsed

    steps = tuple(ParsedStep(str(step["rule"]), read(step["before"], "before", i), read(step["after"], "after", i),
                             read(step["operand"], "operand", i) if step["operand"] else None)
                  for i, step in enumerate(row["steps"]))
    problem = read(row["problem"], "problem")
    size = len(problem.args) if problem.op == "tuple" else 1
    parsed = ParsedEquation(uid, problem, read(row["answer"], "answer"),
                            tuple(read(h, "hypothesis") for h in row["hypotheses"]), steps, VARIABLES[:size])
    _validate_shapes(parsed)
    return parsed


_OPERAND_OPS: Final = ARITHMETIC_OPS | {"eq", "tuple", "ge"}
"""What a step's operand may hold: a system step's operand is a multiple of another equation (``eliminate``), a
squaring step's the condition it needs."""


def _validate_shapes(record: ParsedEquation) -> None:
    """Refuse, with a ParseError naming the field, text that parses but is not an equation record's shape. The
    fields' names are written only for the message (this runs on every record)."""
    where = f"record {record.uid[:12]}"
    size = len(record.variables)
    if size > len(VARIABLES):
        raise ParseError(f"{where}: a system of {size} equations is more than we solve")
    validated: set[int] = set()  # one step's after is the next step's before (the same parsed object)
    _equations_shape(record.problem, record, validated, "problem")
    for index, step in enumerate(record.steps):
        _equations_shape(step.before, record, validated, "before", index)
        _equations_shape(step.after, record, validated, "after", index)
        if step.operand is not None:
            _arithmetic_shape(step.operand, record, "operand", index, allowed=_OPERAND_OPS)
    for hypothesis in record.hypotheses:
        if hypothesis.op not in ("eq", "ne", "lt", "le", "gt", "ge"):
            raise ParseError(f"{where}: hypothesis {hypothesis.op} is not a relation")
        for side in hypothesis.args:
            _arithmetic_shape(side, record, "a hypothesis")
    if record.answer.op != "set":
        raise ParseError(f"{where}: the answer must be FiniteSet(...)")
    for element in record.answer.args:
        values = element.args if element.op == "tuple" else (element,)
        if (size > 1) != (element.op == "tuple") or len(values) != size:
            raise ParseError(f"{where}: each solution must give {size} value(s)")
        for value in values:
            _arithmetic_shape(value, record, "a solution value", allow_variables=False)


def _field(what: str, index: int) -> str:
    """A field's name in a message: ``problem``, ``step 3 after``."""
    return what if index < 0 else f"step {index} {what}"


def _equations_shape(e: Expr, record: ParsedEquation, validated: set[int], what: str, index: int = -1) -> None:
    if id(e) in validated:
        return
    validated.add(id(e))
    size = len(record.variables)
    items = e.args if e.op == "tuple" else (e,)
    if (size > 1) != (e.op == "tuple") or len(items) != size or any(item.op != "eq" for item in items):
        raise ParseError(f"record {record.uid[:12]}: {_field(what, index)} must be {size} equation(s) Eq(lhs, rhs) "
                         f"like the problem")
    for item in items:
        for side in item.args:
            _arithmetic_shape(side, record, what, index)


def _arithmetic_shape(e: Expr, record: ParsedEquation, what: str, index: int = -1, allow_variables: bool = True,
                      allowed: frozenset = ARITHMETIC_OPS) -> None:
    node = foreign_node(e, allowed, record.variables if allow_variables else ())
    if node is None:
        return
    where = f"record {record.uid[:12]}: {_field(what, index)}"
    if node.op == "sym":
        raise ParseError(f"{where} uses the variable {node.value!r}, which is not allowed there")
    raise ParseError(f"{where} contains {node.op}; expected an arithmetic expression")


# -- exact helpers -------------------------------------------------------------------------------------------------

def _fraction(e: Expr) -> tuple[Expr, Expr]:
    """(numerator, denominator) with e = n/d wherever e is defined; atoms we do not split stay whole."""
    op = e.op
    if op in ("add", "sub"):
        (n1, d1), (n2, d2) = _fraction(e.args[0]), _fraction(e.args[1])
        return node(op, (_times(n1, d2), _times(n2, d1))), _times(d1, d2)
    if op == "mul":
        (n1, d1), (n2, d2) = _fraction(e.args[0]), _fraction(e.args[1])
        return _times(n1, n2), _times(d1, d2)
    if op == "div":
        (n1, d1), (n2, d2) = _fraction(e.args[0]), _fraction(e.args[1])
        return _times(n1, d2), _times(d1, n2)
    if op == "neg":
        n, d = _fraction(e.args[0])
        return neg(n), d
    if op == "pow" and e.args[1].op == "num":
        n, d = _fraction(e.args[0])
        power = e.args[1].value
        if power >= 0:  # type: ignore[operator]
            return pow_(n, num(power)), pow_(d, num(power))  # type: ignore[arg-type]
        return pow_(d, num(-power)), pow_(n, num(-power))  # type: ignore[operator]
    return e, num(1)


def _times(a: Expr, b: Expr) -> Expr:
    if b.op == "num" and b.value == 1:
        return a
    if a.op == "num" and a.value == 1:
        return b
    return mul(a, b)


class Forms:
    """The canonical forms and compiled closures of one record's expressions, each made once per check (an
    equation side is the ``after`` of one step and inside the expected side of the next)."""

    def __init__(self) -> None:
        self.sums: dict[Expr, Sum] = {}
        self.closures: dict[Expr, Callable] = {}
        self.checked: dict[Expr, Callable] = {}
        self.canonicalizer = Canonicalizer()
        self.pairs: list[Pairs | StepProblem] | None = None

    def pairs_by_step(self, record: ParsedEquation, facts: Domain) -> list[Pairs | StepProblem]:
        """:func:`step_pairs` of every step on the domain in force there (:func:`step_domains`), worked out once
        for replay and numeric; a step that breaks its rule has its :class:`StepProblem` in place of pairs."""
        if self.pairs is None:
            self.pairs = []
            for step, domain in zip(record.steps, step_domains(record, facts)):
                try:
                    self.pairs.append(step_pairs(step, domain, self.canonicalizer))
                except StepProblem as problem:
                    self.pairs.append(problem)
        return self.pairs

    def canon(self, e: Expr) -> Sum:
        """``canon(e)``; sums, differences and constant multiples reuse their parts' memoised forms."""
        known = self.sums.get(e)
        if known is not None:
            return known
        op = e.op
        if op in ("add", "sub"):
            result = _combine(self.canon(e.args[0]), self.canon(e.args[1]), 1 if op == "add" else -1)
        elif op in ("mul", "div"):
            result = self._product(e)
        else:
            result = self.canonicalizer.run(e)
        self.sums[e] = result
        return result

    def _product(self, e: Expr) -> Sum:
        left, right = self.canon(e.args[0]), self.canon(e.args[1])
        c = constant_value(right)
        if c is not None and c != 0:
            return _times_number(left, c) if e.op == "mul" else _over_number(left, c)
        c = constant_value(left)
        if e.op == "mul" and c is not None:
            return _times_number(right, c)
        return self.canonicalizer.run(e)

    def compiled(self, e: Expr) -> Callable:
        """A real-valued closure of ``e``, raising ``OutsideDomain`` where ``e`` is undefined or not finite. In the
        compiled build one C program (``_fasteval.compile_plain``) that computes what these closures compute, bit
        for bit, and raises where they raise (``tests/test_fasteval.py`` compares them)."""
        known = self.checked.get(e)
        if known is None:
            known = PLAIN_PROGRAMS(e, _plain_closures) if PLAIN_PROGRAMS is not None else None
            if known is None:
                known = _plain_closures(e, None, self)
            self.checked[e] = known
        return known

    def _closure(self, e: Expr) -> Callable:
        """``compiled`` less the finiteness test of + - * (an inf or nan inside reaches the top, where it is
        caught); + - * / reuse their parts' closures."""
        known = self.closures.get(e)
        if known is None:
            if e.op in _ARITHMETIC:
                known = self._arithmetic(e.op, *e.args)
            else:
                known = compile_expr(e)
            self.closures[e] = known
        return known

    def _arithmetic(self, op: str, a: Expr, b: Expr) -> Callable:
        """The closure of ``a op b``; a literal or variable operand is read inline (the same arithmetic in the
        same order, one call fewer per evaluation)."""
        if b.op == "num" and (op != "div" or b.value != 0):
            return _CONSTANT_RIGHT[op](self._closure(a), float(b.value))  # type: ignore[arg-type]
        if b.op == "sym":
            if a.op == "num":
                return _CONSTANT_VARIABLE[op](float(a.value), b.value)  # type: ignore[arg-type]
            return _VARIABLE_RIGHT[op](self._closure(a), b.value)  # type: ignore[arg-type]
        if a.op == "num":
            return _CONSTANT_LEFT[op](float(a.value), self._closure(b))  # type: ignore[arg-type]
        return _ARITHMETIC[op](self._closure(a), self._closure(b))


def _plain_closures(e: Expr, calls: object = None, forms: Forms | None = None) -> Callable:
    """The closures ``Forms.compiled`` makes of ``e``: a C program's fallback, which makes them with a fresh
    ``Forms`` (a program kept in a record's ``Forms`` holds its fallback maker, never the ``Forms`` itself)."""
    return _finite_of((forms or Forms())._closure(e))


def _finite_of(inner: Callable) -> Callable:
    """``inner`` raising ``OutsideDomain`` where its value is not finite (one call per evaluation, not two)."""
    isfinite = math.isfinite

    def checked(point):
        value = inner(point)
        if isfinite(value):
            return value
        raise OutsideDomain("non-finite value")
    return checked


def _quotient(a: float, b: float) -> float:
    if b == 0:
        raise OutsideDomain("division by zero")
    return a / b


# The closure makers, one def each (mypyc cannot compile a lambda that returns a lambda).
def _arithmetic_add(f: Any, g: Any) -> Callable:
    return lambda point: f(point) + g(point)


def _arithmetic_sub(f: Any, g: Any) -> Callable:
    return lambda point: f(point) - g(point)


def _arithmetic_mul(f: Any, g: Any) -> Callable:
    return lambda point: f(point) * g(point)


def _arithmetic_div(f: Any, g: Any) -> Callable:
    return lambda point: _quotient(f(point), g(point))


def _constant_right_add(f: Any, c: Any) -> Callable:
    return lambda point: f(point) + c


def _constant_right_sub(f: Any, c: Any) -> Callable:
    return lambda point: f(point) - c


def _constant_right_mul(f: Any, c: Any) -> Callable:
    return lambda point: f(point) * c


def _constant_right_div(f: Any, c: Any) -> Callable:
    return lambda point: f(point) / c


def _constant_left_add(c: Any, g: Any) -> Callable:
    return lambda point: c + g(point)


def _constant_left_sub(c: Any, g: Any) -> Callable:
    return lambda point: c - g(point)


def _constant_left_mul(c: Any, g: Any) -> Callable:
    return lambda point: c * g(point)


def _constant_left_div(c: Any, g: Any) -> Callable:
    return lambda point: _quotient(c, g(point))


def _variable_right_add(f: Any, n: Any) -> Callable:
    return lambda point: f(point) + point[n]


def _variable_right_sub(f: Any, n: Any) -> Callable:
    return lambda point: f(point) - point[n]


def _variable_right_mul(f: Any, n: Any) -> Callable:
    return lambda point: f(point) * point[n]


def _variable_right_div(f: Any, n: Any) -> Callable:
    return lambda point: _quotient(f(point), point[n])


def _constant_variable_add(c: Any, n: Any) -> Callable:
    return lambda point: c + point[n]


def _constant_variable_sub(c: Any, n: Any) -> Callable:
    return lambda point: c - point[n]


def _constant_variable_mul(c: Any, n: Any) -> Callable:
    return lambda point: c * point[n]


def _constant_variable_div(c: Any, n: Any) -> Callable:
    return lambda point: _quotient(c, point[n])


_ARITHMETIC: dict[str, Callable[[Callable, Callable], Callable]] = {
    "add": _arithmetic_add,
    "sub": _arithmetic_sub,
    "mul": _arithmetic_mul,
    "div": _arithmetic_div,
}
_CONSTANT_RIGHT: dict[str, Callable[[Callable, float], Callable]] = {  # a non-zero constant for div
    "add": _constant_right_add,
    "sub": _constant_right_sub,
    "mul": _constant_right_mul,
    "div": _constant_right_div,
}
_CONSTANT_LEFT: dict[str, Callable[[float, Callable], Callable]] = {
    "add": _constant_left_add,
    "sub": _constant_left_sub,
    "mul": _constant_left_mul,
    "div": _constant_left_div,
}
_VARIABLE_RIGHT: dict[str, Callable[[Callable, str], Callable]] = {
    "add": _variable_right_add,
    "sub": _variable_right_sub,
    "mul": _variable_right_mul,
    "div": _variable_right_div,
}
_CONSTANT_VARIABLE: dict[str, Callable[[float, str], Callable]] = {
    "add": _constant_variable_add,
    "sub": _constant_variable_sub,
    "mul": _constant_variable_mul,
    "div": _constant_variable_div,
}


def _combine(a: Sum, b: Sum, sign: int) -> Sum:
    result = dict(a)
    for m, c in b.items():
        total = result.get(m, 0) + sign * c
        if total:
            result[m] = total
        else:
            result.pop(m, None)
    return result


def _times_number(a: Sum, c: int | Fraction) -> Sum:
    """``c·a``; coefficients stay exact (an int or a Fraction: sums compare with ``==``, which equates them)."""
    if c == 0:
        return {}
    k = c if type(c) is int or c.denominator != 1 else c.numerator
    return {m: v * k for m, v in a.items()}


def _over_number(a: Sum, c: int | Fraction) -> Sum:
    """``a/c`` for a non-zero rational ``c``: the exact values of ``a·(1/c)``, integral ones as ints (a Fraction
    operation per coefficient only where one is needed)."""
    if type(c) is int:
        return {m: (v // c if v % c == 0 else Fraction(v, c)) if type(v) is int else v / c  # type: ignore[misc]
                for m, v in a.items()}
    return _times_number(a, Fraction(1) / c)


def identical(a: Expr, b: Expr, forms: Forms | None = None) -> bool | None:
    """Whether ``a`` and ``b`` agree wherever both are defined: canonical form, then cross-multiplication.
    ``None`` when the forms grow too big; ``False`` also means "not confirmed"."""
    forms = forms or Forms()
    try:
        if forms.canon(a) == forms.canon(b):  # sound: equal forms agree wherever both trees are defined
            return True
        n1, d1 = _fraction(a)
        n2, d2 = _fraction(b)
        if d1.op == "num" and d2.op == "num":
            return False
        return forms.canonicalizer.run(sub(_times(n1, d2), _times(n2, d1))) == {}
    except CanonTooBig:
        return None
    except ZeroDivisionError:
        return False


def _substitute(e: Expr, values: Mapping[str, Expr]) -> Expr:
    if e.op == "sym":
        return values.get(e.value, e)  # type: ignore[arg-type]
    if not e.args:
        return e
    return node(e.op, tuple([_substitute(child, values) for child in e.args]), e.value)


def _foreign_symbol(e: Expr, names: Sequence[str]) -> bool:
    """Whether a variable other than ``names`` occurs in ``e``."""
    stack = [e]
    while stack:
        node = stack.pop()
        if node.op == "sym" and node.value not in names:
            return True
        stack.extend(node.args)
    return False


# -- signs on the recorded domain ------------------------------------------------------------------------------------

_PARTIAL: Final = frozenset(("div", "pow", "log", "sqrt")) | frozenset(FUNCTIONS)


def _partial_nodes(e: Expr) -> list[Expr]:
    """The nodes of ``e`` that are not defined everywhere (divisions, powers, functions)."""
    found, stack = [], [e]
    while stack:
        node = stack.pop()
        if node.op in _PARTIAL:
            found.append(node)
        stack.extend(node.args)
    return found


def _nonzero(e: Expr, facts: Iterable[Fact]) -> bool:
    """``nonvanishing(e, facts)``, a product first factor by factor: a product of factors that are non-zero on the
    domain is non-zero there (what the sign reasoner concludes too), and each factor's sign is worked out once per
    record (the recorded domain keeps it), where the whole product would be canonicalised and reasoned about anew."""
    factors, stack = [], [e]
    while stack:
        node = stack.pop()
        if node.op == "mul":
            stack.extend(node.args)
        elif node.op == "neg":
            stack.append(node.args[0])
        else:
            factors.append(node)
    if len(factors) > 1 and all(nonvanishing(f, facts) for f in factors):
        return True
    return nonvanishing(e, facts)


def domain_problem(e: Expr, facts: Iterable[Fact], known: dict[Expr, str | None] | None = None) -> str | None:
    """Why ``e`` might be undefined somewhere on the recorded domain, or ``None`` if it is defined there.
    ``known``: the answers for partial nodes met before on the same ``facts`` (a record's equations share their
    unchanged sides), each a pure function of the node and the facts, so reusing one changes nothing."""
    for node in _partial_nodes(e):
        if known is None:
            problem = _node_problem(node, facts)
        elif node in known:
            problem = known[node]
        else:
            problem = known[node] = _node_problem(node, facts)
        if problem is not None:
            return problem
    return None


def _node_problem(node: Expr, facts: Iterable[Fact]) -> str | None:
    """Why the partial node ``node`` might be undefined somewhere on the recorded domain (``None``: it is not)."""
    op = node.op
    if op == "div" and _has_variable(node.args[1]) and not _nonzero(node.args[1], facts):
        return f"divisor {_text(node.args[1])} may vanish: no recorded condition keeps it non-zero"
    if op == "div" and not _has_variable(node.args[1]) and _constant_sign(node.args[1]) not in ("pos", "neg"):
        return f"division by {_text(node.args[1])}, which is not clearly non-zero"
    if op == "log" and sign(node.args[0], facts) != "pos":
        return f"log argument {_text(node.args[0])} is not positive by a recorded condition"
    if op == "sqrt" and sign(node.args[0], facts) not in ("pos", "nonneg", "zero"):
        return f"sqrt argument {_text(node.args[0])} is not non-negative by a recorded condition"
    if op == "pow" and _has_variable(node.args[0]):
        exponent = node.args[1]
        if not (exponent.op == "num" and exponent.value >= 0):  # type: ignore[operator]
            return f"power {_text(node)} needs a natural exponent"
    if op == "pow" and _has_variable(node.args[1]) and sign(node.args[0], facts) != "pos":
        return f"base of {_text(node)} is not a positive constant"
    if op in FUNCTIONS and op not in ("log", "sqrt", "exp") and _has_variable(node.args[0]):
        return f"{op} is not used by equation items"
    return None


def _text(e: Expr) -> str:
    from rpsdg.expr.printers import to_infix

    return to_infix(e)


# -- step semantics ------------------------------------------------------------------------------------------------

class StepProblem(Exception):
    """A step that does not do what its rule says (the message says why)."""


def _need(condition: bool, problem: str) -> None:
    if not condition:
        raise StepProblem(problem)


def _operand(step: ParsedStep, facts: Iterable[Fact]) -> Expr:
    _need(step.operand is not None, f"{step.rule} needs an operand")
    operand = step.operand
    problem = domain_problem(operand, facts)  # type: ignore[arg-type]
    _need(problem is None, f"operand: {problem}")
    return operand  # type: ignore[return-value]


def _rewrite(step, facts, L, R, L2, R2) -> Pairs:
    return [(L2, L), (R2, R)]


def _add(step, facts, L, R, L2, R2) -> Pairs:
    t = _operand(step, facts)
    return [(L2, add(L, t)), (R2, add(R, t))]


def _subtract(step, facts, L, R, L2, R2) -> Pairs:
    t = _operand(step, facts)
    return [(L2, sub(L, t)), (R2, sub(R, t))]


def _multiply(step, facts, L, R, L2, R2) -> Pairs:
    c = _operand(step, facts)
    if not _nonzero(c, facts):  # the message is printed only when it is needed
        raise StepProblem(f"multiplier {_text(c)} may vanish on the recorded domain")
    return [(L2, mul(L, c)), (R2, mul(R, c))]


def _divide(step, facts, L, R, L2, R2) -> Pairs:
    c = _operand(step, facts)
    if not _nonzero(c, facts):
        raise StepProblem(f"divisor {_text(c)} may vanish on the recorded domain")
    return [(L2, div(L, c)), (R2, div(R, c))]


def _swap(step, facts, L, R, L2, R2) -> Pairs:
    _need(L2 == R and R2 == L, "sides are not swapped")
    return []


def _log_of(side: Expr, facts: Iterable[Fact]) -> Expr:
    """log(side) for a side that is positive on the domain: exp(u) → u, b**u → u·log(b), c → log(c)."""
    if side.op == "exp":
        return side.args[0]
    if side.op == "pow" and _has_variable(side.args[1]):
        base = _constant(side.args[0])
        if base is None or not base > 0:
            raise StepProblem(f"base of {_text(side)} is not a positive constant")
        return mul(side.args[1], func("log", side.args[0]))
    if sign(side, facts) != "pos":
        raise StepProblem(f"log of {_text(side)}, which is not positive on the recorded domain")
    return func("log", side)


def _apply_log(step, facts, L, R, L2, R2) -> Pairs:
    return [(L2, _log_of(L, facts)), (R2, _log_of(R, facts))]


def _exp_of(side: Expr) -> Expr:
    """exp(side): log(u) → u (u > 0 is a domain condition of the equation), anything else exp(side)."""
    if side.op == "log":
        return side.args[0]
    return func("exp", side)


def _apply_exp(step, facts, L, R, L2, R2) -> Pairs:
    return [(L2, _exp_of(L)), (R2, _exp_of(R))]


def _equate_exponents(step, facts, L, R, L2, R2) -> Pairs:
    _need(L.op == "pow" and R.op == "pow" and L.args[0] == R.args[0], "sides are not powers of one base")
    base = _constant(L.args[0])
    _need(base is not None and base > 0 and base != 1, "the base is not a positive constant other than 1")
    return [(L2, L.args[1]), (R2, R.args[1])]


def _combine_logs(step, facts, L, R, L2, R2) -> Pairs:
    pairs: Pairs = []
    for side, side2 in ((L, L2), (R, R2)):
        if side == side2:
            continue
        _need(side.op == "add" and side.args[0].op == "log" and side.args[1].op == "log" and side2.op == "log",
              "combine_logs turns log(u) + log(v) into log(w)")
        u, v = side.args[0].args[0], side.args[1].args[0]
        _need(sign(u, facts) == "pos" and sign(v, facts) == "pos", "log(u) + log(v) = log(uv) needs u, v > 0")
        pairs.append((side2.args[0], mul(u, v)))
    return pairs


_NONNEGATIVE = ("pos", "nonneg", "zero")


def _square(step, facts, L, R, L2, R2) -> Pairs:
    """Squaring is invertible where both sides are non-negative: by the recorded domain, or, with a sign condition
    ``C >= 0`` as operand, one side is ``C`` and the other is non-negative (see :func:`_implied_condition`)."""
    if step.operand is None:
        _need(sign(L, facts) in _NONNEGATIVE and sign(R, facts) in _NONNEGATIVE,
              "squaring needs both sides non-negative on the recorded domain (the sign condition)")
    else:
        _implied_condition(step.operand, facts, L, R)
    return [(L2, pow_(L, num(2))), (R2, pow_(R, num(2)))]


def condition_fact(condition: Expr) -> Fact | None:
    """The fact ``C >= 0`` a ``square_both_sides`` step records as its operand (``None`` if it is no such text)."""
    if condition.op != "ge":
        return None
    try:
        return Fact(canon(sub(condition.args[0], condition.args[1])), "ge")
    except (CanonTooBig, ZeroDivisionError):
        return None


def _implied_condition(condition: Expr, facts: Iterable[Fact], L: Expr, R: Expr) -> Fact:
    """``C >= 0`` where ``C`` is one side of ``L = R`` and the other side is non-negative on the domain (a square
    root): every solution then has ``C >= 0``, so narrowing the domain to it hides none."""
    fact = condition_fact(condition)
    _need(fact is not None, "the sign condition must read side >= 0")
    for side, other in ((L, R), (R, L)):
        try:
            same = canon(side) == fact.difference  # type: ignore[union-attr]
        except (CanonTooBig, ZeroDivisionError):
            same = False
        if same and sign(other, facts) in _NONNEGATIVE:
            return fact  # type: ignore[return-value]
    raise StepProblem(f"the sign condition {_text(condition)} is not implied by the equation (it must say that "
                      f"one side is >= 0 where the other side is non-negative)")


def _odd_root(step, facts, L, R, L2, R2) -> Pairs:
    n = step.operand
    _need(n is not None and n.op == "num" and n.value >= 3 and n.value % 2 == 1,  # type: ignore[operator]
          "take_odd_root needs an odd integer n >= 3 as operand")
    return [(pow_(L2, n), L), (pow_(R2, n), R)]  # type: ignore[arg-type]


def _quadratic_formula(step, facts, L, R, L2, R2) -> Pairs:
    _need(R == num(0) and R2 == num(0), "the quadratic formula solves p = 0")
    coefficients = _polynomial(L)
    _need(coefficients is not None and len(coefficients) == 3, "the left side is not a quadratic in x")
    c, b, a = coefficients  # type: ignore[misc]
    discriminant = b * b - 4 * a * c
    _need(step.operand is not None and constant_value(canon(step.operand)) == discriminant,
          f"operand is not the discriminant {discriminant}")
    return [(L2, L)]


_SINGLE_RULES: dict[str, Callable[..., Pairs]] = {
    "expand": _rewrite, "collect": _rewrite, "factor": _rewrite, "simplify": _rewrite,
    "write_as_power": _rewrite, "add_both_sides": _add, "subtract_both_sides": _subtract,
    "multiply_both_sides": _multiply, "clear_denominators": _multiply, "divide_both_sides": _divide,
    "swap_sides": _swap, "apply_log": _apply_log, "apply_exp": _apply_exp, "equate_exponents": _equate_exponents,
    "combine_logs": _combine_logs, "quadratic_formula": _quadratic_formula, "square_both_sides": _square,
    "take_odd_root": _odd_root,
}
RULES = tuple(_SINGLE_RULES) + ("eliminate", "substitute")


def _polynomial(e: Expr, forms: Forms | None = None) -> list[Fraction] | None:
    """Coefficients (constant first) of ``e`` as a polynomial in x with rational coefficients, else ``None``
    (``forms``: the record's memoised forms, when the caller has them)."""
    try:
        s = forms.canon(e) if forms is not None else canon(e)
    except (CanonTooBig, ZeroDivisionError):
        return None
    return polynomial_coefficients(s)


def polynomial_coefficients(s: Sum, numbers_only: bool = False) -> list[Fraction] | None:
    """Coefficients (constant first) of the canonical form ``s`` when it is a polynomial in x, else ``None``.
    The one reader of polynomial coefficients, for the checker and the solver (``solve._coefficients``).
    ``numbers_only``: also ``None`` when a coefficient is not an ``int`` or ``Fraction`` (the solver's stricter
    admission; the checker converts whatever the form holds with ``Fraction``)."""
    coefficients: dict[int, Fraction] = {}
    for mono, value in s.items():
        if not mono:
            power = 0
        elif len(mono) == 1 and mono[0][0] == "x" and isinstance(mono[0][1], int) and mono[0][1] > 0:
            power = mono[0][1]
        else:
            return None
        if numbers_only and not isinstance(value, (int, Fraction)):
            return None
        coefficients[power] = Fraction(value)
    if not coefficients:
        return [Fraction(0)]
    return [coefficients.get(p, Fraction(0)) for p in range(max(coefficients) + 1)]


def _is_equation(e: Expr) -> bool:
    return e.op == "eq"


def _system_step(step: ParsedStep, facts: Iterable[Fact], canonicalizer: Canonicalizer | None = None) -> Pairs:
    before, after = step.before, step.after
    _need(after.op == "tuple" and len(after.args) == len(before.args), "a system step keeps the number of equations")
    changed = [i for i, (b, a) in enumerate(zip(before.args, after.args)) if b != a]
    _need(len(changed) == 1, f"a system step changes exactly one equation, this one changes {len(changed)}")
    (i,) = changed
    if step.rule == "substitute":
        return _substitute_step(step, i)
    if step.rule != "eliminate":
        return _single_step(ParsedStep(step.rule, before.args[i], after.args[i], step.operand), facts)
    operand = _operand(step, facts)
    _need(operand.op == "eq", "eliminate's operand is a multiple of another equation")
    _need(any(j != i and _is_multiple(operand, before.args[j], canonicalizer) for j in range(len(before.args))),
          "the operand is not a non-zero multiple of another equation of the system")
    (L, R), (L2, R2) = before.args[i].args, after.args[i].args
    return [(L2, sub(L, operand.args[0])), (R2, sub(R, operand.args[1]))]


def _substitute_step(step: ParsedStep, i: int) -> Pairs:
    """``substitute`` with operand ``var = expr``, another equation of the system with ``var`` not in ``expr``:
    equation ``i`` (which has ``var``) becomes itself with ``var`` replaced by ``expr``, up to canonical form. The
    source equation stays in the system, so the two systems have the same solutions."""
    source, before = step.operand, step.before
    _need(source is not None and source.op == "eq" and source.args[0].op == "sym",
          "substitute's operand is an equation var = expr of the system")
    name = str(source.args[0].value)  # type: ignore[union-attr]
    _need(name not in source.args[1].free_symbols(), f"{name} occurs on both sides of the operand")  # type: ignore
    _need(any(j != i and before.args[j] == source for j in range(len(before.args))),
          "the operand is not another equation of the system")
    _need(name in before.args[i].free_symbols(), f"the changed equation has no {name} to replace")
    (L, R), (L2, R2) = before.args[i].args, step.after.args[i].args
    values = {name: source.args[1]}  # type: ignore[union-attr]
    return [(L2, _substitute(L, values)), (R2, _substitute(R, values))]


def _is_multiple(operand: Expr, equation: Expr, canonicalizer: Canonicalizer | None = None) -> bool:
    """Whether ``operand`` is ``k·equation`` (both sides) for a rational ``k ≠ 0`` (``canonicalizer``: the
    record's, so each equation's form is made once)."""
    forms = canonicalizer or Canonicalizer()
    try:
        P, Q = forms.run(operand.args[0]), forms.run(operand.args[1])
        A, B = forms.run(equation.args[0]), forms.run(equation.args[1])
    except (CanonTooBig, ZeroDivisionError):
        return False
    lead = next((m for m in A if m), None)
    if lead is None or lead not in P:
        return False
    k = Fraction(P[lead]) / Fraction(A[lead])
    if k == 0:
        return False
    return _scaled(A, k) == P and _scaled(B, k) == Q


def _scaled(s: Sum, k: Fraction) -> Sum:
    out = {}
    for m, v in s.items():
        value = Fraction(v) * k
        out[m] = int(value) if value.denominator == 1 else value
    return out


def _single_step(step: ParsedStep, facts: Iterable[Fact]) -> Pairs:
    _need(_is_equation(step.before) and _is_equation(step.after), "before and after must be equations Eq(a, b)")
    semantics = _SINGLE_RULES.get(step.rule)
    if semantics is None:
        raise StepProblem(f"unknown rule {step.rule!r}; known: {', '.join(RULES)}")
    (L, R), (L2, R2) = step.before.args, step.after.args
    return semantics(step, facts, L, R, L2, R2)  # type: ignore[misc]


def step_domains(record: ParsedEquation, facts: Domain) -> list[Domain]:
    """The domain in force at each step: the hypotheses, narrowed by every sign condition recorded by an earlier
    ``square_both_sides`` (each implied by its equation, which that step's replay checks, so none hides a
    solution). Later steps may use it: a factor that vanishes only outside it may be divided out."""
    domains, current = [], facts
    for step in record.steps:
        domains.append(current)
        if step.rule == "square_both_sides" and step.operand is not None:
            fact = condition_fact(step.operand)
            if fact is not None:
                current = Domain([fact] + list(current.facts))  # first: it decides the signs it was made for
    return domains


def recorded_conditions(record: ParsedEquation) -> list[Expr]:
    """The hypotheses and the sign conditions recorded by squaring steps: every answer must satisfy all."""
    return list(record.hypotheses) + [step.operand for step in record.steps  # type: ignore[misc]
                                      if step.rule == "square_both_sides" and step.operand is not None
                                      and step.operand.op == "ge"]


def step_pairs(step: ParsedStep, facts: Iterable[Fact], canonicalizer: Canonicalizer | None = None) -> Pairs:
    """(stated, expected) expressions that must agree on the domain for the step to be what its rule says;
    raises :class:`StepProblem` for a step that breaks its rule's conditions. ``canonicalizer``: the record's
    (a system's equations are canonicalised once for all its steps)."""
    if step.before.op == "tuple":
        return _system_step(step, facts, canonicalizer)
    return _single_step(step, facts)


# -- solved forms --------------------------------------------------------------------------------------------------

def _factors(e: Expr) -> list[tuple[Expr, int]] | None:
    """``e`` as constant × Π factor^multiplicity with factors that contain x, or ``None``."""
    if not _has_variable(e):
        return [] if (_constant(e) or 0) != 0 else None
    if e.op == "neg":
        return _factors(e.args[0])
    if e.op == "mul":
        left, right = _factors(e.args[0]), _factors(e.args[1])
        return None if left is None or right is None else left + right
    if e.op == "pow" and e.args[1].op == "num" and e.args[1].value > 0:  # type: ignore[operator]
        inner = _factors(e.args[0])
        return None if inner is None else [(f, m * e.args[1].value) for f, m in inner]  # type: ignore[operator, misc]
    return [(e, 1)]


def _linear_in_x(factor: Expr) -> bool:
    try:
        s = canon(factor)
    except (CanonTooBig, ZeroDivisionError):
        return False
    has_x = False
    for mono in s:
        for key, exponent, _ in mono:
            if key == "x" and exponent == 1 and len(mono) == 1:
                has_x = True
            elif key in VARIABLES:
                return False
    return has_x


def solved_form(final: Expr, variables: Sequence[str]) -> tuple[list[Expr], list[tuple[Expr, int]]] | str:
    """For ``x = c``: ([c], []); for ``Π factors = 0``: ([], factors); for a solved system: ([Tuple], [])."""
    if final.op == "tuple":
        values = []
        for name, equation in zip(variables, final.args):
            if not (equation.op == "eq" and equation.args[0] == Expr("sym", (), name)
                    and not _has_variable(equation.args[1])):
                return f"the last system is not solved (expected {name} = constant in order)"
        values = [equation.args[1] for equation in final.args]
        return [Expr("tuple", tuple(values))], []
    if final.op != "eq":
        return "the last step does not give an equation"
    L, R = final.args
    if L == Expr("sym", (), "x") and not _has_variable(R):
        return [R], []
    if R == num(0):
        factors = _factors(L)
        if factors and all(_linear_in_x(f) for f, _ in factors):
            return [], factors
    return "the last equation is neither x = c nor a product of linear factors = 0"


def _zero(e: Expr, canonicalizer: Canonicalizer | None = None) -> bool | None:
    """Whether a variable-free ``e`` is exactly 0 (``None``: our form cannot tell). ``canonicalizer``: one per
    record check, so the forms of the answer and of the sides it is put into are made once (the same forms)."""
    value = exact_value(e)
    if value is not None:
        return value == 0
    try:
        s = (canonicalizer or Canonicalizer()).run(e)
    except CanonTooBig:
        return None
    except ZeroDivisionError:
        return False
    if not s:
        return True
    return False if constant_value(s) is not None else None


def satisfied_exactly(part: Expr, point: Mapping[str, Expr], values: Mapping[str, int | Fraction] | None,
                      canonicalizer: Canonicalizer | None = None) -> bool | None:
    """Whether the equation ``part`` holds at ``point`` exactly (``None``: our forms cannot decide).
    ``values`` is the point as rationals when it is rational (then plain rational arithmetic decides);
    ``canonicalizer``: see :func:`_zero`."""
    if values is not None:
        try:
            return _exact(part.args[0], values) == _exact(part.args[1], values)
        except ZeroDivisionError:
            return False
        except (_NotRational, OverflowError):
            pass
    return _zero(_substitute(sub(part.args[0], part.args[1]), point), canonicalizer)


def _mapped_point(point: Mapping[str, Expr], convert: Callable[[Expr], Any]) -> dict[str, Any] | None:
    """``point`` with every value converted, or ``None`` if some value has no conversion."""
    values = {}
    for name, value in point.items():
        converted = convert(value)
        if converted is None:
            return None
        values[name] = converted
    return values


def rational_point(point: Mapping[str, Expr]) -> dict[str, int | Fraction] | None:
    return _mapped_point(point, exact_value)


# -- the checkers -------------------------------------------------------------------------------------------------

def _equations(record: ParsedEquation) -> list[Expr]:
    return [record.problem] + [step.after for step in record.steps]


def _chain_problem(record: ParsedEquation) -> tuple[int, str] | None:
    if not record.steps:
        return -1, "no steps"
    if record.steps[0].before != record.problem:
        return 0, "the first step does not start from the problem"
    for index in range(1, len(record.steps)):
        if record.steps[index].before != record.steps[index - 1].after:
            return index, "does not start where the previous step ended"
    for index, equation in enumerate(_equations(record)):
        parts = equation.args if equation.op == "tuple" else (equation,)
        if not all(p.op == "eq" for p in parts) or _foreign_symbol(equation, record.variables):
            return index - 1, f"not an equation (or system) in {', '.join(record.variables)}"
    return None


def _points_of(record: ParsedEquation) -> list[dict[str, Expr]] | str:
    answer = record.answer
    if answer.op != "set" or not answer.args:
        return "the answer is not a non-empty FiniteSet"
    points = []
    for element in answer.args:
        values = element.args if element.op == "tuple" else (element,)
        if len(values) != len(record.variables) or any(_has_variable(v) for v in values):
            return f"answer element {_text(element)} is not a constant of the right size"
        points.append(dict(zip(record.variables, values)))
    return points


def _answer_matches(record: ParsedEquation, facts: Iterable[Fact]) -> str | None:
    form = solved_form(record.steps[-1].after, record.variables)
    if isinstance(form, str):
        return form
    values, factors = form
    elements = list(record.answer.args)
    forms = Canonicalizer()  # the answer's forms, made once for every comparison below
    for i in range(len(elements)):
        for j in range(i):
            if _zero(sub(elements[i], elements[j]), forms) if elements[i].op != "tuple" else \
                    elements[i] == elements[j]:
                return f"answer lists {_text(elements[i])} twice"
    if values:
        if len(elements) != 1:
            return "the answer must be the single solution of the last equation"
        (element,), (value,) = elements, values
        same: bool | None
        if element.op == "tuple":
            same = element == value or all(_zero(sub(a, b), forms) for a, b in zip(element.args, value.args))
        else:
            same = _zero(sub(element, value), forms)
        return None if same else f"the answer is not the solution {_text(value)} of the last equation"
    for factor, _ in factors:
        if not any(_zero(_substitute(factor, {"x": e}), forms) for e in elements):
            return f"the root of factor {_text(factor)} is missing from the answer"
    for e in elements:
        if not any(_zero(_substitute(factor, {"x": e}), forms) for factor, _ in factors):
            return f"answer {_text(e)} is not a root of the last equation"
    return None


def _outside_domain(record: ParsedEquation, points: Sequence[Mapping[str, Expr]]) -> str | None:
    """Why an answer is not in the recorded domain (an excluded value offered), or ``None``."""
    conditions = recorded_conditions(record)
    for point in points:
        for hypothesis in conditions:
            verdict = _hypothesis_holds(hypothesis, point)
            if verdict is None:
                values = _float_point(point)
                verdict = values is not None and holds(hypothesis, values)
            if not verdict:
                return f"the answer {_point_text(point)} breaks the hypothesis {_text(hypothesis)}"
    return None


def _needless_hypothesis(record: ParsedEquation, canonicalizer: Canonicalizer | None = None) -> str | None:
    """A hypothesis that is not a domain condition of the problem would shrink the domain and hide solutions:
    each must say that a divisor (or a factor of one) of the problem is non-zero, or a log argument positive.
    ``canonicalizer``: the recorded domain's (it holds the hypotheses' forms already)."""
    canon = (canonicalizer or Canonicalizer()).run
    divisors: list[Sum] = []
    wanted_by: dict[str, list[Sum]] = {"gt": [], "ge": []}
    try:
        for node in _partial_nodes(record.problem):
            if node.op == "div" and _has_variable(node.args[1]):
                divisors += [canon(f) for f, _ in (_factors(node.args[1]) or [(node.args[1], 1)])]
            elif node.op in ("log", "sqrt") and _has_variable(node.args[0]):
                wanted_by["gt" if node.op == "log" else "ge"].append(canon(node.args[0]))
        wanted_by["ne"] = divisors + [_times_number(d, -1) for d in divisors]
        wanted_by["lt"] = [_times_number(p, -1) for p in wanted_by["gt"]]
        wanted_by["le"] = [_times_number(p, -1) for p in wanted_by["ge"]]
        for hypothesis in record.hypotheses:
            difference = canon(sub(hypothesis.args[0], hypothesis.args[1]))
            if difference not in wanted_by.get(hypothesis.op, []):
                return f"hypothesis {_text(hypothesis)} is not a domain condition of the problem"
    except (CanonTooBig, ZeroDivisionError):
        return "hypotheses too big to compare with the problem's domain"
    return None


def _degree_problem(record: ParsedEquation, forms: Forms | None = None) -> tuple[int, str] | None:
    for index, step in enumerate(record.steps):
        if step.rule not in ("factor", "quadratic_formula") or step.before.op != "eq":
            continue
        if step.before.args[1] != num(0) or step.after.args[1] != num(0):
            continue
        coefficients = _polynomial(step.before.args[0], forms)
        factors = _factors(step.after.args[0])
        if coefficients is None or factors is None:
            continue
        if not all(_linear_in_x(f) for f, _ in factors):
            return index, "a factor is not linear in x: the root set cannot be read off"
        if sum(m for _, m in factors) != len(coefficients) - 1:
            return index, (f"multiplicities add up to {sum(m for _, m in factors)}, the degree is "
                           f"{len(coefficients) - 1}: the root set is not complete")
    return None


# -- the shape each rewrite rule's name promises (issue 11: a relabelled step is rejected) --------------------------

def _changed_sides(before: Expr, after: Expr) -> list[tuple[Expr, Expr]] | None:
    """The (before, after) sides that differ, equation by equation (``None``: the shapes do not line up)."""
    if before.op == "tuple" and after.op == "tuple" and len(before.args) == len(after.args):
        pairs = list(zip(before.args, after.args))
    elif before.op == "eq" and after.op == "eq":
        pairs = [(before, after)]
    else:
        return None
    changed = []
    for b, a in pairs:
        if b.op != "eq" or a.op != "eq":
            return None
        changed += [(bs, as_) for bs, as_ in zip(b.args, a.args) if bs != as_]
    return changed


def _terms(e: Expr) -> int:
    """Additive terms of ``e`` (through + - and unary minus, and inside a numerator over a constant)."""
    op = e.op
    if op in ("add", "sub"):
        return _terms(e.args[0]) + _terms(e.args[1])
    if op == "neg":
        return _terms(e.args[0])
    if op == "div" and not _has_variable(e.args[1]):
        return _terms(e.args[0])
    return 1


def _distributable(e: Expr) -> int:
    """Products with a sum as a factor, natural powers of sums and minus signs over sums: what expanding removes."""
    count = 0
    stack = [e]
    while stack:  # every node once (order does not matter for a count)
        node = stack.pop()
        stack.extend(node.args)
        if node.op == "mul" and any(child.op in ("add", "sub") for child in node.args):
            count += 1
        elif node.op == "pow" and node.args[0].op in ("add", "sub") and node.args[1].op == "num":
            count += 1
        elif node.op == "neg" and node.args[0].op in ("add", "sub"):
            count += 1
        elif node.op == "sub" and node.args[1].op in ("add", "sub"):
            count += 1
        elif node.op == "div" and node.args[0].op in ("add", "sub") and not _has_variable(node.args[1]):
            count += 1  # a sum over a constant: dividing term by term distributes the division
    return count


def _is_product(e: Expr) -> bool:
    while e.op == "neg":
        e = e.args[0]
    return e.op == "mul"


_SHAPES: dict[str, tuple[Callable[[Expr, Expr], bool], str]] = {
    "factor": (lambda b, a: b.op in ("add", "sub") and _is_product(a), "factor turns a sum into a product"),
    "expand": (lambda b, a: _distributable(a) < _distributable(b),
               "expand multiplies out a product or power of a sum, a minus sign over a sum, or a sum over a "
               "constant"),
    "collect": (lambda b, a: _terms(a) < _terms(b) and _distributable(a) == _distributable(b),
                "collect merges like terms (fewer terms, nothing multiplied out)"),
    "write_as_power": (lambda b, a: not _has_variable(b) and b.op == "num" and a.op == "pow"
                       and a.args[0].op == "num" and a.args[1].op == "num",
                       "write_as_power writes a number as a power of an integer base"),
}


def fitting_label(rule: str, before: Expr, after: Expr) -> str:
    """``rule`` if the rewrite ``before`` → ``after`` has its shape, else the first of expand/collect that fits,
    else ``simplify`` (the generator names its rewrite steps with this, so every label says what the step does)."""
    if rule not in _SHAPES:
        return rule
    changed = _changed_sides(before, after)
    for name in (rule, "expand", "collect"):
        if changed and all(_SHAPES[name][0](b, a) for b, a in changed):
            return name
    return "simplify"


def _shape_problem(step: ParsedStep) -> str | None:
    """Why ``step`` does not have the shape its rule's name promises (``None``: it does, or the rule has none)."""
    shape = _SHAPES.get(step.rule)
    if shape is None:
        return None
    test, promise = shape
    changed = _changed_sides(step.before, step.after)
    if not changed or not all(test(b, a) for b, a in changed):
        return f"{step.rule}: not the shape of the rule ({promise})"
    return None


def check_replay(record: ParsedEquation, facts: Domain | None = None, forms: Forms | None = None) -> Verdict:
    chain = _chain_problem(record)
    if chain:
        return Rejected("replay", VERSION, *chain)
    if len(set(record.hypotheses)) != len(record.hypotheses):
        return Rejected("replay", VERSION, -1, "a hypothesis is repeated")
    for index, step in enumerate(record.steps):
        shape = _shape_problem(step)
        if shape:
            return Rejected("replay", VERSION, index, shape)
    facts = facts if facts is not None else facts_of(record.hypotheses)
    forms = forms or Forms()
    known: dict[Expr, str | None] = {}
    for index, equation in enumerate(_equations(record)):
        problem = domain_problem(equation, facts, known)
        if problem:
            return Rejected("replay", VERSION, max(index - 1, 0), f"not defined on the recorded domain: {problem}")
    for index, (step, pairs) in enumerate(zip(record.steps, forms.pairs_by_step(record, facts))):
        if isinstance(pairs, StepProblem):
            return Rejected("replay", VERSION, index, f"{step.rule}: {pairs}")
        for stated, expected in pairs:
            same = identical(stated, expected, forms)
            if same is None:
                return NotRun("replay", VERSION, f"step {index}: too big to expand")
            if not same:
                return Rejected("replay", VERSION, index,
                                f"{step.rule}: {_text(stated)} is not {_text(expected)} in canonical form")
    degree = _degree_problem(record, forms)
    if degree:
        return Rejected("replay", VERSION, *degree)
    points = _points_of(record)
    if isinstance(points, str):
        return Rejected("replay", VERSION, -1, points)
    mismatch = _answer_matches(record, facts) or _outside_domain(record, points) or _needless_hypothesis(
        record, facts.canon if isinstance(facts, Domain) else None)
    if mismatch:
        return Rejected("replay", VERSION, len(record.steps) - 1, mismatch)
    return Passed("replay", VERSION, f"{len(record.steps)} steps")


def check_symbolic(record: ParsedEquation) -> Verdict:
    points = _points_of(record)
    if isinstance(points, str):
        return Rejected("symbolic", VERSION, -1, points)
    undecided = 0
    forms = Canonicalizer()  # one per record: the answer's form and the sides' forms are made once
    for point in points:
        values = rational_point(point)
        for index, equation in enumerate(_equations(record)):
            for part in (equation.args if equation.op == "tuple" else (equation,)):
                zero = satisfied_exactly(part, point, values, forms)
                if zero is False:
                    where = "the problem" if index == 0 else f"the result of step {index - 1}"
                    return Rejected("symbolic", VERSION, max(index - 1, -1),
                                    f"the answer {_point_text(point)} does not satisfy {where}")
                undecided += zero is None
        for hypothesis in recorded_conditions(record):
            verdict = _hypothesis_holds(hypothesis, point, forms)
            if verdict is False:
                return Rejected("symbolic", VERSION, -1,
                                f"the answer {_point_text(point)} breaks the hypothesis {_text(hypothesis)}")
            undecided += verdict is None
    if undecided:
        return NotRun("symbolic", VERSION, f"{undecided} substitution(s) not decided by the canonical form")
    return Passed("symbolic", VERSION, "canonical")


def _point_text(point: Mapping[str, Expr]) -> str:
    return ", ".join(f"{name} = {_text(value)}" for name, value in point.items())


def _hypothesis_holds(hypothesis: Expr, point: Mapping[str, Expr], canonicalizer: Canonicalizer | None = None
                      ) -> bool | None:
    difference = _substitute(sub(hypothesis.args[0], hypothesis.args[1]), point)
    try:
        value = exact_value(difference)
        value = value if value is not None else constant_value((canonicalizer or Canonicalizer()).run(difference))
    except CanonTooBig:
        return None
    except ZeroDivisionError:
        return False
    if value is None:
        return None
    return {"gt": value > 0, "ge": value >= 0, "lt": value < 0, "le": value <= 0, "ne": value != 0,
            "eq": value == 0}.get(hypothesis.op, False)


def _float_point(point: Mapping[str, Expr]) -> dict[str, float] | None:
    return _mapped_point(point, _constant)


def check_numeric(record: ParsedEquation, facts: Domain | None = None, forms: Forms | None = None) -> Verdict:
    points = _points_of(record)
    if isinstance(points, str):
        return Rejected("numeric", VERSION, -1, points)
    answers = []
    forms = forms or Forms()
    for point in points:
        values = _float_point(point)
        if values is None:
            return Rejected("numeric", VERSION, -1, f"answer {_point_text(point)} has no real value")
        answers.append(values)
        problem = _numeric_answer_problem(record, values, forms)
        if problem:
            return Rejected("numeric", VERSION, *problem)
    facts = facts if facts is not None else facts_of(record.hypotheses)
    rng = random.Random(record.uid)
    sides = list(dict.fromkeys(side for equation in _equations(record)  # a side kept by a step: evaluated once
                               for part in (equation.args if equation.op == "tuple" else (equation,))
                               for side in part.args))
    found: list[list[float]] = []
    sample = _sample(rng, record, [forms.compiled(side) for side in sides], answers, found)
    if len(sample) < POINTS.quorum:
        return Rejected("numeric", VERSION, -1, "found too few points where the hypotheses hold")
    table = _ValueTable(forms, sample, dict(zip(sides, zip(*found))))
    for index, (step, pairs) in enumerate(zip(record.steps, forms.pairs_by_step(record, facts))):
        if isinstance(pairs, StepProblem):
            return Rejected("numeric", VERSION, index, f"{step.rule}: {pairs}")
        for stated, expected in pairs:
            if _agreeing(table.of(stated), table.of(expected)) < POINTS.quorum:
                return Rejected("numeric", VERSION, index, f"{step.rule}: {_text(stated)} differs from "
                                                           f"{_text(expected)} at sampled points")
    if record.problem.op == "eq":
        missed = _missed_root(record, [a["x"] for a in answers], forms)
        if missed is not None:
            return Rejected("numeric", VERSION, -1, f"the problem has a root near {missed:.6g} that the answer "
                                                    f"does not list")
    return Passed("numeric", VERSION, f"{len(sample)} points, answer in {len(record.steps) + 1} equations")


def _sample(rng: random.Random, record: ParsedEquation, compiled: Sequence[Callable], answers,
            values: list[list[float]] | None = None) -> list[dict]:
    """Points where the hypotheses hold and every equation is defined: near 0, far out, and near the answers
    (a domain like x > 9 is missed by small draws alone). ``values`` receives the values of ``compiled`` at each
    point kept (see :func:`~rpsdg.maths.numeric.collect_points`)."""
    centres = [0.0] + [a[name] for a in answers for name in record.variables]
    conditions = [(compile_expr(sub(*h.args)), _TESTS[h.op]) for h in record.hypotheses]

    def draw() -> dict[str, float]:
        scale = choice(rng, (1.0, 4.0, 16.0))
        return {name: choice(rng, centres) + uniform(rng, -scale, scale) for name in record.variables}

    return collect_points(draw, lambda point: all(test(condition(point)) for condition, test in conditions),
                          compiled, POINTS, values)


def _agreeing(a: tuple[float | None, ...], b: tuple[float | None, ...]) -> int:
    """At how many sample points two value rows (:meth:`_ValueTable.of`) agree; a point where either has no finite
    value is skipped (``close`` is false for a non-finite value).

    ``close(x, y, rtol=1e-9)`` inlined (hot), in operations the compiled build runs on doubles: ``x - x == 0.0``
    is ``math.isfinite(x)`` (0 for a finite float, nan for inf and nan), and the scale is ``max(|x|, |y|, 1.0)``."""
    count = 0
    for i in range(min(len(a), len(b))):
        x, y = a[i], b[i]
        if x is not None and y is not None and x - x == 0.0 and y - y == 0.0:
            scale, size_x, size_y = 1.0, abs(x), abs(y)
            if size_x > scale:
                scale = size_x
            if size_y > scale:
                scale = size_y
            if abs(x - y) <= 1e-9 * scale:
                count += 1
    return count


class _ValueTable:
    """The values of a record's expressions at its sample points, each node worked out once (a step's expected
    side ``L + t`` reuses the values of ``L``, an equation side evaluated while the points were drawn).

    A row holds, per point, what ``forms.compiled(e)`` gives there before its finiteness test (``None`` where it
    raises ``OutsideDomain``): + - * / combine their operands' rows with the float operations of
    :meth:`Forms._arithmetic`, in the same order (a literal is ``float(value)``, a division by a variable or an
    expression that is 0 there has no value); any other node is evaluated by its closure, as before. So every
    number, and so every verdict, is the one the closures give."""

    def __init__(self, forms: Forms, points: Sequence[dict[str, float]], known: dict[Expr, tuple]):
        self.forms, self.points, self.rows = forms, points, known

    def of(self, e: Expr) -> tuple:
        row = self.rows.get(e)
        if row is None:
            row = self.rows[e] = self._row(e)
        return row

    def _row(self, e: Expr) -> tuple:
        op = e.op
        if op == "num":
            return (float(e.value),) * len(self.points)  # type: ignore[arg-type]
        if op == "sym":
            return tuple(point[e.value] for point in self.points)  # type: ignore[index]
        if op in _ARITHMETIC:
            a, b = e.args
            left, right = self.of(a), self.of(b)
            if op == "add":
                return tuple(None if x is None or y is None else x + y for x, y in zip(left, right))
            if op == "sub":
                return tuple(None if x is None or y is None else x - y for x, y in zip(left, right))
            if op == "mul":
                return tuple(None if x is None or y is None else x * y for x, y in zip(left, right))
            return tuple(None if x is None or y is None or y == 0 else x / y for x, y in zip(left, right))
        closure, row = self.forms._closure(e), []
        for point in self.points:
            try:
                row.append(closure(point))
            except OutsideDomain:
                row.append(None)
        return tuple(row)


def _numeric_answer_problem(record: ParsedEquation, values: dict[str, float],
                            forms: Forms) -> tuple[int, str] | None:
    for hypothesis in recorded_conditions(record):
        if not holds(hypothesis, values):
            return -1, f"the answer breaks the hypothesis {_text(hypothesis)}"
    known: dict[Expr, float] = {}  # a side a step keeps is evaluated once

    def value(side: Expr) -> float:
        found = known.get(side)
        if found is None:
            found = known[side] = forms.compiled(side)(values)
        return found

    for index, equation in enumerate(_equations(record)):
        for part in (equation.args if equation.op == "tuple" else (equation,)):
            try:
                left, right = value(part.args[0]), value(part.args[1])
            except OutsideDomain:
                return max(index - 1, -1), "the answer is outside the domain of an equation"
            if not close(left, right, rtol=1e-9):
                where = "the problem" if index == 0 else f"the result of step {index - 1}"
                return max(index - 1, -1), f"the answer does not satisfy {where} ({left:.10g} vs {right:.10g})"
    return None


def _missed_root(record: ParsedEquation, answers: Sequence[float], forms: Forms) -> float | None:
    """A sign change of lhs - rhs on a grid (inside the domain) whose bisection converges to a zero that is not
    an answer; poles (where |f| grows instead) are skipped. Evidence, not proof: roots closer than the grid step
    or of even multiplicity are not seen."""
    difference = forms.compiled(sub(*record.problem.args))
    conditions = [(compile_expr(sub(*h.args)), _TESTS[h.op]) for h in record.hypotheses if h.op != "ne"]
    reach = max([12.0] + [2 * abs(a) + 3 for a in answers])

    def f(x: float) -> float | None:
        point = {"x": x}
        try:
            for condition, test in conditions:
                if not test(condition(point)):
                    return None
            return difference(point)
        except OutsideDomain:
            return None

    previous_x, previous = 0.0, None
    grid = [-reach + 2 * reach * k / (SCAN_POINTS - 1) + 1e-7 for k in range(SCAN_POINTS)]
    edges = [edge for edge in _domain_edges(record) if -reach < edge < reach]
    for x in sorted(grid + edges) if edges else grid:
        value = f(x)
        if (value is not None and previous is not None and (value > 0) != (previous > 0) and value != 0
                and not any(previous_x <= a <= x for a in answers)):
            root = _bisect(f, previous_x, x, previous)
            if root is not None and not any(abs(root - a) <= 1e-6 * max(1.0, abs(a)) for a in answers):
                return root
        previous_x, previous = x, value
    return None


def _domain_edges(record: ParsedEquation) -> list[float]:
    """Just inside and outside the edge of each linear ``>=``/``<=`` hypothesis (a square root's domain): a root
    between the edge and the first grid point inside would otherwise show no sign change."""
    edges = []
    for hypothesis in record.hypotheses:
        if hypothesis.op in ("ge", "le"):
            coefficients = _polynomial(sub(hypothesis.args[0], hypothesis.args[1]))
            if coefficients is not None and len(coefficients) == 2 and coefficients[1]:
                edge = float(-coefficients[0] / coefficients[1])
                nudge = 1e-9 * max(1.0, abs(edge))
                edges += [edge - nudge, edge + nudge]
    return edges


_TESTS: dict[str, Callable[[float], bool]] = {
    "gt": lambda v: v > 0, "ge": lambda v: v >= 0, "lt": lambda v: v < 0, "le": lambda v: v <= 0,
    "ne": lambda v: v != 0, "eq": lambda v: v == 0,
}


def _bisect(f: Callable[[float], float | None], a: float, b: float, fa: float) -> float | None:
    """A zero of ``f`` in [a, b] where f changes sign, or ``None`` where the change is a pole (|f| grows)."""
    fb = f(b)
    if fb is None:
        return None
    bound = 4 * max(abs(fa), abs(fb))
    for _ in range(36):
        middle = (a + b) / 2
        value = f(middle)
        if value is None or abs(value) > bound:
            return None
        if value == 0:
            return middle
        if (value > 0) == (fa > 0):
            a, fa = middle, value
        else:
            b = middle
    value = f((a + b) / 2)
    if value is None or not math.isfinite(value) or abs(value) > 1e-6 * max(1.0, bound):
        return None
    return (a + b) / 2


def check_row(row: Mapping[str, Any]) -> list[Verdict]:
    """All verdicts for one stored row, cheapest first; a row that does not parse fails every checker."""
    return list(check_each(row))


def check_each(row: Mapping[str, Any]) -> Iterator[Verdict]:
    """:func:`check_row`'s verdicts one at a time: a caller that stops early runs no further checker."""
    try:
        record = parse_row(row)
    except (ParseError, KeyError, TypeError, ValueError) as error:
        reason = f"malformed record: {error}"
        yield from [Rejected(name, VERSION, -1, reason) for name in NAMES]
        return
    facts, forms = facts_of(record.hypotheses), Forms()  # shared: signs and forms are worked out once
    yield check_replay(record, facts, forms)
    yield check_symbolic(record)
    yield check_numeric(record, facts, forms)
