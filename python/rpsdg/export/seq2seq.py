"""``seq2seq``: Lample & Charton's prefix-notation pairs ("Deep Learning for Symbolic Mathematics").

The source is the problem's prefix tokens after the kind's ``seq2seq_source_prefix`` (integrals: ``sub Y'
<integrand tokens>``), the target the answer's tokens (the record's ``prefix`` and ``answer_prefix`` columns;
integers as ``INT+ 2 5``). Files: ``random/{train,validation,test}.txt`` with
their line format ``<n>|<source>\\t<target>`` (what their data loader splits on ``|`` and a tab), and the same pairs
as JSON lines (``src, tgt, uid, level, split``). Records without an answer (theorems) are
skipped and counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_prefix
from rpsdg.kinds import find_kind
from rpsdg.export import ExportContext, ExportSource, ExportSpec
from rpsdg.export.common import SplitFiles, policy_for, split_data_files

FEATURES = (("src", "string"), ("tgt", "string"), ("uid", "string"), ("level", "int64"), ("split", "string"))


def pair(row: Mapping[str, Any]) -> tuple[str, str] | str:
    """(source, target) token strings of one row, or the reason there is none."""
    try:
        problem = str(row.get("prefix") or "") or " ".join(to_prefix(parse(row["problem"], "problem")))
        if not row["answer"]:
            return "no answer to predict"
        answer = str(row.get("answer_prefix") or "") or " ".join(to_prefix(parse(row["answer"], "answer")))
    except (ParseError, ValueError):
        return "text our grammar does not read"
    spec = find_kind(str(row["kind"]))
    lead = spec.seq2seq_source_prefix if spec is not None else ""
    return (f"{lead} {problem}" if lead else problem), answer


def write(source: ExportSource, context: ExportContext, directory: Path) -> dict[str, Any]:
    policy = policy_for(source.kind, source.manifest)
    records_in, records_out, skipped = 0, 0, {}
    with SplitFiles(directory, policy) as jsonl, SplitFiles(directory, policy, suffix=".txt") as text:
        for row in source.rows():
            records_in += 1
            made = pair(row)
            if isinstance(made, str):
                skipped[made] = skipped.get(made, 0) + 1
                continue
            src, tgt = made
            jsonl.add(row, {"src": src, "tgt": tgt, "uid": row["uid"], "level": int(row["level"])})
            text.add_line(row, lambda n: f"{n}|{src}\t{tgt}")
            records_out += 1
    return {"records_in": records_in, "records_out": records_out, "skipped": skipped,
            "text_files": text.paths, **jsonl.stats()}


SPEC = ExportSpec(
    name="seq2seq", summary="Lample & Charton prefix-token pairs: `sub Y' <integrand>` to antiderivative tokens",
    write=write, features=FEATURES, data_files=split_data_files, task="text2text-generation",
    tags=("symbolic-integration",),
    layout="Lample & Charton's `<n>|<source>\\t<target>` text lines (`random/*.txt`, `novel/*.txt`) and the same "
    "pairs as JSON lines",
)
