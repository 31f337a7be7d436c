"""How a equation record reads: the renderings stored beside it (prefix tokens, LaTeX, the Lean statement) and
the text ``rpsdg show`` prints. Wording for the exports lives in ``templates/equation/``."""

from __future__ import annotations

from typing import Any, Mapping

from rpsdg.core import Derivation, checks_line
from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import LeanUnsupported, to_latex, to_lean, to_prefix
from rpsdg.expr.tree import Expr
from rpsdg.kinds.equation.generate import VARIABLES


def _lean_statement(derivation: Derivation) -> str:
    problem, answer = derivation.problem, derivation.answer
    solutions = answer if answer is not None else Expr("set", ())
    hyps = "".join(f" (h{i} : {to_lean(h)})" for i, h in enumerate(derivation.hypotheses))
    if problem.op == "tuple":
        names = VARIABLES[:len(problem.args)]
        (point,) = solutions.args
        equations = " ∧ ".join(f"{to_lean(e)}" for e in problem.args)
        solved = " ∧ ".join(f"{n} = {to_lean(v)}" for n, v in zip(names, point.args))
        binders = " ".join(names)
        return f"theorem equation_item ({binders} : ℝ) :\n    ({equations}) ↔ ({solved})"
    solved = " ∨ ".join(f"x = {to_lean(r)}" for r in solutions.args)
    return f"theorem equation_item (x : ℝ){hyps} :\n    {to_lean(problem)} ↔ {solved}"


def renderings(derivation: Derivation) -> dict[str, str]:
    try:
        lean = _lean_statement(derivation)
    except LeanUnsupported as unsupported:
        lean = f"-- not stated in Lean: {unsupported}"
    answer = derivation.answer if derivation.answer is not None else Expr("set", ())
    return {"prefix": " ".join(to_prefix(derivation.problem)),
            "latex": f"{to_latex(derivation.problem)} \\implies x \\in {to_latex(answer)}"
            if derivation.problem.op != "tuple" else
            f"{to_latex(derivation.problem)} \\implies (x, y, z) \\in {to_latex(answer)}",
            "lean": lean}


def describe(row: Mapping[str, Any]) -> str:
    """The record as a person reads it."""
    method = f", {row['method']}" if row.get("method") else ""
    lines = [f"Solve {row['problem']}    ({row.get('subkind', '')}{method}, level {row['level']}, uid {row['uid'][:12]})"]
    if row["hypotheses"]:
        lines.append("where " + ", ".join(row["hypotheses"]))
    lines.append("")
    for number, step in enumerate(row["steps"], start=1):
        how = step["rule"].replace("_", " ")
        operand = f" {step['operand']}" if step["operand"] else ""
        lines.append(f"{number:>3}. [{how}{operand}{_which_equation(step)}]")
        lines.append(f"     {step['after']}" + (f"    ({step['note'].replace('`', '')})" if step.get("note") else ""))
    lines.append("")
    lines.append(f"Answer: {row['answer']}")
    lines.append(checks_line(row["checks"]))
    return "\n".join(lines)


def _which_equation(step: Mapping[str, Any]) -> str:
    """`` in equation 2`` for a system step (the one equation it changes), else nothing."""
    if not step["before"].startswith("Tuple("):
        return ""
    try:
        before, after = parse(step["before"], "step before"), parse(step["after"], "step after")
    except ParseError:
        return ""
    changed = [i + 1 for i, (b, a) in enumerate(zip(before.args, after.args)) if b != a]
    return f" in equation {changed[0]}" if len(changed) == 1 else ""
