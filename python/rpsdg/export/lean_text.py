"""Lean text for the Lean-facing exports (``leandojo``, ``whole-proof``), PREDICTED, never run through Lean.

No Lean toolchain is available to rpsdg's exporters, so nothing here has been elaborated: the statement is the
record's ``lean`` column (renamed to a unique name), and the proof is our rendering of the solution as tactics:

* ``integral`` records: one ``have sN : HasDerivAt (fun x : ℝ => A) (f) x := (term).congr_deriv (by ring)`` per
  step in reading order, built with the Mathlib lemmas listed in ``/work/shared/lean/lemmas.md``
  (``HasDerivAt.fun_add``, ``.const_mul``, ``Real.hasDerivAt_sin`` …), then ``exact sRoot``. The proof states are
  our rendering of the goal and hypotheses (``state_source: "predicted"``).
* other kinds: a step that carries ``tactic`` (and optionally ``state_before``/``state_after``) strings gives
  them; a record whose steps do not is skipped (counted) rather than given invented tactics.

When the Lean renderer (``rpsdg.render``) and a Lean runner exist, replace :func:`predicted_proof` by their
output and set ``state_source`` to ``"lean"`` for states that came from Lean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ParseError
from ..expr.parse import parse
from ..expr.printers import LeanUnsupported, to_lean
from ..expr.tree import Expr, rational_value
from .common import reading_order

MATHLIB = "Mathlib/Analysis"
_PREMISE_FILES = {
    "HasDerivAt.fun_add": "Calculus/Deriv/Add.lean", "HasDerivAt.fun_sub": "Calculus/Deriv/Add.lean",
    "HasDerivAt.fun_neg": "Calculus/Deriv/Add.lean", "HasDerivAt.const_mul": "Calculus/Deriv/Mul.lean",
    "HasDerivAt.fun_mul": "Calculus/Deriv/Mul.lean", "HasDerivAt.div": "Calculus/Deriv/Inv.lean",
    "HasDerivAt.fun_pow": "Calculus/Deriv/Pow.lean", "HasDerivAt.comp": "Calculus/Deriv/Comp.lean",
    "HasDerivAt.congr_deriv": "Calculus/Deriv/Basic.lean", "hasDerivAt_id'": "Calculus/Deriv/Basic.lean",
    "hasDerivAt_const": "Calculus/Deriv/Basic.lean", "hasDerivAt_pow": "Calculus/Deriv/Pow.lean",
    "HasDerivAt.sin": "SpecialFunctions/Trigonometric/Deriv.lean",
    "HasDerivAt.cos": "SpecialFunctions/Trigonometric/Deriv.lean", "HasDerivAt.exp": "SpecialFunctions/ExpDeriv.lean",
    "HasDerivAt.log": "SpecialFunctions/Log/Deriv.lean", "HasDerivAt.sqrt": "SpecialFunctions/Sqrt.lean",
    "Real.hasDerivAt_sin": "SpecialFunctions/Trigonometric/Deriv.lean",
    "Real.hasDerivAt_cos": "SpecialFunctions/Trigonometric/Deriv.lean",
    "Real.hasDerivAt_exp": "SpecialFunctions/ExpDeriv.lean", "Real.hasDerivAt_log": "SpecialFunctions/Log/Deriv.lean",
}
_NEEDS_NONZERO = {"log", "div"}


@dataclass(frozen=True)
class Statement:
    """A Lean theorem statement split into its parts."""

    name: str
    binders: tuple[str, ...]
    """Binder groups without brackets, e.g. ``x : ℝ``, ``h0 : 25 * x ≠ 0``."""
    goal: str

    def text(self, name: str) -> str:
        binders = "".join(f" ({b})" for b in self.binders)
        return f"theorem {name}{binders} :\n    {self.goal}"

    def context(self) -> list[str]:
        return list(self.binders)


@dataclass(frozen=True)
class Tactic:
    """One predicted tactic with its premises marked as LeanDojo annotates them."""

    tactic: str
    annotated: str
    premises: tuple[str, ...]
    hypothesis: str = ""
    """The ``name : type`` this tactic adds to the context (``have``), if any."""


def split_statement(lean: str) -> Statement | None:
    """``theorem NAME BINDERS : GOAL`` split at the first top-level colon; ``None`` if it is not one."""
    match = re.match(r"\s*(?:theorem|lemma)\s+(\S+)", lean)
    if not match or lean.lstrip().startswith("--"):
        return None
    rest, binders, depth, start = lean[match.end():], [], 0, None
    for position, char in enumerate(rest):
        if char in "([{":
            if depth == 0:
                start = position + 1
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0 and start is not None:
                binders.append(" ".join(rest[start:position].split()))
        elif char == ":" and depth == 0:
            goal = " ".join(rest[position + 1:].split())
            goal = re.sub(r"\s*:=.*$", "", goal)
            return Statement(match.group(1), tuple(binders), goal)
    return None


def premise_entry(name: str) -> dict[str, Any]:
    path = _PREMISE_FILES.get(name)
    return {"full_name": name, "def_path": f"{MATHLIB}/{path}" if path else "", "def_pos": None,
            "def_end_pos": None}


class _Term:
    """A proof term being built, with the premises it cites (full names) and their annotated spelling."""

    def __init__(self, text: str, annotated: str, premises: tuple[str, ...] = ()):
        self.text, self.annotated, self.premises = text, annotated, premises

    @staticmethod
    def lemma(full_name: str, args: str = "") -> "_Term":
        tail = f" {args}" if args else ""
        return _Term(f"({full_name}{tail})", f"(<a>{full_name}</a>{tail})", (full_name,))

    def dot(self, method: str, *args: "_Term | str") -> "_Term":
        texts = [a.text if isinstance(a, _Term) else a for a in args]
        notes = [a.annotated if isinstance(a, _Term) else a for a in args]
        premises = self.premises + sum((a.premises for a in args if isinstance(a, _Term)), ())
        tail = "".join(" " + t for t in texts)
        tail_annotated = "".join(" " + t for t in notes)
        return _Term(f"({self.text}.{method}{tail})", f"({self.annotated}.<a>{method}</a>{tail_annotated})",
                     premises + (f"HasDerivAt.{method}",))


def _lean(e: Expr) -> str:
    return to_lean(e)


def _integral_term(step: Mapping[str, Any], A: Expr, names: list[str]) -> _Term:
    """The proof term of one integral step from its parts' hypotheses ``names`` (in order)."""
    rule, parts = str(step["rule"]), [_Term(n, n) for n in names]

    def operand(child: Expr) -> _Term:
        if not child.has("x"):
            return _Term.lemma("hasDerivAt_const", f"x ({_lean(child)})")
        return parts.pop(0) if parts else _Term.lemma("hasDerivAt_id'", "x")

    if rule == "rewrite" and parts:
        return parts[0]
    if rule in ("linearity_sum", "linearity_difference", "reverse_product", "reverse_quotient") and len(A.args) == 2:
        left, right = operand(A.args[0]), operand(A.args[1])
        method = {"linearity_sum": "fun_add", "linearity_difference": "fun_sub", "reverse_product": "fun_mul",
                  "reverse_quotient": "div"}[rule]
        return left.dot(method, right, "(by assumption)") if method == "div" else left.dot(method, right)
    if rule == "linearity_negation" and parts:
        return parts[0].dot("fun_neg")
    if rule == "linearity_constant" and parts:
        return parts[0].dot("const_mul", f"({step.get('factor') or '1'})")
    if rule == "substitution" and parts and A.args:
        inner = parts[0]
        if A.op in ("sin", "cos", "exp", "sqrt"):
            return inner.dot(A.op)
        if A.op == "log":
            return inner.dot("log", "(by assumption)")
        if A.op == "pow" and rational_value(A.args[1]) is not None:
            return inner.dot("fun_pow", _lean(A.args[1]))
        return _Term.lemma("HasDerivAt.comp", "x _").dot("comp", inner)
    if rule == "power_rule" and A.op == "pow":
        return _Term.lemma("hasDerivAt_pow", f"{_lean(A.args[1])} x")
    if rule == "table" and A.op in ("sin", "cos", "exp"):
        return _Term.lemma(f"Real.hasDerivAt_{A.op}", "x")
    if rule == "table" and A.op == "log":
        return _Term.lemma("Real.hasDerivAt_log", "(by assumption)")
    if rule == "table" and A.args:
        return _Term.lemma(f"Real.hasDerivAt_{A.op}", "x")
    return _Term.lemma("hasDerivAt_id'", "x")


def integral_tactics(row: Mapping[str, Any]) -> list[Tactic] | str:
    """The predicted tactic proof of an integral record, or the reason there is none."""
    shown = reading_order(row)
    name_of = {s.number: f"s{s.number}" for s in shown}
    tactics = []
    try:
        for step in shown:
            A = parse(step.step["antiderivative"], "antiderivative")
            f = parse(step.step["integrand"], "integrand")
            kind = f"HasDerivAt (fun x : ℝ => {_lean(A)}) ({_lean(f)}) x"
            term = _integral_term(step.step, A, [name_of[p] for p in step.parts])
            closing = "(by field_simp; ring)" if any(n.op == "div" for _, n in f.positions()) else "(by ring)"
            body = f"{term.text}.congr_deriv {closing}"
            annotated = f"{term.annotated}.<a>congr_deriv</a> {closing}"
            have = f"have {name_of[step.number]} : {kind} :=\n    "
            tactics.append(Tactic(have + body, have + annotated, term.premises + ("HasDerivAt.congr_deriv",),
                                  f"{name_of[step.number]} : {kind}"))
    except (ParseError, LeanUnsupported) as error:
        return f"no Lean rendering ({type(error).__name__})"
    root = max(name_of)
    tactics.append(Tactic(f"exact {name_of[root]}", f"exact {name_of[root]}", ()))
    return tactics


def predicted_proof(row: Mapping[str, Any]) -> tuple[list[Tactic], list[tuple[str, str]] | None] | str:
    """Tactics and, where the record carries them, explicit (state_before, state_after) pairs; or a skip reason.

    ``None`` states mean: render them from the statement and the ``have`` hypotheses (:func:`predicted_states`).
    """
    if row["kind"] == "integral":
        tactics = integral_tactics(row)
        return tactics if isinstance(tactics, str) else (tactics, None)
    steps = list(row["steps"])
    if not steps or not all(isinstance(s.get("tactic"), str) and s.get("tactic") for s in steps):
        return f"no tactic rendering for kind {row['kind']!r} (steps carry no `tactic` field)"
    tactics = [Tactic(s["tactic"], s["tactic"], ()) for s in steps]
    if all(isinstance(s.get("state_before"), str) and isinstance(s.get("state_after"), str) for s in steps):
        return tactics, [(s["state_before"], s["state_after"]) for s in steps]
    return f"kind {row['kind']!r}: steps carry tactics but no state_before/state_after to trace"


def predicted_states(statement: Statement, tactics: list[Tactic]) -> list[tuple[str, str]]:
    """(state_before, state_after) per tactic, rendered as Lean pretty-prints a goal: context lines, ``⊢ goal``;
    the state after the last tactic is ``no goals``."""
    context = statement.context()
    states = []
    for position, tactic in enumerate(tactics):
        before = "\n".join(context + [f"⊢ {statement.goal}"])
        if tactic.hypothesis:
            context = context + [" ".join(tactic.hypothesis.split())]
        after = "no goals" if position == len(tactics) - 1 else "\n".join(context + [f"⊢ {statement.goal}"])
        states.append((before, after))
    return states


def full_name(row: Mapping[str, Any]) -> str:
    return f"RpsdgGen.{row['kind']}_{str(row['uid'])[:16]}"


HEADER = ("import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
          "open BigOperators Real Nat Topology Rat\n\n")
"""The DeepSeek-Prover / Goedel whole-proof header."""
