"""``rpsdg report``: a static, offline HTML page about one corpus.

Sections: records per level, steps per level (mean and max), rule usage (every step's ``rule``), problem and
answer length (characters), checker tallies (from the records' ``checks``), and sample items per level with their
problem and answer as MathML (rendered natively by browsers; no script, no network). Plots are inline SVG from
:mod:`rpsdg.env.html`. Also written: ``report.json`` with the same figures. Everything is read through
:class:`rpsdg.corpus.store.Corpus`, so it works for any kind and any corpus layout the store reads.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from html import escape
from pathlib import Path
from typing import Any

from rpsdg.corpus.store import Corpus
from rpsdg.env.evaluate import write_text_atomic
from rpsdg.env.html import bar_chart, histogram, math_block, page, table
from rpsdg.errors import ParseError
from rpsdg.expr.parse import parse

SAMPLES_PER_LEVEL = 3


def corpus_figures(corpus: Path) -> dict[str, Any]:
    """The figures the page shows, as a JSON-able dict (``samples`` holds a few records per level)."""
    opened = Corpus(corpus)
    per_level: Counter = Counter()
    steps: dict[int, list[int]] = defaultdict(list)
    rules: Counter = Counter()
    problem_lengths: list[int] = []
    answer_lengths: list[int] = []
    checks: dict[str, Counter] = defaultdict(Counter)
    samples: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in opened.rows():
        level = int(row["level"])
        per_level[level] += 1
        steps[level].append(len(row["steps"]))
        rules.update(str(step.get("rule", "")) for step in row["steps"])
        problem_lengths.append(len(row["problem"]))
        answer_lengths.append(len(row["answer"]))
        for check in row["checks"]:
            checks[check["checker"]][check["status"]] += 1
        if len(samples[level]) < SAMPLES_PER_LEVEL:
            samples[level].append({"uid": row["uid"], "problem": row["problem"], "answer": row["answer"],
                                   "hypotheses": list(row["hypotheses"]), "steps": len(row["steps"])})
    levels = sorted(per_level)
    return {"corpus": str(corpus), "kind": opened.spec.name, "records": sum(per_level.values()),
            "records_per_level": {str(level): per_level[level] for level in levels},
            "steps_per_level": {str(level): {"mean": sum(steps[level]) / len(steps[level]),
                                             "max": max(steps[level])} for level in levels},
            "rule_usage": dict(rules.most_common()),
            "problem_length": _stats(problem_lengths), "answer_length": _stats(answer_lengths),
            "problem_lengths": problem_lengths, "answer_lengths": answer_lengths,
            "checks": {name: dict(counts) for name, counts in sorted(checks.items())},
            "samples": {str(level): samples[level] for level in levels}}


def _stats(values: list[int]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    return {"min": ordered[0], "median": ordered[len(ordered) // 2], "max": ordered[-1],
            "mean": sum(ordered) / len(ordered)}


def _math(text: str) -> str:
    if not text:
        return '<span class="small">(none)</span>'
    try:
        return math_block(parse(text, "record field"))
    except ParseError:
        return f"<code>{escape(text)}</code>"


def render_html(figures: dict[str, Any]) -> str:
    levels = list(figures["records_per_level"])
    parts = [f"<p>{figures['records']} {escape(figures['kind'])} records in <code>{escape(figures['corpus'])}</code>."
             f"</p>"]
    parts.append("<section><h2>Records per level</h2>" + bar_chart(
        "records per level", [f"level {level}" for level in levels],
        [("records", [figures["records_per_level"][level] for level in levels])], value_format="{:.0f}")
        + "</section>")
    parts.append("<section><h2>Steps per level</h2>" + bar_chart(
        "solution steps per level", [f"level {level}" for level in levels],
        [("mean", [figures["steps_per_level"][level]["mean"] for level in levels]),
         ("max", [figures["steps_per_level"][level]["max"] for level in levels])], value_format="{:.1f}")
        + "</section>")
    top_rules = list(figures["rule_usage"].items())[:25]
    parts.append("<section><h2>Rule usage</h2>" + bar_chart(
        "steps per rule (top 25)", [name for name, _ in top_rules], [("steps", [n for _, n in top_rules])],
        width=max(640, 28 * len(top_rules) + 80), value_format="{:.0f}") + "</section>")
    parts.append("<section><h2>Lengths</h2>" + histogram("problem length (characters)",
                                                         figures["problem_lengths"])
                 + histogram("answer length (characters)", figures["answer_lengths"])
                 + table(["field", "min", "median", "mean", "max"],
                         [[name] + [figures[f"{name}_length"].get(k, "") for k in ("min", "median", "mean", "max")]
                          for name in ("problem", "answer")]) + "</section>")
    statuses = sorted({status for counts in figures["checks"].values() for status in counts})
    parts.append("<section><h2>Checker tallies</h2>" + table(
        ["checker"] + statuses, [[name] + [counts.get(s, 0) for s in statuses]
                                 for name, counts in figures["checks"].items()]) + "</section>")
    samples = ["<section><h2>Sample items</h2>"]
    for level, rows in figures["samples"].items():
        samples.append(f"<h3>Level {escape(level)}</h3>")
        for row in rows:
            hypotheses = ", ".join(_math(h) for h in row["hypotheses"])
            samples.append(f'<div class="item"><div class="small">{escape(row["uid"][:16])} · {row["steps"]} '
                           f'steps</div><div>problem: {_math(row["problem"])}</div>'
                           f'<div>answer: {_math(row["answer"])}</div>'
                           + (f"<div>where: {hypotheses}</div>" if hypotheses else "") + "</div>")
    samples.append("</section>")
    parts.append("".join(samples))
    return page(f"rpsdg corpus report: {figures['kind']}", "\n".join(parts))


def write_corpus_report(corpus: Path, out: Path) -> list[Path]:
    """Write ``report.html`` and ``report.json`` about ``corpus`` into ``out``."""
    figures = corpus_figures(corpus)
    paths = [out / "report.html", out / "report.json"]
    write_text_atomic(paths[0], render_html(figures))
    summary = {k: v for k, v in figures.items() if k not in ("problem_lengths", "answer_lengths")}
    write_text_atomic(paths[1], json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return paths
