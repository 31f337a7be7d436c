"""A canonical form of our own: expanded sums of monomials with rational coefficients.

Why: dedup, "are these two sides equal up to canonical form", the human form of an integrand and the fast
symbolic check all need a normal form that is cheap (no SymPy in the hot path) and *sound*: two trees with the
same canonical form denote the same function wherever the original trees are defined. It is complete for
polynomials (so it decides ring identities) and incomplete beyond (``1/(x+1) + x/(x+1)`` is not reduced to
``1``); an incomplete "not equal" only sends a comparison on to SymPy, it never admits a wrong equality.

Shape: a :data:`Sum` maps a monomial to its non-zero rational coefficient. A monomial is a sorted tuple of
``(atom_key, exponent, atom_expr)``; an atom is a variable, a function application with a canonical argument, a
prime number under a fractional power, or a non-monomial sum under a power we do not expand.
Rewrites used (each valid wherever its left side is defined): ring laws and expansion of natural powers,
``x^a·x^b = x^(a+b)``, ``(x^a)^r = x^(ar)`` unless ``a`` is an even integer and ``r`` is fractional (fractional powers of
products of several atoms stay whole),
parity of sin/cos/tan/sinh/cosh/tanh and their inverses, ``log(exp u) = u``, and values at 0.
To extend: add a rewrite in ``_function`` or ``_power`` and a case in ``tests/test_canonical.py`` that checks it
numerically; a rewrite that is not an identity on its domain would make the checker unsound.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

from typing import Final, Union

from rpsdg.expr.exceptions import CanonTooBig
from rpsdg.expr.printers import to_infix
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import FUNCTIONS, Expr, div, func, mul, neg, num, pow_, add, sub

Number = Union[int, Fraction]
Monomial = tuple[tuple[str, Number, Expr], ...]
Sum = dict[Monomial, Number]

TERM_LIMIT: Final = 400
MAX_EXPANDED_POWER: Final = 64
"""Largest natural power of a sum that is expanded; a larger one is :class:`CanonTooBig` (hostile text such as
``x**100000000`` must not loop)."""
MAX_COEFFICIENT_BITS: Final = 4096
"""Largest exact coefficient (numerator or denominator bits) a power may create (``10**10**10`` must not hang)."""
_ODD: Final = frozenset({"sin", "tan", "asin", "atan", "sinh", "tanh", "asinh", "atanh"})
_EVEN: Final = frozenset({"cos", "cosh"})
_VALUE_AT_ZERO: Final = {"sin": 0, "tan": 0, "asin": 0, "atan": 0, "sinh": 0, "tanh": 0, "asinh": 0, "atanh": 0,
                  "cos": 1, "cosh": 1, "exp": 1, "sqrt": 0}
_SMALL_PRIME_LIMIT: Final = 10_000


def _normal(value: Number) -> Number:
    if type(value) is Fraction and value.denominator == 1:  # not isinstance: Fraction is an ABC (slow check)
        return int(value.numerator)
    return value


def canon(e: Expr, limit: int = TERM_LIMIT) -> Sum:
    """The canonical sum of ``e``; raises :class:`CanonTooBig` past ``limit`` terms, ``ValueError`` on
    relations and containers (canonicalise their sides instead)."""
    return Canonicalizer(limit).run(e)


def canon_key(e: Expr, limit: int = TERM_LIMIT) -> str:
    """A string that two trees share when their canonical forms are equal."""
    return sum_key(canon(e, limit))


def sum_key(s: Sum) -> str:
    if not s:
        return "0"
    return " + ".join(f"{coeff}·{_monomial_key(m)}" for m, coeff in sorted(s.items(), key=_term_order))


def _monomial_key(m: Monomial) -> str:
    return "*".join(f"{key}^{exp}" for key, exp, _ in m) or "1"


def _term_order(item: tuple[Monomial, Number]) -> tuple:
    return tuple((key, exp) for key, exp, _ in item[0])


def simplify(e: Expr, limit: int = TERM_LIMIT) -> Expr:
    """A readable expanded form of ``e`` (``to_expr(canon(e))``)."""
    return to_expr(canon(e, limit))


def without_constant(s: Sum, var: str) -> Sum:
    """``s`` less every term free of ``var`` (``3``, ``sin(2)``, ``log(5)*sqrt(3)`` all go)."""
    return {m: c for m, c in s.items() if any(atom.has(var) for _, _, atom in m)}


def constant_value(s: Sum) -> Number | None:
    """The rational value of ``s`` when it is a rational constant, else ``None``."""
    if not s:
        return 0
    if len(s) == 1 and () in s:
        return s[()]
    return None


class Canonicalizer:
    """Computes canonical forms, remembering those of subtrees it has seen.

    Make one per task (a record's check, a generator call) and drop it afterwards: its memory is the memo.
    Results are shared, never mutated.
    """

    def __init__(self, limit: int = TERM_LIMIT):
        self.limit = limit
        self.memo: dict[Expr, Sum] = {}

    def key(self, e: Expr) -> str:
        return sum_key(self.run(e))

    def run(self, e: Expr) -> Sum:
        if e.op == "num" or e.op == "sym":
            return self._run(e)
        found = self.memo.get(e)
        if found is None:
            found = self.memo[e] = self._run(e)
        return found

    def _run(self, e: Expr) -> Sum:
        op = e.op
        if op == "num":
            return {(): e.value} if e.value else {}  # type: ignore[dict-item]
        if op == "sym":
            return {((str(e.value), 1, e),): 1}
        if op == "add":
            return self.add(self.run(e.args[0]), self.run(e.args[1]))
        if op == "sub":
            return self.add(self.run(e.args[0]), _scale(self.run(e.args[1]), -1))
        if op == "neg":
            return _scale(self.run(e.args[0]), -1)
        if op == "mul":
            return self.mul(self.run(e.args[0]), self.run(e.args[1]))
        if op == "div":
            return self.mul(self.run(e.args[0]), self.reciprocal(e.args[1]))
        if op == "pow":
            return self.pow_expr(e)
        if op in FUNCTIONS:
            return self.function(op, self.run(e.args[0]))
        raise ValueError(f"no canonical form for node kind {op!r}")

    def add(self, a: Sum, b: Sum) -> Sum:
        result = dict(a)
        for m, c in b.items():
            total = result.get(m, 0) + c
            if total:
                result[m] = _normal(total)
            else:
                result.pop(m, None)
        if len(result) > self.limit:
            raise CanonTooBig(len(result))
        return result

    def mul(self, a: Sum, b: Sum, settle: bool = True) -> Sum:
        if len(a) * len(b) > self.limit * 4:
            raise CanonTooBig(len(a) * len(b))
        result: Sum = {}
        fraction = Fraction
        for ma, ca in a.items():
            for mb, cb in b.items():
                coeff, mono = _mul_monomials(ma, mb)
                total = result.get(mono, 0) + (ca * cb if coeff == 1 else coeff * ca * cb)
                if total:  # _normal inlined (hot)
                    result[mono] = int(total.numerator) if type(total) is fraction and total.denominator == 1 \
                        else total
                else:
                    result.pop(mono, None)
        if len(result) > self.limit:
            raise CanonTooBig(len(result))
        return self.settle(result) if settle else result

    def reciprocal(self, e: Expr) -> Sum:
        """1/e, distributed over products and quotients so ``1/(a·b)`` and ``(1/a)·(1/b)`` agree."""
        if e.op == "mul":
            return self.mul(self.reciprocal(e.args[0]), self.reciprocal(e.args[1]))
        if e.op == "div":
            return self.mul(self.reciprocal(e.args[0]), self.run(e.args[1]))
        if e.op == "neg":
            return _scale(self.reciprocal(e.args[0]), -1)
        if e.op == "pow" and e.args[1].op == "num":
            return self.power(self.run(e.args[0]), -e.args[1].value)  # type: ignore[operator]
        return self.power(self.run(e), -1)

    def settle(self, s: Sum) -> Sum:
        """Expand a kept-whole base that a product has raised back to an integer power (sqrt(u)² = u)."""
        for mono in s:  # any(_unsettled(...)), with the cheap first-character test first (hot: every product)
            if any(key[:1] == "(" and _unsettled(key, exp, atom) for key, exp, atom in mono):
                break
        else:
            return s
        result: Sum = {}
        for mono, coeff in s.items():
            term: Sum = {(): coeff}
            for key, exp, atom in mono:
                if _unsettled(key, exp, atom):
                    factor = self.power(self.run(atom), exp)
                else:
                    factor = {((key, exp, atom),): 1}
                term = self.mul(term, factor, settle=False)
            result = self.add(result, term)
        return result

    def pow_expr(self, e: Expr) -> Sum:
        base = self.run(e.args[0])
        exponent = self.run(e.args[1])
        value = constant_value(exponent)
        if value is None:
            return _atom_sum(f"^({sum_key(base)})**({sum_key(exponent)})", 1,
                             pow_(to_expr(base), to_expr(exponent)))
        return self.power(base, value)

    def power(self, base: Sum, r: Number) -> Sum:
        if type(r) is not int:
            r = _normal(r)
        if r == 0:
            return {(): 1} if base else _raise_zero_power()
        if not base:
            if r < 0:
                raise ZeroDivisionError("0 to a negative power")
            return {}
        if isinstance(r, int) and r > 0:
            _refuse_huge_power(base, r)
            result: Sum = {(): 1}
            for _ in range(r):
                result = self.mul(result, base)
            return result
        if len(base) == 1:
            (mono, coeff), = base.items()
            powered = _power_monomial(mono, coeff, r)
            if powered is not None:
                return self.settle(powered)
        return _atom_sum(f"({sum_key(base)})", r, to_expr(base))

    def function(self, name: str, arg: Sum) -> Sum:
        if name == "sqrt":
            return self.power(arg, Fraction(1, 2))
        if not arg and name in _VALUE_AT_ZERO:
            value = _VALUE_AT_ZERO[name]
            return {(): value} if value else {}
        if name == "log":
            if arg == {(): 1}:
                return {}
            if len(arg) == 1:
                (mono, coeff), = arg.items()
                if coeff == 1 and len(mono) == 1 and mono[0][1] == 1 and mono[0][0].startswith("exp("):
                    return self.run(mono[0][2].args[0])
        sign = 1
        if name in _ODD or name in _EVEN:
            leading = min(arg.items(), key=_term_order)[1]
            if leading < 0:
                arg = _scale(arg, -1)
                sign = -1 if name in _ODD else 1
        return _scale(_atom_sum(f"{name}({sum_key(arg)})", 1, func(name, to_expr(arg))), sign)


def _unsettled(key: str, exp: Number, atom: Expr) -> bool:
    """A kept-whole base whose power became an integer that can now be expanded or distributed."""
    return key.startswith("(") and isinstance(exp, int) and (exp > 0 or atom.op not in ("add", "sub"))


def _raise_zero_power() -> Sum:
    raise ZeroDivisionError("0 ** 0")


def _scale(s: Sum, factor: Number) -> Sum:
    return {m: _normal(c * factor) for m, c in s.items()}


def _atom_sum(key: str, exponent: Number, atom: Expr) -> Sum:
    return {((key, exponent, atom),): 1}


def _mul_monomials(a: Monomial, b: Monomial) -> tuple[Number, Monomial]:
    if not a:  # 1·b is b unless b has a prime atom (its powers are normalised below)
        for key, _, _ in b:
            if key[0] == "#":
                break
        else:
            return 1, b
    elif not b:
        for key, _, _ in a:
            if key[0] == "#":
                break
        else:
            return 1, a
    coeff: Number = 1
    factors = []
    i = j = 0
    size_a, size_b = len(a), len(b)
    while i < size_a or j < size_b:  # merge by key: monomials are sorted by key, so the product comes out sorted
        if j == size_b or (i < size_a and a[i][0] < b[j][0]):
            key, exp, atom = a[i]
            i += 1
        elif i == size_a or b[j][0] < a[i][0]:
            key, exp, atom = b[j]
            j += 1
        else:
            key, exp, atom = a[i][0], a[i][1] + b[j][1], a[i][2]
            i += 1
            j += 1
        exp = _normal(exp) if type(exp) is Fraction else exp
        if exp == 0:
            continue
        if key[0] == "#":
            whole, frac = divmod(Fraction(exp), 1)
            coeff *= Fraction(int(key[1:])) ** int(whole)
            if frac == 0:
                continue
            exp = frac
        factors.append((key, exp, atom))
    return _normal(Fraction(coeff)) if coeff != 1 else 1, tuple(factors)


def _power_monomial(mono: Monomial, coeff: Number, r: Number) -> Sum | None:
    """``(coeff·mono)^r`` for a negative integer or fractional ``r``, when the power distributes soundly."""
    fractional = not isinstance(r, int)
    if fractional and (coeff < 0 or len(mono) > 1):
        return None  # (a·b)^r = a^r·b^r fails for a, b < 0: keep the product whole
    for _, exp, _atom in mono:
        if fractional and isinstance(exp, int) and exp % 2 == 0:
            return None
    # int and Fraction operands give exact products; ``_normal`` makes an integral one an int, as before
    factors = tuple((key, _normal(exp * r), atom) for key, exp, atom in mono)
    result: Sum = {tuple(f for f in factors if f[1] != 0): 1}
    coeff_sum = _power_number(Fraction(coeff), r)
    out: Sum = {}
    for m1, c1 in coeff_sum.items():
        for m2, c2 in result.items():
            c, m = _mul_monomials(m1, m2)
            out[m] = _normal(c * c1 * c2)
    return out


def _refuse_huge_power(base: Sum, r: int) -> None:
    """Raise :class:`CanonTooBig` before expanding ``base ** r`` beyond the size bounds."""
    if r > MAX_EXPANDED_POWER and len(base) > 1:
        raise CanonTooBig(f"power {r} of a sum (at most {MAX_EXPANDED_POWER} is expanded)")
    bits = max((_bits(c) for c in base.values()), default=0)
    if bits > 1 and bits * r > MAX_COEFFICIENT_BITS:
        raise CanonTooBig(f"power {r} would make a coefficient of about {bits * r} bits")
    if r > MAX_EXPANDED_POWER and any(exp * r > 10 ** 6 for mono in base for _, exp, _ in mono):
        raise CanonTooBig(f"power {r} would make an exponent over 10**6")


def _bits(c: Number) -> int:
    """Bit length of the larger of |numerator| and denominator of ``c``."""
    if type(c) is int:
        return max(abs(c), 1).bit_length()
    c = Fraction(c)
    return max(abs(c.numerator), c.denominator).bit_length()


def _power_number(value: Fraction, r: Number) -> Sum:
    if isinstance(r, int):
        bits = max(abs(value.numerator), value.denominator).bit_length()
        if bits > 1 and bits * abs(r) > MAX_COEFFICIENT_BITS:
            raise CanonTooBig(f"power {r} would make a coefficient of about {bits * abs(r)} bits")
        return {(): _normal(value ** r)}
    coeff: Number = 1
    mono: Monomial = ()
    for part, sign in ((value.numerator, 1), (value.denominator, -1)):
        for prime, multiplicity in _factor(part):
            factor_coeff, mono = _mul_monomials(mono, ((f"#{prime}", Fraction(multiplicity) * r * sign, num(prime)),))
            coeff = _normal(Fraction(coeff) * factor_coeff)
    return {mono: coeff}


def _factor(n: int) -> list[tuple[int, int]]:
    """Prime factorisation of small ``n``; a large cofactor is kept whole (still a sound atom)."""
    factors: list[tuple[int, int]] = []
    p = 2
    while p * p <= n and p < _SMALL_PRIME_LIMIT:
        count = 0
        while n % p == 0:
            n //= p
            count += 1
        if count:
            factors.append((p, count))
        p += 1 if p == 2 else 2
    if n > 1:
        factors.append((n, 1))
    return factors


# -- back to a readable tree -----------------------------------------------------------------------------------

def _degree(mono: Monomial) -> Number:
    return sum(exp for _, exp, _ in mono)


def to_expr(s: Sum) -> Expr:
    """A readable tree for a canonical sum: terms by falling degree, negative powers as denominators."""
    if not s:
        return num(0)
    terms = sorted(s.items(), key=lambda item: (-_degree(item[0]), _term_order(item)))
    result: Expr | None = None
    for mono, coeff in terms:
        negative = coeff < 0
        term = _term_expr(mono, -coeff if negative and result is not None else coeff)
        if result is None:
            result = term
        else:
            result = sub(result, term) if negative else add(result, term)
    return result  # type: ignore[return-value]


def _term_expr(mono: Monomial, coeff: Number) -> Expr:
    numerator_factors = [_factor_expr(atom, exp) for _, exp, atom in mono if exp > 0]
    denominator_factors = [_factor_expr(atom, -exp) for _, exp, atom in mono if exp < 0]
    top = _product(numerator_factors)
    bottom = _product(denominator_factors)
    p, q = (coeff, 1) if isinstance(coeff, int) else (coeff.numerator, coeff.denominator)
    top = scaled(top, p)
    if q != 1:
        bottom = num(q) if bottom is None else mul(num(q), bottom)
    return top if bottom is None else div(top, bottom)


def scaled(top: Expr | None, p: int) -> Expr:
    """``p·top`` as a term is written: the literal ``p`` alone when there is no ``top``, ``-top`` for ``p = -1``."""
    if top is None:
        return num(p)
    if p == -1:
        return neg(top)
    if p != 1:
        return mul(num(p), top)
    return top


def _product(factors: list[Expr]) -> Expr | None:
    result: Expr | None = None
    for factor in factors:
        result = factor if result is None else mul(result, factor)
    return result


def _factor_expr(atom: Expr, exp: Number) -> Expr:
    if exp == 1:
        return atom
    if isinstance(exp, int):
        return pow_(atom, num(exp))
    if exp.numerator == 1 and exp.denominator == 2:
        return func("sqrt", atom)
    if exp.denominator == 1:
        return pow_(atom, num(exp.numerator))
    if exp.denominator == 2:
        return pow_(func("sqrt", atom), num(exp.numerator))
    return pow_(atom, div(num(exp.numerator), num(exp.denominator)))


def equal(a: Expr, b: Expr, limit: int = TERM_LIMIT) -> bool | None:
    """``True`` if ``a`` and ``b`` have the same canonical form, ``False`` if not, ``None`` if too big."""
    try:
        return canon_key(a, limit) == canon_key(b, limit)
    except (CanonTooBig, ZeroDivisionError):
        return None


def infix_key(e: Expr) -> str:
    """The infix text of the readable canonical form (for display and hashing of small trees)."""
    return to_infix(simplify(e))
