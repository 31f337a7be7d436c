"""The public corpus record: one row per verified item, the same columns for every kind.

Common columns (documented in README): ``uid kind level problem answer hypotheses steps checks`` plus the
renderings ``prefix latex lean`` and provenance ``generator generator_version seed index``. A kind adds the fields
of its steps and its extra columns through its spec (``generators/__init__.py``). Every expression is infix text
that our grammar and ``sympy.sympify`` both read. Rows are plain dicts so that pyarrow, pandas and ``datasets`` load
them without rpsdg; :func:`validate_row` is how we read a row someone else wrote.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

import pyarrow as pa

from rpsdg.core import Derivation, Verdict, verdict_row
from rpsdg.errors import CorpusError
from rpsdg.expr.printers import to_infix
from rpsdg.kinds import KindSpec

RECORD_FORMAT = 1

_ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "int_list": pa.list_(pa.int32())}
_PY_TYPES = {"string": str, "int": int, "int_list": list}

CHECK_TYPE = pa.struct([("checker", pa.string()), ("status", pa.string()), ("detail", pa.string()),
                        ("version", pa.string())])

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("uid", "string"), ("kind", "string"), ("level", "int"), ("problem", "string"), ("answer", "string"),
    ("hypotheses", "string_list"), ("steps", "steps"), ("checks", "checks"), ("prefix", "string"),
    ("latex", "string"), ("lean", "string"), ("generator", "string"), ("generator_version", "string"),
    ("seed", "int"), ("index", "int"),
)


def uid_of(text: str) -> str:
    """The record id: sha256 of the canonical problem text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def arrow_schema(spec: KindSpec) -> pa.Schema:
    """The Parquet schema of a corpus of ``spec``'s kind."""
    step_type = pa.struct([(name, _ARROW_TYPES[kind]) for name, kind in spec.step_fields])
    special = {"string_list": pa.list_(pa.string()), "steps": pa.list_(step_type), "checks": pa.list_(CHECK_TYPE)}
    fields = [(name, special.get(kind) or _ARROW_TYPES[kind]) for name, kind in COMMON_COLUMNS]
    fields += [(name, _ARROW_TYPES[kind]) for name, kind in spec.extra_fields]
    return pa.schema(fields)


def make_row(derivation: Derivation, spec: KindSpec, uid: str, seed: int, index: int) -> dict[str, Any]:
    """The stored row of a derivation, before checking (``checks`` is empty)."""
    renderings = dict(spec.renderings(derivation))
    row: dict[str, Any] = {
        "uid": uid, "kind": derivation.kind, "level": derivation.level,
        "problem": to_infix(derivation.problem),
        "answer": to_infix(derivation.answer) if derivation.answer is not None else "",
        "hypotheses": [to_infix(h) for h in derivation.hypotheses],
        "steps": [step.to_row() for step in derivation.steps],
        "checks": [],
        "prefix": renderings.pop("prefix", ""), "latex": renderings.pop("latex", ""),
        "lean": renderings.pop("lean", ""),
        "generator": spec.name, "generator_version": spec.version, "seed": seed, "index": index,
    }
    for name, _ in spec.extra_fields:
        row[name] = derivation.extra.get(name, renderings.get(name))
    return row


def with_checks(row: dict[str, Any], verdicts: list[Verdict]) -> dict[str, Any]:
    return {**row, "checks": [verdict_row(v) for v in verdicts]}


def validate_row(row: Any, spec: KindSpec, where: str) -> dict[str, Any]:
    """``row`` if it has every column with the right type; a :class:`CorpusError` naming ``where`` otherwise."""
    if not isinstance(row, Mapping):
        raise CorpusError(f"{where}: a record must be an object, got {type(row).__name__}")
    uid = row.get("uid", "?")

    def fail(problem: str) -> CorpusError:
        return CorpusError(f"{where}, record {str(uid)[:16]}: {problem}; re-create the corpus with `rpsdg build` "
                           f"or fix the record")

    for name, kind in COMMON_COLUMNS + tuple(spec.extra_fields):
        if name not in row:
            raise fail(f"missing column {name!r}")
        value = row[name]
        if kind == "string_list":
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif kind == "steps":
            ok = isinstance(value, list) and all(_valid_step(s, spec) for s in value)
        elif kind == "checks":
            ok = isinstance(value, list) and all(isinstance(c, Mapping) for c in value)
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool)
        else:
            ok = isinstance(value, _PY_TYPES[kind]) or (value is None and name in dict(spec.extra_fields))
        if not ok:
            raise fail(f"column {name!r} has the wrong type ({type(value).__name__})")
    if row["kind"] != spec.name:
        raise fail(f"kind is {row['kind']!r}, expected {spec.name!r}")
    return dict(row)


def _valid_step(step: Any, spec: KindSpec) -> bool:
    if not isinstance(step, Mapping):
        return False
    for name, kind in spec.step_fields:
        value = step.get(name)
        if not isinstance(value, _PY_TYPES[kind]):
            return False
        if kind == "int_list" and not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return False
    return True
