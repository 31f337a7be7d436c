"""Natural domains and a sound sign reasoner shared by every kind's checker and generator.

Why: a record is only true over ℝ where every expression in it is defined. Numeric sampling can find a point where
something is undefined but can never show that there is none, so each checker asks this module whether the record's
hypotheses *imply* the natural domain of the problem, the answer and every step, and each generator adds the
hypotheses that are needed.

* :func:`natural_conditions` lists what an expression needs to be defined: ``u > 0`` under a log, ``u >= 0`` under a
  square root, a non-zero divisor, ``u**2 <= 1`` under asin/acos, ``u**2 < 1`` under atanh, ``u >= 1`` under acosh,
  ``Ne(cos(u), 0)`` under tan, a positive base under a non-integer power, a non-zero base under a negative or zero
  power (``0**0`` counts as undefined, as in textbooks).
* :func:`sign` says what the hypotheses guarantee about an expression (``pos``, ``neg``, ``nz``, ``nonneg``,
  ``nonpos``, ``zero`` or ``None``): exact for rational constants; structural for known-positive forms (``exp``,
  ``cosh``, even powers, square roots, sums/products/quotients of signed parts); and linear over the recorded facts
  (``e = c·d + r`` for a hypothesis ``d rel 0`` and constants ``c ≠ 0``, ``r``), with non-linear parts as opaque atoms
  of our canonical form. It is sound and conservative: ``None`` means "not implied".
* :func:`implies` decides "do the hypotheses imply condition C" with it; :func:`undefined_part` names the first
  natural condition of an expression that is not implied; :func:`needed_conditions` is what a generator adds.
* :func:`is_total` says whether a term is defined at every real point (rules that erase a pattern variable may bind
  only such terms).

To extend: a new partial function needs a case in :func:`natural_conditions` (and in ``expr/evaluate.py``); a new
known-sign form a case in :func:`sign`. Never return a sign that is not guaranteed.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Iterable, Iterator, Mapping, Sequence

from rpsdg.expr.canonical import TERM_LIMIT, Canonicalizer, CanonTooBig, Sum, constant_value
from rpsdg.expr.evaluate import OutsideDomain, compile_expr
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import Expr, func, num, pow_, sub

# -- constants --------------------------------------------------------------------------------------------------


def has_variable(e: Expr) -> bool:
    """Whether a variable occurs in ``e`` (stops at the first one)."""
    stack = [e]
    while stack:
        node = stack.pop()
        if node.op == "sym":
            return True
        stack.extend(node.args)
    return False


def constant_float(e: Expr) -> float | None:
    """The value of a variable-free ``e`` (``None`` if it has variables or no real value)."""
    if has_variable(e):
        return None
    try:
        return compile_expr(e)({})
    except (OutsideDomain, OverflowError, ValueError):
        return None


class _NotRational(Exception):
    pass


def exact_value(e: Expr, values: Mapping[str, int | Fraction] | None = None) -> Fraction | int | None:
    """The exact rational value of ``e`` built from + - * / and integer powers, with the variables set to
    ``values``; ``None`` for anything else (also for a division by zero, which the canonical form then reports)."""
    try:
        return exact(e, values or {})
    except (_NotRational, ZeroDivisionError, OverflowError, KeyError):
        return None


def exact(e: Expr, values: Mapping[str, int | Fraction]) -> Fraction | int:
    """Integers stay Python ints (fast); a division makes a Fraction. Raises ``_NotRational`` (a subclass of
    ``Exception``: catch it via :data:`NotRational`), ``ZeroDivisionError``, ``OverflowError`` or ``KeyError``."""
    op = e.op
    if op == "num":
        return e.value  # type: ignore[return-value]
    if op == "sym":
        return values[e.value]  # type: ignore[index]
    if op == "add":
        return exact(e.args[0], values) + exact(e.args[1], values)
    if op == "sub":
        return exact(e.args[0], values) - exact(e.args[1], values)
    if op == "mul":
        return exact(e.args[0], values) * exact(e.args[1], values)
    if op == "div":
        return Fraction(exact(e.args[0], values)) / exact(e.args[1], values)
    if op == "neg":
        return -exact(e.args[0], values)
    if op == "pow" and e.args[1].op == "num" and abs(e.args[1].value) <= 64:  # type: ignore[arg-type]
        base, exponent = exact(e.args[0], values), e.args[1].value
        if exponent == 0 and base == 0:
            raise ZeroDivisionError("0**0")
        return base ** exponent if exponent >= 0 else Fraction(1) / Fraction(base) ** -exponent  # type: ignore
    raise _NotRational(op)


NotRational = _NotRational


# -- facts and signs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """A hypothesis as ``difference rel 0``: ``difference`` is the canonical lhs - rhs."""

    difference: Sum
    relation: str


class Domain:
    """The recorded hypotheses as facts, with the signs already worked out for this record."""

    def __init__(self, facts: list[Fact], hypotheses: Sequence[Expr] = (),
                 canonicalizer: Canonicalizer | None = None):
        self.facts = facts
        self.hypotheses = frozenset(hypotheses)
        self.signs: dict[Expr, str | None] = {}
        self.canon = canonicalizer if canonicalizer is not None else Canonicalizer()
        """Canonical forms of the subterms met so far (the sign rules canonicalise every subterm they visit);
        domains built by one task (``needed_conditions``, ``irredundant``) share one."""
        self.box = _box(facts)
        """Bounds on single variables read off linear facts (``x > 1``): the ranges interval reasoning starts from."""
        self.partial: dict[Expr, str | None] = {}
        """:func:`_sign` of the subterms met so far: the conditions of one record nest (``log(u)`` and ``u``'s own
        conditions), so each subterm's sign is worked out once per domain."""

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)


def facts_of(hypotheses: Sequence[Expr], canonicalizer: Canonicalizer | None = None) -> Domain:
    """The domain of ``hypotheses``; ``canonicalizer`` (one per task) shares canonical forms between domains."""
    canonicalizer = canonicalizer if canonicalizer is not None else Canonicalizer()
    facts = []
    for h in hypotheses:
        if h.op in ("gt", "lt", "ge", "le", "ne"):
            try:
                facts.append(Fact(canonicalizer.run(sub(h.args[0], h.args[1])), h.op))
            except (CanonTooBig, ZeroDivisionError, ValueError):
                continue
    return Domain(facts, hypotheses, canonicalizer)


FLIP: Final = {"pos": "neg", "neg": "pos", "nz": "nz", "nonneg": "nonpos", "nonpos": "nonneg", "zero": "zero"}
OF_RELATION: Final = {"gt": "pos", "lt": "neg", "ge": "nonneg", "le": "nonpos", "ne": "nz"}
_POSITIVE_FUNCTIONS: Final = frozenset({"exp", "cosh"})
_ODD_INCREASING: Final = frozenset({"atan", "sinh", "tanh", "asinh"})
"""f(0) = 0 and f increasing: f(u) has u's sign."""


def sign(e: Expr, facts: Iterable[Fact]) -> str | None:
    """What the recorded domain guarantees about ``e`` where ``e`` is defined: ``pos``, ``neg``, ``nz``
    (non-zero), ``nonneg``, ``nonpos``, ``zero``, or ``None`` (nothing). Sound, not complete. Structural and
    linear reasoning first; where that is not decisive and the facts bound some variable, interval arithmetic
    over those bounds (``x > 1`` gives ``x**2 - 1 > 0``)."""
    found = _sign(e, facts)
    if found in ("pos", "neg", "zero") or not isinstance(facts, Domain) or not facts.box:
        return found
    return _better(found, interval_sign(e, facts.box))


def _sign(e: Expr, facts: Iterable[Fact]) -> str | None:
    """:func:`_sign_of`, remembered per :class:`Domain` (a pure function of the subterm and the domain's facts)."""
    if not isinstance(facts, Domain):
        return _sign_of(e, facts)
    memo = facts.partial
    found = memo.get(e, "?")
    if found == "?":
        found = memo[e] = _sign_of(e, facts)
    return found


def _sign_of(e: Expr, facts: Iterable[Fact]) -> str | None:
    if not has_variable(e):
        return constant_sign(e)
    op = e.op
    if op in _POSITIVE_FUNCTIONS:
        return "pos"
    if op == "sqrt":
        return "pos" if _sign(e.args[0], facts) == "pos" else _better("nonneg", _fact_sign(e, facts))
    if op == "neg":
        inner = _sign(e.args[0], facts)
        return FLIP.get(inner) if inner else None  # type: ignore[arg-type]
    if op in ("mul", "div"):
        found = _product_sign(_sign(e.args[0], facts), _sign(e.args[1], facts))
        return found if found in ("pos", "neg") else _better(found, _fact_sign(e, facts))
    if op == "pow":
        found = _power_sign(e, facts)
        return found if found in ("pos", "neg") else _better(found, _fact_sign(e, facts))
    if op in _ODD_INCREASING:
        inner = _sign(e.args[0], facts)
        return inner if inner in ("pos", "neg", "zero") else _better(inner, _fact_sign(e, facts))
    if op in ("acos", "acosh"):
        return _better("nonneg", _fact_sign(e, facts))
    if op in ("add", "sub"):
        found = _sum_sign(_sign(e.args[0], facts), _sign(e.args[1], facts), op == "sub")
        return found if found in ("pos", "neg") else _better(found, _fact_sign(e, facts))
    return _fact_sign(e, facts)


# -- interval reasoning -------------------------------------------------------------------------------------------

INF: Final = float("inf")
Interval = tuple  # (lo, lo_open, hi, hi_open); lo/hi are Fractions, ints or floats (±inf for unbounded)
_WHOLE: Interval = (-INF, True, INF, True)


def _box(facts: Iterable[Fact]) -> dict[str, Interval]:
    """Variable → interval from facts ``a*x + b rel 0`` (one variable, degree 1)."""
    box: dict[str, Interval] = {}
    for fact in facts:
        if fact.relation not in ("gt", "ge", "lt", "le"):
            continue
        variable = [m for m in fact.difference if m]
        if len(variable) != 1 or len(variable[0]) != 1:
            continue
        (_, exponent, atom), = variable[0]
        if exponent != 1 or atom.op != "sym":
            continue
        a, b = Fraction(fact.difference[variable[0]]), Fraction(fact.difference.get((), 0))
        bound, relation = -b / a, fact.relation
        if a < 0:
            relation = {"gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}[relation]
        lo, lo_open, hi, hi_open = box.get(atom.value, _WHOLE)  # type: ignore[arg-type]
        if relation in ("gt", "ge") and (bound > lo or (bound == lo and relation == "gt")):
            lo, lo_open = bound, relation == "gt"
        if relation in ("lt", "le") and (bound < hi or (bound == hi and relation == "lt")):
            hi, hi_open = bound, relation == "lt"
        box[atom.value] = (lo, lo_open, hi, hi_open)  # type: ignore[index]
    return box


def interval_sign(e: Expr, box: Mapping[str, Interval]) -> str | None:
    """The sign of ``e`` over ``box`` by interval arithmetic (``None``: not decided)."""
    try:
        found = _interval(e, box)
    except (ArithmeticError, ValueError, RecursionError):
        return None
    if found is None:
        return None
    lo, lo_open, hi, hi_open = found
    if lo > 0 or (lo == 0 and lo_open):
        return "pos"
    if hi < 0 or (hi == 0 and hi_open):
        return "neg"
    if lo == 0:
        return "nonneg"
    if hi == 0:
        return "nonpos"
    return None


def _widen(lo: float, hi: float) -> Interval:
    """A closed interval a little wider than [lo, hi] (floating-point results of functions)."""
    return (lo - 1e-9 * max(1.0, abs(lo)) if lo != -INF else -INF, lo == -INF,
            hi + 1e-9 * max(1.0, abs(hi)) if hi != INF else INF, hi == INF)


def _endpoint_product(x, x_open: bool, y, y_open: bool) -> tuple[Any, bool]:
    if (x == 0 and not x_open) or (y == 0 and not y_open):
        return 0, False
    return x * y, x_open or y_open


def _times(a: Interval, b: Interval) -> Interval | None:
    for p, q in ((a, b), (b, a)):
        if (p[0] == -INF or p[2] == INF) and q[0] <= 0 <= q[2]:
            return None  # unbounded times an interval reaching 0: no useful bound (and no inf*0)
    candidates = [_endpoint_product(a[i], a[i + 1], b[j], b[j + 1]) for i in (0, 2) for j in (0, 2)]
    low = min(v for v, _ in candidates)
    high = max(v for v, _ in candidates)
    return (low, all(o for v, o in candidates if v == low), high, all(o for v, o in candidates if v == high))


def _reciprocal(b: Interval) -> Interval | None:
    lo, lo_open, hi, hi_open = b
    if lo > 0 or (lo == 0 and lo_open):
        new_lo = 0 if hi == INF else Fraction(1) / hi if not isinstance(hi, float) else 1 / hi
        new_hi = INF if lo == 0 else Fraction(1) / lo if not isinstance(lo, float) else 1 / lo
        return (new_lo, hi_open or hi == INF, new_hi, lo_open or lo == 0)
    if hi < 0 or (hi == 0 and hi_open):
        flipped = _reciprocal((-hi, hi_open, -lo, lo_open))
        return None if flipped is None else (-flipped[2], flipped[3], -flipped[0], flipped[1])
    return None


_MONOTONE: Final = {"exp": math.exp, "atan": math.atan, "sinh": math.sinh, "tanh": math.tanh, "asinh": math.asinh}


def _interval(e: Expr, box: Mapping[str, Interval]) -> Interval | None:
    op = e.op
    if op == "num":
        return (e.value, False, e.value, False)
    if op == "sym":
        return box.get(e.value, _WHOLE)  # type: ignore[arg-type]
    if op in ("sin", "cos"):
        return (-1, False, 1, False)
    if op == "cosh":
        return (1, False, INF, True)
    if op in ("add", "sub", "mul", "div", "neg", "pow") or op in FUNCTIONS_WITH_INTERVALS:
        pass
    else:
        return None
    if op == "pow":
        base, exponent = e.args
        if exponent.op != "num" or exponent.value < 1 or exponent.value > 64:  # type: ignore[operator]
            return None
        inner = _interval(base, box)
        if inner is None:
            return None
        result: Interval | None = inner
        for _ in range(int(exponent.value) - 1):  # type: ignore[arg-type]
            result = _times(result, inner) if result is not None else None
        if result is not None and exponent.value % 2 == 0 and result[0] < 0:  # type: ignore[operator]
            result = (0, False, result[2], result[3])  # an even power is >= 0 (the product bound is loose)
        return result
    children = [_interval(child, box) for child in e.args]
    if any(c is None for c in children):
        return None
    if op == "neg":
        lo, lo_open, hi, hi_open = children[0]  # type: ignore[misc]
        return (-hi, hi_open, -lo, lo_open)
    if op in ("add", "sub"):
        a, b = children
        if op == "sub":
            b = (-b[2], b[3], -b[0], b[1])  # type: ignore[index]
        return (a[0] + b[0], a[1] or b[1], a[2] + b[2], a[3] or b[3])  # type: ignore[index]
    if op == "mul":
        return _times(children[0], children[1])  # type: ignore[arg-type]
    if op == "div":
        inverse = _reciprocal(children[1])  # type: ignore[arg-type]
        return None if inverse is None else _times(children[0], inverse)  # type: ignore[arg-type]
    (inner,) = children
    lo, lo_open, hi, hi_open = inner  # type: ignore[misc]
    if op in _MONOTONE:
        fn = _MONOTONE[op]
        low = -INF if lo == -INF else _safe(fn, float(lo))
        high = INF if hi == INF else _safe(fn, float(hi))
        if op == "exp" and lo == -INF:
            return (0, True, _widen(0.0, high)[2], high == INF)
        return _widen(low, high)
    if op == "sqrt":
        widened = _widen(math.sqrt(max(float(lo), 0.0)), INF if hi == INF else math.sqrt(max(float(hi), 0.0)))
        if lo <= 0:  # sqrt is 0 exactly at 0: keep an open end there (u > 0 gives sqrt(u) > 0)
            return (0, lo == 0 and lo_open) + widened[2:]
        return (max(widened[0], 0), widened[1]) + widened[2:]
    if op == "log":
        if hi <= 0:
            return None
        low = -INF if lo <= 0 else math.log(float(lo))
        return _widen(low, INF if hi == INF else math.log(float(hi)))
    return None


FUNCTIONS_WITH_INTERVALS: Final = frozenset(_MONOTONE) | {"sqrt", "log"}


def _safe(fn, value: float) -> float:
    try:
        return fn(value)
    except OverflowError:
        return INF if value > 0 else -INF


def _better(a: str | None, b: str | None) -> str | None:
    """The stronger of two guarantees about one value (both hold)."""
    if a is None:
        return b
    if b is None or a == b:
        return a
    both = {a, b}
    if both in ({"nonneg", "nz"}, {"pos", "nonneg"}, {"pos", "nz"}):
        return "pos"
    if both in ({"nonpos", "nz"}, {"neg", "nonpos"}, {"neg", "nz"}):
        return "neg"
    return a if a in ("pos", "neg", "zero") else b


def _sum_sign(a: str | None, b: str | None, subtract: bool) -> str | None:
    if subtract and b is not None:
        b = FLIP[b]
    if a is None or b is None:
        return None
    if a == "zero":
        return b
    if b == "zero":
        return a
    if a in ("pos", "nonneg") and b in ("pos", "nonneg"):
        return "pos" if "pos" in (a, b) else "nonneg"
    if a in ("neg", "nonpos") and b in ("neg", "nonpos"):
        return "neg" if "neg" in (a, b) else "nonpos"
    return None


def constant_sign(e: Expr) -> str | None:
    """The sign of a variable-free ``e``: exact for rationals; in floating point only when clearly away from 0
    (``log(4) - 2*log(2)`` is 0 but may evaluate to 1e-16)."""
    value_exact = exact_value(e)
    if value_exact is not None:
        return "pos" if value_exact > 0 else "neg" if value_exact < 0 else "zero"
    value = constant_float(e)
    if value is None or abs(value) < 1e-9:
        return None
    return "pos" if value > 0 else "neg"


def _product_sign(a: str | None, b: str | None) -> str | None:
    if a == "zero" or b == "zero":
        return "zero" if a is not None and b is not None else None
    if a in ("pos", "neg") and b in ("pos", "neg"):
        return "pos" if a == b else "neg"
    if {a, b} in ({"pos", "nonneg"}, {"neg", "nonpos"}, {"nonneg"}, {"nonpos"}):
        return "nonneg"
    if {a, b} in ({"pos", "nonpos"}, {"neg", "nonneg"}, {"nonneg", "nonpos"}):
        return "nonpos"
    if a in ("pos", "neg", "nz") and b in ("pos", "neg", "nz"):
        return "nz"
    return None


def _power_sign(e: Expr, facts: Iterable[Fact]) -> str | None:
    base, exponent = e.args
    if not has_variable(base) and constant_sign(base) == "pos":
        return "pos"
    if exponent.op != "num" or exponent.value == 0:
        return "pos" if _sign(base, facts) == "pos" else None  # a real power of a positive base
    inner = _sign(base, facts)
    if exponent.value % 2 == 0:  # type: ignore[operator]
        return "pos" if inner in ("pos", "neg", "nz") else "nonneg"
    if inner not in ("pos", "neg", "nz", "nonneg", "nonpos", "zero"):
        return None
    if exponent.value < 0 and inner in ("nonneg", "nonpos"):  # type: ignore[operator]
        return {"nonneg": "pos", "nonpos": "neg"}[inner]  # defined only where non-zero
    return inner


def _fact_sign(e: Expr, facts: Iterable[Fact]) -> str | None:
    """The sign of ``e = c·d + r`` for a hypothesis ``d rel 0`` and constants ``c ≠ 0``, ``r``."""
    try:
        s = (facts.canon if isinstance(facts, Domain) else Canonicalizer()).run(e)
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return None
    if not s:
        return "zero"
    for fact in facts:
        d = fact.difference
        lead = next((m for m in d if m), None)
        if lead is None or lead not in s:
            continue
        a, b = s[lead], d[lead]
        if a and b:  # fast path, same verdicts: s - c·d is constant iff its variable terms cancel term by term
            if not all(m in d for m in s if m) or any(m and s.get(m, 0) * b != a * v for m, v in d.items()):
                continue
            c = Fraction(a) / Fraction(b)
            offset = s.get((), 0) - c * d.get((), 0)
            sign = _shifted_sign(fact, c, offset)
            if sign is not None:
                return sign
            continue
        c = Fraction(s[lead]) / Fraction(d[lead])
        rest = {m: v for m, v in s.items()}
        for m, v in d.items():
            total = rest.get(m, 0) - c * v
            if total:
                rest[m] = total
            else:
                rest.pop(m, None)
        r = constant_value(rest)
        if r is None:
            continue
        sign = _shifted_sign(fact, c, r)
        if sign is not None:
            return sign
    return None


def _shifted_sign(fact: Fact, c: int | Fraction, r: int | Fraction) -> str | None:
    """The sign of ``c·d + r`` from the fact that ``d`` has the sign ``fact`` states (``None``: not settled)."""
    known = OF_RELATION[fact.relation] if c > 0 else FLIP[OF_RELATION[fact.relation]]
    if r == 0:
        return known
    if known in ("pos", "nonneg") and r > 0:
        return "pos"
    if known in ("neg", "nonpos") and r < 0:
        return "neg"
    return None


def nonvanishing(e: Expr, facts: Iterable[Fact]) -> bool:
    if isinstance(facts, Domain):
        if e not in facts.signs:
            facts.signs[e] = sign(e, facts)
        return facts.signs[e] in ("pos", "neg", "nz")
    return sign(e, facts) in ("pos", "neg", "nz")


# -- natural domains ----------------------------------------------------------------------------------------------

_TOTAL_FUNCTIONS: Final = frozenset({"exp", "sin", "cos", "atan", "sinh", "cosh", "tanh", "asinh"})


def is_total(e: Expr) -> bool:
    """Whether ``e`` is defined at every real point: variables, literals, + - ·, natural powers >= 1, division by
    a non-zero literal, and total functions (exp, sin, cos, atan, sinh, cosh, tanh, asinh) of such terms."""
    stack = [e]
    while stack:
        node = stack.pop()
        op = node.op
        if op == "pow":
            exponent = node.args[1]
            if not (exponent.op == "num" and exponent.value >= 1):  # type: ignore[operator]
                return False
            stack.append(node.args[0])
            continue
        if op == "div":
            if constant_sign(node.args[1]) not in ("pos", "neg"):
                return False
        elif op not in ("num", "sym", "add", "sub", "mul", "neg") and op not in _TOTAL_FUNCTIONS:
            return False
        stack.extend(node.args)
    return True


def _natural_integer(e: Expr) -> int | None:
    value = exact_value(e) if not has_variable(e) else None
    if value is not None and (type(value) is int or value.denominator == 1):
        return int(value)
    return None


def natural_conditions(e: Expr) -> list[Expr]:
    """The conditions (relations, innermost first, without repeats) under which ``e`` has a real value."""
    found: list[Expr] = []
    _collect(e, found, set())
    return list(dict.fromkeys(found))


def _collect(e: Expr, out: list[Expr], seen: set[Expr]) -> None:
    """Append the conditions of ``e``'s nodes in post-order, skipping a subtree equal to one in ``seen`` (its
    conditions are already in ``out``: a later copy could only add repeats) and adding those it visits."""
    if not e.args:
        return  # literals and variables need nothing
    stack: list[tuple[Expr, bool]] = [(e, False)]
    free = _CONDITION_FREE
    while stack:  # post-order without recursion: a stranger's tree may be deep
        node, done = stack.pop()
        if done:
            out.extend(_own_conditions(node))
            continue
        known = len(seen)
        seen.add(node)
        if len(seen) == known:
            continue  # an equal subtree was met before
        if node.op not in free:  # only a node with conditions of its own needs its turn after its arguments
            stack.append((node, True))
        args = node.args
        for index in range(len(args) - 1, -1, -1):
            if args[index].args:  # leaves need nothing: never pushed
                stack.append((args[index], False))


_CONDITION_FREE: Final = frozenset(("add", "sub", "mul", "neg", "exp", "sin", "cos", "atan", "sinh", "cosh", "tanh",
                             "asinh"))
"""Node kinds defined wherever their arguments are (no condition of their own)."""
_ZERO, _ONE, _TWO = num(0), num(1), num(2)


def _own_conditions(node: Expr) -> list[Expr]:
    op, args = node.op, node.args
    zero = _ZERO
    if op == "log":
        return [Expr("gt", (args[0], zero))]
    if op == "sqrt":
        return [Expr("ge", (args[0], zero))]
    if op == "div":
        return [Expr("ne", (args[1], zero))]
    if op in ("asin", "acos"):
        return [Expr("le", (pow_(args[0], _TWO), _ONE))]
    if op == "atanh":
        return [Expr("lt", (pow_(args[0], _TWO), _ONE))]
    if op == "acosh":
        return [Expr("ge", (args[0], _ONE))]
    if op == "tan":
        return [Expr("ne", (func("cos", args[0]), zero))]
    if op == "pow":
        base, exponent = args
        n = _natural_integer(exponent)
        if n is not None and n >= 1:
            return []
        if n is not None:  # zero or negative integer power: 1/base**|n| (and 0**0 undefined)
            return [Expr("ne", (base, zero))]
        return [Expr("gt", (base, zero))]  # a real power: a positive base (conservative)
    return []


def implies(domain: Domain, condition: Expr) -> bool:
    """Whether the hypotheses of ``domain`` guarantee ``condition`` (a relation) wherever its sides are defined.
    Sound and conservative: ``False`` means "not shown"."""
    if condition in domain.hypotheses:
        return True
    op = condition.op
    left, right = condition.args
    difference = left if right == num(0) else sub(left, right)
    found = domain.signs.get(difference, "?")
    if found == "?":
        try:
            found = sign(difference, domain)
        except (ArithmeticError, RecursionError, ValueError):
            found = None
        domain.signs[difference] = found
    if op == "gt":
        return found == "pos"
    if op == "lt":
        return found == "neg"
    if op == "ge":
        return found in ("pos", "nonneg", "zero")
    if op == "le":
        return found in ("neg", "nonpos", "zero")
    if op == "ne":
        return found in ("pos", "neg", "nz")
    if op == "eq":
        return found == "zero"
    return False


def undefined_part(e: Expr, domain: Domain) -> Expr | None:
    """The first natural condition of ``e`` the hypotheses do not imply (``None``: ``e`` is defined wherever
    they hold)."""
    for condition in natural_conditions(e):
        if not implies(domain, condition):
            return condition
    return None


def first_undefined(expressions: Sequence[Expr], domain: Domain) -> tuple[int, Expr] | None:
    """(index, condition) for the first expression whose natural domain the hypotheses do not imply."""
    return first_not_implied(conditions_in_order(expressions), domain)


def conditions_in_order(expressions: Sequence[Expr]) -> list[list[Expr]]:
    """The natural conditions of each expression, less those of subtrees met in an earlier one: for one fixed
    domain those were already found implied (else the scan stopped there), so dropping them changes no verdict
    and saves re-walking the subtrees that a record's steps share."""
    seen: set[Expr] = set()
    lists = []
    for e in expressions:
        found: list[Expr] = []
        _collect(e, found, seen)
        lists.append(list(dict.fromkeys(found)))
    return lists


def first_not_implied(lists: Sequence[Sequence[Expr]], domain: Domain) -> tuple[int, Expr] | None:
    """(index, condition) for the first condition of ``lists`` (:func:`conditions_in_order`) the hypotheses do
    not imply: a caller that needs the conditions for more than this test walks the expressions once."""
    for index, conditions in enumerate(lists):
        for condition in conditions:
            if not implies(domain, condition):
                return index, condition
    return None


class EmptyDomain(ValueError):
    """A closed natural condition is false (``log(-1)``): the expression is nowhere defined."""


def needed_conditions(expressions: Sequence[Expr], hypotheses: Sequence[Expr]) -> tuple[Expr, ...]:
    """``hypotheses`` followed by the natural conditions of ``expressions`` they do not imply (each added one
    counts for the next); closed conditions are never added: a true one needs nothing, a false one raises
    :class:`EmptyDomain`."""
    return tuple(_needed(expressions, hypotheses, Canonicalizer())[0])


def _needed(expressions: Sequence[Expr], hypotheses: Sequence[Expr], canonicalizer: Canonicalizer
            ) -> tuple[list[Expr], list[list[Expr]] | None]:
    """:func:`needed_conditions`, and :func:`conditions_in_order` of ``expressions`` where no condition was added
    (``None`` where one was).

    Each expression's conditions are checked in the order of :func:`natural_conditions`, against the domain of the
    hypotheses kept so far. A subtree equal to one already walked since the last added hypothesis is not walked
    again (the walk is :func:`conditions_in_order`'s): every condition in it was found implied by the same
    domain, and ``implies`` gives one domain the same answer every time. Where a hypothesis is added part way
    through an expression, the rest of that expression's whole list is checked, exactly as without the shortcut:
    everything before the added condition in the whole list was implied by the domain it was added to (a skipped
    condition was found implied by it before, and the added one is not, so it is not among the skipped ones)."""
    kept = list(hypotheses)
    domain = facts_of(kept, canonicalizer)
    walked: set[Expr] = set()
    """subtrees of ``expressions`` whose conditions the current domain implies"""
    lists: list[list[Expr]] | None = []
    for e in expressions:
        found: list[Expr] = []
        _collect(e, found, walked)
        conditions = list(dict.fromkeys(found))
        if lists is not None:
            lists.append(conditions)
        position = 0
        whole = False
        while position < len(conditions):
            condition = conditions[position]
            position += 1
            if implies(domain, condition):
                continue
            if not has_variable(condition):
                raise EmptyDomain(f"{condition!r} is false")
            kept.append(condition)
            domain = _with_fact(domain, condition)
            lists = None
            walked = set()
            if not whole:  # on with the rest of this expression's whole list
                whole = True
                conditions = natural_conditions(e)
                position = conditions.index(condition) + 1
    return kept, lists


def _with_fact(domain: Domain, hypothesis: Expr) -> Domain:
    """``facts_of(hypotheses + [hypothesis])`` for the domain of ``hypotheses``, built from its facts (each
    hypothesis gives its fact independently of the others, with the same canonicalizer)."""
    extended = facts_of([hypothesis], domain.canon)
    return Domain(domain.facts + extended.facts, list(domain.hypotheses) + [hypothesis], domain.canon)


def irredundant(hypotheses: Sequence[Expr], expressions: Sequence[Expr], keep: Sequence[Expr] = ()
                ) -> tuple[Expr, ...]:
    """``hypotheses`` less those the others imply (latest first), never dropping one in ``keep`` nor one without
    which some natural condition of ``expressions`` would no longer be shown: a record states each condition it
    needs once, so deleting any one of them makes it false (or at least unprovable here)."""
    return _irredundant(hypotheses, conditions_in_order(expressions), keep, Canonicalizer())


def _irredundant(hypotheses: Sequence[Expr], lists: Sequence[Sequence[Expr]], keep: Sequence[Expr],
                 canonicalizer: Canonicalizer) -> tuple[Expr, ...]:
    """:func:`irredundant` given ``conditions_in_order(expressions)``."""
    kept = list(dict.fromkeys(hypotheses))
    facts = {h: facts_of([h], canonicalizer).facts for h in kept}
    """each hypothesis's fact (none for one that gives none): ``facts_of`` reads each independently"""
    for h in reversed(list(kept)):
        if h in keep:
            continue
        others = [o for o in kept if o != h]
        domain = Domain([fact for o in others for fact in facts[o]], others, canonicalizer)
        if implies(domain, h) and first_not_implied(lists, domain) is None:
            kept.remove(h)
    return tuple(kept)


def closed_hypotheses(expressions: Sequence[Expr], hypotheses: Sequence[Expr], keep: Sequence[Expr] = (),
                      canonicalizer: Canonicalizer | None = None) -> tuple[Expr, ...]:
    """``irredundant(needed_conditions(expressions, hypotheses), expressions, keep)``, with one canonicalizer
    and, where no condition was added, the condition lists the first walk made (the same lists: the same walk).

    ``canonicalizer``: one at the default limit (``TERM_LIMIT``) whose memo may already hold forms, also forms found
    under a lower limit (a limit only decides when to give up, never what a form is); the caller may read the forms
    it gains afterwards. Another limit is not used (it could give up where the default does not)."""
    if canonicalizer is None or canonicalizer.limit != TERM_LIMIT:
        canonicalizer = Canonicalizer()
    kept, lists = _needed(expressions, hypotheses, canonicalizer)
    return _irredundant(kept, lists if lists is not None else conditions_in_order(expressions), keep,
                        canonicalizer)
