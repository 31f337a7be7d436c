"""``whole-proof``: the DeepSeek-Prover / Goedel-Prover JSON-lines layout, one whole Lean proof per item.

Fields as those projects publish them: ``name, split, header, informal_prefix, formal_statement`` (ends with
``:= by\\n``), ``formal_proof`` (the tactic block; the file is ``header + formal_statement + formal_proof``), plus
``goal`` (the initial proof state, as in their minif2f.jsonl) and our provenance ``uid, level, proof_source,
lean_checked``. Proofs are PREDICTED (``lean_text.py``): no Lean ran, ``lean_checked`` is false.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from . import ExportContext, ExportSource, ExportSpec
from .common import SplitFiles, policy_for, readable, split_data_files
from .lean_text import HEADER, full_name, predicted_proof, predicted_states, split_statement
from .wording import Wording

FEATURES = (
    ("name", "string"), ("split", "string"), ("header", "string"), ("informal_prefix", "string"),
    ("formal_statement", "string"), ("formal_proof", "string"), ("goal", "string"), ("uid", "string"),
    ("level", "int64"), ("proof_source", "string"), ("lean_checked", "bool"),
)


def whole_proof_record(row: Mapping[str, Any], wording: Wording) -> dict[str, Any] | str:
    """The record of one row, or the reason it is skipped."""
    statement = split_statement(str(row["lean"]))
    if statement is None:
        return "no Lean statement in the record"
    proof = predicted_proof(row)
    if isinstance(proof, str):
        return proof
    tactics, states = proof
    states = states or predicted_states(statement, tactics)
    name = full_name(row)
    words = wording.render("problem", str(row["kind"]), str(row["uid"]), problem=row["problem"], problem_latex="",
                           hypotheses=[readable(h) for h in row["hypotheses"]])
    body = "".join("  " + tactic.tactic.replace("\n", "\n  ") + "\n" for tactic in tactics)
    return {"name": name, "header": HEADER, "informal_prefix": f"/-- {words} -/\n",
            "formal_statement": statement.text(name) + " := by\n", "formal_proof": body, "goal": states[0][0],
            "uid": row["uid"], "level": int(row["level"]), "proof_source": "predicted", "lean_checked": False}


def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    wording = Wording(context.seed)
    records_in, records_out, skipped = 0, 0, {}
    with SplitFiles(directory, policy_for(source.kind, source.manifest)) as files:
        for row in source.rows():
            records_in += 1
            record = whole_proof_record(row, wording)
            if isinstance(record, str):
                skipped[record] = skipped.get(record, 0) + 1
                continue
            files.add(row, record)
            records_out += 1
    notes = ["proofs are predicted by rpsdg's tactic rendering and were NOT checked by Lean (`lean_checked: "
             "false`); check them with a Lean REPL before training a prover on them"]
    return {"records_in": records_in, "records_out": records_out, "skipped": skipped, "notes": notes,
            **files.stats()}


SPEC = ExportSpec(
    name="whole-proof", summary="whole Lean 4 proofs in the DeepSeek-Prover / Goedel-Prover JSON-lines layout "
    "(predicted, not Lean-checked)",
    write=write, features=FEATURES, data_files=split_data_files, tags=("lean4", "theorem-proving"),
    layout="JSON lines with `name, split, header, informal_prefix, formal_statement, formal_proof` as in "
    "DeepSeek-Prover-V1.5 / Goedel-Prover data; the Lean file is header + formal_statement + formal_proof",
)
