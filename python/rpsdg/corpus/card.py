"""Dataset cards: ``README.md`` with a Hugging Face YAML header, for a corpus (here) and for every export.

The header is what ``datasets.load_dataset(DIR)`` reads: ``configs`` (which files make which split) and
``dataset_info`` (features and split sizes: ``num_examples``, which ``datasets`` verifies, and ``num_bytes``, which
it requires (else it warns and ignores the sizes) but does not verify; ours is the size of the split's files). The body says how the data was made and
checked, from the manifest alone, so a card is a pure function of its manifest: the same build gives the same
bytes (timings are never put in a card).

Feature notation (``record.FEATURES``, ``ExportSpec.features``): a string is a dtype (``string``, ``int64``,
``bool``, ``float64``); a one-element list ``[t]`` is a list of ``t``; a dict is a struct of named fields. The YAML
is emitted by hand (JSON scalars are valid YAML), so no YAML library is needed. To change what a corpus card says,
edit :func:`corpus_card`; keep it free of anything that differs between two runs of the same command.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

LICENSE = "apache-2.0"
_SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                    (10_000_000, "1M<n<10M"))


def size_category(count: int) -> str:
    for bound, name in _SIZE_CATEGORIES:
        if count < bound:
            return name
    return "n>10M"


def feature_yaml(name: str | None, kind: Any) -> dict[str, Any]:
    """One feature in the card's notation."""
    head: dict[str, Any] = {"name": name} if name is not None else {}
    if isinstance(kind, str):
        return {**head, "dtype": kind}
    if isinstance(kind, list):
        inner = kind[0]
        if isinstance(inner, dict):
            return {**head, "list": [feature_yaml(k, v) for k, v in inner.items()]}
        if isinstance(inner, list):
            return {**head, "list": feature_yaml(None, inner)}
        return {**head, "sequence": inner}
    if isinstance(kind, dict):
        return {**head, "struct": [feature_yaml(k, v) for k, v in kind.items()]}
    raise TypeError(f"feature {name!r}: unknown type notation {kind!r}")


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML of dicts, lists and JSON scalars."""
    pad = " " * indent
    if isinstance(value, Mapping):
        if not value:
            return pad + "{}\n"
        lines = []
        for key, item in value.items():
            if isinstance(item, (Mapping, list)) and item:
                lines.append(f"{pad}{key}:\n" + to_yaml(item, indent + 2))
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}\n")
        return "".join(lines)
    if isinstance(value, list):
        lines = []
        for item in value:
            if isinstance(item, (Mapping, list)) and item:
                body = to_yaml(item, indent + 2)
                lines.append(f"{pad}- " + body[indent + 2:])
            else:
                lines.append(f"{pad}- {_scalar(item)}\n")
        return "".join(lines)
    return pad + _scalar(value) + "\n"


def _scalar(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return json.dumps(value, ensure_ascii=False)


def card_text(header: Mapping[str, Any], body: str) -> str:
    """A card: the YAML header between ``---`` lines, then the Markdown body."""
    return "---\n" + to_yaml(header) + "---\n\n" + body


# -- the corpus card ------------------------------------------------------------------------------------------------

CORPUS_SPLIT = "train"
"""A corpus is one split; the exports (``rpsdg export``) cut train/validation/test."""


def corpus_card(manifest: Mapping[str, Any], spec: Any, data_glob: str, num_bytes: int) -> str:
    """The ``README.md`` of a corpus: ``data_glob`` (e.g. ``data/*.parquet``) is its one ``train`` split, whose
    shard files hold ``num_bytes`` bytes (the card's ``num_bytes``, which ``datasets`` requires but does not
    verify)."""
    from rpsdg.corpus.record import COLUMN_DOCS, FEATURES

    records = int(manifest.get("records", 0))
    kind = str(manifest.get("kind"))
    header = {
        "license": LICENSE, "language": ["en"],
        "pretty_name": f"rpsdg {kind} corpus",
        "size_categories": [size_category(records)],
        "task_categories": ["text-generation"],
        "tags": ["mathematics", "synthetic", "rpsdg", kind],
        "configs": [{"config_name": "default", "data_files": [{"split": CORPUS_SPLIT, "path": data_glob}]}],
        "dataset_info": {"config_name": "default", "features": [feature_yaml(n, t) for n, t in FEATURES],
                         "splits": [{"name": CORPUS_SPLIT, "num_bytes": int(num_bytes), "num_examples": records}]},
    }
    fmt = str(manifest.get("format"))
    per_level = manifest.get("records_per_level", {})
    lines = [
        f"# rpsdg {kind} corpus", "",
        f"{records} verified {kind} items with step-by-step solutions, made by rpsdg (reverse-process synthetic data "
        f"generation): {getattr(spec, 'summary', '') or 'see the rpsdg README'}.", "",
        "## Loading", "",
        "No rpsdg is needed (`CORPUS` is this directory):", "",
        "```python", *loading_code(fmt), "```", "",
        f"Shards: `{data_glob}` ({fmt}). `manifest.json` (counts, checker tallies, settings, timings) and, when "
        "made, `lean/` (a Lake project of the items) and `lean_verdicts.json` sit beside `data/`. Every kind has "
        "the same columns, so corpora of several kinds concatenate.", "",
        "## Columns", "",
        "| column | type | meaning |", "| --- | --- | --- |",
    ]
    for name, kind_type in FEATURES:
        lines.append(f"| `{name}` | {_type_text(kind_type)} | {COLUMN_DOCS.get(name, '')} |")
    step_fields = ", ".join(f"`{n}` ({t})" for n, t in getattr(spec, "step_fields", ())) or "none"
    extra_fields = ", ".join(f"`{n}` ({t})" for n, t in getattr(spec, "extra_fields", ())) or "none"
    lines += ["", f"Fields of a `{kind}` step (in `steps`): {step_fields}.", "",
              f"Fields of `extra` for `{kind}`: {extra_fields}.", "",
              "## How it was made and checked", "",
              f"- kind `{kind}`, generator `{manifest.get('generator_version')}`, seed {manifest.get('seed')}, "
              f"levels {manifest.get('levels')}",
              f"- records per level: {json.dumps(per_level)}",
              f"- candidates: {manifest.get('candidates')}, dropped: {json.dumps(manifest.get('dropped', {}))}",
              f"- checkers, cheapest first: {', '.join(f'`{c}`' for c in manifest.get('checkers', []))}",
              f"- verdicts: {json.dumps(manifest.get('checks', {}))}",
              f"- confirmed: {json.dumps(manifest.get('confirmed', {}))}",
              f"- generator settings: `{json.dumps(manifest.get('config', {}), ensure_ascii=False)}`", "",
              "## Versions", "",
              f"- rpsdg {manifest.get('rpsdg_version')}, record format {manifest.get('record_format')}, manifest "
              f"format {manifest.get('manifest_format')}",
              f"- dependencies: {json.dumps(manifest.get('dependencies', {}))}", ""]
    return card_text(header, "\n".join(lines))


def loading_code(fmt: str) -> list[str]:
    """Python lines that load a corpus of shard format ``fmt`` with ``datasets``, pandas and pyarrow (no rpsdg).

    JSON type inference cannot type a shard whose lists are all empty, so the JSON lines reader gets the schema."""
    from rpsdg.corpus.record import FEATURES

    lines = ["import datasets, pandas as pd, pyarrow as pa, pyarrow.dataset", "from pathlib import Path", "",
             'rows = datasets.load_dataset("CORPUS")["train"]  # one split, "train"']
    if fmt == "parquet":
        return lines + ['frame = pd.read_parquet("CORPUS/data")',
                        'table = pyarrow.dataset.dataset("CORPUS/data").to_table()']
    fields = ",\n    ".join(f"({json.dumps(name)}, {_arrow_code(kind)})" for name, kind in FEATURES)
    return lines + ['shards = sorted(Path("CORPUS/data").glob("*.jsonl"))',
                    "frame = pd.concat(pd.read_json(p, lines=True) for p in shards)",
                    f"schema = pa.schema([\n    {fields},\n])",
                    'table = pyarrow.dataset.dataset("CORPUS/data", format="json", schema=schema).to_table()']


def _arrow_code(kind: Any) -> str:
    if isinstance(kind, str):
        return f"pa.{kind}()"
    if isinstance(kind, list):
        return f"pa.list_({_arrow_code(kind[0])})"
    return "pa.struct([" + ", ".join(f"({json.dumps(k)}, {_arrow_code(v)})" for k, v in kind.items()) + "])"


def _type_text(kind: Any) -> str:
    if isinstance(kind, str):
        return kind
    if isinstance(kind, list):
        return f"list of {_type_text(kind[0])}"
    return "struct {" + ", ".join(f"{k}: {_type_text(v)}" for k, v in kind.items()) + "}"
