"""Pieces every exporter shares: the solution in reading order, LaTeX of stored text, split files.

Reading order: a kind whose steps combine earlier results through ``parts`` (integrals store the root step first,
each step naming its children) is shown children first, so every step only cites steps already shown; the
stored indices are renumbered 1..n and ``parts`` follow. Kinds without ``parts`` keep the stored order.
Stored text is re-read with our grammar (never ``eval``/``sympify``); text it does not accept is shown as is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, TextIO

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_latex
from rpsdg.export.splits import SPLIT_KINDS, SPLITS, NovelPolicy, corpus_levels, novel_policy, random_split


@dataclass(frozen=True)
class ShownStep:
    """One step as shown: its number (1-based, reading order), its stored index and row, the numbers it cites."""

    number: int
    stored_index: int
    step: Mapping[str, Any]
    parts: tuple[int, ...]


def reading_order(row: Mapping[str, Any]) -> list[ShownStep]:
    """The record's steps in reading order (see the module docstring)."""
    steps = list(row["steps"])
    if not any(step.get("parts") for step in steps):
        return [ShownStep(i + 1, i, step, ()) for i, step in enumerate(steps)]
    count = len(steps)
    number_of = {index: count - index for index in range(count)}
    shown = []
    for index in range(count - 1, -1, -1):
        step = steps[index]
        cited = tuple(sorted(number_of[p] for p in step.get("parts", []) if p in number_of))
        shown.append(ShownStep(number_of[index], index, step, cited))
    return shown


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
