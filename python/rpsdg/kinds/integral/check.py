"""Checkers for integral records, run on the stored text alone (the generator's objects are never trusted).

* ``replay``: every step's named rule relates it to its parts as the rule says (linearity, substitution,
  reversed product/quotient, power rule, table), the steps form one tree rooted at the problem and the answer.
  Domain (issue 11): the hypotheses must imply the natural domain of the problem, the answer and every step's
  integrand and antiderivative (``rpsdg.maths.domain``); a record with a deleted hypothesis is rejected. The
  problem must depend on x (a constant integrand is degenerate). Each rule's step must have its rule's shape
  (``linearity_constant`` a constant factor, ``reverse_product`` a product of two parts with x, ...).
* ``numeric``: d/dx of every step's antiderivative (a finite difference, independent of our rules) matches its
  integrand at random points that satisfy the hypotheses; likewise for the whole answer.
* ``symbolic``: our derivative of every antiderivative has the integrand's canonical form; SymPy, under a time
  limit, decides what the canonical form cannot. Undecided is ``NotRun`` (the record is then numeric-only).

Steps form a DAG rooted at step 0: a sub-integral solved once may be cited by several steps (each cited step comes
later in the stored order). To add an integration rule: add its relation to ``_REPLAY`` and its name to the
generator's rule list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from rpsdg import __version__
from rpsdg.maths.calculus import NotDifferentiable, derivative, outer_derivative
from rpsdg.core import NotRun, Passed, Rejected, Verdict
from rpsdg.errors import ParseError
from rpsdg.expr.evaluate import compile_expr, remembering
from rpsdg.expr.parse import parse
from rpsdg.expr.tree import ARITHMETIC_OPS, FUNCTIONS, Expr, add, div, foreign_node, mul, neg, num, pow_, sub, sym
from rpsdg.maths.domain import facts_of, first_undefined
from rpsdg.maths.numeric import PointSpec, derivative_agreement, sample_points, value_agreement
from rpsdg.expr.canonical import Canonicalizer
from rpsdg.maths.symbolic import SYMPY_VERSION, canonical_equal, equal

VERSION = f"rpsdg-{__version__}"
NAMES = ("replay", "numeric", "symbolic")
VAR = "x"
POINTS = PointSpec(count=6, quorum=5, tries=300)
SYMPY_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class ParsedStep:
    rule: str
    integrand: Expr
    antiderivative: Expr
    parts: tuple[int, ...]
    substitution: Expr | None
    factor: Expr | None
    du: Expr | None = None


@dataclass(frozen=True)
class ParsedIntegral:
    """An integral record re-read from its stored strings."""

    uid: str
    problem: Expr
    answer: Expr
    hypotheses: tuple[Expr, ...]
    steps: tuple[ParsedStep, ...]


def parse_row(row: Mapping[str, Any]) -> ParsedIntegral:
    """Re-read a stored row with our grammar; raises :class:`ParseError` naming the field."""
    uid = str(row.get("uid", "?"))
    seen: dict[str, Expr] = {}  # a text stored twice (the problem is step 0's integrand) is parsed once

    def read(text: Any, what: str) -> Expr:
        if isinstance(text, str) and text in seen:
            return seen[text]
        e = _arithmetic_in_x(parse(text, f"{what} of record {uid[:12]}"), f"{what} of record {uid[:12]}")
        if isinstance(text, str):
            seen[text] = e
        return e

    def optional(text: Any, what: str) -> Expr | None:
        return read(text, what) if text else None

    steps = []
    for index, step in enumerate(row["steps"]):
        where = f"step {index}"
        steps.append(ParsedStep(str(step["rule"]), read(step["integrand"], f"{where} integrand"),
                                read(step["antiderivative"], f"{where} antiderivative"),
                                tuple(int(p) for p in step["parts"]),
                                optional(step.get("substitution"), f"{where} substitution"),
                                optional(step.get("factor"), f"{where} factor"),
                                optional(step.get("du"), f"{where} du")))
    return ParsedIntegral(uid, read(row["problem"], "problem"), read(row["answer"], "answer"),
                          tuple(_condition(parse(h, "hypothesis"), uid) for h in row["hypotheses"]), tuple(steps))


def _arithmetic_in_x(e: Expr, what: str) -> Expr:
    """``e`` if it is an arithmetic expression in x alone (no relations, sets or other variables)."""
    node = foreign_node(e, ARITHMETIC_OPS, (VAR,))
    if node is not None and node.op == "sym":
        raise ParseError(f"{what}: variable {node.value!r}; an integral record's only variable is {VAR}")
    if node is not None:
        raise ParseError(f"{what}: {node.op} is not allowed here; an integral record holds expressions in x")
    return e


def _condition(e: Expr, uid: str) -> Expr:
    what = f"hypothesis of record {uid[:12]}"
    if e.op not in ("eq", "ne", "lt", "le", "gt", "ge"):
        raise ParseError(f"{what}: expected a relation such as x > 0 or Ne(x, 0)")
    for side in e.args:
        _arithmetic_in_x(side, what)
    return e


# -- replay ------------------------------------------------------------------------------------------------------

@dataclass
class _Context:
    """What one record's check shares across its steps: its sample points and a canonical-form memo."""

    points: list[dict[str, float]]
    canon: Canonicalizer = field(default_factory=Canonicalizer)
    compiled: dict = field(default_factory=dict)
    """Compiled closures of the record's subtrees (antiderivatives nest inside each other)."""
    derivations: dict = field(default_factory=dict)
    """d/dx of the record's subtrees by our rules (:func:`rpsdg.maths.calculus.derive`'s memo): a step's
    antiderivative is part of its parent's, and the answer is the first step's antiderivative."""


def _same(a: Expr, b: Expr, ctx: _Context) -> bool:
    """Equal by canonical form; where that form is incomplete (past polynomials) or too big, by values."""
    verdict = canonical_equal(a, b, ctx.canon)
    if verdict:
        return True
    if verdict is False and not _beyond_polynomials(a, b):
        return False
    points = ctx.points
    return len(points) >= POINTS.quorum and value_agreement(a, b, points, ctx.compiled) >= POINTS.quorum


def _beyond_polynomials(a: Expr, b: Expr) -> bool:
    return any(node.op in FUNCTIONS or node.op == "div" or (node.op == "pow" and node.args[1].op != "num")
               or (node.op == "pow" and node.args[1].value < 0)  # type: ignore[operator]
               for tree in (a, b) for _, node in tree.positions())


def _is_constant(e: Expr) -> bool:
    return not e.has(VAR)


def _same_up_to_offset(operand: Expr, part: Expr) -> bool:
    """``operand`` is ``part``, or ``part ± c`` / ``c + part`` with a constant c (same derivative: a teacher
    takes g = x + 2 in a product rule without integrating 1 to x + 2)."""
    while operand != part:
        if operand.op in ("add", "sub") and _is_constant(operand.args[1]):
            operand = operand.args[0]
        elif operand.op == "add" and _is_constant(operand.args[0]):
            operand = operand.args[1]
        else:
            return False
    return True


def _operands(A: Expr, parts: Sequence[ParsedStep]) -> list[tuple[Expr, Expr]] | str:
    """(antiderivative, integrand) of each operand of A: the next part for an operand with x, (c, 0) for a
    constant operand (constants need no step)."""
    remaining = list(parts)
    operands = []
    for side, child in enumerate(A.args):
        if _is_constant(child):
            operands.append((child, num(0)))
            continue
        if not remaining or not _same_up_to_offset(child, remaining[0].antiderivative):
            return f"operand {side + 1} of the antiderivative is not the next part's antiderivative"
        part = remaining.pop(0)
        operands.append((child, part.integrand))
    if remaining:
        return "more parts than operands with x"
    return operands


def _replay_linear(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A = step.antiderivative
    expected_op = "add" if step.rule == "linearity_sum" else "sub"
    if A.op != expected_op or not any(child.has(VAR) for child in A.args):
        return f"antiderivative is not a {'sum' if expected_op == 'add' else 'difference'}"
    operands = _operands(A, parts)
    if isinstance(operands, str):
        return operands
    (_, da), (_, db) = operands
    if not _same(step.integrand, Expr(expected_op, (da, db)), ctx):
        return "integrand is not the sum (or difference) of the parts' integrands"
    return None


def _replay_negation(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A = step.antiderivative
    if A.op != "neg" or len(parts) != 1 or not _same_up_to_offset(A.args[0], parts[0].antiderivative):
        return "antiderivative is not the negated part"
    return None if _same(step.integrand, neg(parts[0].integrand), ctx) else "integrand is not -(part)"


def _replay_constant(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A, c = step.antiderivative, step.factor
    if c is None or not _is_constant(c) or len(parts) != 1:
        return "needs a constant factor and one part"
    inner = parts[0].antiderivative
    shapes = {("mul", 0): A.op == "mul" and _same_up_to_offset(A.args[1], inner) and A.args[0] == c,
              ("mul", 1): A.op == "mul" and _same_up_to_offset(A.args[0], inner) and A.args[1] == c,
              ("div", 1): A.op == "div" and _same_up_to_offset(A.args[0], inner) and c == div(num(1), A.args[1])}
    if not any(shapes.values()):
        return "antiderivative is not the factor times the part's antiderivative"
    return None if _same(step.integrand, mul(c, parts[0].integrand), ctx) else "integrand is not c·(part)"


def _outer(A: Expr, u: Expr) -> Expr | str:
    """f'(u) for A = f(u): a table function, a constant power u^n, or c^u."""
    if A.op in FUNCTIONS and A.args[0] == u:
        return outer_derivative(A.op, u)
    if A.op == "pow" and A.args[0] == u and _is_constant(A.args[1]):
        n = A.args[1]
        return mul(n, pow_(u, sub(n, num(1))))
    if A.op == "pow" and A.args[1] == u and _is_constant(A.args[0]):
        return mul(A, Expr("log", (A.args[0],)))
    return "antiderivative is not f(u) for the stated u"


def _du(step: ParsedStep, u: Expr, ctx: "_Context") -> Expr | str:
    """u'(x) by our rules, checked against the step's stated ``du`` where it states one."""
    try:
        du = derivative(u, VAR, ctx.derivations)
    except NotDifferentiable as error:
        return f"cannot differentiate u: {error}"
    if step.du is not None and not _same(step.du, du, ctx):
        return "the stated du is not u'(x) dx"
    return du


def _replay_substitution(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    u = step.substitution
    if u is not None and not parts:  # "let u = g(x), du = g'(x) dx": f'(u) du is a table entry in u
        outer = _outer(step.antiderivative, u)
        if isinstance(outer, str):
            return outer
        du = _du(step, u, ctx)
        if isinstance(du, str):
            return du
        return None if _same(step.integrand, mul(outer, du), ctx) else "integrand is not f'(u)·u'"
    if u is None or len(parts) != 1 or parts[0].antiderivative != u:
        return "needs u and one part solving ∫ u' dx = u"
    if u == sym(VAR) and not (step.antiderivative.op == "pow" and _is_constant(step.antiderivative.args[0])):
        return "u = x is no substitution (use table or power_rule)"
    outer = _outer(step.antiderivative, u)
    if isinstance(outer, str):
        return outer
    return None if _same(step.integrand, mul(outer, parts[0].integrand), ctx) else "integrand is not f'(u)·u'"


def _replay_product(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A = step.antiderivative
    operands = _operands(A, parts) if A.op == "mul" else "antiderivative is not a product"
    if isinstance(operands, str):
        return operands
    if not all(child.has(VAR) for child in A.args):
        return "a product with a constant factor is linearity_constant, not the product rule"
    (g, dg), (h, dh) = operands
    return None if _same(step.integrand, add(mul(dg, h), mul(g, dh)), ctx) else "integrand is not g'h + gh'"


def _replay_quotient(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A = step.antiderivative
    operands = _operands(A, parts) if A.op == "div" else "antiderivative is not a quotient"
    if isinstance(operands, str):
        return operands
    if not A.args[1].has(VAR):
        return "a quotient by a constant is linearity_constant, not the quotient rule"
    (g, dg), (h, dh) = operands
    expected = div(sub(mul(dg, h), mul(g, dh)), pow_(h, num(2)))
    return None if _same(step.integrand, expected, ctx) else "integrand is not (g'h - gh')/h²"


def _replay_power(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A, x = step.antiderivative, sym(VAR)
    if parts:
        return "the power rule has no parts"
    if A == x:
        expected = num(1)
    elif A.op == "pow" and A.args[0] == x and _is_constant(A.args[1]):
        n = A.args[1]
        expected = mul(n, pow_(x, sub(n, num(1))))
    else:
        return "antiderivative is not x^n"
    return None if _same(step.integrand, expected, ctx) else "integrand is not n·x^(n-1)"


def _replay_table(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    A = step.antiderivative
    if parts or A.op not in FUNCTIONS or A.args[0] != sym(VAR):
        return "antiderivative is not a table function of x"
    return None if _same(step.integrand, outer_derivative(A.op, A.args[0]), ctx) else "not the table entry"


def _replay_rewrite(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    if len(parts) != 1 or parts[0].antiderivative != step.antiderivative:
        return "a rewrite keeps the antiderivative of its one part"
    if parts[0].integrand == step.integrand:
        return "a rewrite changes the integrand"
    return None if _same(step.integrand, parts[0].integrand, ctx) else "integrand is not a rewrite of the part's"


def _replay_split_sum(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    """∫ (f1 ± f2 ± ... ± fn) dx = F1 ± F2 ± ... ± Fn: the antiderivative's left spine of + and - holds the
    parts' antiderivatives in order."""
    if len(parts) < 2:
        return "a split sum has at least two parts"
    terms: list[tuple[int, Expr]] = []
    e = step.antiderivative
    for _ in range(len(parts) - 1):
        if e.op not in ("add", "sub"):
            return "antiderivative is not a sum of the parts' antiderivatives"
        terms.insert(0, (1 if e.op == "add" else -1, e.args[1]))
        e = e.args[0]
    terms.insert(0, (1, e))
    total: Expr | None = None
    for (sign, term), part in zip(terms, parts):
        if term != part.antiderivative:
            return "a term of the antiderivative is not its part's antiderivative"
        total = part.integrand if total is None else (add if sign > 0 else sub)(total, part.integrand)
    if total is None:
        return "no parts"
    return None if _same(step.integrand, total, ctx) else "integrand is not the sum of the parts' integrands"


def _replay_constant_rule(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    if parts or not _is_constant(step.integrand):
        return "the constant rule integrates a constant and has no parts"
    return None if step.antiderivative == mul(step.integrand, sym(VAR)) else "antiderivative is not c·x"


TABLE_ENTRY_SIZE = 12
"""A ``table_entry`` integrand has at most this many nodes: a lookup, not a hidden computation."""


def _replay_table_entry(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    if parts or step.integrand.size() > TABLE_ENTRY_SIZE:
        return f"a table entry has no parts and an integrand of at most {TABLE_ENTRY_SIZE} nodes"
    try:
        claimed = derivative(step.antiderivative, VAR, ctx.derivations)
    except NotDifferentiable as error:
        return f"cannot differentiate the entry: {error}"
    return None if _same(step.integrand, claimed, ctx) else "the entry's derivative is not the integrand"


def _at_u(e: Expr, u: Expr) -> Expr:
    """``e`` with the variable x replaced by u (a part written in u uses x as its variable's name)."""
    if e.op == "sym" and e.value == VAR:
        return u
    if not e.args:
        return e
    return Expr(e.op, tuple(_at_u(a, u) for a in e.args), e.value)


def _replay_change_of_variable(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    """∫ h(u(x)) u'(x) dx = H(u(x)) where the part solves ∫ h(u) du = H(u) (stored with x naming u)."""
    u = step.substitution
    if u is None or len(parts) != 1:
        return "needs u and one part solving the integral in u"
    if step.antiderivative != _at_u(parts[0].antiderivative, u):
        return "antiderivative is not the part's antiderivative at u(x)"
    du = _du(step, u, ctx)
    if isinstance(du, str):
        return du
    return None if _same(step.integrand, mul(_at_u(parts[0].integrand, u), du), ctx) else "integrand is not h(u)·u'"


def _replay_parts(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    """∫ u v' dx = u v - ∫ v u' dx: part 1 solves ∫ v' dx = v, part 2 solves ∫ v u' dx."""
    u = step.substitution
    if u is None or len(parts) != 2:
        return "needs u and two parts (∫ dv = v and ∫ v du)"
    v, rest = parts
    if step.antiderivative != sub(mul(u, v.antiderivative), rest.antiderivative):
        return "antiderivative is not u·v - ∫ v du"
    du = _du(step, u, ctx)
    if isinstance(du, str):
        return du
    if not _same(step.integrand, mul(u, v.integrand), ctx):
        return "integrand is not u·v'"
    return None if _same(rest.integrand, mul(v.antiderivative, du), ctx) else "second part is not ∫ v·u' dx"


def _replay_simplify(step: ParsedStep, parts: Sequence[ParsedStep], ctx: "_Context") -> str | None:
    """The part's antiderivative written in simpler form: same integrand, an equal antiderivative."""
    if len(parts) != 1 or parts[0].integrand != step.integrand:
        return "a simplify step restates one part's integral"
    return None if _same(step.antiderivative, parts[0].antiderivative, ctx) else "the simpler form is not equal"


_REPLAY: dict[str, Callable[[ParsedStep, Sequence[ParsedStep], _Context], str | None]] = {
    "rewrite": _replay_rewrite, "linearity_sum": _replay_linear, "linearity_difference": _replay_linear,
    "linearity_negation": _replay_negation, "linearity_constant": _replay_constant,
    "substitution": _replay_substitution, "reverse_product": _replay_product,
    "reverse_quotient": _replay_quotient, "power_rule": _replay_power, "table": _replay_table,
    "split_sum": _replay_split_sum, "constant_rule": _replay_constant_rule, "table_entry": _replay_table_entry,
    "change_of_variable": _replay_change_of_variable, "parts": _replay_parts, "simplify": _replay_simplify,
}
RULES = tuple(_REPLAY)


def _tree_problem(record: ParsedIntegral) -> str | None:
    steps = record.steps
    if not steps:
        return "no steps"
    referenced = [0] * len(steps)
    for index, step in enumerate(steps):
        for part in step.parts:
            if not index < part < len(steps):
                return f"step {index} refers to step {part}, which is not a later step"
            referenced[part] += 1
    if referenced[0] or any(count < 1 for count in referenced[1:]):
        return "steps do not form one solution (each step but the first must be used; a sub-integral solved " \
               "once may be cited by several steps)"
    return None


def check_replay(record: ParsedIntegral, ctx: _Context) -> Verdict:
    tree_problem = _tree_problem(record)
    if tree_problem:
        return Rejected("replay", VERSION, -1, tree_problem)
    root = record.steps[0]
    if root.integrand != record.problem or root.antiderivative != record.answer:
        return Rejected("replay", VERSION, 0, "first step does not solve the stated problem with the answer")
    if not record.problem.has(VAR):
        return Rejected("replay", VERSION, -1, "the integrand is a constant (a degenerate problem)")
    expressions = [record.problem, record.answer] + [e for s in record.steps for e in (s.integrand, s.antiderivative)]
    missing = first_undefined(expressions, facts_of(record.hypotheses, ctx.canon))
    if missing is not None:
        index, condition = missing
        where = -1 if index < 2 else (index - 2) // 2
        return Rejected("replay", VERSION, where, f"the hypotheses do not imply {condition!r}, which is needed for "
                                                  f"every expression to be defined over the reals")
    for index, step in enumerate(record.steps):
        rule = _REPLAY.get(step.rule)
        if rule is None:
            return Rejected("replay", VERSION, index, f"unknown rule {step.rule!r}; known: {', '.join(RULES)}")
        problem = rule(step, [record.steps[p] for p in step.parts], ctx)
        if problem:
            return Rejected("replay", VERSION, index, f"{step.rule}: {problem}")
    return Passed("replay", VERSION, f"{len(record.steps)} steps")


def check_numeric(record: ParsedIntegral, points: list[dict[str, float]], memo: dict | None = None) -> Verdict:
    if len(points) < POINTS.quorum:
        return Rejected("numeric", VERSION, -1, "found too few points where the hypotheses hold")
    pairs = [(-1, record.answer, record.problem)] + [
        (i, s.antiderivative, s.integrand) for i, s in enumerate(record.steps)]
    for index, antiderivative, integrand in pairs:
        agreeing = derivative_agreement(antiderivative, integrand, points, VAR, memo)
        if agreeing < POINTS.quorum:
            return Rejected("numeric", VERSION, index,
                            f"d/dx antiderivative differs from the integrand at {len(points) - agreeing} of "
                            f"{len(points)} points")
    return Passed("numeric", VERSION, f"{len(points)} points, quorum {POINTS.quorum}")


def check_symbolic(record: ParsedIntegral, ctx: _Context, sympy_budget: float = SYMPY_BUDGET_SECONDS) -> Verdict:
    pairs = [(-1, record.answer, record.problem)] + [
        (i, s.antiderivative, s.integrand) for i, s in enumerate(record.steps)]
    used_sympy = 0
    for index, antiderivative, integrand in pairs:
        try:
            claimed = derivative(antiderivative, VAR, ctx.derivations)
        except NotDifferentiable as error:
            return NotRun("symbolic", VERSION, f"step {index}: {error}")
        how = equal(claimed, integrand, sympy_budget if used_sympy == 0 else 0.0, ctx.canon)
        if how == "different":
            return Rejected("symbolic", VERSION, index, "SymPy reduces d/dx antiderivative - integrand to a "
                                                        "non-zero number")
        if how is None:
            where = "answer" if index < 0 else f"step {index}"
            return NotRun("symbolic", VERSION, f"{where} not confirmed within the time bound")
        used_sympy += how == "sympy"
    detail = "canonical" if not used_sympy else f"canonical, sympy-{SYMPY_VERSION} for {used_sympy}"
    return Passed("symbolic", VERSION, detail)


def domain_points(record: ParsedIntegral, memo: dict | None = None) -> list[dict[str, float]]:
    rng = random.Random(record.uid)
    return sample_points(rng, [VAR], record.hypotheses,
                         [compile_expr(record.answer, memo), compile_expr(record.problem, memo)], POINTS)


def _shared_closures(record: ParsedIntegral) -> dict:
    """A compile memo (see :func:`rpsdg.expr.evaluate.compile_expr`) whose closures for the record's stored
    expressions remember their values per point: a step's antiderivative is a subtree of its parent's, so once the
    parent is evaluated at the finite-difference points, the numeric check of the step reads its values instead of
    computing them again. Last step first (a step's parts come after it, and their antiderivatives lie inside its
    own), so a larger tree's compilation picks up the remembering closures of the stored trees inside it; the order
    only decides how much is shared, never a value. Every value is still computed from the record's own parsed
    text."""
    memo: dict = {}
    roots = dict.fromkeys([e for s in reversed(record.steps) for e in (s.antiderivative, s.integrand)]
                          + [record.answer, record.problem])
    for e in roots:
        if e.op != "num" and e.op != "sym":
            try:
                memo[e] = remembering(compile_expr(e, memo), VAR)
            except (OverflowError, ValueError):
                continue  # not compilable (a huge literal): the checker meets the error where it did before
    return memo


def check_row(row: Mapping[str, Any]) -> list[Verdict]:
    """All three verdicts for one stored row, cheapest first; a row that does not parse fails every checker."""
    try:
        record = parse_row(row)
    except (ParseError, KeyError, TypeError, ValueError) as error:
        reason = f"malformed record: {error}"
        return [Rejected(name, VERSION, -1, reason) for name in NAMES]
    compiled = _shared_closures(record)
    ctx = _Context(domain_points(record, compiled), compiled=compiled)
    return [check_replay(record, ctx), check_numeric(record, ctx.points, compiled), check_symbolic(record, ctx)]



def check_row_numeric(row: Mapping[str, Any]) -> Verdict:
    """The numeric verdict alone (labelling corrupted steps needs only it); raises ``ParseError`` on a malformed row."""
    record = parse_row(row)
    return check_numeric(record, domain_points(record))
