"""How a integral record reads: the renderings stored beside it (prefix tokens, LaTeX, the Lean statement) and
the text ``rpsdg show`` prints. Wording for the exports lives in ``templates/integral/``."""

from __future__ import annotations

from typing import Any, Mapping

from rpsdg.core import Derivation, checks_line
from rpsdg.expr.printers import LeanUnsupported, to_latex, to_lean, to_prefix


def renderings(derivation: Derivation) -> dict[str, str]:
    f, F = derivation.problem, derivation.answer or derivation.problem
    try:
        hyps = "".join(f" (h{i} : {to_lean(h)})" for i, h in enumerate(derivation.hypotheses))
        lean = f"theorem integral_item (x : ℝ){hyps} :\n    HasDerivAt (fun x : ℝ => {to_lean(F)}) ({to_lean(f)}) x"
    except LeanUnsupported as unsupported:
        lean = f"-- not stated in Lean: {unsupported}"
    return {"prefix": " ".join(to_prefix(f)), "answer_prefix": " ".join(to_prefix(F)),
            "latex": rf"\int {to_latex(f)} \, dx = {to_latex(F)} + C", "lean": lean}


def length_stats(row: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Token lengths per direction for the manifest (the backward skew: long integrands, short answers)."""
    figures = {"integrand_tokens": float(len(str(row.get("prefix", "")).split())),
               "antiderivative_tokens": float(len(str(row.get("answer_prefix", "")).split())),
               "steps": float(len(row["steps"]))}
    return {f"direction:{row.get('direction') or 'backward'}": figures, "all": figures}


def describe(row: Mapping[str, Any]) -> str:
    """The record as a person reads it."""
    direction = f", {row['direction']}" if row.get("direction") else ""
    lines = [f"∫ {row['problem']} dx    (level {row['level']}{direction}, uid {row['uid'][:12]})"]
    if row["hypotheses"]:
        lines.append("where " + ", ".join(row["hypotheses"]))
    lines.append("")
    for number, step in enumerate(row["steps"], start=1):
        how = step["rule"].replace("_", " ")
        extra = f", u = {step['substitution']}" if step["substitution"] else ""
        extra += f", du = ({step['du']}) dx" if step.get("du") else ""
        extra += f", c = {step['factor']}" if step["factor"] else ""
        parts = f" from steps {', '.join(str(p + 1) for p in step['parts'])}" if step["parts"] else ""
        lines.append(f"{number:>3}. [{how}{extra}]{parts}")
        lines.append(f"     ∫ {step['integrand']} dx = {step['antiderivative']}")
        if step["rule"] == "rewrite" and step["parts"]:  # the identity the rewrite uses
            lines.append(f"     since {step['integrand']} = {row['steps'][step['parts'][0]]['integrand']}")
        if step["rule"] == "simplify" and step["parts"]:
            lines.append(f"     since {row['steps'][step['parts'][0]]['antiderivative']} = {step['antiderivative']}")
    lines.append("")
    lines.append(f"Answer: {row['answer']} + C")
    lines.append(checks_line(row["checks"]))
    return "\n".join(lines)
