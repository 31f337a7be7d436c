"""An equation record as a Lean 4 (Mathlib) proof that every solution is the recorded answer, step by step.

Record format (``generators/equation.py``): ``problem`` ``Eq(L, R)``, ``answer`` ``FiniteSet(a)``, hypotheses
(excluded values), steps ``{rule, before, after, operand}``. The theorem states the problem as hypothesis ``e0``
and concludes ``x = a``; recorded step K becomes one obligation ``have e{K+1} : after := proof from e{K}``:

* ``add/subtract_both_sides``, ``expand``, ``collect``, ``factor``, ``simplify``: ``linear_combination eK``;
* ``swap_sides``: ``linear_combination (-1 : ℝ) * eK``; ``multiply_both_sides`` by c: ``(c) * eK``;
  ``divide_both_sides`` by c: ``eK / (c)``;
* ``apply_log`` (``exp u = c`` to ``u = log c``): ``(Real.log_exp (u)).symm.trans (congrArg Real.log eK)``;
* ``clear_denominators`` by M: ``linear_combination (norm := skip) (M) * eK`` then ``field_simp`` (the excluded
  values are hypotheses ``d ≠ 0`` in context) and ``ring1``; confirmed first with SymPy ``cancel`` on our tree.

Before emitting a ``linear_combination`` step the renderer confirms with our canonical form that
after.L - after.R = coefficient · (before.L - before.R) (a polynomial identity in atoms, so ``ring1`` closes it);
an unconfirmed step, division by a non-constant outside whole-side rules, rpow, systems, several roots and the
other rules (``apply_exp``, ``combine_logs``, ``equate_exponents``, ``write_as_power``, ``quadratic_formula``) are
reported as
:class:`NotRenderable` with the reason. To add a rule: a branch in ``_step_proof`` and its lemma in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ParseError
from ..expr.canonical import equal
from ..expr.parse import parse
from ..expr.printers import LeanUnsupported
from ..expr.tree import Expr, div, mul, num, sub
from .integral import NotRenderable, theorem_name
from .leantext import lean_text
from .lemma_table import lemma

_SAME_DIFFERENCE = frozenset({"add_both_sides", "subtract_both_sides", "expand", "collect", "factor", "simplify"})
_TERMWISE = frozenset({"add_both_sides", "subtract_both_sides", "swap_sides", "multiply_both_sides",
                       "divide_both_sides"})
"""Rules that act on whole sides, so ``ring1`` closes them with ``(d)⁻¹`` as an atom even when d has x."""


@dataclass(frozen=True)
class EquationHave:
    step: int
    rule: str
    name: str
    statement: str
    proof: str


@dataclass(frozen=True)
class EquationLean:
    uid: str
    theorem: str
    var: str
    hypotheses: tuple[tuple[str, str], ...]
    problem: str
    conclusion: str
    haves: tuple[EquationHave, ...]
    final: str

    @property
    def step_count(self) -> int:
        return len(self.haves)


class _Refuse(Exception):
    pass


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


def _no_variable_division(e: Expr, var: str) -> None:
    for _, node in e.positions():
        if node.op == "div" and node.args[1].has(var):
            raise _Refuse("division by an expression in the variable (needs field_simp; not rendered)")


def _confirmed(before: Expr, after: Expr, coefficient: Expr) -> bool:
    left = sub(after.args[0], after.args[1])
    right = mul(coefficient, sub(before.args[0], before.args[1]))
    return equal(left, right) is True


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


def _step_proof(number: int, rule: str, before: Expr, after: Expr, operand: str, var: str) -> str:
    previous = f"e{number}"
    if rule == "apply_log":
        if before.args[0].op != "exp" or after.args[0] != before.args[0].args[0] or \
                after.args[1] != Expr("log", (before.args[1],)):
            raise _Refuse(f"step {number + 1}: apply_log not of the form exp u = c to u = log c")
        return (f"({lemma('Real.log_exp')} ({_lean(after.args[0])})).{lemma('Eq.symm').split('.')[1]}"
                f".{lemma('Eq.trans').split('.')[1]} ({lemma('congrArg')} Real.log {previous})")
    if rule == "clear_denominators":
        return _clear_denominators(number, before, after, operand, var)
    if rule not in _TERMWISE:
        for side in (*before.args, *after.args):
            _no_variable_division(side, var)
    if rule in _SAME_DIFFERENCE:
        coefficient, text = num(1), previous
    elif rule == "swap_sides":
        coefficient, text = num(-1), f"(-1 : ℝ) * {previous}"
    elif rule in ("multiply_both_sides", "divide_both_sides"):
        c = _parse(operand, "step operand")
        if c.has(var):
            raise _Refuse(f"step {number + 1}: {rule} by an expression in the variable")
        if rule == "multiply_both_sides":
            coefficient, text = c, f"({_lean(c)}) * {previous}"
        else:
            coefficient, text = div(num(1), c), f"{previous} / ({_lean(c)})"
    else:
        raise _Refuse(f"step {number + 1}: rule {rule!r} has no Lean rendering yet")
    if not _confirmed(before, after, coefficient):
        raise _Refuse(f"step {number + 1}: {rule} is not a ring identity our canonical form confirms")
    return f"by linear_combination {text}"


def _clear_denominators(number: int, before: Expr, after: Expr, operand: str, var: str) -> str:
    """``A/B = C/D`` times the recorded operand M: ``linear_combination (norm := skip) (M) * eK`` leaves a goal
    that holds once denominators cancel, closed by ``field_simp`` (it cites the ``≠ 0`` hypotheses in context)
    and ``ring1``."""
    m = _parse(operand, "step operand")
    if not _confirmed_rational(before, after, m):
        raise _Refuse(f"step {number + 1}: clear_denominators is not an identity our canonical form confirms")
    return (f"by linear_combination (norm := skip) ({_lean(m)}) * e{number}; "
            f"first | (field_simp; done) | (field_simp; ring1)")


def lean_equation(row: Mapping[str, Any]) -> EquationLean | NotRenderable:
    """The Lean rendering data of one equation row, or why it has none."""
    uid = str(row.get("uid", "?"))
    try:
        problem = _parse(row["problem"], "problem")
        if problem.op != "eq":
            raise _Refuse("systems of equations are not rendered yet")
        answer = _parse(row["answer"], "answer")
        if answer.op != "set" or len(answer.args) != 1:
            raise _Refuse("only a single solution is rendered (several roots need a disjunction)")
        names = problem.free_symbols()
        if len(names) != 1:
            raise _Refuse(f"expected one variable, found {sorted(names) or 'none'}")
        var = next(iter(names))
        if not var.isidentifier() or var[0] in "eh" and var[1:].isdigit():
            raise _Refuse(f"variable name {var!r} clashes with the template's names")
        hypotheses = [_parse(h, "hypothesis") for h in row["hypotheses"]]
        if not row["steps"]:
            raise _Refuse("no steps")
        current, haves = problem, []
        for number, step in enumerate(row["steps"]):
            before, after = _parse(step["before"], "step before"), _parse(step["after"], "step after")
            if before != current or after.op != "eq":
                raise _Refuse(f"step {number + 1}: 'before' is not the previous step's equation")
            proof = _step_proof(number, str(step["rule"]), before, after, str(step.get("operand", "")), var)
            haves.append(EquationHave(number, str(step["rule"]), f"e{number + 1}",
                                      f"{_lean(after.args[0])} = {_lean(after.args[1])}", proof))
            current = after
        if current.args[0].op != "sym" or current.args[0].value != var or current.args[1].has(var) or \
                equal(current.args[1], answer.args[0]) is not True:
            raise _Refuse("the last step is not `variable = answer`")
        lemma("linear_combination") if any("linear_combination" in h.proof for h in haves) else None
        return EquationLean(uid, theorem_name(uid), var,
                            tuple((f"h{n}", _lean(h)) for n, h in enumerate(hypotheses)),
                            f"{_lean(problem.args[0])} = {_lean(problem.args[1])}",
                            f"{var} = {_lean(current.args[1])}", tuple(haves), f"e{len(haves)}")
    except _Refuse as refusal:
        return NotRenderable(uid, str(refusal))
