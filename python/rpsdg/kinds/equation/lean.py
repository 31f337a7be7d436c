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
* ``square_both_sides`` (``√u = v`` to ``u = v²``), with the recorded ``hN : u >= 0``:
  ``linear_combination (√u + v) * eK - Real.sq_sqrt hN``. Either v is a number ≥ 0 (case a), or the step's
  operand records the sign condition ``v >= 0`` (case b), proved as its own side ``have cK`` from
  ``Real.sqrt_nonneg`` and the equation by ``linarith``;
* ``divide_both_sides`` by D with x in it (the extraneous root's factor): side ``have nK : D ≠ 0`` (a recorded
  ``d ≠ 0`` with D = c·d, or, D linear, ``by intro hz; linarith`` when a linear fact in force — hypothesis or
  sign condition — fails at D's zero, checked here exactly), then ``mul_left_cancel₀ nK (by linear_combination
  eK)``;
* ``take_odd_root`` (``P^n = k`` to ``P = m``, n odd): ``Iff.mp (Odd.pow_inj (by decide : Odd n))
  (by linear_combination eK : P ^ n = m ^ n)``;
* ``combine_logs`` (``log u + log v`` to ``log (u*v)``, recorded ``u > 0``, ``v > 0``): ``linear_combination
  eK ± Real.log_mul (ne_of_lt hU).symm (ne_of_lt hV).symm``; a following ``apply_exp`` on ``log (u*v)`` cites
  ``mul_pos hU hV``;
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
  with a positive numeral (``apply_exp`` as above); ``take_odd_root`` by ``linear_combination (Σ Pⁱmʲ) * r``,
  ``combine_logs`` by subtracting the ``Real.log_mul`` fact, a division by D by ``linear_combination (D) * r``;
  ``square_both_sides`` only under ``v ≥ 0``: ``(congrArg Real.sqrt (… : u = v ^ 2)).trans (Real.sqrt_sq c)``,
  c by ``norm_num`` (case a) or a side ``have cK : v ≥ 0`` from the answer in context by ``linarith`` (each root
  of a disjunction after ``rcases``; only rational roots). Several roots start with ``rcases`` on the
  disjunction: each root gives the factored equation by ``linear_combination (cofactor) * h``.
* ``evaluate``: an item with a step that has no pure inverse (``clear_denominators``) and a rational answer and no
  functions: ``rintro rfl`` then ``norm_num`` evaluates the problem at the answer (the hypotheses stay in
  context).
* ``one-way``: anything else renders ``P → x = a`` only; ``note`` says why.

Every ``linear_combination`` is confirmed before it is emitted as a ring identity in which each function
application and each non-numeral reciprocal is an opaque atom (exactly what ``ring1`` sees), so a step that needs
``√2² = 2`` or ``exp(8 - 3x) = exp(-3x + 8)`` is refused instead of emitted. Refusals are :class:`NotRenderable`
values with the reason. Still refused: exponentials with a variable exponent ``b^u`` (``write_as_power``,
``equate_exponents``): over ℝ that is ``Real.rpow``, whose statement must be typed ``(b : ℝ) ^ (u : ℝ)`` by the
printer and whose injectivity lemma is not yet confirmed at the pin. Side obligations (``cK``, ``nK``) are
``EquationHave.side``, emitted inside the step's block just before its ``have``. To add a rule: a branch in
``_step_proofs`` (forward and reverse proof, side haves) and its lemmas in ``lemma_table.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.canonical import CanonTooBig, canon, equal
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported, to_infix
from rpsdg.expr.rational import Fraction
from rpsdg.expr.tree import FUNCTIONS, Expr, div, mul, neg, num, pow_, rational_value, sub, sym
from rpsdg.lean.text import NotRenderable, theorem_name
from rpsdg.lean.proof import Proof, Statement, Tactic, predicted_states, premises_of
from rpsdg.lean.text import lean_text
from rpsdg.lean.lemma_table import lemma
from rpsdg.lean.identity import multiple, opaque_ring, rational_equal, ring_equal

_SAME_DIFFERENCE = frozenset({"add_both_sides", "subtract_both_sides", "expand", "collect", "factor", "simplify"})
_TERMWISE = frozenset({"add_both_sides", "subtract_both_sides", "swap_sides", "multiply_both_sides",
                       "divide_both_sides"})
"""Rules that act on whole sides, so ``ring1`` closes them with ``(d)⁻¹`` as an atom even when d has x."""
_RESERVED = ("e", "h", "r", "f", "p", "u", "z", "c", "n")
"""Prefixes of the template's local names (``e3``, ``r2``, ``f1`` …): a variable may not look like them."""


@dataclass(frozen=True)
class EquationHave:
    """One obligation ``have name : statement := proof`` for recorded step ``step`` (forward or reverse)."""

    step: int
    rule: str
    name: str
    statement: str
    proof: str
    side: tuple[tuple[str, str, str], ...] = ()
    """Side obligations ``(name, statement, proof)`` the main ``have`` cites (a sign condition ``c…``, a
    non-zero divisor ``n…``): emitted inside the step's block, just before it."""


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
    def dialect(self) -> str:
        """Lean over ℝ with Mathlib (the template ``real.lean.j2``)."""
        return "real"

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


_opaque = opaque_ring
_ring_equal = ring_equal
_multiple = multiple


def _confirmed(before: Expr, after: Expr, coefficient: Expr) -> bool:
    """after.L - after.R = coefficient · (before.L - before.R) as a ring identity."""
    return _ring_equal(_difference(after), mul(coefficient, _difference(before)))


def _confirmed_rational(before: Expr, after: Expr, coefficient: Expr) -> bool:
    """The identity of ``_confirmed`` as rational functions (SymPy ``cancel`` on our tree, never on stored text)."""
    return rational_equal(sub(after.args[0], after.args[1]), mul(coefficient, sub(before.args[0], before.args[1])),
                          functions_opaque=False)


def _no_variable_division(e: Expr, variables: frozenset[str]) -> None:
    for _, node in e.positions():
        if node.op == "div" and node.args[1].free_symbols() & variables:
            raise _Refuse("division by an expression in the variable (needs field_simp; not rendered)")


# -- one recorded step of a single equation ------------------------------------------------------------------------

@dataclass(frozen=True)
class _Proofs:
    forward: str
    reverse: str | None
    """Proof of ``before`` from ``after`` (named ``{next}``), or None when the step has no pure inverse."""
    forward_side: tuple[tuple[str, str, str], ...] = ()
    reverse_side: tuple[tuple[str, str, str], ...] = ()


@dataclass
class _Context:
    """What one equation's steps may cite: recorded hypotheses by kind, the sign conditions recorded by
    ``square_both_sides`` so far, and the answer (for conditions in the reverse direction)."""

    var: str
    positive: dict[Expr, str]
    """``u`` of each recorded ``u > 0`` → its hypothesis name."""
    nonneg: dict[Expr, str]
    """``u`` of each recorded ``u >= 0`` → its hypothesis name."""
    nonzero: dict[Expr, str]
    """``d`` of each recorded ``d ≠ 0`` → its hypothesis name."""
    signs: list[tuple[Expr, bool]]
    """Linear facts in force forward, ``(g, strict)`` for ``g > 0`` / ``g ≥ 0``: hypotheses and sign conditions."""
    roots: tuple[Expr, ...]
    single_root: bool


def _scaled(c: Fraction, name: str) -> str:
    """``linear_combination`` argument for c times the equation ``name``."""
    if c == 1:
        return name
    if c == -1:
        return f"(-1 : ℝ) * {name}"
    if c.denominator != 1 and c.numerator == 1:
        return f"{name} / {_number(c.denominator)}"
    return f"{_number(c)} * {name}"


def _step_proofs(number: int, rule: str, before: Expr, after: Expr, operand: str, context: _Context) -> _Proofs:
    var = context.var
    previous, following = f"e{number}", f"r{number + 1}"
    if rule == "apply_log":
        return _apply_log(number, before, after, previous, following)
    if rule == "apply_exp":
        return _apply_exp(number, before, after, previous, following, context.positive)
    if rule == "square_both_sides":
        return _square_both_sides(number, before, after, operand, context)
    if rule == "take_odd_root":
        return _take_odd_root(number, before, after, previous, following)
    if rule == "combine_logs":
        return _combine_logs(number, before, after, previous, following, context.positive)
    if rule == "divide_both_sides" and operand and _parse(operand, "step operand").has(var):
        return _divide_by_variable(number, before, after, _parse(operand, "step operand"), context)
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
    if u in positive:
        evidence = positive[u]
    elif u.op == "mul" and all(factor in positive for factor in u.args):  # log(u*v) after combine_logs
        evidence = f"({lemma('mul_pos')} {positive[u.args[0]]} {positive[u.args[1]]})"
    else:
        raise _Refuse(f"step {number + 1}: apply_exp without a recorded hypothesis u > 0 for its argument")
    unlog = f"({lemma('Real.exp_log')} {evidence}).{lemma('Eq.symm').split('.')[1]}"
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


def _linear(e: Expr, var: str) -> tuple[Fraction, Fraction] | None:
    """(α, β) with ``e = α·x + β`` for rational α, β (no other symbol, no function), else None."""
    if any(node.op in FUNCTIONS for _, node in e.positions()) or e.free_symbols() - {var}:
        return None
    try:
        terms = canon(e)
    except (CanonTooBig, ZeroDivisionError, ValueError):
        return None
    alpha = beta = Fraction(0)
    for monomial, coefficient in terms.items():
        if monomial == ():
            beta = Fraction(coefficient)
        elif monomial == ((var, 1, sym(var)),):
            alpha = Fraction(coefficient)
        else:
            return None
    return alpha, beta


def _value(e: Expr) -> Fraction | None:
    try:
        return rational_value(e)
    except (ZeroDivisionError, ValueError):
        return None


def _square_both_sides(number: int, before: Expr, after: Expr, operand: str, context: _Context) -> _Proofs:
    """``√u = v`` to ``u = v²`` (any ring-equal form), with the recorded hypothesis ``hN : u ≥ 0``:
    ``linear_combination (√u + v) * eK - Real.sq_sqrt hN`` (``(√u + v)(√u - v) - (√u² - u) = u - v²``).
    Undone only under ``v ≥ 0``: ``(congrArg Real.sqrt (… : u = v ^ 2)).trans (Real.sqrt_sq c)``, with c
    ``by norm_num`` for a constant v ≥ 0 (case a) or, for the recorded sign condition ``v >= 0`` (case b), a
    side ``have`` both ways: forward from ``√u ≥ 0`` (``Real.sqrt_nonneg``) and the equation by ``linarith``,
    reverse from the answer (``x = a``, each root of a disjunction) by ``linarith``."""
    where = f"step {number + 1}: square_both_sides"
    root, v = before.args
    if root.op != "sqrt":
        raise _Refuse(f"{where} not of the form sqrt(u) = v")
    u = root.args[0]
    if u not in context.nonneg:
        raise _Refuse(f"{where} without a recorded hypothesis u >= 0 for its radicand")
    sqrt_u = Expr("sqrt", (u,))
    target = sub(u, pow_(v, num(2)))
    if not _ring_equal(_difference(after), target) or not _ring_equal(
            target, sub(mul(Expr("add", (sqrt_u, v)), sub(sqrt_u, v)), sub(pow_(sqrt_u, num(2)), u))):
        raise _Refuse(f"{where}: the squared equation is not u = v² as a ring identity")
    forward = (f"by linear_combination ({_lean(Expr('add', (sqrt_u, v)))}) * e{number} - "
               f"{lemma('Real.sq_sqrt')} {context.nonneg[u]}")
    name = f"c{number + 1}"
    forward_side: tuple[tuple[str, str, str], ...] = ()
    reverse_side: tuple[tuple[str, str, str], ...] = ()
    if operand:
        condition = _parse(operand, "step operand")
        if condition.op != "ge" or rational_value(condition.args[1]) != 0 or \
                not _ring_equal(condition.args[0], v):
            raise _Refuse(f"{where}: the sign condition is not `v >= 0` for the squared side v")
        statement = _lean(condition)
        forward_side = ((name, statement, f"by linarith [{lemma('Real.sqrt_nonneg')} ({_lean(u)})]"),)
        line = _linear(v, context.var)
        if line is not None:
            context.signs.append((v, False))
        nonneg = name
        reverse_side = _reverse_condition(name, statement, v, context)
    else:
        c = _value(v)
        if c is None or c < 0:
            raise _Refuse(f"{where} of sqrt(u) = v without a recorded sign condition v >= 0 "
                          f"(v is not a non-negative number)")
        nonneg = f"(by norm_num : (0 : ℝ) ≤ {_lean(v)})"
    if after.args[0] == u and after.args[1] == pow_(v, num(2)):
        squared = f"r{number + 1}"
    else:
        squared = f"(by linear_combination r{number + 1} : {_lean(u)} = ({_lean(v)}) ^ 2)"
    reverse = (f"({lemma('congrArg')} Real.sqrt {squared}).{lemma('Eq.trans').split('.')[1]} "
               f"({lemma('Real.sqrt_sq')} {nonneg})") if reverse_side or not operand else None
    return _Proofs(forward, reverse, forward_side, reverse_side)


def _reverse_condition(name: str, statement: str, v: Expr, context: _Context) -> tuple[tuple[str, str, str], ...]:
    """The sign condition ``v ≥ 0`` from the answer in context (``x = a``, or the disjunction ``h``), by
    ``linarith``; only when v is linear and every root is a number where v ≥ 0 (else no reverse step)."""
    line = _linear(v, context.var)
    values = [_value(r) for r in context.roots]
    if line is None or any(a is None for a in values) or \
            any(line[0] * a + line[1] < 0 for a in values):  # type: ignore[operator]
        return ()
    if context.single_root:
        return ((name, statement, "by linarith"),)
    cases = " | ".join(["h"] * len(values))
    return ((name, statement, f"by rcases h with {cases} <;> linarith"),)


def _take_odd_root(number: int, before: Expr, after: Expr, previous: str, following: str) -> _Proofs:
    """``P ^ n = k`` (n odd) to ``P = m`` with ``m ^ n = k``: ``Iff.mp (Odd.pow_inj (by decide : Odd n))
    (by linear_combination eK : P ^ n = m ^ n)``; undone by ``linear_combination (Σ Pⁱ·mʲ) * r``."""
    where = f"step {number + 1}: take_odd_root"
    power, k = before.args
    if power.op != "pow" or power.args[1].op != "num" or after.args[0] != power.args[0]:
        raise _Refuse(f"{where} not of the form P^n = k to P = m")
    n = power.args[1].value
    if not isinstance(n, (int, Fraction)) or Fraction(n).denominator != 1 or int(n) < 3 or int(n) % 2 == 0:
        raise _Refuse(f"{where} with an exponent that is not an odd integer >= 3")
    n = int(n)
    base, m = power.args[0], after.args[1]
    if m.free_symbols() or k.free_symbols():
        raise _Refuse(f"{where} with a side that is not a constant")
    powered = sub(pow_(base, num(n)), pow_(m, num(n)))
    if not _ring_equal(powered, _difference(before)):
        raise _Refuse(f"{where}: m^n is not k as a ring identity")
    terms = [mul(pow_(base, num(n - 1 - i)) if n - 1 - i > 1 else base if n - 1 - i == 1 else num(1),
                 pow_(m, num(i)) if i > 1 else m if i == 1 else num(1)) for i in range(n)]
    cofactor = terms[0]
    for term in terms[1:]:
        cofactor = Expr("add", (cofactor, term))
    if not _ring_equal(_difference(before), mul(cofactor, _difference(after))):
        raise _Refuse(f"{where}: P^n - k is not a multiple of P - m")
    cofactor_text = " + ".join(
        " * ".join(part for part in (
            "" if n - 1 - i == 0 else f"({_lean(base)})" + (f" ^ {n - 1 - i}" if n - 1 - i > 1 else ""),
            "" if i == 0 else f"({_lean(m)})" + (f" ^ {i}" if i > 1 else "")) if part) for i in range(n))
    forward = (f"{lemma('Iff.mp')} ({lemma('Odd.pow_inj')} (by decide : {lemma('Odd')} {n})) "
               f"(by linear_combination {previous} : ({_lean(base)}) ^ {n} = ({_lean(m)}) ^ {n})")
    return _Proofs(forward, f"by linear_combination ({cofactor_text}) * {following}")


def _combine_logs(number: int, before: Expr, after: Expr, previous: str, following: str,
                  positive: Mapping[Expr, str]) -> _Proofs:
    """``log u + log v`` to ``log (u * v)`` with the recorded ``hU : u > 0``, ``hV : v > 0``:
    ``linear_combination eK ± Real.log_mul (ne_of_lt hU).symm (ne_of_lt hV).symm`` (``0 < u`` gives
    ``0 ≠ u``, turned round by ``Ne.symm``); undone by subtracting the same fact."""
    where = f"step {number + 1}: combine_logs"
    products = [node for _, node in after.positions() if node.op == "log" and node.args[0].op == "mul"
                and node not in [n for _, n in before.positions()]]
    if len(products) != 1:
        raise _Refuse(f"{where} without exactly one new log(u*v)")
    u, v = products[0].args[0].args
    if u not in positive or v not in positive:
        raise _Refuse(f"{where} without recorded hypotheses u > 0 and v > 0")
    fact = sub(products[0], Expr("add", (Expr("log", (u,)), Expr("log", (v,)))))
    change = sub(_difference(after), _difference(before))
    sign = "+" if _ring_equal(change, fact) else "-" if _ring_equal(change, neg(fact)) else None
    if sign is None:
        raise _Refuse(f"{where} is not log(u*v) = log u + log v as a ring identity")
    ne = lemma("Ne.symm").split(".")[1]
    term = (f"{lemma('Real.log_mul')} ({lemma('ne_of_lt')} {positive[u]}).{ne} "
            f"({lemma('ne_of_lt')} {positive[v]}).{ne}")
    undo = "-" if sign == "+" else "+"
    return _Proofs(f"by linear_combination {previous} {sign} {term}",
                   f"by linear_combination {following} {undo} {term}")


def _divide_by_variable(number: int, before: Expr, after: Expr, divisor: Expr, context: _Context) -> _Proofs:
    """Division by D with x in it: forward ``mul_left_cancel₀ nK (by linear_combination eK)`` (the goal
    ``D * L' = D * R'``), with a side ``have nK : D ≠ 0``: the recorded hypothesis ``d ≠ 0`` (D = c·d), or, for
    D linear, ``by intro hz; linarith`` where a linear fact in force (a hypothesis ``g > 0``/``g ≥ 0`` or a
    sign condition) fails at D's zero (checked here in exact arithmetic). Undone by ``linear_combination
    (D) * r``."""
    where = f"step {number + 1}: divide_both_sides by {to_infix(divisor)}"
    if not _ring_equal(_difference(before), mul(divisor, _difference(after))):
        raise _Refuse(f"{where} is not a ring identity our canonical form confirms")
    name = f"n{number + 1}"
    statement = f"{_lean(divisor)} ≠ 0"
    proof = None
    for d, hypothesis in context.nonzero.items():
        c = _multiple(divisor, d)
        if c is not None and c != 0:
            proof = hypothesis if c == 1 else \
                f"by intro hz; exact {hypothesis} (by linear_combination {_scaled(1 / c, 'hz')})"
            break
    line = _linear(divisor, context.var)
    if proof is None and line is not None and line[0] != 0:
        zero = -line[1] / line[0]
        for g, strict in context.signs:
            alpha, beta = _linear(g, context.var) or (Fraction(0), Fraction(1))
            value = alpha * zero + beta
            if value < 0 or (strict and value == 0):
                proof = "by intro hz; linarith"
                break
    if proof is None:
        raise _Refuse(f"{where}: no recorded hypothesis or sign condition shows the divisor is non-zero")
    forward = f"{lemma('mul_left_cancel₀')} {name} (by linear_combination e{number})"
    return _Proofs(forward, f"by linear_combination ({_lean(divisor)}) * r{number + 1}", ((name, statement, proof),))


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
    for _, node in problem.positions():
        if node.op == "pow" and node.args[1].has(var):
            raise _Refuse("b^u with the variable in the exponent is Real.rpow over ℝ (write_as_power/"
                          "equate_exponents): its typing and injectivity lemma are not confirmed; not rendered")
    hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]

    def recorded(op: str) -> dict[Expr, str]:
        return {h.args[0]: f"h{n}" for n, h in enumerate(hypotheses) if h.op == op and _value(h.args[1]) == 0}

    roots = answer.args
    context = _Context(var, recorded("gt"), recorded("ge"), recorded("ne"),
                       [(h.args[0], h.op == "gt") for h in hypotheses
                        if h.op in ("gt", "ge") and _value(h.args[1]) == 0 and _linear(h.args[0], var)],
                       roots, len(roots) == 1)
    current, haves, reverses = problem, [], []
    for number, step in enumerate(row["steps"]):
        before, after = _parse(step["before"], "step before"), _parse(step["after"], "step after")
        if before != current or after.op != "eq":
            raise _Refuse(f"step {number + 1}: 'before' is not the previous step's equation")
        rule = str(step["rule"])
        proofs = _step_proofs(number, rule, before, after, str(step.get("operand", "")), context)
        haves.append(EquationHave(number, rule, f"e{number + 1}", _statement(after), proofs.forward,
                                  proofs.forward_side))
        reverses.append(EquationHave(number, rule, f"r{number}", _statement(before), proofs.reverse or "",
                                     proofs.reverse_side if proofs.reverse else ()))
        current = after
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


def equation_proof(item: EquationLean, name: str) -> Proof:
    """The forward half (problem equations as hypotheses ⊢ solution), a step's side obligations (``cK``,
    ``nK``) as their own tactics just before it; the closing block (``exact``, or the
    ``rcases … mul_eq_zero`` split of several roots) is one tactic. The reverse half is in the Lake project."""
    hypotheses = [f"{h} : {text}" for h, text in item.hypotheses] + [f"{n} : {text}" for n, text in item.equations]
    tactics = [Tactic(f"have {name} : {statement} :=\n  {proof}", premises_of(proof), item.conclusion,
                      f"{name} : {statement}")
               for have in item.haves
               for name, statement, proof in (*have.side, (have.name, have.statement, have.proof))]
    close = "\n".join(item.close)
    tactics.append(Tactic(close, premises_of(close), item.conclusion))
    context = [f"{item.variables} : ℝ"] + hypotheses
    return Proof(Statement(name, (f"{item.variables} : ℝ", *hypotheses), item.conclusion), tuple(tactics),
                 predicted_states(context, tactics))
