"""``sft``: instruction-tuning records, one JSON line per item, in chat (``messages``) and flat form.

Each record carries the problem in words (``instruction``) and in LaTeX, the solution as numbered steps that
each name their rule in words, the full solution text, and the final answer. Formulas in the text are LaTeX
(``$...$``) by default; the option ``math`` (``rpsdg export sft --math plain``) gives readable infix instead.
The solution opens with the domain where the record has hypotheses (the question never states it). Wording comes from
``templates/export/`` and varies with the export seed (``wording.py``); the mathematics is the corpus's stored
text, unchanged. Steps are in reading order (``common.reading_order``): an integral's solution reads top down (the
split announced, the sub-integrals solved once each, the results combined); each step says its ``role``
(``announce``, ``combine`` or ``step``) and the stored step it shows (``stored_step``, 0-based).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from rpsdg.export import ExportContext, ExportSource, ExportSpec
from rpsdg.export.common import SplitFiles, latex_of, policy_for, readable, reading_order, split_data_files
from rpsdg.export.wording import Wording, render_step

FEATURES = (
    ("uid", "string"), ("kind", "string"), ("level", "int64"), ("split", "string"),
    ("instruction", "string"), ("problem", "string"), ("problem_latex", "string"), ("hypotheses", ["string"]),
    ("steps", [{"number": "int64", "rule": "string", "parts": ["int64"], "text": "string", "role": "string",
                "stored_step": "int64"}]),
    ("solution", "string"), ("answer", "string"), ("answer_latex", "string"),
    ("messages", [{"role": "string", "content": "string"}]), ("checked_by", ["string"]),
)


def sft_record(row: Mapping[str, Any], wording: Wording) -> dict[str, Any]:
    """The SFT record of one corpus row."""
    kind, uid = str(row["kind"]), str(row["uid"])
    problem_latex = latex_of(row["problem"], "problem")
    instruction = wording.render("problem", kind, uid, problem=readable(row["problem"]), problem_latex=problem_latex,
                                 hypotheses=[readable(h) for h in row["hypotheses"]],
                                 problem_stored=row["problem"], hypotheses_stored=list(row["hypotheses"]))
    steps = []
    for shown in reading_order(row, wording.math):
        text = render_step(wording, kind, uid, shown)
        steps.append({"number": shown.number, "rule": str(shown.step["rule"]), "parts": list(shown.parts),
                      "text": text, "role": shown.role, "stored_step": shown.stored_index})
    answer_latex = latex_of(row["answer"], "answer")
    intro = wording.render("intro", kind, uid, hypotheses=list(row["hypotheses"]), method=str(row.get("method") or ""),
                           problem=row["problem"])
    closing = wording.render("answer", kind, uid, problem=row["problem"], answer=row["answer"],
                             answer_latex=answer_latex)
    solution = "\n".join([intro] + [step["text"] for step in steps] + [closing])
    return {
        "uid": uid, "kind": kind, "level": int(row["level"]), "instruction": instruction,
        "problem": row["problem"], "problem_latex": problem_latex, "hypotheses": list(row["hypotheses"]),
        "steps": steps, "solution": solution, "answer": row["answer"], "answer_latex": answer_latex,
        "messages": [{"role": "user", "content": instruction}, {"role": "assistant", "content": solution}],
        "checked_by": [f"{c['checker']} {c['version']}" for c in row["checks"] if c.get("status") == "passed"],
    }


DEFAULT_MATH = "latex"


def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    wording = Wording(context.seed, math=context.options.get("math") or DEFAULT_MATH)
    records = 0
    with SplitFiles(directory, policy_for(source.kind, source.manifest)) as files:
        for row in source.rows():
            files.add(row, sft_record(row, wording))
            records += 1
    return {"records_in": records, "records_out": records, "skipped": {}, **files.stats()}


SPEC = ExportSpec(
    name="sft", summary="instruction records: problem in words and LaTeX, numbered steps naming their rules, answer",
    write=write, features=FEATURES, data_files=split_data_files, tags=("instruction-tuning",),
    layout="JSON lines with a chat `messages` list (user: problem, assistant: solution), as TRL's SFTTrainer reads",
)
