"""``whole-proof``: the DeepSeek-Prover / Goedel-Prover JSON-lines layout, one whole Lean proof per item.

Fields as those projects publish them: ``name, split, header, informal_prefix, formal_statement`` (ends with
``:= by\\n``), ``formal_proof`` (the tactic block; the file is ``header + formal_statement + formal_proof``), plus
``goal`` (the initial proof state, as in their minif2f.jsonl) and our provenance ``uid, level, proof_source,
lean_checked, lean_verdict`` (``lean_verdict``: the item's status when ``rpsdg lean check`` ran on the corpus's own
Lake project, whose proof terms these are; ``not_run`` otherwise; ``lean_checked`` stays false because this exact
file text was not run). Proofs come from the project's Lean renderer via ``lean_text.py``; no Lean ran here, so
``lean_checked`` is false and ``proof_source`` is ``"predicted"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from rpsdg.export import ExportContext, ExportSource, ExportSpec
from rpsdg.export.common import SplitFiles, policy_for, readable, split_data_files
from rpsdg.export.lean_text import full_name, header, proof_body, proof_of
from rpsdg.lean.proof import Renderers
from rpsdg.export.wording import Wording

FEATURES = (
    ("name", "string"), ("split", "string"), ("header", "string"), ("informal_prefix", "string"),
    ("formal_statement", "string"), ("formal_proof", "string"), ("goal", "string"), ("uid", "string"),
    ("level", "int64"), ("proof_source", "string"), ("lean_checked", "bool"), ("lean_verdict", "string"),
)


def whole_proof_record(row: Mapping[str, Any], wording: Wording, lean_header: str,
                       renderers: Renderers | None = None,
                       lean_verdicts: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any] | str:
    """The record of one row, or the reason it is skipped."""
    proof = proof_of(row, renderers)
    if isinstance(proof, str):
        return proof
    lean_verdicts = lean_verdicts or {}
    name = full_name(row)
    words = wording.render("problem", str(row["kind"]), str(row["uid"]), problem=readable(row["problem"]), problem_latex="",
                           hypotheses=[readable(h) for h in row["hypotheses"]])
    return {"name": name, "header": lean_header, "informal_prefix": f"/-- {words} -/\n",
            "formal_statement": proof.statement.text() + " := by\n", "formal_proof": proof_body(proof),
            "goal": proof.states[0][0], "uid": row["uid"], "level": int(row["level"]), "proof_source": "predicted",
            "lean_checked": False, "lean_verdict": _verdict(lean_verdicts, row["uid"])}


def _verdict(lean_verdicts: Mapping[str, Mapping[str, Any]], uid: str) -> str:
    """The item's status in the corpus's own Lean check (``rpsdg lean check``), ``not_run`` where Lean never ran."""
    return str(lean_verdicts.get(uid, {}).get("status", "not_run"))


def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    wording = Wording(context.seed)
    lean_header = header()
    renderers = Renderers()
    records_in, records_out, skipped = 0, 0, {}
    with SplitFiles(directory, policy_for(source.kind, source.manifest)) as files:
        for row in source.rows():
            records_in += 1
            record = whole_proof_record(row, wording, lean_header, renderers, source.lean_verdicts)
            if isinstance(record, str):
                skipped[record] = skipped.get(record, 0) + 1
                continue
            files.add(row, record)
            records_out += 1
    notes = ["proofs come from rpsdg's Lean renderer (`rpsdg.lean`) and were NOT checked by Lean here "
             "(`lean_checked: false`); check them (e.g. `rpsdg lean check`, or a Lean REPL) before training a "
             "prover on them", "the header inlines rpsdg's `rpsdg_deriv_eq` macro so each file needs only Mathlib"]
    return {"records_in": records_in, "records_out": records_out, "skipped": skipped, "notes": notes,
            **files.stats()}


SPEC = ExportSpec(
    name="whole-proof", summary="whole Lean 4 proofs in the DeepSeek-Prover / Goedel-Prover JSON-lines layout "
    "(predicted, not Lean-checked)",
    write=write, features=FEATURES, data_files=split_data_files, tags=("lean4", "theorem-proving"),
    layout="JSON lines with `name, split, header, informal_prefix, formal_statement, formal_proof` as in "
    "DeepSeek-Prover-V1.5 / Goedel-Prover data; the Lean file is header + formal_statement + formal_proof",
)
