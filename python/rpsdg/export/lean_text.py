"""Lean text for the Lean-facing exports (``leandojo``, ``whole-proof``): statements and tactic proofs from the
project's Lean renderer (``rpsdg.render``), cut into tactics, with PREDICTED proof states (no Lean ran here).

* ``integral``: ``render.integral.lean_integral`` gives one ``have sK : HasDerivAt (fun x : ℝ => F) (f) x :=
  term.congr_deriv (by rpsdg_deriv_eq)`` per step, leaves first; each is one tactic, then ``exact s0``.
* ``theorem``: ``render.theorem.lean_theorem`` gives a calc chain; each calc line becomes the tactic
  ``refine Eq.trans (proof : before = after) ?_`` (the last one ``exact (proof : before = rhs)``), so every step
  has its own goal ``⊢ before = rhs``.
* ``equation``: ``render.equation.lean_equation`` gives ``have eK : after := proof`` per step from the problem's
  equations as hypotheses (``e0``; ``p1``, ``p2`` for systems), then one closing tactic block for the conclusion
  (``exact``; ``rcases … mul_eq_zero`` for several roots): the forward half of the project's ``↔`` theorem.
* other kinds: steps that carry ``tactic``, ``state_before`` and ``state_after`` strings give them; otherwise the
  record is skipped and counted, never given invented tactics.

States are rendered as Lean pretty-prints a goal (context lines, ``⊢ goal``; ``no goals`` at the end) and are
labelled ``state_source: "predicted"``. Records the renderer refuses are skipped with its reason. Premises are
the pinned lemma names the tactic uses (``render/lemma_table.py``), with the Mathlib file cited there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import RpsdgError
from ..render.equation import EquationLean, lean_equation
from ..render.integral import IntegralLean, NotRenderable, lean_integral
from ..render.lemma_table import LEMMAS, lemma
from ..render.theorem import TheoremLean, lean_theorem, lemma_names_in, load_rule_terms

_PATH = re.compile(r"((?:Calculus|SpecialFunctions|Analysis|Algebra|Order|Data|Init)[\w/]*\.lean)")


@dataclass(frozen=True)
class Statement:
    """A Lean theorem statement: name, binder groups (without brackets) and the goal."""

    name: str
    binders: tuple[str, ...]
    goal: str

    def text(self, name: str | None = None) -> str:
        binders = "".join(f" ({b})" for b in self.binders)
        return f"theorem {name or self.name}{binders} :\n    {self.goal}"


@dataclass(frozen=True)
class Tactic:
    """One tactic with its premises (pinned lemma names) and the goal it is run on."""

    tactic: str
    premises: tuple[str, ...]
    goal: str
    """The goal (after ``⊢``) before this tactic."""
    adds: str = ""
    """The ``name : type`` this tactic adds to the context (``have``), if any."""

    def annotated(self) -> str:
        """The tactic with each premise marked ``<a>name</a>`` (LeanDojo's annotation)."""
        text = self.tactic
        for name in sorted(set(self.premises), key=len, reverse=True):
            text = re.sub(rf"(?<![\w.'>]){re.escape(name)}(?![\w'])", f"<a>{name}</a>", text)
            if name.startswith("HasDerivAt."):
                method = name.split(".", 1)[1]
                text = re.sub(rf"\.{re.escape(method)}(?![\w'])", f".<a>{method}</a>", text)
        return text


@dataclass(frozen=True)
class Proof:
    """A statement and its tactic proof, ready for both Lean exports."""

    statement: Statement
    tactics: tuple[Tactic, ...]
    states: tuple[tuple[str, str], ...]
    """(state_before, state_after) per tactic."""
    dialect: str = "real"


def premise_entry(name: str) -> dict[str, Any]:
    """LeanDojo's premise record; positions inside Mathlib are unknown here (``None``)."""
    info = LEMMAS.get(name)
    match = _PATH.search(info.source) if info else None
    path = match.group(1) if match else ""
    if path.startswith(("Calculus/", "SpecialFunctions/")):
        path = "Mathlib/Analysis/" + path
    return {"full_name": name, "def_path": path, "def_pos": None, "def_end_pos": None}


def _is_premise(name: str) -> bool:
    """A pinned constant (LeanDojo annotates constants, not tactics such as ``linear_combination``)."""
    info = LEMMAS.get(name)
    return info is not None and not info.statement.startswith("tactic:")


def _premises(term: str) -> tuple[str, ...]:
    names = [n for n in lemma_names_in(term) if _is_premise(n)]
    dotted = [f"HasDerivAt.{m}" for m in re.findall(r"\.(\w+)", term) if f"HasDerivAt.{m}" in LEMMAS]
    return tuple(dict.fromkeys(names + dotted))


def _states(context: list[str], tactics: list[Tactic]) -> tuple[tuple[str, str], ...]:
    states, current = [], list(context)
    for position, tactic in enumerate(tactics):
        before = "\n".join(current + [f"⊢ {tactic.goal}"])
        if tactic.adds:
            current = current + [tactic.adds]
        if position == len(tactics) - 1:
            after = "no goals"
        else:
            after = "\n".join(current + [f"⊢ {tactics[position + 1].goal}"])
        states.append((before, after))
    return tuple(states)


def _integral_proof(item: IntegralLean, name: str) -> Proof:
    v = item.var
    goal = f"HasDerivAt (fun {v} : ℝ => {item.function}) ({item.derivative}) {v}"
    binders = (f"{v} : ℝ",) + tuple(f"{h} : {text}" for h, text in item.hypotheses)
    tactics = []
    for have in item.haves:
        kind = f"HasDerivAt (fun {v} : ℝ => {have.function}) ({have.derivative}) {v}"
        text = f"have {have.name} : {kind} :=\n  {have.term}.congr_deriv (by rpsdg_deriv_eq)"
        tactics.append(Tactic(text, _premises(have.term) + ("HasDerivAt.congr_deriv",), goal,
                              f"{have.name} : {kind}"))
    tactics.append(Tactic(f"exact {item.final}", (), goal))
    context = [f"{v} : ℝ"] + [f"{h} : {text}" for h, text in item.hypotheses]
    return Proof(Statement(name, binders, goal), tuple(tactics), _states(context, tactics))


def _theorem_proof(item: TheoremLean, name: str) -> Proof:
    type_name = item.type_name
    shown_type = "ℤ" if type_name == "Int" else type_name
    binders = ((f"{' '.join(item.variables)} : {type_name}",) if item.variables else ()) + tuple(
        f"{h} : {text}" for h, text in item.hypotheses)
    goal = f"{item.lhs} = {item.rhs}"
    tactics, before = [], item.lhs
    for position, line in enumerate(item.lines):
        if position == len(item.lines) - 1:
            text = f"exact ({line.proof} : {before} = {line.after})"
        else:
            text = f"refine {lemma('Eq.trans')} ({line.proof} : {before} = {line.after}) ?_"
        tactics.append(Tactic(text, _premises(line.proof) + (() if position == len(item.lines) - 1 else
                                                             ("Eq.trans",)), f"{before} = {item.rhs}"))
        before = line.after
    context = ([f"{' '.join(item.variables)} : {shown_type}"] if item.variables else []) + [
        f"{h} : {text}" for h, text in item.hypotheses]
    return Proof(Statement(name, binders, goal), tuple(tactics), _states(context, tactics), item.dialect)


def _equation_proof(item: EquationLean, name: str) -> Proof:
    """The forward half (problem equations as hypotheses ⊢ solution), a step's side obligations (``cK``,
    ``nK``) as their own tactics just before it; the closing block (``exact``, or the
    ``rcases … mul_eq_zero`` split of several roots) is one tactic. The reverse half is in the Lake project."""
    hypotheses = [f"{h} : {text}" for h, text in item.hypotheses] + [f"{n} : {text}" for n, text in item.equations]
    tactics = [Tactic(f"have {name} : {statement} :=\n  {proof}", _premises(proof), item.conclusion,
                      f"{name} : {statement}")
               for have in item.haves
               for name, statement, proof in (*have.side, (have.name, have.statement, have.proof))]
    close = "\n".join(item.close)
    tactics.append(Tactic(close, _premises(close), item.conclusion))
    context = [f"{item.variables} : ℝ"] + hypotheses
    return Proof(Statement(name, (f"{item.variables} : ℝ", *hypotheses), item.conclusion), tuple(tactics),
                 _states(context, tactics))


def proof_of(row: Mapping[str, Any], rule_terms: Mapping[str, Mapping[str, str]] | None = None) -> Proof | str:
    """The Lean proof of one record, or the reason there is none (the renderer's refusal, or no rendering)."""
    try:
        return _proof_of(row, rule_terms)
    except RpsdgError as error:
        return f"not renderable: {_reason_class(str(error))}"


def _proof_of(row: Mapping[str, Any], rule_terms: Mapping[str, Mapping[str, str]] | None) -> Proof | str:
    name = full_name(row)
    kind = str(row["kind"])
    if kind == "integral":
        item = lean_integral(row)
        return f"not renderable: {_reason_class(item.reason)}" if isinstance(item, NotRenderable) else \
            _integral_proof(item, name)
    if kind == "equation":
        equation = lean_equation(row)
        return f"not renderable: {_reason_class(equation.reason)}" if isinstance(equation, NotRenderable) else \
            _equation_proof(equation, name)
    if kind == "theorem":
        item = lean_theorem(row, rule_terms if rule_terms is not None else load_rule_terms())
        return f"not renderable: {_reason_class(item.reason)}" if isinstance(item, NotRenderable) else \
            _theorem_proof(item, name)
    return _carried_proof(row, name)


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
    from ..render.project import support_library

    support = "\n".join(line for line in support_library().splitlines() if not line.startswith("import "))
    return ("import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n" + support.strip() +
            "\n\nopen BigOperators Real Nat Topology Rat\n\n")


def proof_body(proof: Proof) -> str:
    """The tactic block, indented two spaces."""
    return "".join("  " + t.tactic.replace("\n", "\n  ") + "\n" for t in proof.tactics)
