"""An independent real-number check of a corpus: is every record true over ℝ as a reader takes it?

Independent of rpsdg's checkers on purpose: it reads the stored text with our grammar (``rpsdg.expr.parse``, a pure
parser) and nothing else of rpsdg; it evaluates with mpmath at 30 digits with its own definedness rules (log needs
u > 0, sqrt u >= 0, a divisor non-zero, 0**e with e <= 0 undefined, a negative base needs an integer exponent,
asin/acos |u| <= 1, acosh u >= 1, atanh |u| < 1, tan cos(u) != 0), no overflow (mpmath has no float range).

Per record, at random real points where every hypothesis holds (a hypothesis that is itself undefined does not
hold), it flags:
* ``undefined``: some expression of the record (problem, answer, every step) has no real value there;
* ``disagree``: theorem sides / steps differ; integral d/dx answer (mpmath.diff) differs from the problem, or a
  step's from its integrand; equation: an answer does not satisfy the problem, breaks a hypothesis, or a real root
  found by a sign-change scan (one variable) is missing from the answer.
* ``no_points``: no point satisfying the hypotheses was found (cannot be checked; reported, not a failure).

Usage: ``python3 bench/real_check.py CORPUS [--points 8] [--limit N] [--seed 0]``; prints per kind how many records
fail and the first few failures. Exit status 1 when any record fails.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import sys
import time
from collections import Counter

import mpmath

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from rpsdg.expr.parse import parse  # noqa: E402  (the grammar only)

mpmath.mp.dps = 30
TOL = 1e-12


class Undefined(Exception):
    """No real value at this point."""


def value(e, point):
    """The real value of tree ``e`` at ``point`` (name → mpf); raises :class:`Undefined`."""
    op = e.op
    if op == "num":
        return mpmath.mpf(e.value)
    if op == "sym":
        return point[e.value]
    args = [value(child, point) for child in e.args]
    if op == "add":
        return args[0] + args[1]
    if op == "sub":
        return args[0] - args[1]
    if op == "mul":
        return args[0] * args[1]
    if op == "neg":
        return -args[0]
    if op == "div":
        if args[1] == 0:
            raise Undefined("division by zero")
        return args[0] / args[1]
    if op == "pow":
        base, exponent = args
        if base == 0 and exponent <= 0:
            raise Undefined("0 to a power <= 0")
        if base < 0 and exponent != mpmath.floor(exponent):
            raise Undefined("negative base, non-integer exponent")
        if abs(exponent) > 10_000:
            raise Undefined("exponent too large to evaluate")
        result = base ** exponent
        return mpmath.re(result) if isinstance(result, mpmath.mpc) else result
    (u,) = args
    if op == "log":
        if u <= 0:
            raise Undefined("log of u <= 0")
        return mpmath.log(u)
    if op == "sqrt":
        if u < 0:
            raise Undefined("sqrt of u < 0")
        return mpmath.sqrt(u)
    if op in ("asin", "acos"):
        if abs(u) > 1:
            raise Undefined(f"{op} outside [-1, 1]")
        return getattr(mpmath, op)(u)
    if op == "acosh":
        if u < 1:
            raise Undefined("acosh below 1")
        return mpmath.acosh(u)
    if op == "atanh":
        if abs(u) >= 1:
            raise Undefined("atanh outside (-1, 1)")
        return mpmath.atanh(u)
    if op == "tan":
        if mpmath.cos(u) == 0:
            raise Undefined("tan at a pole")
        return mpmath.tan(u)
    if op in ("exp", "sin", "cos", "atan", "sinh", "cosh", "tanh", "asinh"):
        return getattr(mpmath, op)(u)
    raise Undefined(f"unknown node {op}")


def holds(relation, point) -> bool:
    try:
        a, b = value(relation.args[0], point), value(relation.args[1], point)
    except Undefined:
        return False
    return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b, "ne": a != b, "eq": a == b}[relation.op]


def same(a, b) -> bool:
    return abs(a - b) <= TOL * max(1, abs(a), abs(b))


def draw(rng: random.Random, names) -> dict:
    scale = rng.choice((0.5, 2.0, 5.0, 20.0))
    return {name: mpmath.mpf(rng.uniform(-scale, scale)) for name in names}


def points(rng, names, hypotheses, wanted: int, tries: int = 400) -> list[dict]:
    found = []
    for _ in range(tries):
        point = draw(rng, names)
        if all(holds(h, point) for h in hypotheses):
            found.append(point)
            if len(found) == wanted:
                break
    return found


def names_of(exprs) -> list[str]:
    out = set()
    for e in exprs:
        out |= set(e.free_symbols())
    return sorted(out)


def defined_everywhere(exprs, pts) -> str | None:
    for point in pts:
        for e in exprs:
            try:
                value(e, point)
            except Undefined as error:
                shown = ", ".join(f"{k}={mpmath.nstr(v, 6)}" for k, v in point.items())
                return f"undefined: {error} in {e!r} at {shown}"
    return None


def check_theorem(row, rng, n):
    lhs, rhs = parse(row["problem"]).args
    hyps = [parse(h) for h in row["hypotheses"]]
    chain = [lhs] + [parse(s["after"]) for s in row["steps"]] + [rhs]
    pts = points(rng, names_of(chain + hyps), hyps, n)
    if not pts:
        return "no_points", ""
    problem = defined_everywhere(chain, pts)
    if problem:
        return "undefined", problem
    for point in pts:
        values = [value(e, point) for e in chain]
        if any(not same(values[0], v) for v in values[1:]):
            return "disagree", f"sides or steps differ at {point}"
    return None, ""


def check_integral(row, rng, n):
    f, F = parse(row["problem"]), parse(row["answer"])
    hyps = [parse(h) for h in row["hypotheses"]]
    pairs = [(F, f)] + [(parse(s["antiderivative"]), parse(s["integrand"])) for s in row["steps"]]
    exprs = [e for pair in pairs for e in pair]
    pts = points(rng, ["x"], hyps, n)
    if not pts:
        return "no_points", ""
    problem = defined_everywhere(exprs, pts)
    if problem:
        return "undefined", problem
    for point in pts:
        x0 = point["x"]
        for big, small in pairs:
            try:
                d = mpmath.diff(lambda t: value(big, {"x": t}), x0)
            except Undefined:
                continue  # next to the domain's edge the difference quotient may step outside
            if not abs(d - value(small, point)) <= mpmath.mpf("1e-8") * max(1, abs(d)):
                return "disagree", f"d/dx {big!r} != {small!r} at x={mpmath.nstr(x0, 8)}"
    return None, ""


def _answer_points(answer, names):
    for item in answer.args:
        vals = item.args if item.op == "tuple" else (item,)
        yield {name: value(v, {}) for name, v in zip(names, vals)}


def check_equation(row, rng, n):
    problem, answer = parse(row["problem"]), parse(row["answer"])
    hyps = [parse(h) for h in row["hypotheses"]]
    equations = list(problem.args) if problem.op == "tuple" else [problem]
    names = ["x", "y", "z"][:len(equations)]
    steps = [parse(s["after"]) for s in row["steps"]]
    sides = [side for eq in equations for side in eq.args]
    pts = points(rng, names, hyps, n)
    if not pts:
        return "no_points", ""
    problem_text = defined_everywhere(sides, pts)
    if problem_text:
        return "undefined", problem_text
    try:
        solutions = list(_answer_points(answer, names))
    except Undefined as error:
        return "undefined", f"answer: {error}"
    for sol in solutions:
        if not all(holds(h, sol) for h in hyps):
            return "disagree", f"answer {sol} breaks a hypothesis"
        for eq in equations + [s for s in steps if s.op == "eq"]:
            try:
                a, b = value(eq.args[0], sol), value(eq.args[1], sol)
            except Undefined:
                return "undefined", f"answer {sol} outside the domain of {eq!r}"
            if not same(a, b):
                return "disagree", f"answer {sol} does not satisfy {eq!r}"
    if len(names) == 1:
        missed = _missed_root(equations[0], hyps, [s["x"] for s in solutions])
        if missed is not None:
            return "disagree", f"real root x ≈ {mpmath.nstr(missed, 10)} is not in the answer"
    return None, ""


def _missed_root(eq, hyps, roots):
    def g(t):
        point = {"x": mpmath.mpf(t)}
        if not all(holds(h, point) for h in hyps):
            return None
        try:
            return value(eq.args[0], point) - value(eq.args[1], point)
        except Undefined:
            return None
    grid = [mpmath.mpf(-60) + mpmath.mpf(120) * i / 960 for i in range(961)]
    previous = None
    for t in grid:
        gt = g(t)
        if previous is not None and gt is not None and previous[1] != 0 and gt != 0 and (previous[1] < 0) != (gt < 0):
            a, b, ga = previous[0], t, previous[1]
            for _ in range(120):
                m = (a + b) / 2
                gm = g(m)
                if gm is None:
                    break
                if (gm < 0) == (ga < 0):
                    a, ga = m, gm
                else:
                    b = m
            m = (a + b) / 2
            gm = g(m)
            if gm is not None and abs(gm) < mpmath.mpf("1e-6") and not any(abs(m - r) < 1e-6 for r in roots):
                return m
        if gt is not None and gt == 0 and not any(abs(t - r) < 1e-9 for r in roots):
            return t
        previous = (t, gt) if gt is not None else None
    return None


CHECKS = {"theorem": check_theorem, "integral": check_integral, "equation": check_equation}


def run_one(kind, row, options):
    """One record's verdict; a disagreement is re-examined at 200 digits (huge arguments such as tan(exp(196))
    lose every digit at 30), so only a disagreement that survives precision counts."""
    for digits in (30, 200):
        with mpmath.workdps(digits):
            rng = random.Random(f"{options.seed}:{row['uid']}")
            try:
                verdict, why = CHECKS[kind](row, rng, options.points)
            except Exception as error:  # a record our parser cannot read counts as a failure
                return "error", f"{type(error).__name__}: {error}"
        if verdict != "disagree":
            return verdict, why
    return verdict, why


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+")
    parser.add_argument("--points", type=int, default=8)
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=3)
    options = parser.parse_args()
    failed_any = False
    for corpus in options.corpus:
        files = sorted(glob.glob(os.path.join(corpus, "*.jsonl")) + glob.glob(os.path.join(corpus, "data", "*.jsonl")))
        counts: Counter = Counter()
        shown: list[str] = []
        kind = "?"
        started = time.time()
        total = 0
        for path in files:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if options.limit and total >= options.limit:
                        break
                    row = json.loads(line)
                    if isinstance(row.get("steps"), str):  # record format 2 stores steps and extras as JSON text
                        row["steps"] = json.loads(row["steps"])
                    if isinstance(row.get("extra"), str):
                        row.update(json.loads(row.pop("extra")))
                    kind = row["kind"]
                    total += 1
                    verdict, why = run_one(kind, row, options)
                    counts[verdict or "ok"] += 1
                    if verdict in ("undefined", "disagree", "error") and len(shown) < options.show:
                        shown.append(f"    {verdict}: {row['problem'][:90]} | hyps {row['hypotheses']} | {why[:200]}")
        failed = counts["undefined"] + counts["disagree"] + counts["error"]
        failed_any |= failed > 0
        print(f"{corpus}: kind {kind}, {total} records, failing {failed} (undefined {counts['undefined']}, "
              f"disagree {counts['disagree']}, error {counts['error']}), not checkable (no points) "
              f"{counts['no_points']}, {time.time() - started:.0f} s")
        for line in shown:
            print(line)
    return 1 if failed_any else 0


if __name__ == "__main__":
    sys.exit(main())
