"""An equation record as a Lean 4 (Mathlib) theorem ``problem ↔ solution``, proved step by step both ways.

Why: an equation item claims that its answer is *the* solution set. The theorem says exactly that —
``P ↔ x = a``, ``P ↔ x = r₁ ∨ x = r₂ ∨ …`` (several roots), ``(E₁ ∧ E₂) ↔ (x = a ∧ y = b)`` (systems) — with the
excluded values (``x - 3 ≠ 0``, ``u > 0``) as hypotheses, and every recorded step is its own obligation.

Record format (``generators/equation.py``): ``problem`` ``Eq(L, R)`` or ``Tuple(Eq, …)``, ``answer``
``FiniteSet(a, …)`` or ``FiniteSet(Tuple(a, b, …))``, hypotheses, steps ``{rule, before, after, operand}``.

**Forward** (``→``): ``intro e0``; recorded step K becomes ``have e{K+1} : after := proof from e{K}``:

* ``add/subtract_both_sides``, ``expand``, ``collect``, ``factor``, ``simplify``: ``linear_combination eK``;
* ``swap_sides``: ``linear_combination (-1 : ℝ) * eK``; ``multiply_both_sides`` by c: ``(c) * eK``;
  ``divide_both_sides`` by c: ``eK / (c)``;
* ``quadratic_formula`` (``a·x² + b·x + c = 0`` to ``a·(x - r₁)·(x - r₂) = 0``, roots with ``√d``):
  ``linear_combination eK + (λ) * Real.sq_sqrt (by norm_num : (0 : ℝ) ≤ d)``, λ found and confirmed here;
* ``apply_log`` (``exp u = c`` to ``u = log c``): ``(Real.log_exp (u)).symm.trans (congrArg Real.log eK)``;
* ``apply_exp`` (``log u = log m`` to ``u = m``, or ``log u = k`` to ``u = exp k``): ``(Real.exp_log hN).symm``
  then ``congrArg Real.exp eK`` (and ``Real.exp_log`` on the numeral m > 0), ``hN : u > 0`` the recorded
  hypothesis; undone by ``congrArg Real.log`` (and ``Real.log_exp k``);
* ``clear_denominators`` by M: ``linear_combination (norm := skip) (M) * eK`` then ``field_simp`` (the excluded
  values are hypotheses ``d ≠ 0`` in context) and ``ring1``; confirmed first with SymPy ``cancel`` on our tree;
* systems: ``eliminate`` (equation i plus c times equation j) and ``substitute`` (v = e from equation j into
  equation i, which adds -a·(v - e)) ``linear_combination eI + (c) * eJ``; a rewrite of one equation
  (add/subtract/expand/swap...) ``linear_combination (k) * eI``;
  ``divide_both_sides`` on equation i ``eI / (c)``.

Then the conclusion: ``x = a`` is the last equation; for several roots the last equation ``k·g₁^m₁·…·gₙ^mₙ = 0``
(each gᵢ linear in x) is rewritten as the product ``g₁^m₁ * (… * gₙ^mₙ) = 0`` (``linear_combination``), split by
``mul_eq_zero`` one factor at a time (``rcases``), a power undone by ``pow_eq_zero_iff``, and ``gᵢ = 0`` solved
for x by ``linear_combination``; systems end with ``exact ⟨…⟩``.

**Reverse** (``←``), ``reverse_method`` in the data:

* ``walk`` (preferred): every step is undone in reverse order by a pure ``linear_combination`` with the inverse
  coefficient (``(c) * r`` for a division by c, ``r - (λ) * Real.sq_sqrt …`` for the quadratic formula,
  ``r - (c) * rJ`` for an elimination) or, for ``apply_log``, ``(congrArg Real.exp r).trans (Real.exp_log _)``
  with a positive numeral (``apply_exp`` as above). Several roots start with ``rcases`` on the disjunction: each root gives the factored
  equation by ``linear_combination (cofactor) * h``.
* ``evaluate``: an item with a step that has no pure inverse (``clear_denominators``) and a rational answer and no
  functions: ``rintro rfl`` then ``norm_num`` evaluates the problem at the answer (the hypotheses stay in
  context).
* ``one-way``: anything else renders ``P → x = a`` only; ``note`` says why.

Every ``linear_combination`` is confirmed before it is emitted as a ring identity in which each function
application and each non-numeral reciprocal is an opaque atom (exactly what ``ring1`` sees), so a step that needs
``√2² = 2`` or ``exp(8 - 3x) = exp(-3x + 8)`` is refused instead of emitted. Refusals are :class:`NotRenderable`
values with the reason (other rules: ``combine_logs``, ``equate_exponents``, ``write_as_power``,
``square_both_sides``, ``take_odd_root``). To add a rule: a branch in ``_step_proofs`` (forward and reverse proof)
and its lemmas in ``lemma_table.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

from ..errors import ParseError
from ..expr.canonical import CanonTooBig, canon, equal
from ..expr.parse import parse
from ..expr.printers import LeanUnsupported, to_infix
from ..expr.tree import FUNCTIONS, Expr, div, mul, neg, num, pow_, rational_value, sub, sym
from .integral import NotRenderable, theorem_name
from .leantext import lean_text
from .lemma_table import lemma

_SAME_DIFFERENCE = frozenset({"add_both_sides", "subtract_both_sides", "expand", "collect", "factor", "simplify"})
_TERMWISE = frozenset({"add_both_sides", "subtract_both_sides", "swap_sides", "multiply_both_sides",
                       "divide_both_sides"})
"""Rules that act on whole sides, so ``ring1`` closes them with ``(d)⁻¹`` as an atom even when d has x."""
_RESERVED = ("e", "h", "r", "f", "p", "u", "z")
"""Prefixes of the template's local names (``e3``, ``r2``, ``f1`` …): a variable may not look like them."""


@dataclass(frozen=True)
class EquationHave:
    """One obligation ``have name : statement := proof`` for recorded step ``step`` (forward or reverse)."""

    step: int
    rule: str
    name: str
    statement: str
    proof: str


@dataclass(frozen=True)
class EquationLean:
    """What the template needs. ``lines`` fields are tactic lines with relative indentation."""

    uid: str
    theorem: str
    variables: str
    """Binder names, ``x`` or ``x y z``."""
    hypotheses: tuple[tuple[str, str], ...]
    problem: str
    conclusion: str
    intro: str
    """Names the problem's equation(s) in the forward direction: ``e0`` or ``⟨p1, p2⟩``."""
    equations: tuple[tuple[str, str], ...]
    """The problem's equations with the names ``intro`` gives them (``e0``; ``p1``, ``p2`` …)."""
    haves: tuple[EquationHave, ...]
    """Forward: one per recorded step."""
    close: tuple[str, ...]
    """Forward: from the last equation to the conclusion."""
    reverse_method: str
    """``walk``, ``evaluate`` or ``one-way`` (no reverse direction rendered)."""
    back_intro: str = ""
    back_open: tuple[str, ...] = ()
    back: tuple[EquationHave, ...] = ()
    """Reverse walk: one per recorded step, last step first."""
    back_close: tuple[str, ...] = ()
    note: str = ""
    """Why the reverse direction is evaluated or missing."""

    @property
    def iff(self) -> bool:
        return self.reverse_method != "one-way"

    @property
    def step_count(self) -> int:
        return len(self.haves)


class _Refuse(Exception):
    pass


class _NoInverse(Exception):
    """A step whose inverse is not a pure ``linear_combination``/lemma term (the reverse walk stops)."""


# -- text and checks ---------------------------------------------------------------------------------------------

def _parse(text: str, what: str) -> Expr:
    try:
        return parse(text, what)
    except ParseError as error:
        raise _Refuse(f"unparsable {what}: {error}") from None


def _lean(e: Expr) -> str:
    try:
        return lean_text(e, "real")
    except LeanUnsupported as error:
        raise _Refuse(str(error)) from None


def _statement(equation: Expr) -> str:
    return f"{_lean(equation.args[0])} = {_lean(equation.args[1])}"


def _number(value: Fraction | int) -> str:
    return f"({_lean(num(Fraction(value)))})"


def _difference(equation: Expr) -> Expr:
    return sub(equation.args[0], equation.args[1])


def _opaque(e: Expr, atoms: dict[str, Expr]) -> Expr:
    """``e`` with every function application and every reciprocal of a non-numeral replaced by a symbol named
    after its text: the ring ``ring1`` works in, where such terms are atoms."""
    if e.op in FUNCTIONS:
        key = to_infix(e)
        return atoms.setdefault(key, sym(f"_atom{len(atoms)}"))
    if e.op == "div" and rational_value(e.args[1]) is None:
        key = "1/" + to_infix(e.args[1])
        return mul(_opaque(e.args[0], atoms), atoms.setdefault(key, sym(f"_atom{len(atoms)}")))
    if e.op == "pow" and not (e.args[1].op == "num" and e.args[1].value >= 0):  # type: ignore[operator]
        key = to_infix(e)
        return atoms.setdefault(key, sym(f"_atom{len(atoms)}"))
    if not e.args:
        return e
    return Expr(e.op, tuple(_opaque(a, atoms) for a in e.args), e.value)


def _ring_equal(a: Expr, b: Expr) -> bool:
    """Whether ``a = b`` is a commutative-ring identity with functions and reciprocals as opaque atoms."""
    atoms: dict[str, Expr] = {}
    try:
        return equal(_opaque(a, atoms), _opaque(b, atoms)) is True
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return False


def _confirmed(before: Expr, after: Expr, coefficient: Expr) -> bool:
    """after.L - after.R = coefficient · (before.L - before.R) as a ring identity."""
    return _ring_equal(_difference(after), mul(coefficient, _difference(before)))


def _confirmed_rational(before: Expr, after: Expr, coefficient: Expr) -> bool:
    """The identity of ``_confirmed`` as rational functions (SymPy ``cancel`` on our tree, never on stored text)."""
    import sympy

    from ..expr.sympy_bridge import to_sympy

    left = sub(after.args[0], after.args[1])
    right = mul(coefficient, sub(before.args[0], before.args[1]))
    try:
        return sympy.cancel(to_sympy(left) - to_sympy(right)) == 0
    except (TypeError, ValueError, ZeroDivisionError, sympy.SympifyError):
        return False


def _no_variable_division(e: Expr, variables: frozenset[str]) -> None:
    for _, node in e.positions():
        if node.op == "div" and node.args[1].free_symbols() & variables:
            raise _Refuse("division by an expression in the variable (needs field_simp; not rendered)")


def _multiple(d: Expr, e: Expr) -> Fraction | None:
    """The rational c with ``d = c·e`` as a ring identity (``e`` not identically 0), else None."""
    atoms: dict[str, Expr] = {}
    try:
        sd, se = canon(_opaque(d, atoms)), canon(_opaque(e, atoms))
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return None
    if not se:
        return None
    monomial, coefficient = next(iter(se.items()))
    c = Fraction(sd.get(monomial, 0)) / Fraction(coefficient)
    return c if _ring_equal(d, mul(num(c), e)) else None


# -- one recorded step of a single equation ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Proofs:
    forward: str
    reverse: str | None
    """Proof of ``before`` from ``after`` (named ``{next}``), or None when the step has no pure inverse."""


def _scaled(c: Fraction, name: str) -> str:
    """``linear_combination`` argument for c times the equation ``name``."""
    if c == 1:
        return name
    if c == -1:
        return f"(-1 : ℝ) * {name}"
    if c.denominator != 1 and c.numerator == 1:
        return f"{name} / {_number(c.denominator)}"
    return f"{_number(c)} * {name}"


def _step_proofs(number: int, rule: str, before: Expr, after: Expr, operand: str, var: str,
                 positive: Mapping[Expr, str]) -> _Proofs:
    previous, following = f"e{number}", f"r{number + 1}"
    if rule == "apply_log":
        return _apply_log(number, before, after, previous, following)
    if rule == "apply_exp":
        return _apply_exp(number, before, after, previous, following, positive)
    if rule == "clear_denominators":
        return _Proofs(_clear_denominators(number, before, after, operand), None)
    if rule == "quadratic_formula":
        return _quadratic_formula(number, before, after, previous, following)
    if rule not in _TERMWISE:
        for side in (*before.args, *after.args):
            _no_variable_division(side, frozenset({var}))
    if rule in _SAME_DIFFERENCE:
        c = Fraction(1)
    elif rule == "swap_sides":
        c = Fraction(-1)
    elif rule in ("multiply_both_sides", "divide_both_sides"):
        value = _parse(operand, "step operand")
        if value.has(var):
            raise _Refuse(f"step {number + 1}: {rule} by an expression in the variable")
        rational = rational_value(value)
        if rational is None or rational == 0:
            return _constant_scaling(number, rule, before, after, value, previous)
        c = rational if rule == "multiply_both_sides" else 1 / rational
    else:
        raise _Refuse(f"step {number + 1}: rule {rule!r} has no Lean rendering yet")
    if not _confirmed(before, after, num(c)):
        raise _Refuse(f"step {number + 1}: {rule} is not a ring identity our canonical form confirms")
    if rule == "divide_both_sides":  # keep the record's divisor visible: eK / (c)
        forward = f"{previous} / {_number(1 / c)}"
    else:
        forward = _scaled(c, previous)
    return _Proofs(f"by linear_combination {forward}", f"by linear_combination {_scaled(1 / c, following)}")


def _constant_scaling(number: int, rule: str, before: Expr, after: Expr, value: Expr, previous: str) -> _Proofs:
    """Scaling by a constant that is not a numeral (``log 2``): forward only (its inverse needs ``≠ 0``)."""
    coefficient = value if rule == "multiply_both_sides" else div(num(1), value)
    if not _confirmed(before, after, coefficient):
        raise _Refuse(f"step {number + 1}: {rule} is not a ring identity our canonical form confirms")
    text = f"({_lean(value)}) * {previous}" if rule == "multiply_both_sides" else f"{previous} / ({_lean(value)})"
    return _Proofs(f"by linear_combination {text}", None)


def _apply_log(number: int, before: Expr, after: Expr, previous: str, following: str) -> _Proofs:
    if before.args[0].op != "exp" or after.args[0] != before.args[0].args[0] or \
            after.args[1] != Expr("log", (before.args[1],)):
        raise _Refuse(f"step {number + 1}: apply_log not of the form exp u = c to u = log c")
    forward = (f"({lemma('Real.log_exp')} ({_lean(after.args[0])})).{lemma('Eq.symm').split('.')[1]}"
               f".{lemma('Eq.trans').split('.')[1]} ({lemma('congrArg')} Real.log {previous})")
    c = rational_value(before.args[1])
    reverse = None
    if c is not None and c > 0:  # exp (log c) = c needs 0 < c, which norm_num proves for a positive numeral
        reverse = (f"({lemma('congrArg')} Real.exp {following}).{lemma('Eq.trans').split('.')[1]} "
                   f"({lemma('Real.exp_log')} (by norm_num))")
    return _Proofs(forward, reverse)


def _apply_exp(number: int, before: Expr, after: Expr, previous: str, following: str,
               positive: Mapping[Expr, str]) -> _Proofs:
    """``log u = log m`` to ``u = m`` or ``log u = k`` to ``u = exp k``, through ``exp (log u) = u`` with the
    recorded hypothesis ``u > 0`` (``hN``; ``u > 0`` unfolds to ``0 < u``)."""
    u = before.args[0].args[0] if before.args[0].op == "log" else None
    if u is None or after.args[0] != u:
        raise _Refuse(f"step {number + 1}: apply_exp not of the form log u = c to u = …")
    if u not in positive:
        raise _Refuse(f"step {number + 1}: apply_exp without a recorded hypothesis u > 0 for its argument")
    unlog = f"({lemma('Real.exp_log')} {positive[u]}).{lemma('Eq.symm').split('.')[1]}"
    trans = lemma("Eq.trans").split(".")[1]
    c, value = before.args[1], after.args[1]
    m = rational_value(value)
    if c.op == "log" and c.args[0] == value and m is not None and m > 0:
        return _Proofs(f"{unlog}.{trans} (({lemma('congrArg')} Real.exp {previous}).{trans} "
                       f"({lemma('Real.exp_log')} (by norm_num)))", f"{lemma('congrArg')} Real.log {following}")
    if value.op == "exp" and value.args[0] == c and not c.free_symbols():
        return _Proofs(f"{unlog}.{trans} ({lemma('congrArg')} Real.exp {previous})",
                       f"({lemma('congrArg')} Real.log {following}).{trans} ({lemma('Real.log_exp')} ({_lean(c)}))")
    raise _Refuse(f"step {number + 1}: apply_exp not of the form log u = log m (m > 0) or log u = k")


def _clear_denominators(number: int, before: Expr, after: Expr, operand: str) -> str:
    """``A/B = C/D`` times the recorded operand M: ``linear_combination (norm := skip) (M) * eK`` leaves a goal
    that holds once denominators cancel, closed by ``field_simp`` (it cites the ``≠ 0`` hypotheses in context)
    and ``ring1``."""
    m = _parse(operand, "step operand")
    if not _confirmed_rational(before, after, m):
        raise _Refuse(f"step {number + 1}: clear_denominators is not an identity our canonical form confirms")
    return (f"by linear_combination (norm := skip) ({_lean(m)}) * e{number}; "
            f"first | (field_simp; done) | (field_simp; ring1)")


def _quadratic_formula(number: int, before: Expr, after: Expr, previous: str, following: str) -> _Proofs:
    """``after - before = λ·(√d² - d)``: one ``Real.sq_sqrt`` fact, λ read off the t² coefficient (t = √d)."""
    radicals = {to_infix(node): node for _, node in after.positions() if node.op in FUNCTIONS}
    if len(radicals) != 1:
        raise _Refuse(f"step {number + 1}: quadratic_formula with other than one square root")
    (root,) = radicals.values()
    d = rational_value(root.args[0]) if root.op == "sqrt" else None
    if d is None or d <= 0 or d.denominator != 1:
        raise _Refuse(f"step {number + 1}: quadratic_formula whose radical is not √n for a positive integer n")
    fact = sub(pow_(root, num(2)), num(d))
    lam = _multiple(sub(_difference(after), _difference(before)), fact)
    if lam is None:
        raise _Refuse(f"step {number + 1}: quadratic_formula is not before + λ·(√d² - d) as a ring identity")
    sq = f"{lemma('Real.sq_sqrt')} (by norm_num : (0 : ℝ) ≤ {_lean(num(d))})"
    return _Proofs(f"by linear_combination {previous} + {_number(lam)} * {sq}",
                   f"by linear_combination {following} - {_number(lam)} * {sq}")


# -- several roots -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Factor:
    base: Expr
    """gᵢ, linear in the variable: α·x + β."""
    power: int
    alpha: Fraction
    root: Expr
    """The answer element it vanishes at."""


def _factor_leaves(e: Expr, var: str) -> tuple[Fraction, list[tuple[Expr, int]]]:
    """``k`` and the factors (base, power) of a product tree ``-(2*(x - 1)*(x + 2)^2)``."""
    value = rational_value(e)
    if value is not None:
        return value, []
    if e.op == "neg":
        k, leaves = _factor_leaves(e.args[0], var)
        return -k, leaves
    if e.op == "mul":
        k1, left = _factor_leaves(e.args[0], var)
        k2, right = _factor_leaves(e.args[1], var)
        return k1 * k2, left + right
    if e.op == "pow" and e.args[1].op == "num" and e.args[0].has(var) and int(e.args[1].value) >= 1:  # type: ignore
        return Fraction(1), [(e.args[0], int(e.args[1].value))]  # type: ignore[arg-type]
    if e.has(var):
        return Fraction(1), [(e, 1)]
    raise _Refuse("a factor that is neither a number nor in the variable")


def _slope(base: Expr, var: str) -> Fraction:
    """α for ``base = α·x + β`` with rational α ≠ 0 and β free of x (functions as atoms), else refuse."""
    atoms: dict[str, Expr] = {}
    try:
        terms = canon(_opaque(base, atoms))
    except (CanonTooBig, ZeroDivisionError, ValueError):
        raise _Refuse("a factor our canonical form cannot expand") from None
    alpha = Fraction(0)
    for monomial, coefficient in terms.items():
        names = [key for key, _, _ in monomial]
        if var in names:
            if monomial != ((var, 1, sym(var)),) or any(k.startswith("_atom") for k in names):
                raise _Refuse("a factor that is not linear in the variable")
            alpha = Fraction(coefficient)
    if alpha == 0:
        raise _Refuse("a factor without the variable")
    return alpha


def _factors(last: Expr, answer: tuple[Expr, ...], var: str) -> tuple[Fraction, list[_Factor]]:
    """The last equation ``k·∏ gᵢ^mᵢ = 0`` as k and factors in answer order, each root checked ring-wise."""
    if rational_value(last.args[1]) != 0:
        raise _Refuse("several roots, but the last equation is not `product = 0`")
    k, leaves = _factor_leaves(last.args[0], var)
    if k == 0 or len(leaves) != len(answer):
        raise _Refuse("several roots, but the factors of the last equation do not match the answer")
    x = sym(var)
    ordered: dict[int, _Factor] = {}
    for base, power in leaves:
        alpha = _slope(base, var)
        found = [i for i, r in enumerate(answer) if _ring_equal(base, mul(num(alpha), sub(x, r)))]
        if len(found) != 1 or found[0] in ordered:
            raise _Refuse(f"factor {to_infix(base)} does not vanish at exactly one new answer element")
        ordered[found[0]] = _Factor(base, power, alpha, answer[found[0]])
    return k, [ordered[i] for i in range(len(answer))]


def _power(factor: _Factor) -> Expr:
    return factor.base if factor.power == 1 else pow_(factor.base, num(factor.power))


def _right_product(parts: list[Expr]) -> Expr:
    result = parts[-1]
    for part in reversed(parts[:-1]):
        result = mul(part, result)
    return result


def _times(c: Fraction, e: Expr) -> Expr:
    """``c·e`` written plainly (``e``, ``-e``, ``3 * e``)."""
    return e if c == 1 else neg(e) if c == -1 else mul(num(c), e)


def _disjunct(index: int, count: int, proof: str) -> str:
    """``Or.inr (… (Or.inl (proof)))`` proving disjunct ``index`` of ``count`` (right-nested)."""
    if count == 1:
        return proof
    text = proof if index == count - 1 else f"{lemma('Or.inl')} ({proof})"
    for _ in range(index):
        text = f"{lemma('Or.inr')} ({text})"
    return text


def _solve_factor(factor: _Factor, var: str, name: str, index: int, count: int, unpowered: str) -> list[str]:
    """From ``name : gᵢ^mᵢ = 0`` to disjunct i: undo the power, then ``x = rᵢ`` by linear_combination."""
    lines = []
    if factor.power > 1:
        lines.append(f"have {unpowered} : {_lean(factor.base)} = 0 := {lemma('Iff.mp')} "
                     f"({lemma('pow_eq_zero_iff')} (by norm_num : ({factor.power} : ℕ) ≠ 0)) {name}")
        name = unpowered
    if not _ring_equal(sub(sym(var), factor.root), mul(num(1 / factor.alpha), factor.base)):
        raise _Refuse(f"x = root is not 1/α times factor {to_infix(factor.base)}")
    solved = f"linear_combination {_scaled(1 / factor.alpha, name)}"
    lines.append(solved if count == 1 else f"exact {_disjunct(index, count, f'by {solved}')}")
    return lines


def _roots_close(last: Expr, last_name: str, k: Fraction, factors: list[_Factor], var: str) -> list[str]:
    """Forward: the product in answer order, then one ``rcases … mul_eq_zero`` per factor; the lines after each
    ``rcases`` close its first goal (factor i), so the block is bullet-free (the exports cut it as one tactic)."""
    product = _right_product([_power(f) for f in factors])
    if not _ring_equal(product, mul(num(1 / k), last.args[0])):
        raise _Refuse("the factored equation is not k times the product of its factors")
    lines = [f"have z0 : {_lean(product)} = 0 := by linear_combination {_scaled(1 / k, last_name)}"]
    count = len(factors)
    for i, factor in enumerate(factors[:-1]):
        lines.append(f"rcases {lemma('Iff.mp')} {lemma('mul_eq_zero')} z{i} with f{i + 1} | z{i + 1}")
        lines.extend(_solve_factor(factor, var, f"f{i + 1}", i, count, f"u{i + 1}"))  # closes the first goal
    lines.extend(_solve_factor(factors[-1], var, f"z{count - 1}", count - 1, count, f"u{count}"))
    return lines


def _roots_open(last: Expr, name: str, k: Fraction, factors: list[_Factor], var: str) -> list[str]:
    """Reverse: each root gives the factored equation, ``linear_combination (cofactor) * h``."""
    proofs = []
    for i, factor in enumerate(factors):
        rest = [_power(f) for j, f in enumerate(factors) if j != i]
        if factor.power > 1:
            rest.append(pow_(factor.base, num(factor.power - 1)) if factor.power > 2 else factor.base)
        cofactor = _times(k * factor.alpha, _right_product(rest)) if rest else num(k * factor.alpha)
        if not _ring_equal(last.args[0], mul(cofactor, sub(sym(var), factor.root))):
            raise _Refuse(f"the factored equation is not a multiple of x - {to_infix(factor.root)}")
        proofs.append(f"linear_combination ({_lean(cofactor)}) * h")
    head = f"have {name} : {_statement(last)} :="
    if len(proofs) == 1:
        return [f"{head} by {proofs[0]}"]
    return [f"{head} by", f"  rcases h with {' | '.join(['h'] * len(proofs))}",
            *(f"  · {proof}" for proof in proofs)]


# -- one equation ------------------------------------------------------------------------------------------------

def _single(row: Mapping[str, Any], uid: str, problem: Expr, answer: Expr) -> EquationLean:
    names = problem.free_symbols()
    if len(names) != 1:
        raise _Refuse(f"expected one variable, found {sorted(names) or 'none'}")
    var = next(iter(names))
    _check_variable(var)
    hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]
    positive = {h.args[0]: f"h{n}" for n, h in enumerate(hypotheses) if h.op == "gt" and rational_value(h.args[1]) == 0}
    current, haves, reverses = problem, [], []
    for number, step in enumerate(row["steps"]):
        before, after = _parse(step["before"], "step before"), _parse(step["after"], "step after")
        if before != current or after.op != "eq":
            raise _Refuse(f"step {number + 1}: 'before' is not the previous step's equation")
        rule = str(step["rule"])
        proofs = _step_proofs(number, rule, before, after, str(step.get("operand", "")), var, positive)
        haves.append(EquationHave(number, rule, f"e{number + 1}", _statement(after), proofs.forward))
        reverses.append(EquationHave(number, rule, f"r{number}", _statement(before), proofs.reverse or ""))
        current = after
    roots = answer.args
    last_name, final = f"e{len(haves)}", f"r{len(haves)}"
    if current.args[0].op == "sym" and current.args[0].value == var and not current.args[1].has(var) and \
            len(roots) == 1 and equal(current.args[1], roots[0]) is True:
        conclusion, close, back_open, back_intro = _statement(current), [f"exact {last_name}"], [], final
    else:
        k, factors = _factors(current, roots, var)
        conclusion = " ∨ ".join(f"{var} = {_lean(r)}" for r in roots)
        close = _roots_close(current, last_name, k, factors, var)
        back_open, back_intro = _roots_open(current, final, k, factors, var), "h"
    base = dict(uid=uid, theorem=theorem_name(uid), variables=var,
                hypotheses=tuple((f"h{n}", _lean(h)) for n, h in enumerate(hypotheses)),
                problem=_statement(problem), conclusion=conclusion, intro="e0",
                equations=(("e0", _statement(problem)),), haves=tuple(haves),
                close=tuple(close))
    missing = [h for h in reverses if not h.proof]
    if not missing:
        return EquationLean(**base, reverse_method="walk", back_intro=back_intro, back_open=tuple(back_open),
                            back=tuple(reversed(reverses)), back_close=("exact r0",))
    rules = ", ".join(sorted({h.rule for h in missing}))
    if len(roots) == 1 and rational_value(roots[0]) is not None and \
            not any(node.op in FUNCTIONS for _, node in problem.positions()):
        return EquationLean(**base, reverse_method="evaluate", back_intro="rfl", back_close=("norm_num",),
                            note=f"reverse by evaluation at the answer: {rules} has no pure inverse step")
    return EquationLean(**base, reverse_method="one-way",
                        note=f"one direction only: {rules} has no inverse step rendered")


def _check_variable(var: str) -> None:
    if not var.isidentifier() or var[0] in _RESERVED and var[1:].isdigit():
        raise _Refuse(f"variable name {var!r} clashes with the template's names")


# -- systems -----------------------------------------------------------------------------------------------------

def _system_step(number: int, rule: str, before: Expr, after: Expr, operand: str,
                 names: list[str]) -> tuple[int, str, str]:
    """(changed equation i, forward proof, reverse proof) of one system step; ``names`` are the current
    hypothesis names (forward); the reverse proof names the following equation ``r{number+1}``-style via
    placeholders ``{next}`` and ``{j}``."""
    changed = [i for i, (b, a) in enumerate(zip(before.args, after.args)) if b != a]
    if len(changed) != 1:
        raise _Refuse(f"step {number + 1}: a system step must change exactly one equation")
    i = changed[0]
    difference = sub(_difference(after.args[i]), _difference(before.args[i]))
    if rule in ("eliminate", "substitute"):  # substituting v = e from equation j adds -a·(v - e) to equation i
        for j, other in enumerate(before.args):
            if j == i:
                continue
            c = _multiple(difference, _difference(other))
            if c is not None and c != 0:
                return i, f"by linear_combination {names[i]} + {_number(c)} * {names[j]}", \
                    f"by linear_combination {{next}} - {_number(c)} * {{{j}}}"
        raise _Refuse(f"step {number + 1}: {rule} is not one equation plus a multiple of another")
    if rule == "divide_both_sides":
        value = rational_value(_parse(operand, "step operand"))
        if not value or not _confirmed(before.args[i], after.args[i], num(1 / value)):
            raise _Refuse(f"step {number + 1}: divide_both_sides is not a division by a non-zero number")
        return i, f"by linear_combination {names[i]} / {_number(value)}", \
            f"by linear_combination {_number(value)} * {{next}}"
    if rule in _SYSTEM_REWRITES:
        k = _multiple(_difference(after.args[i]), _difference(before.args[i]))
        if k:
            return i, f"by linear_combination {_scaled(k, names[i])}", f"by linear_combination {_scaled(1 / k, '{next}')}"
        raise _Refuse(f"step {number + 1}: {rule} is not a non-zero multiple of the equation it changes")
    raise _Refuse(f"step {number + 1}: system rule {rule!r} has no Lean rendering yet")


_SYSTEM_REWRITES = frozenset({"add_both_sides", "subtract_both_sides", "multiply_both_sides", "expand", "collect",
                              "simplify", "swap_sides"})
"""Rules that change one equation of a system into a constant multiple of its difference (lhs - rhs)."""


def _system(row: Mapping[str, Any], uid: str, problem: Expr, answer: Expr) -> EquationLean:
    size = len(problem.args)
    variables = [chr(ord("x") + n) for n in range(size)] if size <= 3 else []
    if not variables or problem.free_symbols() - set(variables) or any(e.op != "eq" for e in problem.args):
        raise _Refuse("a system must be 2 or 3 equations in x, y (, z)")
    if len(answer.args) != 1 or answer.args[0].op != "tuple" or len(answer.args[0].args) != size:
        raise _Refuse("a system answer must be one point")
    for e in problem.args:
        _no_variable_division(e.args[0], frozenset(variables))
        _no_variable_division(e.args[1], frozenset(variables))
    names = [f"p{n + 1}" for n in range(size)]
    current, haves, undo = problem, [], []
    for number, step in enumerate(row["steps"]):
        before, after = _parse(step["before"], "step before"), _parse(step["after"], "step after")
        if before != current or after.op != "tuple" or len(after.args) != size:
            raise _Refuse(f"step {number + 1}: 'before' is not the previous step's system")
        rule = str(step["rule"])
        i, forward, reverse = _system_step(number, rule, before, after, str(step.get("operand", "")), names)
        haves.append(EquationHave(number, rule, f"e{number + 1}", _statement(after.args[i]), forward))
        undo.append((number, rule, i, before.args[i], reverse))
        names = names[:i] + [f"e{number + 1}"] + names[i + 1:]
        current = after
    point = answer.args[0].args
    for var, equation, value in zip(variables, current.args, point):
        if equation.args[0] != sym(var) or any(equation.args[1].has(v) for v in variables) or equal(equation.args[1], value) \
                is not True:
            raise _Refuse("the last system is not `x = a, y = b (, z = c)` with the answer's values")
    back_names = [f"f{n + 1}" for n in range(size)]
    back = []
    for number, rule, i, before_i, reverse in reversed(undo):
        proof = reverse.replace("{next}", back_names[i])
        for j in range(size):
            proof = proof.replace(f"{{{j}}}", back_names[j])
        back.append(EquationHave(number, rule, f"r{number}", _statement(before_i), proof))
        back_names[i] = f"r{number}"
    return EquationLean(
        uid=uid, theorem=theorem_name(uid), variables=" ".join(variables), hypotheses=(),
        problem=" ∧ ".join(_statement(e) for e in problem.args),
        conclusion=" ∧ ".join(_statement(e) for e in current.args),
        intro=f"⟨{', '.join(f'p{n + 1}' for n in range(size))}⟩",
        equations=tuple((f"p{n + 1}", _statement(e)) for n, e in enumerate(problem.args)), haves=tuple(haves), close=(f"exact ⟨{', '.join(names)}⟩",), reverse_method="walk",
        back_intro=f"⟨{', '.join(f'f{n + 1}' for n in range(size))}⟩", back=tuple(back),
        back_close=(f"exact ⟨{', '.join(back_names)}⟩",))


def lean_equation(row: Mapping[str, Any]) -> EquationLean | NotRenderable:
    """The Lean rendering data of one equation row, or why it has none."""
    uid = str(row.get("uid", "?"))
    try:
        problem = _parse(row["problem"], "problem")
        answer = _parse(row["answer"], "answer")
        if answer.op != "set" or not answer.args:
            raise _Refuse("the answer is not a non-empty finite set")
        if not row["steps"]:
            raise _Refuse("no steps")
        if problem.op == "tuple":
            data = _system(row, uid, problem, answer)
        elif problem.op == "eq":
            data = _single(row, uid, problem, answer)
        else:
            raise _Refuse(f"problem is neither an equation nor a system ({problem.op})")
        lemma("linear_combination")
        return data
    except _Refuse as refusal:
        return NotRenderable(uid, str(refusal))
