"""Scoring a model's proof of a theorem ``lhs = rhs``, and checking the equalities in its steps.

Answer: a chain of equalities ``e0 = e1 = ... = en`` (in ``\\boxed{}`` or on the last line, LaTeX or plain). If
``e0`` is not the problem's lhs the chain is read as starting ``lhs = e0``, likewise ``en = rhs`` at the end (the
sides may also be swapped). It scores 1.0 iff every link ``a = b`` is justified on its own, by either

* one rewrite by a rule of the kind's rule book (``rules/*.toml``, either direction, at any position) whose side
  conditions are among the theorem's hypotheses, possibly followed by a ring normalisation, or
* our canonical form: both sides have the same canonical form (ring normalisation, ``log(exp u) = u``, parity;
  sound wherever both sides are defined) -- what ``ring`` or ``norm_num`` would close.

A link that is merely true at sample points is not a proof step, so ``exp(log(y)) = y`` without its rule
(``exp_log``, needing ``0 < y``) is not accepted. A chain of one link ``lhs = rhs`` scores 1.0 exactly when the
canonical form (or one rule) proves the theorem outright, e.g. any ring identity over ℤ. No partial credit.

Step claims (:func:`grade_claim`): each equality in the step (``a = b = c``; a line ``= c`` continues the previous
step's chain) must hold on the hypotheses' domain: by canonical form, else at random points where the hypotheses
hold (the theorem checker's points). Checking truth, not justification, is what a process reward needs.
"""

from __future__ import annotations

import functools
from typing import Any, Mapping, Sequence

from rpsdg.expr.canonical import Canonicalizer
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_latex
from rpsdg.expr.tree import Expr
from rpsdg.kinds.theorem.check import domain_points
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.search import neighbours
from rpsdg.maths.numeric import close
from rpsdg.maths.symbolic import canonical_equal

MAX_NEIGHBOURS = 2_000
"""One-step rewrites of a link's left side examined at most (a bound on hostile input)."""


@functools.cache
def _index(domain: str) -> Mapping[str, Any]:
    book = default_rulebook()
    return book.select(book.families(), domain).index()


class _Problem:
    def __init__(self, row: Mapping[str, Any]):
        problem = parse(row["problem"], "theorem problem")
        self.lhs, self.rhs = problem.args
        self.hypotheses = tuple(parse(h, "hypothesis") for h in row["hypotheses"])
        self.domain = str(row.get("domain", "real"))
        self.uid = str(row.get("uid", ""))
        self.canon = Canonicalizer()


def question(row: Mapping[str, Any]) -> str:
    problem = parse(row["problem"], "theorem problem")
    lhs, rhs = problem.args
    names = sorted(lhs.free_symbols() | rhs.free_symbols())
    numbers = "integers" if row.get("domain") == "int" else "real numbers"
    text = f"Prove that for all {numbers} ${', '.join(names)}$" if names else "Prove that"
    if row["hypotheses"]:
        text += " with $" + ", ".join(to_latex(parse(h, "hypothesis")) for h in row["hypotheses"]) + "$"
    return (text + f": ${to_latex(lhs)} = {to_latex(rhs)}$. Write the proof as a chain of equalities from the left "
                   f"side to the right side, one algebraic rewrite per step, and put the whole chain in \\boxed{{}}.")


def _chain(row: Mapping[str, Any]) -> list[Expr]:
    problem = parse(row["problem"], "theorem problem")
    return [problem.args[0]] + [parse(step["after"], "step") for step in row["steps"]]


def reference_answer(row: Mapping[str, Any]) -> str:
    return " = ".join(to_latex(e) for e in _chain(row))


def solution_text(row: Mapping[str, Any]) -> str:
    lines = []
    for number, step in enumerate(row["steps"], start=1):
        before, after = parse(step["before"], "step"), parse(step["after"], "step")
        rule = step["rule"].replace("_", " ")
        lines.append(f"Step {number} ({rule}): ${to_latex(before)} = {to_latex(after)}$")
    lines.append(f"Answer: $\\boxed{{{reference_answer(row)}}}$")
    return "\n".join(lines)


# -- reading -------------------------------------------------------------------------------------------------

def _read_chain(text: str, reader: Any) -> list[Expr] | None:
    plain = reader.normalize(text)
    if plain is None:
        return None
    pieces = reader.split(plain, ("=",))
    chain = []
    for piece in pieces:
        tree = reader.expr(piece)
        if tree is None or tree.op in ("eq", "ne", "lt", "le", "gt", "ge", "set", "tuple"):
            return None
        chain.append(tree)
    return chain


# -- deciding -------------------------------------------------------------------------------------------------

def justified(a: Expr, b: Expr, problem: _Problem) -> bool:
    """Whether ``a = b`` is one rule rewrite (then maybe a normalisation) or a canonical-form identity."""
    if a == b or canonical_equal(a, b, problem.canon):
        return True
    limit = max(a.size(), b.size()) + 16
    target_key = None
    for count, move in enumerate(neighbours(a, _index(problem.domain), set(problem.hypotheses), limit,
                                            bare_max_size=b.size())):
        if count >= MAX_NEIGHBOURS:
            return False
        if move.after == b:
            return True
        try:
            if target_key is None:
                target_key = problem.canon.key(b)
            if problem.canon.key(move.after) == target_key:
                return True
        except (ArithmeticError, ValueError):
            continue
    return False


def score(row: Mapping[str, Any], answer: str, reader: Any) -> float:
    """1.0 iff the answer is a chain of justified links from lhs to rhs (see the module docstring)."""
    problem = _Problem(row)
    chain = _read_chain(answer, reader)
    if chain is None or len(chain) < 2:
        return 0.0
    start, end = problem.lhs, problem.rhs
    if chain[0] == problem.rhs or chain[-1] == problem.lhs:
        start, end = end, start
    if chain[0] != start:
        chain.insert(0, start)
    if chain[-1] != end:
        chain.append(end)
    return 1.0 if all(justified(a, b, problem) for a, b in zip(chain, chain[1:])) else 0.0


def _holds(a: Expr, b: Expr, problem: _Problem, points: Sequence[dict[str, float]]) -> bool:
    if canonical_equal(a, b, problem.canon):
        return True
    from rpsdg.expr.evaluate import OutsideDomain, compile_expr

    fa, fb = compile_expr(a), compile_expr(b)
    agreeing = 0
    for point in points:
        try:
            if close(fa(point), fb(point), rtol=1e-7):
                agreeing += 1
        except (OutsideDomain, ValueError, OverflowError, ZeroDivisionError, KeyError):
            continue
    return len(points) >= 5 and agreeing >= len(points) - 1


def grade_claim(row: Mapping[str, Any], text: str, reader: Any, state: dict) -> tuple[str, str]:
    segments = [segment for segment in reader.math(text) if "=" in segment]
    if not segments:
        start = _read_chain(reader.math(text)[-1], reader)
        if start is not None and len(start) == 1:
            state["last"] = start[0]  # a chain may start on its own line: "lhs", then "= e1", "= e2"
        return "unparsed", "no equality in this step"
    plain = segments[-1]
    chain = _read_chain(plain, reader)
    if chain is None:
        return "unparsed", "cannot read the expressions of this step"
    if plain.strip().startswith("=") and state.get("last") is not None:
        chain.insert(0, state["last"])
    if len(chain) < 2:
        return "unparsed", "no equality in this step"
    state["last"] = chain[-1]
    problem = _Problem(row)
    names = problem.lhs.free_symbols() | problem.rhs.free_symbols()
    if any(not e.free_symbols() <= names for e in chain):
        return "unparsed", "a variable the theorem does not have"
    points = domain_points([problem.lhs, problem.rhs] + chain, problem.hypotheses, f"grade:{problem.uid}")
    for index, (a, b) in enumerate(zip(chain, chain[1:])):
        if not _holds(a, b, problem, points):
            return "incorrect", f"equality {index + 1} of this step does not hold on the theorem's domain"
    return "correct", "every equality holds on the theorem's domain"
