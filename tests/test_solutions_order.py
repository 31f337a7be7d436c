"""Integral solutions read top down in every export (issue 12): the split is announced, each distinct sub-integral
is solved once, the results are combined. The stored records do not change; only the shown order does.

Checked on generated items of several levels and directions (backward, forward, parts), on hand-made rows with a
shared and a repeated sub-integral, in the sft and prm exports and in ``rpsdg show``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg.cli import app
from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of
from rpsdg.export import ExportSource, export_source, get_format, rows_of
from rpsdg.export.common import ANNOUNCE, COMBINE, STEP, children_first, reading_order, top_down
from rpsdg.export.prm import PrmWriter
from rpsdg.export.sft import sft_record
from rpsdg.export.wording import Wording
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.check import check_row
from rpsdg.kinds.integral.generate import IntegralConfig, generate
from rpsdg.kinds.integral.text import describe, step_formulas
from rpsdg.run.pipeline import BuildConfig, build, item_rng

SPEC = get_kind("integral")


def _rows(direction: str, level: int, wanted: int, seed: int = 3) -> list[dict]:
    config = IntegralConfig(direction=direction)
    rows, index = [], 0
    while len(rows) < wanted and index < 200:
        try:
            derivation = generate(config, level, item_rng("integral", seed, index))
        except Dropped:
            index += 1
            continue
        rows.append(make_row(derivation, SPEC, uid_of(SPEC.dedup_text(derivation)), seed, index))
        index += 1
    return rows


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    rows = [row for level in (1, 2, 3, 4, 5) for row in _rows("backward", level, 4)]
    rows += _rows("forward", 1, 2) + _rows("forward", 2, 2) + _rows("parts", 1, 2)
    assert {row["direction"] for row in rows} == {"backward", "forward", "parts"}
    return rows


def _descendants(steps: list[dict], index: int) -> set[int]:
    seen: set[int] = set()
    stack = list(steps[index]["parts"])
    while stack:
        part = stack.pop()
        if part not in seen:
            seen.add(part)
            stack.extend(steps[part]["parts"])
    return seen


def assert_top_down(row: dict, math: str = "plain") -> list:
    """The properties of the shown solution the issue asks for; returns the shown lines."""
    steps = row["steps"]
    shown = reading_order(row, math)
    assert [s.number for s in shown] == list(range(1, len(shown) + 1))
    by_number = {s.number: s for s in shown}
    for line in shown:  # every citation points to an earlier line that states a result
        assert all(n < line.number for n in line.parts), line
        assert all(by_number[n].role != ANNOUNCE for n in line.parts), line
    results = [s for s in shown if s.role != ANNOUNCE]
    restating = {i for i, step in enumerate(steps)  # a simplify step restates its part's integral, simpler
                 if any(steps[p]["integrand"] == step["integrand"] for p in step["parts"])}
    solved = [s.step["integrand"] for s in results if s.stored_index not in restating]
    assert len(solved) == len(set(solved)), "a sub-integral is solved twice"
    shown_integrands = set(solved)
    for index, step in enumerate(steps):  # every stored step appears (or its twin, the same sub-integral, does)
        assert step["integrand"] in shown_integrands, (index, step)
    for index in {s.stored_index for s in shown}:
        lines = [s for s in shown if s.stored_index == index]
        if not steps[index]["parts"]:
            assert [s.role for s in lines] == [STEP]
            continue
        roles = [s.role for s in lines]
        assert roles in ([ANNOUNCE, COMBINE], [STEP]), roles
        if roles == [ANNOUNCE, COMBINE]:  # the parts (and theirs) lie between announce and combine
            announce, combine = lines
            assert "announce" in announce.formulas
            between = {s.stored_index for s in shown if announce.number < s.number < combine.number}
            assert between <= _descendants(steps, index)
            for part in steps[index]["parts"]:  # each part solved between, or already solved before (cited)
                twins = [s for s in results if s.step["integrand"] == steps[part]["integrand"]
                         and s.stored_index not in restating]
                assert len(twins) == 1
                line = twins[0].number
                assert line in combine.parts
                assert announce.number < line < combine.number or line in announce.parts
    root_lines = [s for s in shown if s.stored_index == 0]
    assert root_lines[-1].number == len(shown) or any(s.stored_index != 0 and s.depth == 0 for s in shown)
    return shown


def test_generated_solutions_read_top_down(generated: list[dict]) -> None:
    composite = 0
    for row in generated:
        for math in ("plain", "latex"):
            shown = assert_top_down(row, math)
        composite += sum(s.role == ANNOUNCE for s in shown)
    assert composite >= 10


def test_every_announce_line_is_an_identity_of_the_integral(generated: list[dict]) -> None:
    """An announce line states ∫ f dx = (its pieces); a sum's pieces are the parts' integrals with signs."""
    seen = set()
    for row in generated:
        for line in reading_order(row):
            if line.role != ANNOUNCE:
                continue
            seen.add(line.step["rule"])
            announce = line.formulas["announce"]
            assert announce.startswith("∫ ")
            if line.step["rule"] in ("linearity_sum", "linearity_difference", "split_sum"):
                for part in line.step["parts"]:
                    assert f"∫ {row['steps'][part]['integrand']} dx" in announce or \
                        f"∫ ({row['steps'][part]['integrand']}) dx" in announce
            if line.step["rule"] == "linearity_constant":
                assert f"= {line.step['factor']} ∫" in announce or f"= ({line.step['factor']}) ∫" in announce
    assert {"linearity_sum", "linearity_constant", "reverse_product"} <= seen


def test_stored_records_keep_the_root_first_order(generated: list[dict]) -> None:
    """The stored format is unchanged: root first, parts after the step that cites them (backward items)."""
    for row in generated:
        if row["direction"] == "backward":
            assert all(p > i for i, step in enumerate(row["steps"]) for p in step["parts"])
    assert check_row(generated[0])[0].status == "passed"


# -- hand-made rows: a shared sub-integral, a repeated one (twins), a kind without the hook -------------------

def _row(steps: list[dict], problem: str, answer: str) -> dict:
    full = [{"substitution": "", "factor": "", "du": "", "parts": [], **step} for step in steps]
    return {"uid": "f" * 64, "kind": "integral", "level": 1, "problem": problem, "answer": answer,
            "hypotheses": [], "steps": full, "checks": [], "direction": "backward"}


SHARED = _row([  # stored root first, as the generator stores it; ∫ 2*x dx is needed twice
    {"rule": "linearity_sum", "integrand": "2*x + 6*x", "antiderivative": "x**2 + 3*x**2", "parts": [2, 1]},
    {"rule": "linearity_constant", "integrand": "6*x", "antiderivative": "3*x**2", "factor": "3", "parts": [2]},
    {"rule": "power_rule", "integrand": "2*x", "antiderivative": "x**2"},
], "2*x + 6*x", "x**2 + 3*x**2")


def test_a_shared_sub_integral_is_solved_once_and_cited_after() -> None:
    assert [v.status for v in check_row(SHARED)] == ["passed"] * 3  # a valid record
    shown = assert_top_down(SHARED)
    assert [(s.stored_index, s.role, s.parts) for s in shown] == [
        (0, ANNOUNCE, ()), (2, STEP, ()), (1, ANNOUNCE, (2,)), (1, COMBINE, (2,)), (0, COMBINE, (2, 4))]
    assert shown[0].formulas["announce"] == "∫ (2*x + 6*x) dx = ∫ 2*x dx + ∫ 6*x dx"
    assert shown[2].formulas["announce"] == "∫ 6*x dx = 3 ∫ 2*x dx"
    text = sft_record(SHARED, Wording(3, math="plain"))["solution"]
    lines = [line for line in text.splitlines() if line.startswith("Step")]
    assert len(lines) == 5 and "∫ 2*x dx is solved in step 2" in lines[2]
    assert "∫ (2*x + 6*x) dx = x**2 + 3*x**2" in lines[4] and "steps 2 and 4" in lines[4]


def test_a_repeated_sub_integral_stored_twice_is_shown_once() -> None:
    twins = copy.deepcopy(SHARED)
    twins["steps"][1]["parts"] = [3]
    twins["steps"].append({**twins["steps"][2]})  # the same ∫ 2*x dx stored again (SymPy rule trees do this)
    assert [v.status for v in check_row(twins)][:2] == ["passed"] * 2
    shown = assert_top_down(twins)
    assert [s.stored_index for s in shown] == [0, 2, 1, 1, 0]
    assert shown[2].parts == (2,) and shown[3].parts == (2,)


def test_children_first_stays_the_default_without_the_hook() -> None:
    shown = children_first(SHARED["steps"])
    assert [s.stored_index for s in shown] == [2, 1, 0]
    assert all(n < s.number for s in shown for n in s.parts)
    plain = top_down(SHARED["steps"], None)  # no formulas: no announce lines, each composite once after its parts
    assert [(s.stored_index, s.role) for s in plain] == [(2, STEP), (1, STEP), (0, STEP)]


def test_malformed_parts_do_not_loop() -> None:
    steps = [{"rule": "linearity_sum", "integrand": "a", "antiderivative": "b", "parts": [1, 7]},
             {"rule": "linearity_sum", "integrand": "c", "antiderivative": "d", "parts": [0]}]
    shown = top_down(steps, step_formulas)
    assert {s.stored_index for s in shown} == {0, 1}
    assert all(n < s.number for s in shown for n in s.parts)


# -- exports: sft and prm --------------------------------------------------------------------------------------

def test_sft_lines_say_their_role_and_announce_before_solving(generated: list[dict]) -> None:
    wording = Wording(5, math="latex")  # as `rpsdg export sft` makes it
    for row in generated:
        record = sft_record(row, wording)
        roles = [s["role"] for s in record["steps"]]
        if row["steps"][0]["parts"]:  # the root's announce comes first, else (a simplify root) its part's
            first = record["steps"][0]
            assert roles[0] == ANNOUNCE and first["stored_step"] in (0, row["steps"][0]["parts"][0]), roles
            assert record["steps"][-1]["stored_step"] == 0 and roles[-1] != ANNOUNCE
        for step in record["steps"]:
            assert step["text"].startswith(f"Step {step['number']}: ")
            assert "$" in step["text"]  # LaTeX by default
            assert not re.search(r"\b[a-z]+_[a-z]+\b", step["text"].replace("\\", " ")), step["text"]


def test_prm_rates_announce_lines_correct_and_the_corrupted_result_wrong(generated: list[dict], tmp_path: Path
                                                                         ) -> None:
    rows = [row for row in generated if row["direction"] == "backward" and len(row["steps"]) > 2]
    rows = [{**row, "checks": [{"checker": v.checker, "status": v.status, "detail": v.detail,
                                "version": v.version} for v in check_row(row)]} for row in rows]
    source = ExportSource("integral", {"kind": "integral", "levels": [1, 2, 3, 4, 5]}, rows_of(rows), "test")
    export_source(get_format("prm"), source, tmp_path / "prm")
    records = [json.loads(line) for split in ("train", "validation", "test")
               for line in (tmp_path / "prm" / "random" / f"{split}.jsonl").read_text("utf-8").splitlines()]
    by_uid = {row["uid"]: row for row in rows}
    negatives = [r for r in records if not r["is_correct"]]
    assert negatives
    announced_before_error = 0
    for record in records:
        row = by_uid[record["uid"]]
        shown = reading_order(row)
        if record["is_correct"]:
            assert set(record["labels"]) == {1} and len(record["steps"]) == len(shown) + 1
            continue
        corruption = record["corruption"]
        error = corruption["shown_step"]
        line = shown[error - 1]
        assert line.stored_index == corruption["stored_step"] and line.role != ANNOUNCE
        assert record["labels"] == [1] * (error - 1) + [-1] and record["first_error_step"] == error - 1
        assert corruption["corrupted"] in record["steps"][-1]
        honest = PrmWriter("integral", 0, 0)._texts(row, list(row["steps"]))
        assert record["steps"][:-1] == honest[:error - 1]  # the honest prefix, announce lines included
        announced_before_error += any(s.role == ANNOUNCE and s.stored_index == line.stored_index
                                      for s in shown[:error - 1])
    assert announced_before_error >= 1  # a corrupted composite step: its announce line stays +1


def test_prm_a_corrupted_decomposition_makes_the_announce_line_the_error() -> None:
    writer = PrmWriter("integral", 0, 0)
    bad = copy.deepcopy(SHARED["steps"])
    bad[1]["factor"] = "4"  # ∫ 6*x dx = 4 ∫ 2*x dx: the announced decomposition itself is wrong
    texts, error = writer._wrong_lines(SHARED, bad, 1, "factor")
    assert error == 3 and "4 ∫ 2*x dx" in texts[-1]
    bad = copy.deepcopy(SHARED["steps"])
    bad[1]["antiderivative"] = "4*x**2"  # a wrong result: the combine line is the error
    texts, error = writer._wrong_lines(SHARED, bad, 1, "antiderivative")
    assert error == 4 and "4*x**2" in texts[-1] and "3 ∫ 2*x dx" in texts[2]


# -- rpsdg show ------------------------------------------------------------------------------------------------

def test_show_prints_the_solution_top_down(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    build(BuildConfig(kind="integral", count=12, seed=4, out=corpus, format="jsonl", levels=(3, 4)))
    from rpsdg.corpus.store import Corpus

    row = max(Corpus(corpus).rows(), key=lambda r: len(r["steps"]))
    result = CliRunner().invoke(app, ["show", str(corpus), row["uid"][:16]])
    assert result.exit_code == 0, result.output
    numbered = [line for line in result.output.splitlines() if re.match(r"\s*\d+\. ", line)]
    shown = reading_order(row)
    assert len(numbered) == len(shown)
    assert [int(line.split(".")[0]) for line in numbered] == list(range(1, len(shown) + 1))
    first = numbered[0]
    assert f"[{row['steps'][0]['rule'].replace('_', ' ')}" in first  # the root's announce comes first
    assert "[combine: " in numbered[-1]  # and its combine line last
    body = result.output.splitlines()
    announce_at = body.index(numbered[0]) + 1
    assert body[announce_at].strip() == shown[0].formulas["announce"]
    assert describe(row) in result.output


def test_no_shown_line_is_false_by_the_environments_step_grader(generated: list[dict]) -> None:
    """The environment's grader (``rpsdg.grade_steps``, which reads each claim and checks it on its own against
    the problem) finds no shown line false, and confirms the split and constant-factor announce lines."""
    from rpsdg.env.scoring import grade_steps

    wording = Wording(5, math="latex")
    confirmed = 0
    for row in generated:
        record = sft_record(row, wording)
        grades = grade_steps(row, "\n".join(step["text"] for step in record["steps"]))
        assert len(grades) == len(record["steps"])
        for grade, step in zip(grades, record["steps"]):
            assert grade.label != "incorrect", (step["text"], grade)
            if step["role"] == ANNOUNCE and step["rule"] in ("linearity_sum", "linearity_difference",
                                                             "linearity_constant", "linearity_negation"):
                assert grade.label == "correct", (step["text"], grade)
                confirmed += 1
    assert confirmed >= 10


def test_a_step_our_grammar_cannot_read_is_shown_as_stored() -> None:
    odd = copy.deepcopy(SHARED)
    odd["steps"][1]["factor"] = "3 +"  # not our grammar: no announce formula, the claim alone
    for shown in reading_order(odd):
        assert shown.formulas["claim"].startswith("∫ ")
    assert [s.role for s in reading_order(odd)] == [ANNOUNCE, STEP, STEP, COMBINE]
    text = sft_record(odd, Wording(1, math="latex"))["solution"]
    assert "∫ 6*x dx = 3*x**2" in text or "\\int 6 x" in text


def test_the_environments_reference_solution_reads_top_down_and_every_line_is_graded_correct(generated):
    from rpsdg import grade_steps
    from rpsdg.kinds.integral.score import ANNOUNCED

    announced = 0
    for row in generated:
        text = SPEC.solution_text(row)
        lines = [line for line in text.splitlines() if line.startswith("Step ")]
        grades = grade_steps(row, text)
        assert grades and all(g.label == "correct" for g in grades), (row["uid"], grades)
        root = row["steps"][0]
        if root["rule"] in ANNOUNCED and root["parts"]:  # the split is stated first, its result comes last
            announced += 1
            assert "solving each part next" in lines[0] and lines[-1].startswith(f"Step {len(lines)}. Combine the parts")
    assert announced  # the generated items include splits
