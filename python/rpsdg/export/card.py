"""The dataset card: ``README.md`` with the Hugging Face YAML header, written into every export.

The header carries license, language, size category, task, tags, ``configs`` (which files make which split, so
``datasets.load_dataset(DIR, CONFIG)`` works; empty splits are left out, as ``datasets`` cannot type an empty file) and ``dataset_info`` (features and split sizes). The body says how
the data was made and checked and which versions were used, from the export manifest.

Feature types (``ExportSpec.features``): a string is a dtype (``string``, ``int64``, ``bool``, ``float64``); a
one-element list ``[t]`` is a list of ``t``; a dict is a struct of named fields. The YAML is emitted by hand
(JSON scalars are valid YAML), so no YAML library is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from rpsdg.errors import RpsdgError

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


def card_header(spec: Any, manifest: Mapping[str, Any]) -> dict[str, Any]:
    splits: Mapping[str, Mapping[str, int]] = manifest.get("splits", {})
    data_files = {config: {split: path for split, path in files.items() if splits.get(config, {}).get(split)}
                  for config, files in spec.data_files(manifest).items()}
    data_files = {config: files for config, files in data_files.items() if files}
    largest = max((sum(counts.values()) for counts in splits.values()), default=manifest.get("records_out", 0))
    features = [feature_yaml(name, kind) for name, kind in spec.features]
    return {
        "license": LICENSE, "language": ["en"],
        "pretty_name": f"rpsdg {manifest['kind']} ({spec.name} export)",
        "size_categories": [size_category(int(largest or 0))],
        "task_categories": [spec.task],
        "tags": ["mathematics", "synthetic", "rpsdg", str(manifest["kind"]), *spec.tags],
        "configs": [{"config_name": config, "data_files": [{"split": split, "path": path}
                                                           for split, path in files.items()]}
                    for config, files in data_files.items()],
        "dataset_info": [{"config_name": config, "features": features,
                          "splits": [{"name": split, "num_examples": int(splits.get(config, {}).get(split, 0))}
                                     for split in files]}
                         for config, files in data_files.items()],
    }


def _how_made(kind: str) -> str:
    from rpsdg.kinds import get_kind

    try:
        return get_kind(kind).summary or "see the rpsdg README"
    except RpsdgError:
        return "see the rpsdg README"


def card_body(spec: Any, manifest: Mapping[str, Any]) -> str:
    checkers = manifest.get("checkers", {})
    lines = [
        f"# rpsdg {manifest['kind']} — {spec.name} export", "",
        f"{spec.summary}.", "",
        f"Layout: {spec.layout}." if spec.layout else "",
        "", "## How it was made", "",
        "rpsdg (reverse-process synthetic data generation) makes each problem by running an easy process "
        f"backwards: {_how_made(str(manifest['kind']))}. Every record in the source corpus was re-checked from its stored text before it "
        "was written; this export rewrites those records without changing their mathematics.", "",
        f"- source corpus: `{manifest.get('corpus')}` ({manifest.get('corpus_records')} records, corpus seed "
        f"{manifest.get('corpus_seed')}), made by rpsdg {manifest.get('corpus_rpsdg_version')}",
        f"- generator versions: {', '.join(manifest.get('generator_versions', [])) or 'none recorded'}",
        f"- records read: {manifest.get('records_in')}, written: {manifest.get('records_out')}, skipped: "
        f"{json.dumps(manifest.get('skipped', {}))}",
        f"- wording seed: {manifest.get('seed')} (templates under `templates/<kind>/`; the same seed gives the "
        "same text)", "",
        "## How it was checked", "",
    ]
    for name, versions in checkers.items():
        lines.append(f"- `{name}`: {', '.join(versions)}")
    if not checkers:
        lines.append("- (no records, no checker verdicts)")
    lines += ["", "## Splits", "",
              "`random`: by sha256 of the uid (about 90/5/5). `novel`: " +
              str(manifest.get("novel_policy", {}).get("description", "not used by this format")) + ".", ""]
    for config, counts in manifest.get("splits", {}).items():
        lines.append(f"- {config}: " + ", ".join(f"{split} {n}" for split, n in counts.items()))
    if manifest.get("notes"):
        lines += ["", "## Format notes", ""] + [f"- {note}" for note in manifest["notes"]]
    lines += ["", "## Versions", "",
              f"- rpsdg {manifest.get('rpsdg_version')}, export format `{spec.name}` "
              f"v{manifest.get('export_format_version')}",
              f"- corpus dependencies: {json.dumps(manifest.get('corpus_dependencies', {}))}",
              f"- export dependencies: {json.dumps(manifest.get('export_dependencies', {}))}", "",
              "The full export manifest is `rpsdg_export.json`.", ""]
    return "\n".join(lines)


def write_card(path: Path, spec: Any, manifest: Mapping[str, Any]) -> None:
    """Write the dataset card (the directory is still the export's temporary one, so a plain write is atomic
    with the export)."""
    text = "---\n" + to_yaml(card_header(spec, manifest)) + "---\n\n" + card_body(spec, manifest)
    path.write_text(text, encoding="utf-8")
