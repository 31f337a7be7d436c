"""The dataset card: ``README.md`` with the Hugging Face YAML header, written into every export.

The header carries license, language, size category, task, tags, ``configs`` (which files make which split, so
``datasets.load_dataset(DIR, CONFIG)`` works; empty splits are left out, as ``datasets`` cannot type an empty
file) and ``dataset_info`` (features and split sizes: ``num_examples``, and ``num_bytes`` as the size of the split's
file, which ``datasets`` requires but does not verify). The body says how the data was made and checked and which
versions were used, from the export manifest.

Feature types (``ExportSpec.features``) and the YAML writer are shared with the corpus card (``corpus/card.py``).
Split names are Hugging Face's (``train``, ``validation``, ``test``), so ``datasets`` maps them to its own splits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from rpsdg.corpus.card import LICENSE, card_text, feature_yaml, size_category, to_yaml  # noqa: F401 (re-exported)
from rpsdg.errors import RpsdgError


def card_header(spec: Any, manifest: Mapping[str, Any], sizes: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The YAML header; ``sizes`` gives the bytes of each data file (relative path), the splits' ``num_bytes``."""
    sizes = sizes or {}
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
                          "splits": [{"name": split, "num_bytes": int(sizes.get(path, 0)),
                                      "num_examples": int(splits.get(config, {}).get(split, 0))}
                                     for split, path in files.items()]}
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
              "`random`: by sha256 of the uid (about 90/5/5 train/validation/test). `novel`: " +
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
    directory = path.parent
    sizes = {relative: (directory / relative).stat().st_size
             for files in spec.data_files(manifest).values() for relative in files.values()
             if (directory / relative).is_file()}
    path.write_text(card_text(card_header(spec, manifest, sizes), card_body(spec, manifest)), encoding="utf-8")
