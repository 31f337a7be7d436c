"""Scoring a model's answer to an integral, and checking the claims in its steps, by meaning.

An antiderivative ``F`` is right iff ``F' = f`` on the problem's domain: any constant, any equivalent form.
Decided by our derivative (:mod:`rpsdg.maths.calculus`) and, first, our canonical form; where that form cannot
decide, numerically at points where the record's hypotheses hold and ``f`` is defined (seeded by the uid, so the
verdict is reproducible). ``F`` must also be defined at those points (an answer defined on less than the domain is
not an antiderivative there). A constant of integration is any of :data:`CONSTANT_NAMES`, set to 0.
No partial credit: the score is 1.0 or 0.0.

Step claims: a chain ``∫ g dx = A = B ...`` (and ``= B`` on a later line continues the previous chain): each
link must agree up to a constant, i.e. the derivatives of both sides (``g`` for ``∫ g dx``) agree on the domain;
a chain without an integral is a plain equality checked by values. A substitution ``u = g(x)`` is remembered for
the rest of the solution (``∫ h(u) du`` is then read as ``∫ h(g(x)) g'(x) dx`` and ``H(u)`` as ``H(g(x))``) and
``du = k(x) dx`` is checked against ``g'``. An expression with integrals inside (``x e^x - ∫ e^x dx``, by parts)
is compared through its derivative when it is linear in those integrals. Anything else is ``unparsed``.
To accept more notation, extend :func:`_read_piece`.
"""

from __future__ import annotations

import random
import re
from typing import Any, Mapping

from rpsdg.expr.canonical import Canonicalizer
from rpsdg.expr.evaluate import OutsideDomain, compile_expr
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_latex
from rpsdg.expr.tree import ARITHMETIC_OPS, Expr, foreign_node, num
from rpsdg.maths.calculus import NotDifferentiable, derivative
from rpsdg.maths.numeric import PointSpec, close, finite_difference, sample_points
from rpsdg.maths.symbolic import canonical_equal

VAR = "x"
CONSTANT_NAMES = frozenset({"C", "c", "K", "k", "C_1", "C1", "c_1", "c1", "C_0", "D", "const"})
POINTS = PointSpec(count=8, quorum=7, tries=400)
RTOL = 1e-6

_RULE_WORDS = {"rewrite": "Rewrite the integrand", "linearity_sum": "Split the sum",
               "linearity_difference": "Split the difference", "linearity_negation": "Take out the minus sign",
               "linearity_constant": "Take out the constant factor", "substitution": "Substitute",
               "reverse_product": "Reverse the product rule", "reverse_quotient": "Reverse the quotient rule",
               "power_rule": "Power rule", "table": "Table integral"}


# -- the problem ------------------------------------------------------------------------------------------------

class _Problem:
    """One row's integrand, domain and sample points, read once per call."""

    def __init__(self, row: Mapping[str, Any]):
        self.integrand = parse(row["problem"], "integral problem")
        self.answer = parse(row["answer"], "integral answer")
        self.hypotheses = tuple(parse(h, "hypothesis") for h in row["hypotheses"])
        must = [compile_expr(self.integrand), compile_expr(self.answer)]
        self.points = sample_points(random.Random(f"score:{row['uid']}"), [VAR], self.hypotheses, must, POINTS)
        self.canon = Canonicalizer()


def question(row: Mapping[str, Any]) -> str:
    """The prompt: the integral in LaTeX, and the domain where the answer depends on it."""
    integrand = parse(row["problem"], "integral problem")
    text = f"Find an antiderivative: compute $\\int {to_latex(integrand)} \\, dx$"
    if row["hypotheses"]:
        conditions = ", ".join(to_latex(parse(h, "hypothesis")) for h in row["hypotheses"])
        text += f" for $x$ with ${conditions}$"
    return text + ". Give the final answer as \\boxed{F(x) + C}."


def reference_answer(row: Mapping[str, Any]) -> str:
    return f"{to_latex(parse(row['answer'], 'integral answer'))} + C"


ANNOUNCED = frozenset({"linearity_sum", "linearity_difference", "linearity_negation", "linearity_constant",
                       "split_sum"})
"""Rules whose announce line (the split, stated before the parts are solved) the reference solution shows: its
identity between integrals is a claim ``grade_steps`` checks. The product, quotient and by-parts plans name g, h,
u, v and would be unparsed, so those steps are shown once, after their parts."""


def solution_lines(row: Mapping[str, Any]) -> list[tuple[int, str, str]]:
    """The reference solution's step lines in solving order, top down as the exports show them
    (``export/common.py``): a split is announced, the sub-integrals are solved (each distinct one once), then
    combined; one checkable claim per line. Each line comes with the stored step it shows and its role."""
    from rpsdg.export.common import ANNOUNCE, COMBINE, top_down
    from rpsdg.kinds.integral.text import step_formulas

    lines: list[tuple[int, str, str]] = []
    line_of: dict[int, int] = {}  # the export's line numbers -> ours (we show fewer announce lines)
    for shown in top_down(list(row["steps"]), step_formulas, "latex", lambda step: step.get("integrand") or None):
        step = shown.step
        words = _RULE_WORDS.get(step["rule"], step["rule"].replace("_", " ").capitalize())
        if shown.role == ANNOUNCE:
            if step["rule"] in ANNOUNCED and shown.formulas.get("announce"):
                text = f"{words}, solving each part next: {shown.formulas['announce']}"
                lines.append((shown.stored_index, ANNOUNCE, f"Step {len(lines) + 1}. {text}"))
            continue
        if shown.role == COMBINE and step["rule"] in ANNOUNCED and shown.parts:
            words = f"Combine the parts (steps {', '.join(str(line_of[n]) for n in shown.parts)})"
        integrand, antiderivative = parse(step["integrand"], "step"), parse(step["antiderivative"], "step")
        if step.get("substitution"):
            words += f" $u = {to_latex(parse(step['substitution'], 'substitution'))}$"
        claim = f"$\\int {to_latex(integrand)} \\, dx = {to_latex(antiderivative)}$"
        lines.append((shown.stored_index, shown.role, f"Step {len(lines) + 1}. {words}: {claim}"))
        line_of[shown.number] = len(lines)
    return lines


def solution_text(row: Mapping[str, Any]) -> str:
    """The reference solution (:func:`solution_lines`) and its boxed answer."""
    lines = [text for _, _, text in solution_lines(row)]
    lines.append(f"Answer: $\\boxed{{{reference_answer(row)}}}$")
    return "\n".join(lines)


# -- reading --------------------------------------------------------------------------------------------------------

def _without_constants(e: Expr) -> Expr | None:
    """``e`` with every constant of integration set to 0; ``None`` if another variable than x is left."""
    names = e.free_symbols()
    if not names <= CONSTANT_NAMES | {VAR}:
        return None
    if names & CONSTANT_NAMES:
        e = _substitute(e, {name: num(0) for name in names & CONSTANT_NAMES})
    return e if foreign_node(e, ARITHMETIC_OPS, (VAR,)) is None else None


def _substitute(e: Expr, values: Mapping[str, Expr]) -> Expr:
    if e.op == "sym":
        return values.get(e.value, e)  # type: ignore[arg-type]
    if not e.args:
        return e
    return Expr(e.op, tuple(_substitute(a, values) for a in e.args), e.value)


def _read_piece(text: str, reader: Any, subs: Mapping[str, Expr] | None = None) -> tuple[str, Expr] | None:
    """``("integral", g)`` for ``∫ g dx``, ``("expr", F)`` for an expression in x, else ``None``. With ``subs``
    (``u ↦ g(x)`` from a step "let u = g(x)"), ``∫ h(u) du`` is read as ``∫ h(g(x)) g'(x) dx`` and ``H(u)`` as
    ``H(g(x))``, so every claim is checked in x."""
    subs = subs or {}
    text = text.strip()
    if "\\int" in text and (not text.startswith("\\int") or text.count("\\int") > 1):
        return _read_mixed(text, reader, subs)
    if "\\int" in text:
        body = text.split("\\int", 1)
        if body[0].strip():
            return None
        inner = body[1].strip()
        match = re.search(r"d\s*([A-Za-z])\s*$", inner)
        if match is None or (match.group(1) != VAR and match.group(1) not in subs):
            return None
        variable = match.group(1)
        tree = reader.expr(inner[:match.start()].rstrip().rstrip(","))
        if tree is None:
            return None
        if variable != VAR:
            if not tree.free_symbols() <= {variable}:
                return None
            try:
                tree = Expr("mul", (_substitute(tree, subs), derivative(subs[variable], VAR)))
            except (NotDifferentiable, RecursionError):
                return None
        if foreign_node(tree, ARITHMETIC_OPS, (VAR,)) is not None:
            return None
        return "integral", tree
    tree = reader.expr(text)
    if tree is None:
        return None
    if subs and tree.free_symbols() & set(subs):
        tree = _substitute(tree, subs)
    tree = _without_constants(tree)
    return None if tree is None else ("expr", tree)


_INNER_INTEGRAL = re.compile(r"\\int(.*?)\bd\s*([A-Za-z])\b")


def _read_mixed(text: str, reader: Any, subs: Mapping[str, Expr]) -> tuple[str, Expr] | None:
    """An expression with integrals inside (``x e^x - ∫ e^x dx``, integration by parts) as the piece
    ``("integral", D)`` where D is its derivative: each ``∫ g dx`` becomes a placeholder J with J' = g, so
    D = ∂E/∂x + Σ ∂E/∂J · g, which must be free of every J (E linear in its integrals); else ``None``."""
    integrands: dict[str, Expr] = {}

    def placeholder(match: re.Match) -> str:
        inner, variable = match.group(1), match.group(2)
        if inner.count("(") != inner.count(")") or (variable != VAR and variable not in subs):
            raise ValueError("unbalanced or unknown variable")
        tree = reader.expr(inner.strip().rstrip(","))
        if tree is None or not tree.free_symbols() <= {variable}:
            raise ValueError("unreadable integrand")
        if variable != VAR:
            tree = Expr("mul", (_substitute(tree, subs), derivative(subs[variable], VAR)))
        name = f"J_{len(integrands)}"
        integrands[name] = tree
        return f" ({name}) "

    try:
        replaced = _INNER_INTEGRAL.sub(placeholder, text)
        if "\\int" in replaced or not integrands:
            return None
        tree = reader.expr(replaced)
        if tree is None:
            return None
        if subs:
            tree = _substitute(tree, {k: v for k, v in subs.items()})
        names = tree.free_symbols() - set(integrands) - CONSTANT_NAMES
        if not names <= {VAR}:
            return None
        tree = _substitute(tree, {name: num(0) for name in tree.free_symbols() & CONSTANT_NAMES})
        total = derivative(tree, VAR)
        for name, integrand in integrands.items():
            total = Expr("add", (total, Expr("mul", (derivative(tree, name), integrand))))
    except (ValueError, NotDifferentiable, RecursionError):
        return None
    if total.free_symbols() - {VAR}:
        return None
    return "integral", total


def _normal_text(text: str, reader: Any) -> str | None:
    plain = reader.normalize(text)
    if plain is None:
        return None
    return plain.replace("∫", "\\int ")


# -- deciding -------------------------------------------------------------------------------------------------

def _derivative_fn(e: Expr):
    """A function of a point giving d/dx ``e``: our derivative compiled, or a finite difference."""
    try:
        return compile_expr(derivative(e, VAR))
    except (NotDifferentiable, RecursionError):
        fn = compile_expr(e)
        return lambda point: finite_difference(fn, point, VAR)


def _agree(first: Any, second: Any, problem: _Problem, first_defined: Expr | None = None,
           second_defined: Expr | None = None) -> bool:
    """Whether the point functions ``first`` and ``second`` agree at the quorum of the problem's points; an
    expression in ``*_defined`` must be defined at each point (an antiderivative must be, where f is)."""
    checks = [compile_expr(e) for e in (first_defined, second_defined) if e is not None]
    agreeing = counted = 0
    for point in problem.points:
        try:
            for check in checks:
                check(point)
            a, b = first(point), second(point)
        except (OutsideDomain, ZeroDivisionError, OverflowError, ValueError):
            counted += 1
            continue
        counted += 1
        if close(a, b, rtol=RTOL):
            agreeing += 1
    return counted >= POINTS.quorum and agreeing >= min(POINTS.quorum, counted - 1)


def is_antiderivative(candidate: Expr, problem: _Problem, integrand: Expr | None = None) -> bool:
    """Whether d/dx ``candidate`` equals ``integrand`` (default: the problem's) on the problem's domain."""
    integrand = problem.integrand if integrand is None else integrand
    if len(problem.points) < POINTS.quorum:
        return False
    try:
        exact = canonical_equal(derivative(candidate, VAR), integrand, problem.canon)
    except (NotDifferentiable, RecursionError):
        exact = None
    if exact:
        defined = compile_expr(candidate)
        return _agree(defined, defined, problem)
    return _agree(_derivative_fn(candidate), compile_expr(integrand), problem, first_defined=candidate)


def score(row: Mapping[str, Any], answer: str, reader: Any) -> float:
    """1.0 iff the final answer is an antiderivative of the problem's integrand on its domain, else 0.0."""
    plain = _normal_text(answer, reader)
    if plain is None:
        return 0.0
    pieces = reader.split(plain, ("=",))
    if not pieces:
        return 0.0
    last = re.split(r"\s(?:where|for|with)\s", pieces[-1], maxsplit=1)[0]
    last = reader.split(last, (",", ";"))[0] if reader.split(last, (",", ";")) else last
    read = _read_piece(last, reader)
    if read is None or read[0] != "expr":
        return 0.0
    return 1.0 if is_antiderivative(read[1], _Problem(row)) else 0.0


def _definition_or_differential(row: Mapping[str, Any], segment: str, reader: Any, subs: dict,
                                defined: list) -> tuple[str, str] | None:
    """``u = g(x)`` (a substitution: remembered, nothing to check) or ``du = g'(x) dx`` (checked against the
    remembered ``u``); ``None`` for any other segment."""
    plain = _normal_text(segment, reader)
    if plain is None:
        return None
    pieces = reader.split(plain, ("=",))
    if len(pieces) != 2:
        return None
    name = pieces[0].strip()
    if re.fullmatch(r"[a-wyzA-Z]", name) and name not in CONSTANT_NAMES:
        value = reader.expr(pieces[1])
        if value is None or not value.free_symbols() <= {VAR} or not value.free_symbols():
            return None
        subs[name] = value
        defined.append(f"{name} = {pieces[1].strip()[:40]}")
        return "correct", "a substitution"
    differential = re.fullmatch(r"d\s*([a-wyzA-Z])", name)
    if differential and differential.group(1) in subs:
        right = re.sub(r"(?:\\[,;!]\s*)?\bd\s*x\s*$", "", pieces[1].strip())
        if right == pieces[1].strip():
            return None
        value = reader.expr(right)
        if value is None:
            return "unparsed", "cannot read the differential"
        problem = _Problem(row)
        try:
            expected = compile_expr(derivative(subs[differential.group(1)], VAR))
        except (NotDifferentiable, RecursionError):
            return None
        if not _agree(compile_expr(value), expected, problem):
            return "incorrect", f"d{differential.group(1)} is not this times dx"
        defined.append(f"d{differential.group(1)}")
        return "correct", "the differential checks"
    return None


def grade_claim(row: Mapping[str, Any], text: str, reader: Any, state: dict) -> tuple[str, str]:
    """Label one step: its chain of equalities, each link checked up to a constant (see the module docstring)."""
    subs = state.setdefault("subs", {})
    segments = []
    defined = []
    for segment in (segment for segment in reader.math(text) if "=" in segment):
        verdict = _definition_or_differential(row, segment, reader, subs, defined)
        if verdict is not None and verdict[0] == "incorrect":
            return verdict
        if verdict is None:
            segments.append(segment)
    if defined and not segments:
        return "correct", f"defines {', '.join(defined)} (and its differential, where given, checks)"
    if not segments:
        plain = _normal_text(reader.math(text)[-1], reader)
        start = _read_piece(plain, reader, subs) if plain is not None else None
        if start is not None:
            state["last"] = start  # a chain may start on its own line: "∫ f dx", then "= F"
            state["integral_chain"] = state.get("integral_chain", False) or start[0] == "integral"
        return "unparsed", "no equality in this step"
    plain = _normal_text(" ".join(segments[-1:]), reader)
    if plain is None:
        return "unparsed", "notation we cannot read"
    raw = reader.split(plain, ("=",))
    if plain.strip().startswith("=") and state.get("last") is not None:
        pieces = [state["last"]]
    else:
        pieces = []
    for piece_text in raw:
        piece = _read_piece(piece_text, reader, subs)
        if piece is None:
            return "unparsed", f"cannot read {piece_text[:60]!r} as ∫ g dx or an expression in x"
        pieces.append(piece)
    if len(pieces) < 2:
        return "unparsed", "no equality in this step"
    state["last"] = pieces[-1]
    problem = _Problem(row)
    if len(problem.points) < POINTS.quorum:
        return "unparsed", "too few points in the problem's domain to check on"
    up_to_constant = any(kind == "integral" for kind, _ in pieces) or state.get("integral_chain", False)
    state["integral_chain"] = up_to_constant
    for index in range(len(pieces) - 1):
        (kind_a, a), (kind_b, b) = pieces[index], pieces[index + 1]
        if up_to_constant:
            fa = compile_expr(a) if kind_a == "integral" else _derivative_fn(a)
            fb = compile_expr(b) if kind_b == "integral" else _derivative_fn(b)
            ok = _agree(fa, fb, problem, None if kind_a == "integral" else a,
                        None if kind_b == "integral" else b)
        else:
            ok = _agree(compile_expr(a), compile_expr(b), problem)
        if not ok:
            what = "derivatives differ" if up_to_constant else "the sides differ"
            return "incorrect", f"link {index + 1} of the chain is wrong: {what} on the domain"
    return "correct", "every link holds on the domain" + (" (up to a constant)" if up_to_constant else "")

