"""The public corpus record: one row per verified item, the same stored columns for every kind.

Two shapes of one row, converted only at the store boundary (:func:`encode_row`, :func:`decode_row`):

* **In memory** (what generators make, checkers and exporters read): the common columns ``uid kind level problem
  answer hypotheses steps checks prefix latex lean generator generator_version seed index``, with ``steps`` a list
  of step objects (the kind's ``KindSpec.step_fields``), plus the kind's ``KindSpec.extra_fields`` as top-level keys.
* **Stored** (shards; record format 2): the same common columns, in :data:`STORED_COLUMNS` order and with the
  Arrow types of :data:`SCHEMA` for every kind, except that ``steps`` is JSON text (a list of step objects) and the
  kind's extra fields are one JSON text column ``extra`` (an object). So shards of every kind share one schema and
  concatenate (``pyarrow``, ``pandas``, ``datasets``), and adding a kind changes no column.

Every expression is infix text that our grammar and ``sympy.sympify`` both read. Rows are plain dicts so that
pyarrow, pandas and ``datasets`` load them without rpsdg; :func:`validate_row` is how we read a row someone else
wrote. To add a common column: add it to :data:`STORED_COLUMNS` (and the in-memory type to ``COMMON_COLUMNS``),
describe it in :data:`COLUMN_DOCS`, and bump :data:`RECORD_FORMAT`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

import pyarrow as pa

from rpsdg.core import Derivation, Verdict, verdict_row
from rpsdg.errors import CorpusError
from rpsdg.expr.printers import to_infix
from rpsdg.kinds import KindSpec

RECORD_FORMAT = 2
"""1: one Arrow schema per kind (typed ``steps`` structs, extra fields as columns), shards beside the manifest.
2: one schema for every kind (``steps`` and ``extra`` as JSON text), shards under ``data/``."""

_PY_TYPES = {"string": str, "int": int, "int_list": list}

CHECK_TYPE = pa.struct([("checker", pa.string()), ("status", pa.string()), ("detail", pa.string()),
                        ("version", pa.string())])

COMMON_COLUMNS: tuple[tuple[str, str], ...] = (
    ("uid", "string"), ("kind", "string"), ("level", "int"), ("problem", "string"), ("answer", "string"),
    ("hypotheses", "string_list"), ("steps", "steps"), ("checks", "checks"), ("prefix", "string"),
    ("latex", "string"), ("lean", "string"), ("generator", "string"), ("generator_version", "string"),
    ("seed", "int"), ("index", "int"),
)
"""The in-memory common columns and their types (``steps``: a list of step objects)."""

STEPS, EXTRA = "steps", "extra"

SCHEMA = pa.schema([
    ("uid", pa.string()), ("kind", pa.string()), ("level", pa.int64()), ("problem", pa.string()),
    ("answer", pa.string()), ("hypotheses", pa.list_(pa.string())), (STEPS, pa.string()),
    ("checks", pa.list_(CHECK_TYPE)), ("prefix", pa.string()), ("latex", pa.string()), ("lean", pa.string()),
    ("generator", pa.string()), ("generator_version", pa.string()), ("seed", pa.int64()), ("index", pa.int64()),
    (EXTRA, pa.string()),
])
"""The stored (Arrow/Parquet) schema, the same for every kind."""

STORED_COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)

FEATURES: tuple[tuple[str, Any], ...] = (
    ("uid", "string"), ("kind", "string"), ("level", "int64"), ("problem", "string"), ("answer", "string"),
    ("hypotheses", ["string"]), (STEPS, "string"),
    ("checks", [{"checker": "string", "status": "string", "detail": "string", "version": "string"}]),
    ("prefix", "string"), ("latex", "string"), ("lean", "string"), ("generator", "string"),
    ("generator_version", "string"), ("seed", "int64"), ("index", "int64"), (EXTRA, "string"),
)
""":data:`SCHEMA` in the dataset card's feature notation (``corpus/card.py``)."""

COLUMN_DOCS: Mapping[str, str] = {
    "uid": "sha256 of the canonical problem text; equal uids are duplicates",
    "kind": "the kind of item (`integral`, `equation`, `theorem`, ...)",
    "level": "difficulty level, 1 (easiest) to 5",
    "problem": "the problem as infix text (SymPy reads it with `sympify`)",
    "answer": "the answer as infix text; empty where the proof is the answer (theorems)",
    "hypotheses": "conditions under which the problem is stated (infix relations such as `x > 0`)",
    STEPS: "JSON text: a list of step objects, one per checkable step (fields per kind, listed below); "
           "`json.loads(row['steps'])`",
    "checks": "the verdicts of the checkers that ran before the record was written: checker, status, detail, version",
    "prefix": "the problem as prefix tokens (Lample & Charton)",
    "latex": "the problem in LaTeX",
    "lean": "the Lean 4 statement, where the kind renders one",
    "generator": "the generator (kind) that made the record",
    "generator_version": "its version; the same seed and version give the same record",
    "seed": "the build seed",
    "index": "the candidate index in the build: the record is a pure function of (config, seed, index)",
    EXTRA: "JSON text: an object with the kind's own fields (listed below); `json.loads(row['extra'])`",
}


def uid_of(text: str) -> str:
    """The record id: sha256 of the canonical problem text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def arrow_schema(spec: KindSpec | None = None) -> pa.Schema:
    """The Parquet schema of a corpus: :data:`SCHEMA`, the same for every kind (``spec`` is not needed)."""
    return SCHEMA


def make_row(derivation: Derivation, spec: KindSpec, uid: str, seed: int, index: int) -> dict[str, Any]:
    """The in-memory row of a derivation, before checking (``checks`` is empty)."""
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


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""Compact JSON, keys in insertion order, non-ASCII kept (stateless; one instance saves building one per call)."""


def _json_text(value: Any) -> str:
    """``value`` as JSON text: a pure function of ``value`` (stable bytes)."""
    return _ENCODER.encode(value)


def encode_row(row: Mapping[str, Any], spec: KindSpec) -> dict[str, Any]:
    """The stored row of an in-memory row: ``steps`` and the extra fields become JSON text.

    Each step keeps exactly the kind's ``step_fields``, in their order (as the typed Parquet schema of record format
    1 did), and ``extra`` holds exactly the kind's ``extra_fields``.
    """
    fields = [name for name, _ in spec.step_fields]
    steps = _json_text([{name: step.get(name) for name in fields} for step in row["steps"]])
    extra = _json_text({name: row.get(name) for name, _ in spec.extra_fields})
    return {name: steps if name == STEPS else extra if name == EXTRA else row.get(name) for name in STORED_COLUMNS}


def decode_row(stored: Any, where: str) -> dict[str, Any]:
    """The in-memory row of a stored row (the inverse of :func:`encode_row`); a :class:`CorpusError` naming
    ``where`` when ``steps`` or ``extra`` is not the JSON it must be. Validate the result with :func:`validate_row`.
    """
    if not isinstance(stored, Mapping):
        raise CorpusError(f"{where}: a record must be an object, got {type(stored).__name__}; re-create the "
                          f"corpus with `rpsdg build` or fix the record")
    uid = str(stored.get("uid", "?"))[:16]

    def load(column: str, expected: type) -> Any:
        text = stored.get(column)
        if not isinstance(text, str):
            raise CorpusError(f"{where}, record {uid}: column {column!r} must be JSON text, got "
                              f"{type(text).__name__}; convert old corpora with `rpsdg convert`, or fix the record")
        try:
            value = json.loads(text)
        except ValueError as error:
            raise CorpusError(f"{where}, record {uid}: column {column!r} is not valid JSON ({error}); fix the "
                              f"record") from None
        if not isinstance(value, expected):
            raise CorpusError(f"{where}, record {uid}: column {column!r} must hold a JSON "
                              f"{'list' if expected is list else 'object'}; fix the record")
        return value

    steps, extra = load(STEPS, list), load(EXTRA, dict)
    clash = sorted(set(extra) & set(STORED_COLUMNS))
    if clash:
        raise CorpusError(f"{where}, record {uid}: column 'extra' names common column(s) {', '.join(clash)}; "
                          f"fix the record")
    row = {name: (steps if name == STEPS else value) for name, value in stored.items() if name != EXTRA}
    row.update(extra)
    return row


def validate_row(row: Any, spec: KindSpec, where: str) -> dict[str, Any]:
    """``row`` (in memory) if it has every column with the right type; a :class:`CorpusError` naming ``where``
    otherwise."""
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
