"""Scoring a model's answer to an equation or system, and checking the equations in its steps, by meaning.

Answer: right iff it is the record's solution set: any order, any equivalent form of each value (``(5 +
\\sqrt{13})/2``, ``\\frac{e}{3} + \\frac{8}{3}``), written as ``x = 2 or x = 3``, ``x = 2, x = 3``,
``x \\in \\{2, 3\\}``, ``\\{2, 3\\}``, ``2, 3``, ``x = \\frac{5 \\pm \\sqrt{13}}{2}``; systems as
``x = 1, y = 2``, ``(1, 2)`` or ``(x, y) = (1, 2)``; no solution as "no solution", ``\\emptyset``. A missing or
an extra value scores 0. No partial credit: 1.0 or 0.0. Values are compared exactly by our canonical form, else
as floats to 1e-9 relative.

Step claims (checked on their own against the problem, never against the previous step):
* one variable: the step's equations are alternatives (``x - 2 = 0 or x - 3 = 0``); inequalities in the step are
  conditions it works under (``x + 7 \\geq 0`` after squaring), from that step to the end of the solution. The
  step is correct iff its solution set within the problem's domain (hypotheses) and its conditions is the
  problem's: every root satisfies it, and a sign-change and local-minimum scan of each equation over an interval
  around the roots finds no other solution. A step that is an identity (every x solves it) is incorrect; a true
  but useless rewriting is correct. An equality without variables (``b^2 - 4ac = 25 - 24 = 1``) is checked as
  arithmetic.
* systems: the step's equations are a conjunction; correct iff each holds at the solution (the generator's systems
  have one solution, so this means each is a consequence of the system).
Limits: roots outside the scanned interval ([-B, B], B = max(50, 4·max|root|)) are not seen; roots of even
multiplicity are found only as local minima of |lhs - rhs| (refined, then demanded below 1e-8 relative).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from rpsdg.expr.canonical import Canonicalizer
from rpsdg.expr.evaluate import OutsideDomain, compile_expr
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_latex
from rpsdg.expr.tree import Expr
from rpsdg.kinds.equation.generate import VARIABLES
from rpsdg.maths.numeric import RELATION_TESTS
from rpsdg.maths.symbolic import canonical_equal

RTOL = 1e-9
SCAN_POINTS = 2000
_NO_SOLUTION = re.compile(r"no\s+(real\s+)?solutions?|emptyset|\bnone\b|has\s+no\s+roots?", re.IGNORECASE)
_RULE_WORDS = {"add_both_sides": "Add {} to both sides", "subtract_both_sides": "Subtract {} from both sides",
               "multiply_both_sides": "Multiply both sides by {}", "divide_both_sides": "Divide both sides by {}",
               "clear_denominators": "Clear the denominators", "expand": "Expand", "collect": "Collect terms",
               "factor": "Factor", "quadratic_formula": "Use the quadratic formula", "swap_sides": "Swap the sides",
               "write_as_power": "Write both sides as powers", "equate_exponents": "Equate the exponents",
               "apply_log": "Take logarithms", "apply_exp": "Exponentiate", "combine_logs": "Combine the logarithms",
               "square_both_sides": "Square both sides", "take_odd_root": "Take the odd root",
               "eliminate": "Eliminate", "substitute": "Substitute"}


class _Problem:
    def __init__(self, row: Mapping[str, Any]):
        self.problem = parse(row["problem"], "equation problem")
        self.system = self.problem.op == "tuple"
        self.names = VARIABLES[:len(self.problem.args)] if self.system else ("x",)
        answer = parse(row["answer"], "equation answer")
        self.solutions = [tuple(element.args) if element.op == "tuple" else (element,) for element in answer.args]
        self.hypotheses = tuple(parse(h, "hypothesis") for h in row["hypotheses"])
        self.canon = Canonicalizer()


def question(row: Mapping[str, Any]) -> str:
    problem = parse(row["problem"], "equation problem")
    if problem.op == "tuple":
        names = VARIABLES[:len(problem.args)]
        equations = ", \\quad ".join(to_latex(e) for e in problem.args)
        return (f"Solve the system of equations ${equations}$ for ${', '.join(names)}$. Give the final answer as "
                f"\\boxed{{({', '.join(names)}) = (\\dots)}}.")
    return (f"Solve for $x$ over the real numbers: ${to_latex(problem)}$. Give every solution; write the final "
            f"answer as \\boxed{{x = \\dots}} (several solutions separated by commas).")


def reference_answer(row: Mapping[str, Any]) -> str:
    problem = _Problem(row)
    if not problem.solutions:
        return "\\text{no solution}"
    if problem.system:
        values = ", ".join(to_latex(v) for v in problem.solutions[0])
        return f"({', '.join(problem.names)}) = ({values})"
    return ", ".join(f"x = {to_latex(s[0])}" for s in problem.solutions)


def solution_text(row: Mapping[str, Any]) -> str:
    problem = _Problem(row)
    lines = []
    for number, step in enumerate(row["steps"], start=1):
        operand = parse(step["operand"], "operand") if step["operand"] else None
        words = _RULE_WORDS.get(step["rule"], step["rule"].replace("_", " ").capitalize())
        words = words.format(f"${to_latex(operand)}$" if operand is not None and operand.op not in
                             ("ge", "gt", "le", "lt", "eq") else "")
        after = parse(step["after"], "step")
        math = ", \\quad ".join(to_latex(e) for e in after.args) if after.op == "tuple" else to_latex(after)
        condition = ""
        if operand is not None and operand.op in ("ge", "gt", "le", "lt") and step["rule"] == "square_both_sides":
            condition = f" where ${to_latex(operand)}$"
        lines.append(f"Step {number}. {words.strip()}: ${math}${condition}")
    del problem
    lines.append(f"Answer: $\\boxed{{{reference_answer(row)}}}$")
    return "\n".join(lines)


# -- reading an answer --------------------------------------------------------------------------------------------

def _unwrap(text: str) -> str:
    text = text.strip()
    while True:
        if text.startswith("FiniteSet(") and text.endswith(")"):
            text = text[len("FiniteSet("):-1].strip()
        elif text.startswith("{") and text.endswith("}") and _closes_at_end(text, "{", "}"):
            text = text[1:-1].strip()
        else:
            return text


def _closes_at_end(text: str, left: str, right: str) -> bool:
    depth = 0
    for position, char in enumerate(text):
        depth += char == left
        depth -= char == right
        if depth == 0 and position < len(text) - 1:
            return False
    return True


def _constant(e: Expr | None) -> bool:
    return e is not None and not e.free_symbols() and e.op not in ("eq", "ne", "lt", "le", "gt", "ge", "set")


def read_solutions(text: str, names: Sequence[str], reader: Any) -> list[tuple[Expr, ...]] | None:
    """The solution set written in ``text`` as tuples of values (one per name); ``None`` if unreadable."""
    plain = reader.normalize(text)
    if plain is None:
        return None
    if _NO_SOLUTION.search(plain):
        return []
    if " in " in plain:
        plain = plain.rsplit(" in ", 1)[1]
    plain = _unwrap(plain)
    pieces = []
    for piece in reader.split(plain, (",", ";", " or ", " and ")):  # a ± b is two values
        if piece.count("±") + piece.count("∓") == 1:
            sign = "±" if "±" in piece else "∓"
            pieces.extend([piece.replace(sign, "+"), piece.replace(sign, "-")])
        else:
            pieces.append(piece)
    named: dict[str, Expr] = {}
    tuples: list[tuple[Expr, ...]] = []
    scalars: list[Expr] = []
    for piece in pieces:
        parts = reader.split(piece, ("=",))
        if not parts:
            return None
        value = reader.expr(_unwrap(parts[-1]))
        if value is None:
            return None
        if len(parts) > 1:
            label = reader.expr(parts[0])
            if label is not None and label.op == "tuple":
                if tuple(a.value for a in label.args) != tuple(names) or value.op != "tuple":
                    return None
                tuples.append(tuple(value.args))
                continue
            name = parts[0].strip().split("_")[0].strip()
            if name not in names:
                return None
            if len(names) > 1:
                if name in named:
                    return None
                named[name] = value
                continue
        if value.op == "tuple":
            tuples.append(tuple(value.args))
        else:
            scalars.append(value)
    if named:
        if tuples or scalars or set(named) != set(names):
            return None
        tuples.append(tuple(named[n] for n in names))
    elif len(names) > 1 and scalars:
        if tuples or len(scalars) != len(names):
            return None
        tuples.append(tuple(scalars))
    else:
        tuples.extend((s,) for s in scalars)
    if any(len(t) != len(names) or not all(_constant(v) for v in t) for t in tuples):
        return None
    return tuples


def _value(e: Expr) -> float | None:
    try:
        return compile_expr(e)({})
    except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError):
        return None


def _same_value(a: Expr, b: Expr, canon: Canonicalizer) -> bool:
    if canonical_equal(a, b, canon):
        return True
    va, vb = _value(a), _value(b)
    return va is not None and vb is not None and abs(va - vb) <= RTOL * max(1.0, abs(va), abs(vb))


def _same_point(a: tuple[Expr, ...], b: tuple[Expr, ...], canon: Canonicalizer) -> bool:
    return len(a) == len(b) and all(_same_value(x, y, canon) for x, y in zip(a, b))


def score(row: Mapping[str, Any], answer: str, reader: Any) -> float:
    """1.0 iff the answer is the record's solution set (see the module docstring), else 0.0."""
    problem = _Problem(row)
    given = read_solutions(answer, problem.names, reader)
    if given is None:
        return 0.0
    distinct: list[tuple[Expr, ...]] = []
    for point in given:
        if not any(_same_point(point, seen, problem.canon) for seen in distinct):
            distinct.append(point)
    if len(distinct) != len(problem.solutions):
        return 0.0
    for point in distinct:
        if not any(_same_point(point, reference, problem.canon) for reference in problem.solutions):
            return 0.0
    return 1.0


# -- checking a step ------------------------------------------------------------------------------------------

def _relations(text: str, reader: Any) -> list[Expr] | None:
    plain = reader.normalize(" , ".join(reader.math(text)))
    if plain is None:
        return None
    relations = []
    for piece in reader.split(plain, (",", ";", " or ", " and ", " where ", " for ", " with ")):
        if not re.search(r"[=<>]", piece):
            continue
        chain = reader.split(piece, ("=",)) if not re.search(r"[<>!]", piece) else [piece]
        if len(chain) > 2:  # a = b = c: every link
            for left, right in zip(chain, chain[1:]):
                tree = reader.expr(f"{left} = {right}")
                if tree is None:
                    return None
                relations.append(tree)
            continue
        tree = reader.expr(piece)
        if tree is None or tree.op not in RELATION_TESTS:
            return None
        relations.append(tree)
    return relations


def _residual(equation: Expr):
    left, right = compile_expr(equation.args[0]), compile_expr(equation.args[1])

    def g(point: dict[str, float]) -> tuple[float, float]:
        a, b = left(point), right(point)
        return a - b, max(1.0, abs(a), abs(b))

    return g


def _holds_at(equation: Expr, point: dict[str, float], canon: Canonicalizer, exact: dict[str, Expr]) -> bool:
    substituted = _substitute(equation.args[0], exact), _substitute(equation.args[1], exact)
    if canonical_equal(substituted[0], substituted[1], canon):
        return True
    try:
        difference, scale = _residual(equation)(point)
    except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError):
        return False
    return abs(difference) <= 1e-9 * scale


def _substitute(e: Expr, values: Mapping[str, Expr]) -> Expr:
    if e.op == "sym":
        return values.get(e.value, e)  # type: ignore[arg-type]
    if not e.args:
        return e
    return Expr(e.op, tuple(_substitute(a, values) for a in e.args), e.value)


def _admission(conditions: Sequence[Expr]):
    """A test of a point against ``conditions`` (compiled once); equalities in them are met to a tolerance."""
    compiled = [(c.op, compile_expr(c.args[0]), compile_expr(c.args[1])) for c in conditions]

    def admits(point: dict[str, float]) -> bool:
        for op, left, right in compiled:
            try:
                a, b = left(point), right(point)
            except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError):
                return False
            tolerance = 1e-12 * max(1.0, abs(a), abs(b))
            if op == "ne" and abs(a - b) <= tolerance:
                return False
            if (op == "gt" and not a > b) or (op == "lt" and not a < b) or (op == "ge" and not a >= b - tolerance) \
                    or (op == "le" and not a <= b + tolerance) or (op == "eq" and abs(a - b) > tolerance):
                return False
        return True

    return admits


def _scan_roots(equation: Expr, conditions: Sequence[Expr], bound: float) -> list[float] | None:
    """Roots of one equation in x within [-bound, bound] where ``conditions`` hold; ``None`` if it holds at almost
    every point scanned (an identity)."""
    g = _residual(equation)
    admits = _admission(conditions)
    xs = [-bound + 2 * bound * i / SCAN_POINTS for i in range(SCAN_POINTS + 1)]
    values: list[tuple[float, float] | None] = []
    zeros = 0
    for x in xs:
        point = {"x": x}
        if not admits(point):
            values.append(None)
            continue
        try:
            values.append(g(point))
        except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError):
            values.append(None)
            continue
        if abs(values[-1][0]) <= 1e-9 * values[-1][1]:
            zeros += 1
    defined = sum(v is not None for v in values)
    if defined >= 50 and zeros > 0.5 * defined:
        return None
    roots: list[float] = []

    def value_at(x: float) -> tuple[float, float] | None:
        if not admits({"x": x}):
            return None
        try:
            return g({"x": x})
        except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError):
            return None

    for i in range(len(xs) - 1):
        a, b = values[i], values[i + 1]
        if a is None or b is None:
            continue
        if a[0] == 0:
            roots.append(xs[i])
            continue
        if a[0] * b[0] < 0:
            low, high, f_low = xs[i], xs[i + 1], a[0]
            for _ in range(80):
                middle = (low + high) / 2
                vm = value_at(middle)
                if vm is None:
                    break
                if (vm[0] < 0) == (f_low < 0):
                    low, f_low = middle, vm[0]
                else:
                    high = middle
            root = (low + high) / 2
            vr = value_at(root)
            if vr is not None and abs(vr[0]) <= 1e-6 * vr[1]:
                roots.append(root)  # a pole changes sign too, but |g| grows there
        elif 0 < i and values[i - 1] is not None and abs(a[0]) < abs(values[i - 1][0]) and abs(a[0]) < abs(b[0]):
            low, high = xs[i - 1], xs[i + 1]  # a local minimum of |g|: a double root if it reaches 0
            for _ in range(100):
                m1, m2 = low + (high - low) / 3, high - (high - low) / 3
                v1, v2 = value_at(m1), value_at(m2)
                if v1 is None or v2 is None:
                    break
                if abs(v1[0]) < abs(v2[0]):
                    high = m2
                else:
                    low = m1
            root = (low + high) / 2
            vr = value_at(root)
            if vr is not None and abs(vr[0]) <= 1e-8 * vr[1]:
                roots.append(root)
    return roots


def grade_claim(row: Mapping[str, Any], text: str, reader: Any, state: dict) -> tuple[str, str]:
    """Label one step by the equations it states (see the module docstring)."""
    relations = _relations(text, reader)
    if relations is None:
        return "unparsed", "notation we cannot read"
    if not relations:
        return "unparsed", "no equation in this step"
    problem = _Problem(row)
    allowed = set(problem.names)
    for relation in relations:
        if not relation.free_symbols() <= allowed:
            return "unparsed", f"unknown variable(s) {sorted(relation.free_symbols() - allowed)}"
    equations = [r for r in relations if r.op == "eq" and r.free_symbols()]
    arithmetic = [r for r in relations if r.op == "eq" and not r.free_symbols()]
    conditions = state.setdefault("conditions", [])  # a condition, once stated, holds for the later steps too
    conditions.extend(r for r in relations if r.op != "eq" and r not in conditions)
    for claim in arithmetic:
        if not _same_value(claim.args[0], claim.args[1], problem.canon):
            return "incorrect", f"the arithmetic {claim!r} is false"
    if not equations:
        return ("correct", "the arithmetic holds") if arithmetic else ("unparsed", "no equation in this step")
    points = [{n: _value(v) for n, v in zip(problem.names, solution)} for solution in problem.solutions]
    exact = [dict(zip(problem.names, solution)) for solution in problem.solutions]
    if problem.system:
        for equation in equations:
            for point, values in zip(points, exact):
                if not _holds_at(equation, point, problem.canon, values):
                    return "incorrect", "an equation of this step does not hold at the system's solution"
        return "correct", "every equation holds at the system's solution"
    for point, values in zip(points, exact):
        if not any(_holds_at(e, point, problem.canon, values) for e in equations):
            return "incorrect", f"the solution x = {values['x']!r} is lost in this step"
    domain = list(problem.hypotheses) + conditions
    largest = max((abs(p["x"]) for p in points if p["x"] is not None), default=0.0)
    bound = max(50.0, 4 * largest)
    known = [p["x"] for p in points if p["x"] is not None]
    for equation in equations:
        roots = _scan_roots(equation, domain, bound)
        if roots is None:
            return "incorrect", "this step holds for every x: it has lost the equation"
        for root in roots:
            if not any(abs(root - k) <= 1e-6 * max(1.0, abs(k)) for k in known):
                return "incorrect", f"this step has a solution x ≈ {root:.6g} that the problem does not have"
    return "correct", "same solutions as the problem on its domain"

