"""The integral kind's rules, each named once: what it means, how replay checks it, how Lean proves it.

Every step of an integral record names one of these rules; ``check.py`` (replay), ``lean.py`` (one ``HasDerivAt``
lemma per rule) and ``templates/integral/step.j2`` (wording) must each know exactly these names
(``tests/test_kinds.py`` checks it). To add a rule: add a row here, then its replay, Lean term and wording.
"""

from __future__ import annotations

from rpsdg.core import RuleInfo

RULES: tuple[RuleInfo, ...] = (
    RuleInfo("rewrite", "rewrite the integrand algebraically",
             "the shown integrand equals the part's integrand (canonical form, else numerically)",
             "the part's HasDerivAt, restated (congr_deriv closes the algebra)"),
    RuleInfo("linearity_sum", "integrate a sum term by term",
             "F is the sum of the parts' antiderivatives and f the sum of their integrands",
             "HasDerivAt.fun_add"),
    RuleInfo("linearity_difference", "integrate a difference term by term",
             "F is the difference of the parts' antiderivatives and f the difference of their integrands",
             "HasDerivAt.fun_sub"),
    RuleInfo("linearity_negation", "pull out the minus sign",
             "F and f are the negations of the part's antiderivative and integrand", "HasDerivAt.fun_neg"),
    RuleInfo("linearity_constant", "pull out the constant factor",
             "F and f are the part's antiderivative and integrand times the same constant",
             "HasDerivAt.const_mul / mul_const / div_const"),
    RuleInfo("substitution", "substitute u for the inner function (the chain rule reversed)",
             "F = G(u) with G a table entry and f = G'(u)·u', u' from the part",
             "the table lemma's HasDerivAt composed with the part's (HasDerivAt.exp, .sin, .log, ...)"),
    RuleInfo("reverse_product", "recognise a product-rule derivative",
             "F = g·h and f = g'·h + g·h' with g', h' from the parts", "HasDerivAt.fun_mul"),
    RuleInfo("reverse_quotient", "recognise a quotient-rule derivative",
             "F = g/h and f = (g'·h - g·h')/h² with h ≠ 0 on the domain", "HasDerivAt.fun_div with h ≠ 0"),
    RuleInfo("power_rule", "use the power rule", "F = x**n (or x) and f = n·x**(n-1)",
             "hasDerivAt_pow / hasDerivAt_id"),
    RuleInfo("table", "use a standard integral", "F = g(x) for a table function g and f = g'(x)",
             "the table function's HasDerivAt lemma"),
    RuleInfo("simplify", "write the antiderivative in a simpler form",
             "same integrand as its part, and an antiderivative equal to the part's",
             "the part's HasDerivAt (congr_deriv closes the algebra)"),
    RuleInfo("split_sum", "split the integral of a sum into a sum of integrals",
             "F is F1 ± ... ± Fn of the parts in order, and f the same combination of their integrands",
             "not rendered: steps translated from SymPy's integrator (forward/parts items) have no Lean rendering"),
    RuleInfo("constant_rule", "integrate a constant", "no parts; f is a constant c and F = c·x",
             "not rendered: steps translated from SymPy's integrator (forward/parts items) have no Lean rendering"),
    RuleInfo("table_entry", "use a standard integral from the table",
             "no parts; f has at most 12 nodes and d/dx F = f",
             "not rendered: steps translated from SymPy's integrator (forward/parts items) have no Lean rendering"),
    RuleInfo("change_of_variable", "change the variable (let u be the inner function)",
             "F = H(u(x)) and f = h(u(x))·u'(x), where the part solves ∫ h(u) du = H(u)",
             "not rendered: steps translated from SymPy's integrator (forward/parts items) have no Lean rendering"),
    RuleInfo("parts", "integrate by parts",
             "∫ u v' dx = u v - ∫ v u' dx, part 1 solving ∫ v' dx = v and part 2 ∫ v u' dx",
             "not rendered: steps translated from SymPy's integrator (forward/parts items) have no Lean rendering"),
)
