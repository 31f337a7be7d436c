"""Value fingerprint of an integral problem (``KindSpec.value_key``, used by ``rpsdg build --value-dedup``).

Two integrands with different canonical forms can be one function: ``4*exp(4*x)`` and ``4*exp(x)**4``. Their uids
differ, so uid dedup keeps both; their fingerprints are equal, so value dedup keeps the first. The fingerprint is the
integrand's values at :data:`POINTS` (fixed, "generic" rationals, chosen so no small-denominator domain boundary or
rational root of the generator's expressions falls on them), each either "undefined" (outside the natural real
domain, the same rules as ``expr/evaluate.py``: log of a non-positive number, a negative base to a fractional
power, ...) or the value rounded to :data:`KEEP_BITS` significant bits. The problem's hypotheses are not used: uid
dedup ignores them too (it keys on the integrand alone), so equal uids always give equal fingerprints.

Robustness:

- *Rounding boundaries.* Values are computed with ``mpmath``'s exact-rounding arithmetic at :data:`PRECISION` bits,
  then rounded to :data:`KEEP_BITS`. Two forms of one function agree to about ``PRECISION - 10`` bits, so they fall
  on opposite sides of a rounding boundary with probability about ``2 ** (KEEP_BITS - PRECISION + 10)`` per value
  (≈ 3e-24; ≈ 1e-12 even if cancellation costs 40 more bits): a missed duplicate, never a false one. Values below
  ``2 ** TINY_EXPONENT`` in magnitude count as 0 (cancellation leaves a different tiny remainder in each form).
- *Platform independence.* ``mpmath.libmp`` is integer arithmetic in Python (with or without gmpy), so the
  fingerprint is the same bits on every machine: a cluster build drops the same items as a laptop.
- *Points outside the domain* are recorded as undefined, so functions with different domains never match (``x`` and
  ``sqrt(x)**2`` differ at negative points); an integrand defined at fewer than :data:`MIN_DEFINED` points, or one
  whose evaluation would overflow the guards (``exp`` of more than ``2 ** 20``, ``sin`` of more than ``2 ** 64``),
  gets no fingerprint (``None``: it is deduplicated by uid only).
- *A false duplicate* needs two different functions to agree to 40 bits at every defined point among 15: it does not
  happen by chance. Functions that differ only at isolated points off the grid (``(x**2 - 1)/(x - 1)`` and ``x + 1``)
  do match, which is what "numerically equal integrands" means.

The text is parsed with our grammar (``expr.parse``), never ``eval``/``sympify``. To change the points, precision or
encoding, bump :data:`VERSION` (it prefixes every key, so old and new keys never compare equal).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from mpmath import libmp
from mpmath.libmp import ComplexResult

from rpsdg.errors import RpsdgError
from rpsdg.expr.parse import parse
from rpsdg.expr.rational import Fraction, from_text
from rpsdg.expr.tree import Expr

VERSION = b"integral-values-1"
PRECISION = 128
"""Working precision in bits."""
KEEP_BITS = 40
"""Significant bits kept of each value."""
TINY_EXPONENT = -64
"""Values smaller in magnitude than 2**TINY_EXPONENT are recorded as 0."""
MIN_DEFINED = 3
"""Fewer defined points than this: no fingerprint."""
BIG = 2 ** 20
"""Largest magnitude of an argument of exp, sinh, cosh, tanh or of a power's exponent × log(base)."""
BIG_ANGLE = 2 ** 64
"""Largest magnitude of an argument of sin, cos, tan: its absolute error (``|angle| * 2**-PRECISION``) stays far below
the 40 bits kept, and mpmath's argument reduction stays cheap."""
MAX_INTEGER_EXPONENT = 2 ** 16
POINTS: tuple[Fraction, ...] = tuple(from_text(text) for text in (
    "-3.4187", "-2.7913", "-1.6127", "-0.8771", "-0.5519", "-0.2939", "0.2113", "0.4271", "0.6389", "0.8537",
    "1.1447", "1.7509", "2.4683", "3.3161", "4.2917"))
"""15 points from -3.4187 to 4.2917, five of them in (-1, 1) and four in (0, 1), the domains of asin, acos, atanh."""
VAR = "x"

_RND = libmp.round_nearest
_BIG = libmp.from_int(BIG)
_BIG_ANGLE = libmp.from_int(BIG_ANGLE)


class _Undefined(Exception):
    """No finite real value at this point."""


class _TooBig(Exception):
    """The evaluation would leave the guarded range: no fingerprint."""


def value_key(row: Mapping[str, Any]) -> bytes | None:
    """The fingerprint of the stored row's integrand (``row["problem"]``), or ``None`` (see the module docstring)."""
    try:
        tree = parse(row["problem"], "integrand")
    except (RpsdgError, KeyError, TypeError, RecursionError):
        return None
    if tree.free_symbols() - {VAR}:
        return None
    program = _program(tree)
    entries, defined = [], 0
    for point in POINTS:
        x = libmp.from_rational(point.numerator, point.denominator, PRECISION, _RND)
        try:
            value = _run(program, x)
        except _Undefined:
            entries.append(b"-")
            continue
        except (_TooBig, RecursionError, ValueError, ArithmeticError):  # guarded out, or mpmath refused: no key
            return None
        defined += 1
        entries.append(_rounded(value))
    return VERSION + b":" + b",".join(entries) if defined >= MIN_DEFINED else None


def _rounded(value: tuple) -> bytes:
    sign, man, exp, bc = libmp.normalize(*value, KEEP_BITS, _RND) if value[1] else value
    if not man or exp + bc < TINY_EXPONENT:
        return b"0"
    return b"%d:%d:%d" % (sign, man, exp)


Step = tuple[str, tuple[int, ...], Any]


def _program(tree: Expr) -> list[Step]:
    """The tree as a straight-line program (children first, each distinct subtree once): evaluated at every point
    without recursion, and a repeated subtree (``sqrt(x**2)`` twice) costs one evaluation per point."""
    program: list[Step] = []
    seen: dict[Expr, int] = {}
    stack: list[tuple[Expr, bool]] = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if node in seen:
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.args))
            continue
        constant = libmp.from_int(node.value) if node.op == "num" else None
        program.append((node.op, tuple(seen[child] for child in node.args), constant))
        seen[node] = len(program) - 1
    return program


def _run(program: list[Step], x: tuple) -> tuple:
    """The value of the program's last step at ``x``; raises :class:`_Undefined` or :class:`_TooBig`."""
    values: list[tuple] = []
    for op, args, constant in program:
        if op == "num":
            values.append(constant)
        elif op == "sym":
            values.append(x)
        else:
            values.append(_apply(op, [values[i] for i in args]))
    return values[-1]


def _apply(op: str, args: list[tuple]) -> tuple:
    try:
        if op in _UNARY:
            return _UNARY[op](args[0])
        if op == "neg":
            return libmp.mpf_neg(args[0])
        if op == "add":
            return libmp.mpf_add(args[0], args[1], PRECISION, _RND)
        if op == "sub":
            return libmp.mpf_sub(args[0], args[1], PRECISION, _RND)
        if op == "mul":
            return libmp.mpf_mul(args[0], args[1], PRECISION, _RND)
        if op == "div":
            if args[1] == libmp.fzero:
                raise _Undefined
            return libmp.mpf_div(args[0], args[1], PRECISION, _RND)
        if op == "pow":
            return _power(args[0], args[1])
    except ComplexResult:
        raise _Undefined from None
    raise _Undefined  # a relation or container has no value


def _guard(value: tuple) -> tuple:
    if libmp.mpf_cmp(libmp.mpf_abs(value), _BIG) > 0:
        raise _TooBig
    return value


def _guard_angle(value: tuple) -> tuple:
    if libmp.mpf_cmp(libmp.mpf_abs(value), _BIG_ANGLE) > 0:
        raise _TooBig
    return value


def _power(base: tuple, exponent: tuple) -> tuple:
    base_sign = libmp.mpf_sign(base)
    if base_sign == 0:
        if libmp.mpf_sign(exponent) <= 0:
            raise _Undefined  # 0**0 and 0**negative are undefined over the reals (as in expr/evaluate.py)
        return libmp.fzero
    integer = libmp.to_int(exponent)
    if libmp.mpf_eq(exponent, libmp.from_int(integer)):
        if abs(integer) > MAX_INTEGER_EXPONENT:
            raise _TooBig
        return libmp.mpf_pow_int(base, integer, PRECISION, _RND)
    if base_sign < 0:
        raise _Undefined  # a negative base to a fractional power
    log_base = libmp.mpf_log(base, PRECISION, _RND)
    return libmp.mpf_exp(_guard(libmp.mpf_mul(exponent, log_base, PRECISION, _RND)), PRECISION, _RND)


def _in(low: int | None, high: int | None, open_low: bool = False, open_high: bool = False
        ) -> Callable[[tuple], tuple]:
    """A check that a value lies in [low, high] (ends open where asked); ``None`` is unbounded."""
    def check(value: tuple) -> tuple:
        if low is not None:
            compared = libmp.mpf_cmp(value, libmp.from_int(low))
            if compared < 0 or (open_low and compared == 0):
                raise _Undefined
        if high is not None:
            compared = libmp.mpf_cmp(value, libmp.from_int(high))
            if compared > 0 or (open_high and compared == 0):
                raise _Undefined
        return value

    return check


def _unary(fn: Callable, check: Callable[[tuple], tuple] = lambda value: value) -> Callable[[tuple], tuple]:
    return lambda value: fn(check(value), PRECISION, _RND)


_UNARY: dict[str, Callable[[tuple], tuple]] = {
    "sqrt": _unary(libmp.mpf_sqrt, _in(0, None)),
    "exp": _unary(libmp.mpf_exp, _guard),
    "log": _unary(libmp.mpf_log, _in(0, None, open_low=True)),
    "sin": _unary(libmp.mpf_sin, _guard_angle),
    "cos": _unary(libmp.mpf_cos, _guard_angle),
    "tan": _unary(libmp.mpf_tan, _guard_angle),
    "asin": _unary(libmp.mpf_asin, _in(-1, 1)),
    "acos": _unary(libmp.mpf_acos, _in(-1, 1)),
    "atan": _unary(libmp.mpf_atan),
    "sinh": _unary(libmp.mpf_sinh, _guard),
    "cosh": _unary(libmp.mpf_cosh, _guard),
    "tanh": _unary(libmp.mpf_tanh, _guard),
    "asinh": _unary(libmp.mpf_asinh),
    "acosh": _unary(libmp.mpf_acosh, _in(1, None)),
    "atanh": _unary(libmp.mpf_atanh, _in(-1, 1, open_low=True, open_high=True)),
}
"""Each function with its domain check (and the overflow guard where its argument could make it blow up)."""
