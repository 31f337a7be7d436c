"""A Lean proof as the Lean-facing exports need it: a statement, tactics with their premises, predicted states.

Each kind's Lean renderer (``kinds/<kind>/lean.py``) turns its template data into a :class:`Proof` (its
``LeanKind.proof`` hook); ``export/lean_text.py`` and the LeanDojo / whole-proof exports only ever see a ``Proof``.
States are rendered as Lean pretty-prints a goal (context lines, ``⊢ goal``; ``no goals`` at the end): they are
predicted, not read from Lean. Premises are the pinned lemma names a tactic uses (``lemma_table.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from rpsdg.kinds import find_kind
from rpsdg.lean.lemma_table import LEMMAS, lemma_names_in

_MATHLIB_PATH = re.compile(r"((?:Calculus|SpecialFunctions|Analysis|Algebra|Order|Data|Init)[\w/]*\.lean)")


@dataclass(frozen=True)
class LeanKind:
    """How one kind renders into Lean: the only hooks the Lake project writer and the Lean exports call."""

    renderer: Callable[[], Callable[[Mapping[str, Any]], Any]]
    """Make the renderer for one run (it may load data once, e.g. rule terms). The renderer turns a row into its
    template's data (with ``uid``, ``dialect`` and ``step_count``; the template is ``<kind>/<dialect>.lean.j2``)
    or a :class:`~rpsdg.lean.text.NotRenderable` with the reason."""
    proof: Callable[[Any, str], "Proof"]
    """Template data and a theorem name → the tactic proof the Lean exports cut into steps."""


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
    match = _MATHLIB_PATH.search(info.source) if info else None
    path = match.group(1) if match else ""
    if path.startswith(("Calculus/", "SpecialFunctions/")):
        path = "Mathlib/Analysis/" + path
    return {"full_name": name, "def_path": path, "def_pos": None, "def_end_pos": None}


def is_premise(name: str) -> bool:
    """A pinned constant (LeanDojo annotates constants, not tactics such as ``linear_combination``)."""
    info = LEMMAS.get(name)
    return info is not None and not info.statement.startswith("tactic:")


def premises_of(term: str) -> tuple[str, ...]:
    names = [n for n in lemma_names_in(term) if is_premise(n)]
    dotted = [f"HasDerivAt.{m}" for m in re.findall(r"\.(\w+)", term) if f"HasDerivAt.{m}" in LEMMAS]
    return tuple(dict.fromkeys(names + dotted))


def predicted_states(context: list[str], tactics: list[Tactic]) -> tuple[tuple[str, str], ...]:
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


class Renderers:
    """Each kind's Lean renderer for one run, made on first use (a renderer may load data once, e.g. the theorem
    kind's rule terms). ``given`` supplies ready renderers by kind name (tests pass hand-made rule terms so)."""

    def __init__(self, given: Mapping[str, Callable[[Mapping[str, Any]], Any]] | None = None):
        self._made: dict[str, Callable[[Mapping[str, Any]], Any] | None] = dict(given or {})

    def renderer(self, kind: str) -> Callable[[Mapping[str, Any]], Any] | None:
        """The renderer of ``kind``; ``None`` for a kind without Lean hooks."""
        if kind not in self._made:
            spec = find_kind(kind)
            self._made[kind] = spec.lean.renderer() if spec is not None and spec.lean is not None else None
        return self._made[kind]
