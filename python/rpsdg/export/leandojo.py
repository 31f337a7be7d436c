"""``leandojo``: the LeanDojo Benchmark 4 layout, with PREDICTED proof states (no Lean ran).

Files, as LeanDojo publishes them: ``corpus.jsonl`` (one line per Lean file: ``path, imports, premises[{full_name,
code, start, end, kind}]``), ``metadata.json`` (``dataset_name, creation_time, from_repo{url, commit},
leandojo_version``), and ``random/`` and ``novel_premises/``, each with ``train.json``, ``val.json``, ``test.json``
(JSON arrays of traced theorems: ``url, commit, file_path, full_name, start, end, traced_tactics[{tactic,
annotated_tactic, state_before, state_after}]``). Positions are LeanDojo's 1-based ``[line, column]``.

The Lean sources the positions refer to are written under ``src/`` (``RpsdgGen/<Kind>/L<level>.lean``). Tactics
come from the project's Lean renderer and states from our rendering of the goal (``lean_text.py``), marked
``state_source: "predicted"`` on every theorem and tactic; when Lean traces them, the same fields take Lean's
text and ``state_source: "lean"``. ``lean_verdict`` carries the item's status from ``rpsdg lean check`` on the
corpus (``not_run`` where Lean never ran); that check does not trace states, so states stay predicted.
``url`` is ``https://rpsdg.invalid/RpsdgGen`` (a reserved domain: the sources live in this export, not online)
and ``commit`` is a content hash of the source corpus. ``novel_premises`` holds our ``novel`` split (held-out rule
combinations, or levels; see ``splits.py``). Mathlib premises are cited by full name and file, positions unknown.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any, Mapping, TextIO

from rpsdg.export import ExportContext, ExportSource, ExportSpec
from rpsdg.export.common import SplitFiles, policy_for
from rpsdg.export.lean_text import full_name, header, proof_body, proof_of
from rpsdg.lean.proof import Renderers, premise_entry

URL = "https://rpsdg.invalid/RpsdgGen"
NAMES = {"random": "random", "novel": "novel_premises"}
FILE_NAMES = {"validation": "val"}
"""LeanDojo's own file names: ``val.json`` holds the ``validation`` split."""

FEATURES = (
    ("url", "string"), ("commit", "string"), ("file_path", "string"), ("full_name", "string"),
    ("start", ["int64"]), ("end", ["int64"]),
    ("traced_tactics", [{"tactic": "string", "annotated_tactic": "string (LeanDojo's [text, premises] pair)",
                         "state_before": "string", "state_after": "string", "state_source": "string"}]),
    ("state_source", "string"), ("uid", "string"), ("level", "int64"), ("lean_verdict", "string"),
)


def corpus_commit(manifest: Mapping[str, Any]) -> str:
    """A 40-hex content id of the source corpus (its shard hashes), standing in for a git commit."""
    shards = "".join(str(s.get("sha256", "")) for s in manifest.get("shards", []))
    return hashlib.sha256(f"rpsdg-leandojo|{manifest.get('kind')}|{shards}".encode("utf-8")).hexdigest()[:40]


class LeanFiles:
    """The generated Lean sources: appends theorems, tracks 1-based line numbers, collects corpus.jsonl lines."""

    def __init__(self, directory: Path):
        self.directory = directory / "src"
        self.header = header()
        self.premise_dir = directory / ".premises"
        self.handles: dict[str, TextIO] = {}
        self.lines: dict[str, int] = {}
        self.premise_files: dict[str, TextIO] = {}

    def add(self, file_path: str, code: str) -> tuple[list[int], list[int]]:
        """Append a declaration; its (start, end) positions, 1-based, end just past the last character."""
        if file_path not in self.handles:
            path = self.directory / file_path
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[file_path] = path.open("w", encoding="utf-8")
            self.handles[file_path].write(self.header)
            self.lines[file_path] = self.header.count("\n")
            self.premise_dir.mkdir(exist_ok=True)
            self.premise_files[file_path] = (self.premise_dir / f"{len(self.premise_files)}.jsonl").open(
                "w+", encoding="utf-8")
        lines = code.rstrip("\n").split("\n")
        start_line = self.lines[file_path] + 1
        self.handles[file_path].write("\n".join(lines) + "\n\n")
        self.lines[file_path] += len(lines) + 1
        return [start_line, 1], [start_line + len(lines) - 1, len(lines[-1]) + 1]

    def add_premise(self, file_path: str, premise: Mapping[str, Any]) -> None:
        self.premise_files[file_path].write(json.dumps(premise, ensure_ascii=False) + "\n")

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()

    def write_corpus(self, path: Path) -> None:
        """``corpus.jsonl``: one line per Lean file, its premises streamed back from the spill files."""
        with path.open("w", encoding="utf-8") as out:
            for file_path in sorted(self.premise_files):
                spill = self.premise_files[file_path]
                spill.seek(0)
                out.write('{"path": ' + json.dumps(file_path) + ', "imports": ' +
                          json.dumps([".lake/packages/mathlib/Mathlib.lean"]) + ', "premises": [')
                for number, line in enumerate(spill):
                    out.write((", " if number else "") + line.rstrip("\n"))
                out.write("]}\n")
                spill.close()
        shutil.rmtree(self.premise_dir, ignore_errors=True)


def traced_theorem(row: Mapping[str, Any], files: LeanFiles, commit: str,
                   renderers: Renderers | None = None,
                   lean_verdicts: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any] | str:
    proof = proof_of(row, renderers)
    if isinstance(proof, str):
        return proof
    name = full_name(row)
    file_path = f"RpsdgGen/{str(row['kind']).capitalize()}/L{int(row['level'])}.lean"
    head = proof.statement.text()
    start, end = files.add(file_path, head + " := by\n" + proof_body(proof))
    head_lines = head.split("\n")
    files.add_premise(file_path, {"full_name": name, "code": head, "start": start,
                                  "end": [start[0] + len(head_lines) - 1, len(head_lines[-1]) + 1],
                                  "kind": "commanddeclaration"})
    traced = [{"tactic": t.tactic, "annotated_tactic": [t.annotated(), [premise_entry(p) for p in t.premises]],
               "state_before": before, "state_after": after, "state_source": "predicted"}
              for t, (before, after) in zip(proof.tactics, proof.states)
              if before != "no goals" and "·" not in t.tactic]
    verdict = str((lean_verdicts or {}).get(row["uid"], {}).get("status", "not_run"))
    return {"url": URL, "commit": commit, "file_path": file_path, "full_name": name, "start": start, "end": end,
            "traced_tactics": traced, "state_source": "predicted", "uid": row["uid"], "level": int(row["level"]),
            "lean_verdict": verdict}


def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    commit = corpus_commit(source.manifest)
    lean = LeanFiles(directory)
    records_in, records_out, tactics, skipped = 0, 0, 0, {}
    policy = policy_for(source.kind, source.manifest)
    renderers = Renderers()
    try:
        with SplitFiles(directory, policy, suffix=".json", json_array=True, names=NAMES,
                        file_names=FILE_NAMES) as splits:
            for row in source.rows():
                records_in += 1
                theorem = traced_theorem(row, lean, commit, renderers, source.lean_verdicts)
                if isinstance(theorem, str):
                    skipped[theorem] = skipped.get(theorem, 0) + 1
                    continue
                splits.add(row, theorem, split_field=None)
                records_out += 1
                tactics += len(theorem["traced_tactics"])
    finally:
        lean.close()
    lean.write_corpus(directory / "corpus.jsonl")
    metadata = {"dataset_name": f"rpsdg-{source.kind}-leandojo", "creation_time": None,
                "from_repo": {"url": URL, "commit": commit}, "leandojo_version": None,
                "state_source": "predicted", "note": "no Lean ran: tactics and states are rpsdg's rendering"}
    (directory / "metadata.json").write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    notes = ["tactics come from rpsdg's Lean renderer (`rpsdg.lean`), cut one step per tactic; proof states are "
             "rpsdg's rendering of the goal (`state_source: \"predicted\"`): no Lean ran; `src/` holds the Lean "
             "files whose 1-based positions the records give",
             "`novel_premises/` holds rpsdg's `novel` split: " + policy.description,
             "load the split files with `json.load` (LeanDojo's `annotated_tactic` is a [text, premises] pair that "
             "columnar readers cannot type)"]
    stats = splits.stats()
    return {"records_in": records_in, "records_out": records_out, "tactics": tactics, "skipped": skipped,
            "notes": notes, "lean_files": len(lean.handles), **stats}


def _no_data_files(stats: Mapping[str, Any]) -> Mapping[str, Mapping[str, str]]:
    return {}


SPEC = ExportSpec(
    name="leandojo", summary="LeanDojo Benchmark 4 layout: traced theorems with tactics and (predicted) states",
    write=write, features=FEATURES, data_files=_no_data_files, tags=("lean4", "theorem-proving", "leandojo"),
    layout="LeanDojo Benchmark 4: corpus.jsonl, metadata.json, random/ and novel_premises/ with "
    "train/val/test.json",
)
