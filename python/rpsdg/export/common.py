"""Pieces every exporter shares: the solution in reading order, LaTeX of stored text, split files.

Reading order (issue 12). Kinds without ``parts`` keep the stored order. A kind whose steps combine earlier
results through ``parts`` (integrals store the root step first, each step naming its children) is shown in
*solving order, top down*, as a teacher writes it, when its spec has the hook ``KindSpec.step_formulas``:

* a composite step whose formulas hold an ``announce`` is shown twice: an *announce* line (the decomposition as
  an identity between the integral and its pieces: ``∫ (f + g) dx = ∫ f dx + ∫ g dx``) before its parts, and a
  *combine* line (``so ∫ (f + g) dx = F + G``, citing its parts' result lines) after them; a composite step
  without an ``announce`` is shown once, after its parts;
* a leaf step (a table entry, the power rule) is shown once;
* a part already solved earlier is not solved again: the announce line cites it (``by step k``), the combine line
  cites its first result line; a stored step that solves the same sub-problem as an earlier shown one (the same
  ``KindSpec.step_input_field``: the same integrand) is not shown again either, its citers cite the earlier line.

So every line only cites lines shown before it, every stored step appears (or its twin does), and each distinct
sub-problem is solved once. A kind with ``parts`` but no hook reads *children first* (the stored order
reversed), the generic default. Shown lines are numbered 1..n; :class:`ShownStep` says which stored step a line shows and in which role
(``announce``, ``combine``, ``step``). The stored records never change: only the exports' rendering does.
To give another kind the top-down order: implement ``step_formulas`` in its ``text.py`` and name it in its spec.
Stored text is re-read with our grammar (never ``eval``/``sympify``); text it does not accept is shown as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence, TextIO

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_latex
from rpsdg.export.splits import SPLIT_KINDS, SPLITS, NovelPolicy, corpus_levels, novel_policy, random_split


ANNOUNCE, COMBINE, STEP = "announce", "combine", "step"
"""Roles of a shown line: the announce line of a composite step, its combine line, a step shown once."""


@dataclass(frozen=True)
class ShownStep:
    """One shown line: its number (1-based, reading order), its stored index and row, the numbers it cites."""

    number: int
    stored_index: int
    step: Mapping[str, Any]
    parts: tuple[int, ...]
    """Numbers of the earlier lines this line cites: a combine line (or a step shown once) its parts' result
    lines, in the stored parts' order; an announce line the parts that were already solved before it."""
    role: str = STEP
    """``announce``, ``combine`` or ``step`` (shown once)."""
    formulas: Mapping[str, str] = field(default_factory=dict)
    """The kind's formulas of the stored step (``KindSpec.step_formulas``), in the export's math format."""
    cited: tuple[Mapping[str, str], ...] = ()
    """The formulas of the stored steps behind ``parts``, in the same order (so a template can say which
    sub-integral step k solved)."""
    depth: int = 0
    """How deep the stored step sits below the root (0: the problem itself), for indented displays."""


StepFormulas = Callable[[Mapping[str, Any], Sequence[Mapping[str, Any]], str], Mapping[str, str]]
"""``(stored step, its parts' stored steps, math format) -> formulas`` (see ``KindSpec.step_formulas``)."""


def reading_order(row: Mapping[str, Any], math: str = "plain") -> list[ShownStep]:
    """The record's steps in reading order (see the module docstring); the kind's hook is looked up by name. A
    kind with the hook reads top down (a record without ``parts`` then keeps its stored order, with formulas)."""
    steps = list(row["steps"])
    from rpsdg.kinds import find_kind

    spec = find_kind(str(row.get("kind", "")))
    hook = getattr(spec, "step_formulas", None) if spec is not None else None
    if hook is not None:
        field_name = spec.step_input_field  # type: ignore[union-attr]
        return top_down(steps, hook, math, lambda step: step.get(field_name) or None)
    if not any(step.get("parts") for step in steps):
        return [ShownStep(i + 1, i, step, ()) for i, step in enumerate(steps)]
    return children_first(steps)


def children_first(steps: Sequence[Mapping[str, Any]]) -> list[ShownStep]:
    """The generic order for steps with ``parts``: the stored (root-first) order reversed, so each step only
    cites steps already shown; numbers 1..n, ``parts`` renumbered."""
    count = len(steps)
    number_of = {index: count - index for index in range(count)}
    shown = []
    for index in range(count - 1, -1, -1):
        step = steps[index]
        cited = tuple(sorted(number_of[p] for p in step.get("parts", []) if p in number_of))
        shown.append(ShownStep(number_of[index], index, step, cited))
    return shown


def top_down(steps: Sequence[Mapping[str, Any]], hook: StepFormulas | None, math: str = "plain",
             same: Callable[[Mapping[str, Any]], Any] | None = None) -> list[ShownStep]:
    """Solving order: announce, parts (each distinct one once), combine (see the module docstring).

    Roots are the steps no other step cites (the stored root first); parts are visited in their stored order.
    ``same(step)`` names the sub-problem a step solves (the kind's ``step_input_field``: an integral's
    integrand); a stored step whose sub-problem was already solved on an earlier line is not shown again: the
    lines that need it cite that line (stored records may hold such twins, e.g. SymPy's rule trees). ``None``
    (or a step for which it gives ``None``): stored steps are distinct. A malformed ``parts`` (out of range, a
    cycle) is shown as far as it goes: an index out of range is skipped and a step on the current path is cited
    only once it is shown, never re-entered."""
    count = len(steps)
    cited_by_someone = {p for step in steps for p in step.get("parts", []) if isinstance(p, int) and 0 <= p < count}
    formulas: dict[int, Mapping[str, str]] = {}

    def formulas_of(index: int) -> Mapping[str, str]:
        if index not in formulas:
            step = steps[index]
            parts = [steps[p] for p in _parts(step, count)]
            formulas[index] = dict(hook(step, parts, math)) if hook is not None else {}
        return formulas[index]

    shown: list[ShownStep] = []
    result_line: dict[int, int] = {}
    entered: set[int] = set()

    steps_of: dict[int, int] = {}  # shown number -> stored index

    def emit(index: int, role: str, cites: list[int], depth: int) -> None:
        numbers = tuple(dict.fromkeys(result_line[p] for p in cites if p in result_line))
        cited = tuple(formulas_of(steps_of[n]) for n in numbers)
        shown.append(ShownStep(len(shown) + 1, index, steps[index], numbers, role, formulas_of(index), cited,
                               depth))
        steps_of[len(shown)] = index

    solved: dict[Any, int] = {}  # sub-problem -> the stored step whose result line solved it

    def visit(index: int, depth: int) -> None:
        if index in entered:
            return
        entered.add(index)
        key = same(steps[index]) if same is not None else None
        if key is not None and key in solved:
            result_line[index] = result_line[solved[key]]
            return
        parts = _parts(steps[index], count)
        for part in parts:  # twins of solved sub-problems are known before the announce line
            twin = same(steps[part]) if same is not None and part not in entered else None
            if twin is not None and twin in solved:
                entered.add(part)
                result_line[part] = result_line[solved[twin]]
        if not parts:
            emit(index, STEP, [], depth)
        elif ANNOUNCE in formulas_of(index):
            emit(index, ANNOUNCE, [p for p in parts if p in result_line], depth)
            for part in parts:
                visit(part, depth + 1)
            emit(index, COMBINE, parts, depth)
        else:
            for part in parts:
                visit(part, depth + 1)
            emit(index, STEP, parts, depth)
        result_line[index] = len(shown)
        if key is not None:
            solved.setdefault(key, index)

    for index in range(count):
        if index not in cited_by_someone:
            visit(index, 0)
    for index in range(count):  # steps only reachable through a cycle
        visit(index, 0)
    return shown


def _parts(step: Mapping[str, Any], count: int) -> list[int]:
    return [p for p in step.get("parts", []) or [] if isinstance(p, int) and 0 <= p < count]


def latex_of(text: str, what: str = "expression") -> str:
    """LaTeX of stored infix text; the text itself where our grammar does not read it."""
    if not text:
        return ""
    try:
        return to_latex(parse(text, what))
    except (ParseError, ValueError):
        return text


def policy_for(kind: str, manifest: Mapping[str, Any]) -> NovelPolicy:
    return novel_policy(kind, corpus_levels(manifest))


class SplitFiles:
    """Streams records into ``random/{train,validation,test}<suffix>`` and ``novel/...``; counts what went where.

    Each record is written once per split kind with its ``split`` field set (Hugging Face's split names, see
    ``splits.SPLITS``). ``json_array`` writes each file as one JSON array (LeanDojo's layout), streamed element by
    element, instead of JSON lines. ``names`` renames the split-kind folders and ``file_names`` the split files of a
    layout with its own names (LeanDojo: ``novel_premises/``, ``val.json``); counts keep the split names.
    """

    def __init__(self, directory: Path, policy: NovelPolicy, suffix: str = ".jsonl", json_array: bool = False,
                 names: Mapping[str, str] | None = None, file_names: Mapping[str, str] | None = None):
        self.policy, self.json_array = policy, json_array
        self.names = dict(names or {kind: kind for kind in SPLIT_KINDS})
        self.handles: dict[tuple[str, str], TextIO] = {}
        self.counts: dict[str, dict[str, int]] = {self.names[k]: {s: 0 for s in SPLITS} for k in SPLIT_KINDS}
        self.paths: dict[str, dict[str, str]] = {}
        for kind in SPLIT_KINDS:
            folder = directory / self.names[kind]
            folder.mkdir(parents=True, exist_ok=True)
            for split in SPLITS:
                file_name = f"{(file_names or {}).get(split, split)}{suffix}"
                handle = (folder / file_name).open("w", encoding="utf-8")
                if json_array:
                    handle.write("[")
                self.handles[(kind, split)] = handle
                self.paths.setdefault(self.names[kind], {})[split] = f"{self.names[kind]}/{file_name}"

    def splits_of(self, row: Mapping[str, Any]) -> dict[str, str]:
        return {"random": random_split(row), "novel": self.policy.assign(row)}

    def add(self, row: Mapping[str, Any], record: Mapping[str, Any], split_field: str | None = "split") -> None:
        for kind, split in self.splits_of(row).items():
            written = {**record, split_field: split} if split_field else dict(record)
            handle = self.handles[(kind, split)]
            counts = self.counts[self.names[kind]]
            text = json.dumps(written, ensure_ascii=False)
            if self.json_array:
                handle.write(("\n" if counts[split] == 0 else ",\n") + text)
            else:
                handle.write(text + "\n")
            counts[split] += 1

    def add_line(self, row: Mapping[str, Any], line: Callable[[int], str]) -> None:
        """Write a raw text line per split kind; ``line(n)`` gets the record's 1-based number in that file."""
        for kind, split in self.splits_of(row).items():
            counts = self.counts[self.names[kind]]
            counts[split] += 1
            self.handles[(kind, split)].write(line(counts[split]) + "\n")

    def close(self) -> None:
        for handle in self.handles.values():
            if self.json_array:
                handle.write("\n]\n")
            handle.close()

    def __enter__(self) -> "SplitFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def stats(self) -> dict[str, Any]:
        return {"splits": self.counts, "split_files": self.paths,
                "novel_policy": {"name": self.policy.name, "description": self.policy.description}}


def split_data_files(stats: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    """The card's ``configs`` for exporters that use :class:`SplitFiles`."""
    return stats.get("split_files", {})


_READABLE_RELATION = {"eq": " = ", "ne": " ≠ ", "lt": " < ", "le": " ≤ ", "gt": " > ", "ge": " ≥ "}


def readable(text: str) -> str:
    """Stored text as people write it: ``Ne(x, 0)`` → ``x ≠ 0``, a system ``Tuple(Eq(..), Eq(..))`` → ``a = b,
    c = d``, ``FiniteSet(1, 2)`` → ``{1, 2}``; plain expressions and text our grammar does not read unchanged."""
    if not text:
        return text
    try:
        return _human(parse(text, "expression"))
    except (ParseError, ValueError):
        return text


def _human(e) -> str:
    from rpsdg.expr.printers import to_infix

    if e.op in _READABLE_RELATION and len(e.args) == 2:
        return _human(e.args[0]) + _READABLE_RELATION[e.op] + _human(e.args[1])
    if e.op == "set":
        return "{" + ", ".join(_human(a) for a in e.args) + "}" if e.args else "∅"
    if e.op == "tuple":
        if e.args and all(a.op in _READABLE_RELATION for a in e.args):
            return ", ".join(_human(a) for a in e.args)
        return "(" + ", ".join(_human(a) for a in e.args) + ")"
    return to_infix(e)
