"""How a theorem record reads: the renderings stored beside it (prefix tokens, LaTeX, the Lean statement) and
the text ``rpsdg show`` prints. Wording for the exports lives in ``templates/theorem/``."""

from __future__ import annotations

from typing import Any, Mapping

from rpsdg.core import Derivation, checks_line
from rpsdg.expr.printers import LeanUnsupported, to_latex, to_lean, to_prefix


def renderings(derivation: Derivation) -> dict[str, str]:
    lhs, rhs = derivation.problem.args
    dialect = str(derivation.extra.get("domain", "real"))
    names = sorted(lhs.free_symbols() | rhs.free_symbols())
    try:
        ty = "ℤ" if dialect == "int" else "ℝ"
        binders = f"({' '.join(names)} : {ty})" if names else ""
        hyps = "".join(f" (h{i} : {to_lean(h, dialect)})" for i, h in enumerate(derivation.hypotheses))
        lean = (f"-- statement only; the proof is the record's steps (each rule's lean_{dialect} term)\n"
                f"theorem rpsdg_theorem {binders}{hyps} :\n    {to_lean(lhs, dialect)} = {to_lean(rhs, dialect)}")
    except LeanUnsupported as unsupported:
        lean = f"-- not stated in Lean: {unsupported}"
    return {"prefix": " ".join(to_prefix(lhs) + ["="] + to_prefix(rhs)),
            "latex": f"{to_latex(lhs)} = {to_latex(rhs)}", "lean": lean}


def describe(row: Mapping[str, Any]) -> str:
    """The record as a person reads it."""
    lines = [f"Theorem ({row['domain']}, level {row['level']}, uid {row['uid'][:12]}): {row['problem']}"]
    if row["hypotheses"]:
        lines.append("assuming " + ", ".join(row["hypotheses"]))
    closable = row.get("ring_closable")
    ring = "" if closable is None else ("; ring alone closes it" if closable else "; needs more than ring axioms")
    lines.append(f"Proof ({row['shortest_found']} steps; the walk took {row['proof_length']}{ring}):")
    for number, step in enumerate(row["steps"], start=1):
        lines.append(f"{number:>3}. {step['rule']} ({step['direction']}) at {step['path']} with {step['substitution']}")
        lines.append(f"     {step['before']}  =  {step['after']}")
    lines.append(checks_line(row["checks"]))
    return "\n".join(lines)
