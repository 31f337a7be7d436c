"""Lean text for the Lean-facing exports (``leandojo``, ``whole-proof``): statements and tactic proofs from each
kind's Lean renderer, cut into tactics, with PREDICTED proof states (no Lean ran here).

A kind with Lean hooks (``KindSpec.lean``, a :class:`~rpsdg.lean.proof.LeanKind`) renders a row into its template
data and turns that into a :class:`~rpsdg.lean.proof.Proof`: statement, one tactic per recorded step (with the
pinned premises it uses), predicted states. A kind without hooks may carry ``tactic``, ``state_before`` and
``state_after`` strings in its steps; otherwise the record is skipped and counted, never given invented tactics.
Records the renderer refuses are skipped with its reason.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from rpsdg.errors import RpsdgError
from rpsdg.kinds import get_kind
from rpsdg.lean.proof import Proof, Renderers, Statement, Tactic
from rpsdg.lean.text import NotRenderable


def proof_of(row: Mapping[str, Any], renderers: Renderers | None = None) -> Proof | str:
    """The Lean proof of one record, or the reason there is none (the renderer's refusal, or no rendering)."""
    try:
        return _proof_of(row, renderers or Renderers())
    except RpsdgError as error:
        return f"not renderable: {_reason_class(str(error))}"


def _proof_of(row: Mapping[str, Any], renderers: Renderers) -> Proof | str:
    name = full_name(row)
    kind = str(row["kind"])
    render = renderers.renderer(kind)
    if render is None:
        return _carried_proof(row, name)
    data = render(row)
    if isinstance(data, NotRenderable):
        return f"not renderable: {_reason_class(data.reason)}"
    return get_kind(kind).lean.proof(data, name)


def _carried_proof(row: Mapping[str, Any], name: str) -> Proof | str:
    """A kind without a renderer: tactics and states the steps carry themselves, if they all do."""
    steps = list(row["steps"])
    fields = ("tactic", "state_before", "state_after")
    if not steps or not all(isinstance(s.get(f), str) and s.get(f) for s in steps for f in fields):
        return f"no Lean rendering for kind {row['kind']!r} (steps carry no tactic/state_before/state_after)"
    statement = split_statement(str(row.get("lean", "")))
    if statement is None:
        return "no Lean statement in the record"
    tactics = tuple(Tactic(s["tactic"], (), statement.goal) for s in steps)
    return Proof(Statement(name, statement.binders, statement.goal), tactics,
                 tuple((s["state_before"], s["state_after"]) for s in steps))


def split_statement(lean: str) -> Statement | None:
    """``theorem NAME BINDERS : GOAL`` split at the first top-level colon; ``None`` if it is not one."""
    match = re.match(r"\s*(?:theorem|lemma)\s+(\S+)", lean)
    if not match:
        return None
    rest, binders, depth, start = lean[match.end():], [], 0, 0
    for position, char in enumerate(rest):
        if char in "([{":
            start = position + 1 if depth == 0 else start
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                binders.append(" ".join(rest[start:position].split()))
        elif char == ":" and depth == 0:
            goal = re.sub(r"\s*:=.*$", "", " ".join(rest[position + 1:].split()))
            return Statement(match.group(1), tuple(binders), goal)
    return None


def _reason_class(reason: str) -> str:
    """A short, countable form of a renderer refusal (numbers, quoted and bracketed text removed)."""
    reason = re.sub(r"\s*\(.*$", "", reason.split(";")[0])
    return re.sub(r"\s+", " ", re.sub(r"'[^']*'|\"[^\"]*\"|\d+", "…", reason)).strip()[:80]


def full_name(row: Mapping[str, Any]) -> str:
    return f"RpsdgGen.item_{str(row['uid'])[:16]}"


def header() -> str:
    """The whole-proof header: DeepSeek-Prover / Goedel's, plus rpsdg's one-macro support library inlined so the
    file needs nothing beyond Mathlib."""
    from rpsdg.lean.project import support_library  # the project writer imports the kinds' renderers

    support = "\n".join(line for line in support_library().splitlines() if not line.startswith("import "))
    return ("import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n" + support.strip() +
            "\n\nopen BigOperators Real Nat Topology Rat\n\n")


def proof_body(proof: Proof) -> str:
    """The tactic block, indented two spaces."""
    return "".join("  " + t.tactic.replace("\n", "\n  ") + "\n" for t in proof.tactics)
