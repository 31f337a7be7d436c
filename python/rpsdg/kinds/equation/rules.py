"""The equation kind's rules, each named once: what it means, how replay checks it, how Lean proves it.

Every step of an equation record names one of these rules; ``check.py`` (replay), ``lean.py`` and
``templates/equation/step.j2`` (wording) must each know exactly these names (``tests/test_kinds.py`` checks it).
To add a rule: add a row here, then its replay semantics in ``check.py``, its Lean step and its wording.
"""

from __future__ import annotations

from rpsdg.core import RuleInfo

_SAME_SOLUTIONS = "after has the same solutions as before on the domain (canonical form)"

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("add_both_sides", "add the same term to both sides", "after = before + operand on each side",
             "linear_combination"),
    RuleInfo("subtract_both_sides", "subtract the same term from both sides",
             "after = before - operand on each side", "linear_combination"),
    RuleInfo("multiply_both_sides", "multiply both sides by a non-zero factor",
             "after = before times the operand, which cannot vanish on the domain", "linear_combination"),
    RuleInfo("divide_both_sides", "divide both sides by a non-zero factor",
             "after = before divided by the operand, which cannot vanish on the domain",
             "linear_combination (mul_left_cancel₀ for a factor in x)"),
    RuleInfo("clear_denominators", "multiply through by the common denominator",
             "after = before times the operand, non-zero on the domain", "linear_combination, then field_simp"),
    RuleInfo("swap_sides", "exchange the two sides", "after is before with the sides exchanged", "Eq.symm"),
    RuleInfo("expand", "multiply out the products", _SAME_SOLUTIONS, "linear_combination"),
    RuleInfo("collect", "collect like terms", _SAME_SOLUTIONS, "linear_combination"),
    RuleInfo("factor", "factor the polynomial", _SAME_SOLUTIONS,
             "linear_combination; roots split with mul_eq_zero"),
    RuleInfo("simplify", "simplify both sides", _SAME_SOLUTIONS, "linear_combination"),
    RuleInfo("write_as_power", "write both sides as powers of one base", _SAME_SOLUTIONS,
             "not rendered: exponents in the variable are Real.rpow (no injectivity lemma pinned)"),
    RuleInfo("equate_exponents", "equate the exponents of equal bases",
             "equal positive bases other than 1 on both sides, after equates the exponents",
             "not rendered: exponents in the variable are Real.rpow (no injectivity lemma pinned)"),
    RuleInfo("apply_log", "take the natural logarithm of both sides", "both sides positive on the domain",
             "Real.log_exp / congrArg Real.log"),
    RuleInfo("apply_exp", "exponentiate both sides (undo the logarithm)", "the log arguments are positive",
             "Real.exp_log with the recorded positivity"),
    RuleInfo("combine_logs", "combine the logarithms into one", "log u + log v = log(u·v) with u, v > 0",
             "Real.log_mul with the recorded positivity"),
    RuleInfo("quadratic_formula", "apply the quadratic formula",
             "before is a quadratic = 0 and the operand is its discriminant", "Real.sq_sqrt"),
    RuleInfo("square_both_sides", "square both sides",
             "both sides non-negative on the domain, or the recorded sign condition v >= 0 follows",
             "Real.sq_sqrt / Real.sqrt_sq with the sign condition as its own have"),
    RuleInfo("take_odd_root", "take the odd root of both sides", "u**n = c**n with n odd gives u = c",
             "Odd.pow_inj"),
    RuleInfo("eliminate", "eliminate a variable by adding a multiple of another equation",
             "exactly one equation changes, by a non-zero multiple of another", "linear_combination eI + c * eJ"),
    RuleInfo("substitute", "substitute a solved variable into another equation",
             "the operand var = expr is another equation; the changed equation is the substitution",
             "linear_combination eI + c * eJ"),
)
