"""Integrals made forwards (issue 16): a random integrand solved by SymPy's rule-based integrator, and
Lample & Charton's integration-by-parts items.

Backward-made data is skewed: long integrands with short antiderivatives. ``forward`` draws the integrand f with
the same tree sampler, asks ``sympy.integrals.manualintegrate.integral_steps`` for its rule tree (under a size
limit and a time limit) and translates the tree into our step records:

=======================  ===============================================================================
SymPy rule               our step (relation checked by ``check.py``'s replay)
=======================  ===============================================================================
AddRule                  ``split_sum``: ∫ Σ ±f_i = Σ ±F_i, one part per term
ConstantTimesRule        ``linearity_constant``: ∫ c g = c ∫ g
URule                    ``change_of_variable``: u = g(x), du = g'(x) dx, one part solving ∫ h(u) du
                         (stored with x naming u)
PartsRule                ``parts``: ∫ u dv = u v - ∫ v du, parts ∫ dv = v and ∫ v du
RewriteRule              ``rewrite``: the integrand rewritten (an identity), one part
(the combined answer)    ``simplify``: the antiderivative written shorter (an identity), one part
ConstantRule             ``constant_rule``: ∫ c dx = c x
any other atomic rule    ``table_entry`` (power, exp, trig, reciprocal, arctan ...): a small integrand whose
                         antiderivative's derivative is the integrand
AlternativeRule          the first alternative that translates
=======================  ===============================================================================

Any other rule (cyclic parts, piecewise, special functions, "don't know") drops the item as
``untranslatable:<RuleName>`` so the manifest counts it by name. SymPy results become our trees by walking the
SymPy tree (never via strings); SymPy only ever sees integrands we sampled, never stored or user text.

``by_parts``: draw F and G, let SymPy solve ∫ F' G; then ∫ F G' dx = F G - ∫ F' G dx, with ∫ G' dx = G solved by
the backward teacher (``solve.py``). Only items every checker passes enter the corpus (the pipeline checks them).

The time limit is a ``SIGALRM`` timer, which works in the main thread of any process (process-pool workers
included); elsewhere only the size limit applies. A timeout depends on the machine, so the size limit is set to
keep calls far under it; ``sympy_timeout`` drops are counted in the manifest.
"""

from __future__ import annotations

import random
from typing import Any

import sympy
from sympy.integrals import manualintegrate as mi

from rpsdg.core import Derivation, Dropped
from rpsdg.expr.evaluate import compile_expr
from rpsdg.expr.printers import to_prefix
from rpsdg.expr.sympy_bridge import to_sympy
from rpsdg.expr.tree import FUNCTIONS, Expr, add, func, mul, num, sub, sym
from rpsdg.kinds.integral.solve import IntegralStep, domain_hypotheses, human, hypotheses_of, teacher_steps
from rpsdg.limits import OutOfTime, time_limit
from rpsdg.maths.calculus import NotDifferentiable, derivative, derive
from rpsdg.maths.numeric import PointSpec, sample_points

TABLE_ENTRY_SIZE = 12
"""Largest atomic-rule integrand (nodes) kept as a table entry (the checker's bound)."""

_FUNCTION_NAMES = {name: name for name in FUNCTIONS}


def ours(value: sympy.Basic, var: sympy.Symbol, name: str = "x") -> Expr:
    """Our tree for a SymPy expression, with ``var`` renamed ``name``; ``Dropped('unconvertible')`` otherwise."""
    if value == var:
        return sym(name)
    if value.is_Integer:
        return num(int(value))
    if value.is_Rational:
        from rpsdg.expr.rational import Fraction

        return num(Fraction(int(value.p), int(value.q)))
    if value is sympy.E:
        return func("exp", num(1))
    if value.is_Add or value.is_Mul:
        args = [ours(a, var, name) for a in value.args]
        result = args[0]
        for arg in args[1:]:
            result = Expr("add" if value.is_Add else "mul", (result, arg))
        return result
    if value.is_Pow and value.exp == sympy.Rational(1, 2):
        return func("sqrt", ours(value.base, var, name))
    if value.is_Pow:
        return Expr("pow", (ours(value.base, var, name), ours(value.exp, var, name)))
    kind = type(value).__name__
    if kind in _FUNCTION_NAMES and len(value.args) == 1:
        return Expr(kind, (ours(value.args[0], var, name),))
    raise Dropped("unconvertible", kind)


class _Translator:
    """Our steps for one SymPy rule tree, root first (every step's parts come after it)."""

    def __init__(self, term_limit: int):
        self.steps: list[IntegralStep | None] = []
        self.term_limit = term_limit

    def integrand(self, rule: Any, var: sympy.Symbol) -> Expr:
        return human(ours(rule.integrand, var), self.term_limit)

    def add(self, rule: Any, var: sympy.Symbol, integrand: Expr | None = None) -> int:
        """Translate ``rule`` (integration variable ``var``); returns its step's index."""
        if isinstance(rule, mi.AlternativeRule):
            for alternative in rule.alternatives:
                mark = len(self.steps)
                try:
                    return self.add(alternative, var, integrand)
                except Dropped:
                    del self.steps[mark:]
            raise Dropped("untranslatable:AlternativeRule")
        index = len(self.steps)
        self.steps.append(None)
        shown = integrand if integrand is not None else self.integrand(rule, var)
        self.steps[index] = self.step(rule, var, shown)
        return index

    def step(self, rule: Any, var: sympy.Symbol, shown: Expr) -> IntegralStep:
        x = sym("x")
        if isinstance(rule, mi.AddRule):
            parts = [self.add(s, var) for s in rule.substeps]
            total = self.answer(parts[0])
            for part in parts[1:]:
                total = add(total, self.answer(part))
            return IntegralStep("split_sum", shown, total, tuple(parts))
        if isinstance(rule, mi.ConstantTimesRule):
            c = ours(rule.constant, var)
            part = self.add(rule.substep, var)
            return IntegralStep("linearity_constant", shown, mul(c, self.answer(part)), (part,), factor=c)
        if isinstance(rule, mi.URule):
            u = ours(rule.u_func, var)
            part = self.add(rule.substep, rule.u_var)
            return IntegralStep("change_of_variable", shown, _at(self.answer(part), u), (part,), substitution=u,
                                du=self.du(u))
        if isinstance(rule, mi.PartsRule):
            if rule.second_step is None:
                raise Dropped("untranslatable:CyclicPartsRule")
            u = ours(rule.u, var)
            v = self.add(rule.v_step, var)
            rest = self.add(rule.second_step, var)
            return IntegralStep("parts", shown, sub(mul(u, self.answer(v)), self.answer(rest)), (v, rest),
                                substitution=u, du=self.du(u))
        if isinstance(rule, mi.RewriteRule):
            part = self.add(rule.substep, var)
            return IntegralStep("rewrite", shown, self.answer(part), (part,))
        if isinstance(rule, mi.ConstantRule):
            c = ours(rule.integrand, var)
            return IntegralStep("constant_rule", shown, mul(c, x))
        if isinstance(rule, mi.AtomicRule) and not isinstance(rule, mi.DontKnowRule):
            if shown.size() > TABLE_ENTRY_SIZE:
                raise Dropped("table_entry_too_big")
            return IntegralStep("table_entry", shown, human(ours(rule.eval(), var), self.term_limit))
        raise Dropped(f"untranslatable:{type(rule).__name__}")

    def answer(self, index: int) -> Expr:
        step = self.steps[index]
        if step is None:  # parts are filled before their parent reads them
            raise Dropped("internal_order")
        return step.antiderivative

    def du(self, u: Expr) -> Expr:
        try:
            return human(derivative(u, "x"), self.term_limit)
        except NotDifferentiable:
            raise Dropped("not_differentiable") from None


def _at(e: Expr, u: Expr) -> Expr:
    if e.op == "sym" and e.value == "x":
        return u
    if not e.args:
        return e
    return Expr(e.op, tuple(_at(a, u) for a in e.args), e.value)


def solve_steps(f: Expr, shown: Expr, config: Any) -> list[IntegralStep]:
    """SymPy's solution of ∫ f dx as our steps (root integrand ``shown``); raises ``Dropped`` otherwise."""
    if len(to_prefix(f)) > config.sympy_max_tokens:
        raise Dropped("sympy_too_big")
    x = sympy.Symbol("x", real=True)
    _fresh_manualintegrate()
    try:
        with time_limit(config.sympy_seconds) as limit:
            try:
                rule = mi.integral_steps(to_sympy(f), x)
            except OutOfTime as error:
                if not limit.fired(error):
                    raise
                raise Dropped("sympy_timeout") from None
    except (RecursionError, ValueError, TypeError, NotImplementedError, AttributeError):
        raise Dropped("sympy_failed") from None
    if rule.contains_dont_know():
        raise Dropped("sympy_cannot")
    translator = _Translator(config.term_limit)
    translator.add(rule, x, shown)
    return [s for s in translator.steps if s is not None]


def _fresh_manualintegrate() -> None:
    """Put SymPy's integrator back in the state of a fresh process before each call.

    ``integral_steps`` keeps two module-level tables: ``_parts_u_cache`` counts by-parts attempts per ``u`` and
    refuses a ``u`` tried three times (only ``manualintegrate()`` clears it, not ``integral_steps``), and
    ``_integral_cache`` marks integrands in progress (an entry is left behind when our time limit interrupts a call).
    Left alone, both carry over from one item to the next, so an item's steps would depend on which items the same
    process made before it (and so on the executor and the chunking), not on (config, seed, index) alone.
    """
    mi._parts_u_cache.clear()
    mi._integral_cache.clear()


def _simplified_answer(steps: list[IntegralStep], term_limit: int) -> list[IntegralStep]:
    """A ``simplify`` step on top where the combined antiderivative has a shorter simplified form (SymPy's
    pieces combine into ``2*(1/2*x**2)``; a teacher writes ``x**2``)."""
    root = steps[0]
    try:
        short = human(root.antiderivative, term_limit)
    except Dropped:
        return steps
    if short == root.antiderivative or len(to_prefix(short)) >= len(to_prefix(root.antiderivative)):
        return steps
    moved = [IntegralStep(s.rule, s.integrand, s.antiderivative, tuple(p + 1 for p in s.parts), s.substitution,
                          s.factor, s.du) for s in steps]
    return [IntegralStep("simplify", root.integrand, short, (1,))] + moved


def _finish(config: Any, level: int, rng: random.Random, f: Expr, F: Expr,
            steps: list[IntegralStep]) -> Derivation:
    steps = _simplified_answer(steps, config.term_limit)
    F = steps[0].antiderivative
    hypotheses = domain_hypotheses([f, F] + [e for step in steps for e in (step.integrand, step.antiderivative)],
                                   hypotheses_of(add(F, f), config.variable))
    compiled = [compile_expr(F), compile_expr(f)]
    if len(sample_points(rng, [config.variable], hypotheses, compiled, PointSpec(count=4, tries=60))) < 4:
        raise Dropped("empty_domain")
    return Derivation("integral", level, f, F, hypotheses, tuple(steps))


def forward(config: Any, level: int, rng: random.Random) -> Derivation:
    """A random integrand f (the backward sampler's tree) with SymPy's solution translated into our steps."""
    from rpsdg.kinds.integral.sample import sample_function

    f = human(sample_function(config, level, rng), config.term_limit)
    if not f.has(config.variable):
        raise Dropped("constant")
    steps = solve_steps(f, f, config)
    return _finish(config, level, rng, f, steps[0].antiderivative, steps)


def by_parts(config: Any, level: int, rng: random.Random) -> Derivation:
    """Lample & Charton's by-parts item: ∫ F G' dx = F G - ∫ F' G dx, where SymPy solves ∫ F' G dx."""
    from rpsdg.kinds.integral.sample import sample_function

    F = sample_function(config, max(1, level - 1), rng)
    G = sample_function(config, max(1, level - 1), rng)
    try:
        dF, G_node = derivative(F, "x"), derive(G, "x")
    except NotDifferentiable:
        raise Dropped("not_differentiable") from None
    dG = human(G_node.derivative, config.term_limit)
    problem = human(mul(F, G_node.derivative), config.term_limit)
    rest = human(mul(G, dF), config.term_limit)
    if problem.op == "num" or rest.op == "num" or dG.op == "num":
        raise Dropped("degenerate")
    if len(to_prefix(problem)) > config.max_integrand_tokens:
        raise Dropped("over_long")
    v_steps = teacher_steps(G_node, dG, config.variable, config.term_limit)
    w_steps = solve_steps(rest, rest, config)
    offset_v, offset_w = 1, 1 + len(v_steps)

    def shifted(step: IntegralStep, offset: int) -> IntegralStep:
        return IntegralStep(step.rule, step.integrand, step.antiderivative,
                            tuple(p + offset for p in step.parts), step.substitution, step.factor, step.du)

    answer = sub(mul(F, G), w_steps[0].antiderivative)
    root = IntegralStep("parts", problem, answer, (offset_v, offset_w), substitution=F,
                        du=human(dF, config.term_limit))
    steps = [root] + [shifted(s, offset_v) for s in v_steps] + [shifted(s, offset_w) for s in w_steps]
    return _finish(config, level, rng, problem, answer, steps)
