"""Issue 12, text: one voice per solution, rule names in words, LaTeX by default in sft, the domain in the
solution (not the question), the three-variable wording, PRM labels that never rate a true step -1."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg.cli import app
from rpsdg.corpus.store import Corpus
from rpsdg.export import export_corpus
from rpsdg.export.prm import satisfied_by_every_solution
from rpsdg.export.wording import Wording, math_text
from rpsdg.expr.parse import parse
from rpsdg.run.pipeline import BuildConfig, build

SPLITS = ("train", "validation", "test")


def _jsonl(directory: Path) -> list[dict]:
    return [json.loads(line) for s in SPLITS for line in (directory / "random" / f"{s}.jsonl").read_text().splitlines()
            if line.strip()]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("text")
    out = {}
    for kind, count in (("equation", 60), ("theorem", 20)):
        out[kind] = root / kind
        build(BuildConfig(kind=kind, count=count, seed=12, out=out[kind], format="jsonl"))
    return out


def test_sft_is_latex_by_default_in_one_voice_with_rule_names_in_words(corpora, tmp_path):
    for kind, corpus in corpora.items():
        export_corpus("sft", corpus, tmp_path / kind)
        for record in _jsonl(tmp_path / kind):
            texts = [s["text"] for s in record["steps"]]
            assert all(re.match(rf"Step {s['number']}: ", t) for s, t in zip(record["steps"], texts))
            frames = {("We " in t.split(": ", 1)[1][:3]) for t in texts}
            assert len(frames) == 1, texts  # one voice: every step "We ..." or every step "<verb>ing ..."
            assert "$" in record["solution"] and "$" in record["instruction"]
            assert not re.search(r"\b[a-z]+_[a-z_]+\b", record["solution"]), record["solution"]  # no snake_case


def test_plain_math_option_and_the_cli_flag(corpora, tmp_path):
    export_corpus("sft", corpora["equation"], tmp_path / "plain", options={"math": "plain"})
    assert not any("$" in r["solution"] for r in _jsonl(tmp_path / "plain"))
    result = CliRunner().invoke(app, ["export", "sft", str(corpora["equation"]), "--out", str(tmp_path / "cli"),
                                      "--math", "plain"])
    assert result.exit_code == 0, result.output
    assert not any("$" in r["solution"] for r in _jsonl(tmp_path / "cli"))


def test_equation_questions_hide_the_domain_and_solutions_state_it(corpora, tmp_path):
    rows = {r["uid"]: r for r in Corpus(corpora["equation"]).rows()}
    export_corpus("sft", corpora["equation"], tmp_path / "sft", options={"math": "plain"})
    with_domain = 0
    for record in _jsonl(tmp_path / "sft"):
        row = rows[record["uid"]]
        assert "Assume" not in record["instruction"]
        if row["hypotheses"]:
            with_domain += 1
            first = record["solution"].splitlines()[0]
            assert "domain" in first or "makes sense" in first
    assert with_domain


def test_three_variable_systems_ask_for_x_y_z():
    wording = Wording(0, math="plain")
    problem = "Tuple(Eq(x + y + z, 6), Eq(x - y, 1), Eq(y + z, 3))"
    texts = {wording.render("problem", "equation", f"u{i}", problem=problem, problem_latex="", hypotheses=[])
             for i in range(40)}
    assert not any("(x, y) " in t for t in texts) and any("(x, y, z)" in t for t in texts)


def test_math_text_shows_systems_and_leaves_non_formulas_alone():
    assert math_text("Tuple(Eq(x, 1), Eq(y, 2))", "latex") == "$x = 1$, $y = 2$"
    assert math_text("no goals", "latex") == "no goals"
    assert math_text("Ne(x - 5, 0)", "plain") == "x - 5 ≠ 0"


def test_a_true_equation_is_never_rated_minus_one():
    assert satisfied_by_every_solution("FiniteSet(10)", parse("Eq(-(x - 10), 0)")) is True
    assert satisfied_by_every_solution("FiniteSet(10)", parse("Eq(x - 10, 2)")) is False
    assert satisfied_by_every_solution("FiniteSet(Tuple(1, 2))", parse("Tuple(Eq(x, 1), Eq(y, 2))")) is True
    assert satisfied_by_every_solution("", parse("Eq(x, 1)")) is None


def test_prm_negatives_are_false_and_restatements_are_neutral(corpora, tmp_path):
    for kind, corpus in corpora.items():
        rows = {r["uid"]: r for r in Corpus(corpus).rows()}
        manifest = export_corpus("prm", corpus, tmp_path / kind, seed=4)
        records = _jsonl(tmp_path / kind)
        for record in records:
            if record["is_correct"]:
                assert set(record["labels"]) <= {0, 1} and record["labels"].count(0) <= 1
                continue
            corruption = record["corruption"]
            row = rows[record["uid"]]
            step = row["steps"][corruption["stored_step"]]
            assert corruption["corrupted"] != step.get("before"), record  # a repeat is never an error
            if row["answer"]:
                assert satisfied_by_every_solution(row["answer"], parse(corruption["corrupted"])) is not True
        if kind == "theorem" or manifest["neutral"]:
            neutral = [r for r in records if 0 in r["labels"]]
            assert len(neutral) == manifest["neutral"]
            for record in neutral:
                assert "restat" in record["steps"][record["labels"].index(0)].lower()
