"""``rpsdg eval``: score a model's predictions against corpora and write a report.

Predictions are JSON lines, each with ``uid`` (a corpus record's uid) and ``answer`` and/or ``solution`` (model
text). ``answer`` is scored with :func:`rpsdg.score_answer` (when only ``solution`` is given, its final answer is
scored); ``solution`` is graded step by step with :func:`rpsdg.grade_steps`. The report gives, per kind and
level: predictions, accuracy (mean answer score), solutions graded, steps, the share of steps correct (step
validity), incorrect and unparsed, and the share of solutions without an incorrect step. Lines that are not JSON or
have an unknown uid are counted, not fatal. Outputs: ``report.json``, ``report.html`` (tables and inline SVG
charts, offline) and ``items.jsonl`` (one verdict per prediction), each written atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Sequence

from rpsdg.corpus.store import Corpus
from rpsdg.env.html import bar_chart, page, table
from rpsdg.env.scoring import grade_steps, score_answer
from rpsdg.errors import RpsdgError

REPORT_FORMAT = 1


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same directory and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_records(corpora: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every record of the corpora by uid."""
    records: dict[str, dict[str, Any]] = {}
    for corpus in corpora:
        for row in Corpus(corpus).rows():
            records[row["uid"]] = row
    return records


def _predictions(path: Path) -> Iterable[tuple[int, Any]]:
    try:
        with path.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError:
                    yield number, None
    except OSError as error:
        raise RpsdgError(f"{path}: cannot read the predictions ({error.strerror}); pass a JSON-lines file") from None


def evaluate(predictions: Path, corpora: Sequence[Path], progress: Any = None) -> dict[str, Any]:
    """The evaluation report (a JSON-able dict) and, under ``"items"``, one verdict per prediction."""
    records = load_records(corpora)
    groups: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    items: list[dict[str, Any]] = []
    bad_lines = unknown = 0
    for number, prediction in _predictions(predictions):
        if progress:
            progress(1)
        if not isinstance(prediction, dict) or not isinstance(prediction.get("uid"), str):
            bad_lines += 1
            continue
        record = records.get(prediction["uid"])
        if record is None:
            unknown += 1
            continue
        group = groups[(record["kind"], int(record["level"]))]
        group["predictions"] += 1
        verdict: dict[str, Any] = {"line": number, "uid": record["uid"], "kind": record["kind"],
                                   "level": record["level"]}
        answer, solution = prediction.get("answer"), prediction.get("solution")
        text = answer if isinstance(answer, str) else solution if isinstance(solution, str) else None
        if text is not None:
            verdict["score"] = score_answer(record, text)
            group["answered"] += 1
            group["score_sum"] += verdict["score"]
        if isinstance(solution, str):
            grades = grade_steps(record, solution)
            labels = [g.label for g in grades]
            verdict["steps"] = [{"label": g.label, "reason": g.reason, "first_error": g.first_error}
                                for g in grades]
            group["solutions"] += 1
            group["steps"] += len(labels)
            for label in ("correct", "incorrect", "unparsed"):
                group[f"steps_{label}"] += labels.count(label)
            group["clean_solutions"] += "incorrect" not in labels and bool(labels)
        items.append(verdict)
    rows = [_summary(kind, level, values) for (kind, level), values in sorted(groups.items())]
    total: dict[str, float] = defaultdict(float)
    for values in groups.values():
        for key, value in values.items():
            total[key] += value
    return {"report_format": REPORT_FORMAT, "predictions_file": str(predictions),
            "corpora": [str(c) for c in corpora], "records": len(records),
            "predictions": sum(1 for _ in items) + unknown + bad_lines, "scored": len(items),
            "unknown_uids": unknown, "unreadable_lines": bad_lines,
            "overall": _summary("all", 0, total), "per_kind_level": rows, "items": items}


def _summary(kind: str, level: int, values: dict[str, float]) -> dict[str, Any]:
    answered, steps, solutions = values.get("answered", 0), values.get("steps", 0), values.get("solutions", 0)
    return {"kind": kind, "level": level, "predictions": int(values.get("predictions", 0)),
            "answered": int(answered), "accuracy": values.get("score_sum", 0) / answered if answered else None,
            "solutions": int(solutions), "steps": int(steps),
            "step_validity": values.get("steps_correct", 0) / steps if steps else None,
            "steps_incorrect": int(values.get("steps_incorrect", 0)),
            "steps_unparsed": int(values.get("steps_unparsed", 0)),
            "clean_solution_rate": values.get("clean_solutions", 0) / solutions if solutions else None}


def write_report(report: dict[str, Any], out: Path) -> list[Path]:
    """``report.json`` (without the per-item list), ``items.jsonl`` and ``report.html`` in ``out``."""
    summary = {key: value for key, value in report.items() if key != "items"}
    paths = [out / "report.json", out / "items.jsonl", out / "report.html"]
    write_text_atomic(paths[0], json.dumps(summary, indent=2, sort_keys=True) + "\n")
    write_text_atomic(paths[1], "".join(json.dumps(item, sort_keys=True) + "\n" for item in report["items"]))
    write_text_atomic(paths[2], render_html(summary))
    return paths


def render_html(summary: dict[str, Any]) -> str:
    rows = summary["per_kind_level"]
    labels = [f"{r['kind']} L{r['level']}" for r in rows]
    chart = bar_chart("accuracy and step validity per kind and level", labels,
                      [("accuracy", [r["accuracy"] or 0.0 for r in rows]),
                       ("step validity", [r["step_validity"] or 0.0 for r in rows]),
                       ("clean solutions", [r["clean_solution_rate"] or 0.0 for r in rows])], maximum=1.0)
    headers = ["kind", "level", "predictions", "answered", "accuracy", "solutions", "steps", "step validity",
               "incorrect steps", "unparsed steps", "clean solutions"]
    body_rows = [[r["kind"], r["level"], r["predictions"], r["answered"], _maybe(r["accuracy"]), r["solutions"],
                  r["steps"], _maybe(r["step_validity"]), r["steps_incorrect"], r["steps_unparsed"],
                  _maybe(r["clean_solution_rate"])] for r in rows + [summary["overall"]]]
    counts = (f"<p>{summary['scored']} predictions scored against {summary['records']} records; "
              f"{summary['unknown_uids']} with an unknown uid, {summary['unreadable_lines']} unreadable lines.</p>")
    return page("rpsdg eval report", counts + chart + table(headers, body_rows, left=1))


def _maybe(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"
