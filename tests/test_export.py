"""Exports for training (issue 6): every format is read back by a reader that is not ours (json, pyarrow,
``datasets``), field names match the published layouts, prm negatives are wrong and positives right by the
checker, splits are deterministic, and bad input gives a clear message and exit code 2 with nothing written.

Integral corpora are built here; theorem/equation behaviour is tested on small hand-made rows through
``export_source`` (generic paths), independent of those kinds' generators.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
import shutil
import warnings
from pathlib import Path

import pyarrow.json as pajson
import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from rpsdg.kinds.integral import check as integral_check
from rpsdg.maths.numeric import derivative_agreement
from rpsdg.cli import app
from rpsdg.corpus.store import Corpus
from rpsdg.expr.parse import parse
from rpsdg.export import (ExportSource, ExportSpec, export_corpus, export_source, format_names, get_format,
                          rows_of)
from rpsdg.export.leandojo import FILE_NAMES as LEANDOJO_FILE_NAMES
from rpsdg.export.splits import SPLITS, novel_policy, random_split, rule_combination, split_of_key
from rpsdg.run.pipeline import BuildConfig, build

JSONL_FORMATS = ("sft", "prm", "whole-proof", "seq2seq")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "integral"
    build(BuildConfig(kind="integral", count=40, seed=7, out=path, format="jsonl"))
    return path


@pytest.fixture(scope="module")
def exports(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("exports")
    made = {}
    for fmt in format_names():
        made[fmt] = root / fmt
        export_corpus(fmt, corpus, made[fmt], seed=11)
    return made


@pytest.fixture(scope="module")
def rows(corpus: Path) -> dict[str, dict]:
    return {row["uid"]: row for row in Corpus(corpus).rows()}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _manifest(out: Path) -> dict:
    return json.loads((out / "rpsdg_export.json").read_text(encoding="utf-8"))


def _dojo_files(folder: Path) -> list[Path]:
    """LeanDojo's split files, in SPLITS order: ``train.json``, ``val.json`` (its own name), ``test.json``."""
    return [folder / f"{LEANDOJO_FILE_NAMES.get(split, split)}.json" for split in SPLITS]


# -- every format, read back by readers that are not ours -----------------------------------------------------

@pytest.mark.parametrize("fmt", JSONL_FORMATS)
def test_jsonl_formats_round_trip_through_json_and_pyarrow(exports: dict[str, Path], fmt: str) -> None:
    out = exports[fmt]
    manifest = _manifest(out)
    total = 0
    for split in SPLITS:
        path = out / "random" / f"{split}.jsonl"
        records = _jsonl(path)
        assert all(record["split"] == split for record in records)
        total += len(records)
        if records:
            table = pajson.read_json(path)
            assert table.num_rows == len(records)
            assert set(table.column_names) == {name for name, _ in get_format(fmt).features}
    assert total == manifest["records_out"] > 0
    assert sum(manifest["splits"]["novel"].values()) == total


def test_leandojo_round_trips_through_json_and_pyarrow(exports: dict[str, Path]) -> None:
    out = exports["leandojo"]
    theorems = [t for path in _dojo_files(out / "random") for t in json.loads(path.read_text("utf-8"))]
    assert len(theorems) == _manifest(out)["records_out"] > 0
    table = pajson.read_json(out / "corpus.jsonl")
    assert set(table.column_names) == {"path", "imports", "premises"}
    assert json.loads((out / "metadata.json").read_text("utf-8"))["from_repo"]["commit"] == theorems[0]["commit"]


@pytest.mark.skipif(importlib.util.find_spec("datasets") is None, reason="`datasets` is not installed")
@pytest.mark.parametrize("fmt", JSONL_FORMATS)
def test_datasets_loads_the_card_configs(exports: dict[str, Path], fmt: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    out = exports[fmt]
    manifest = _manifest(out)
    assert sorted(p.name for p in (out / "random").glob("*.jsonl")) == ["test.jsonl", "train.jsonl",
                                                                       "validation.jsonl"]
    heard = _Heard()
    logger = logging.getLogger("datasets")
    logger.addHandler(heard)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a card datasets warns about fails here
            for config in ("random", "novel"):
                loaded = datasets.load_dataset(str(out), config, cache_dir=str(tmp_path / "cache"))
                expected = {split: n for split, n in manifest["splits"][config].items() if n}
                assert {split: loaded[split].num_rows for split in loaded} == expected
                assert set(loaded) <= {"train", "validation", "test"}
    finally:
        logger.removeHandler(heard)
    assert heard.messages == []


class _Heard(logging.Handler):
    """Collects the warnings ``datasets`` logs (e.g. about a malformed ``splits`` in the card's YAML)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_dataset_card_has_the_hugging_face_header(exports: dict[str, Path]) -> None:
    for fmt, out in exports.items():
        text = (out / "README.md").read_text(encoding="utf-8")
        header = text.split("---\n")[1]
        for key in ("license:", "size_categories:", "task_categories:", "tags:", "pretty_name:"):
            assert key in header, (fmt, key)
        assert "## How it was checked" in text and "## Versions" in text
        assert "rpsdg-" in text  # checker versions are listed
        if fmt != "leandojo":
            assert "configs:" in header and "dataset_info:" in header


# -- field names of the published layouts ----------------------------------------------------------------------

def test_whole_proof_fields_match_deepseek_goedel(exports: dict[str, Path]) -> None:
    records = _jsonl(exports["whole-proof"] / "random" / "train.jsonl")
    for record in records:
        assert set(record) >= {"name", "split", "header", "informal_prefix", "formal_statement", "formal_proof"}
        assert record["formal_statement"].endswith(":= by\n")
        assert record["formal_statement"].startswith(f"theorem {record['name']} ")
        assert record["header"].startswith("import Mathlib")
        assert record["lean_checked"] is False and record["proof_source"] == "predicted"
        assert record["formal_proof"].rstrip().splitlines()[-1].strip().startswith("exact ")


def test_leandojo_layout_fields_and_one_based_positions(exports: dict[str, Path]) -> None:
    out = exports["leandojo"]
    for folder in ("random", "novel_premises"):
        assert sorted(p.name for p in (out / folder).iterdir()) == ["test.json", "train.json", "val.json"]
        for path in _dojo_files(out / folder):
            assert isinstance(json.loads(path.read_text("utf-8")), list)
    metadata = json.loads((out / "metadata.json").read_text("utf-8"))
    assert set(metadata) >= {"dataset_name", "creation_time", "from_repo", "leandojo_version"}
    assert set(metadata["from_repo"]) == {"url", "commit"}
    theorems = json.loads((out / "random" / "train.json").read_text("utf-8"))
    for theorem in theorems:
        assert set(theorem) >= {"url", "commit", "file_path", "full_name", "start", "end", "traced_tactics"}
        assert theorem["state_source"] == "predicted"
        (line, column), (end_line, _) = theorem["start"], theorem["end"]
        assert line >= 1 and column == 1 and end_line >= line
        source = (out / "src" / theorem["file_path"]).read_text("utf-8").split("\n")
        assert source[line - 1].startswith(f"theorem {theorem['full_name']} ")
        assert source[end_line - 1].strip().startswith("exact ")
        for tactic in theorem["traced_tactics"]:
            assert set(tactic) >= {"tactic", "annotated_tactic", "state_before", "state_after"}
            text, premises = tactic["annotated_tactic"]
            assert re.sub(r"</?a>", "", text) == tactic["tactic"]
            assert all(set(p) == {"full_name", "def_path", "def_pos", "def_end_pos"} for p in premises)
            assert "⊢" in tactic["state_before"] and tactic["state_source"] == "predicted"
        assert theorem["traced_tactics"][-1]["state_after"] == "no goals"
    for line in _jsonl(out / "corpus.jsonl"):
        for premise in line["premises"]:
            assert set(premise) == {"full_name", "code", "start", "end", "kind"}
            assert ":=" not in premise["code"]


def test_seq2seq_is_lample_charton_prefix(exports: dict[str, Path], rows: dict[str, dict]) -> None:
    out = exports["seq2seq"]
    for record in _jsonl(out / "random" / "train.jsonl"):
        row = rows[record["uid"]]
        assert record["src"] == "sub Y' " + row["prefix"]
        assert record["tgt"] == row["answer_prefix"]
    lines = (out / "random" / "train.txt").read_text("utf-8").splitlines()
    assert lines and all(re.fullmatch(r"\d+\|sub Y' [^\t]+\t[^\t]+", line) for line in lines)


def test_sft_steps_are_numbered_cite_earlier_steps_and_name_rules(exports: dict[str, Path],
                                                                   rows: dict[str, dict]) -> None:
    for record in _jsonl(exports["sft"] / "random" / "train.jsonl"):
        numbers = [step["number"] for step in record["steps"]]
        assert numbers == list(range(1, len(numbers) + 1))
        assert all(p < step["number"] for step in record["steps"] for p in step["parts"])
        assert [m["role"] for m in record["messages"]] == ["user", "assistant"]
        assert record["answer"] == rows[record["uid"]]["answer"]
        assert record["answer"] in record["solution"]
        # top down (issue 12): a composite step is shown twice (announce, combine), every stored step once as a result
        results = [s for s in record["steps"] if s["role"] != "announce"]
        assert sorted(s["rule"] for s in results) == sorted(s["rule"] for s in rows[record["uid"]]["steps"])
        assert sorted(s["stored_step"] for s in results) == list(range(len(rows[record["uid"]]["steps"])))
        assert record["problem_latex"] and "\\int" not in record["problem_latex"]


# -- prm: negatives wrong and positives right by the checker ---------------------------------------------------

def _prm_records(out: Path) -> list[dict]:
    return [r for split in SPLITS for r in _jsonl(out / "random" / f"{split}.jsonl")]


def test_prm_negatives_fail_and_positives_pass_the_numeric_derivative_check(exports: dict[str, Path],
                                                                            rows: dict[str, dict]) -> None:
    records = _prm_records(exports["prm"])
    negatives = [r for r in records if not r["is_correct"]]
    positives = [r for r in records if r["is_correct"]]
    assert negatives and len(positives) == len(rows)
    quorum = integral_check.POINTS.quorum
    for record in positives:
        parsed = integral_check.parse_row(rows[record["uid"]])
        points = integral_check.domain_points(parsed)
        assert all(derivative_agreement(s.antiderivative, s.integrand, points) >= quorum for s in parsed.steps)
        assert set(record["labels"]) == {1} and record["first_error_step"] is None
    for record in negatives:
        row = rows[record["uid"]]
        corruption = record["corruption"]
        step = row["steps"][corruption["stored_step"]]
        assert corruption["original"] == step["antiderivative"] != corruption["corrupted"]
        points = integral_check.domain_points(integral_check.parse_row(row))
        agreeing = derivative_agreement(parse(corruption["corrupted"]), parse(step["integrand"]), points)
        assert agreeing < quorum, record
        assert record["labels"] == [1] * (len(record["labels"]) - 1) + [-1]
        assert record["first_error_step"] == len(record["labels"]) - 1
        assert corruption["corrupted"] in record["steps"][-1]


def test_prm_labels_follow_prm800k_and_tallies_add_up(exports: dict[str, Path]) -> None:
    manifest = _manifest(exports["prm"])
    records = _prm_records(exports["prm"])
    for record in records:
        steps = record["label"]["steps"]
        assert [s["completions"][0]["rating"] for s in steps] == record["labels"]
        assert [s["completions"][0]["text"] for s in steps] == record["steps"]
        assert record["label"]["finish_reason"] == ("solution" if record["is_correct"] else "found_error")
    tally = manifest["corruptions"]
    assert sum(t["kept"] for t in tally.values()) == manifest["negatives"] == sum(not r["is_correct"] for r in records)
    assert all(t["kept"] + t["not_confirmed"] == t["made"] for t in tally.values())
    kinds = {r["corruption"]["kind"] for r in records if r["corruption"]}
    assert len(kinds) >= 4
    card = (exports["prm"] / "README.md").read_text("utf-8")
    assert all(f"{name} made {t['made']}, kept {t['kept']}" in card for name, t in tally.items())


# -- splits and determinism ------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_split_of_key_is_deterministic_and_valid(key: str) -> None:
    assert split_of_key(key) in SPLITS and split_of_key(key) == split_of_key(key)


def test_random_split_is_about_90_5_5() -> None:
    counts = {s: 0 for s in SPLITS}
    for n in range(4000):
        counts[random_split({"uid": hashlib.sha256(str(n).encode()).hexdigest()})] += 1
    assert 3400 < counts["train"] < 3800 and 100 < counts["validation"] < 300 and 100 < counts["test"] < 300


def test_novel_split_holds_out_levels_or_rule_combinations() -> None:
    by_level = novel_policy("integral", [1, 2, 3, 4, 5])
    assert [by_level.assign({"level": level, "uid": "u"}) for level in (1, 3, 4, 5)] == ["train", "train",
                                                                                          "validation", "test"]
    by_rules = novel_policy("theorem", [1, 2, 3, 4, 5])
    rows = [{"kind": "theorem", "uid": str(n), "level": 1,
             "steps": [{"rule": r} for r in rules]} for n, rules in enumerate(
        [("a", "b"), ("b", "a", "a"), ("c",), ("c", "d"), ("d", "c")] * 10)]
    seen: dict[str, set[str]] = {}
    for row in rows:
        seen.setdefault(rule_combination(row), set()).add(by_rules.assign(row))
    assert all(len(splits) == 1 for splits in seen.values())


def test_same_seed_same_bytes_other_seed_other_wording(corpus: Path, tmp_path: Path) -> None:
    export_corpus("sft", corpus, tmp_path / "a", seed=1)
    export_corpus("sft", corpus, tmp_path / "b", seed=1)
    export_corpus("sft", corpus, tmp_path / "c", seed=2)
    first = (tmp_path / "a" / "random" / "train.jsonl").read_bytes()
    assert first == (tmp_path / "b" / "random" / "train.jsonl").read_bytes()
    assert first != (tmp_path / "c" / "random" / "train.jsonl").read_bytes()
    instructions = {r["instruction"].split(" ")[0] for r in _jsonl(tmp_path / "a" / "random" / "train.jsonl")}
    assert len(instructions) >= 3  # several phrasings within one export


# -- hand-made rows of other kinds (generic paths) -------------------------------------------------------------

def _row(kind: str, uid: str, steps: list[dict], answer: str = "", lean: str = "") -> dict:
    return {"uid": uid, "kind": kind, "level": 1, "problem": "Eq(x + 1, 3)", "answer": answer, "hypotheses": [],
            "steps": steps, "checks": [{"checker": "replay", "status": "passed", "detail": "", "version": "t"}],
            "prefix": "", "latex": "", "lean": lean, "generator": kind, "generator_version": "t", "seed": 0,
            "index": 0}


def test_generic_kind_rows_export_or_are_skipped_with_a_reason(tmp_path: Path) -> None:
    carried = [{"rule": "subtract_both_sides", "before": "Eq(x + 1, 3)", "after": "Eq(x, 2)",
                "tactic": "linarith", "state_before": "x : ℝ\n⊢ x + 1 = 3 ↔ x = 2", "state_after": "no goals"}]
    plain = [{"rule": "subtract_both_sides", "before": "Eq(x + 1, 3)", "after": "Eq(x, 2)"}]
    rows = [_row("toy", "a" * 64, carried, "FiniteSet(2)", "theorem toy_item (x : ℝ) :\n    x + 1 = 3 ↔ x = 2"),
            _row("toy", "b" * 64, plain, "FiniteSet(2)", "theorem toy_item (x : ℝ) :\n    x + 1 = 3 ↔ x = 2"),
            _row("toy", "c" * 64, plain)]
    source = ExportSource("toy", {"kind": "toy", "levels": [1]}, rows_of(rows), "hand-made")
    sft = export_source(get_format("sft"), source, tmp_path / "sft")
    assert sft["records_out"] == 3
    record = _jsonl(tmp_path / "sft" / "random" / "train.jsonl")[0]
    # sft shows formulas in LaTeX by default (issue 12): the stored Eq(x, 2) reads $x = 2$
    assert "subtract both sides" in record["steps"][0]["text"] and "$x = 2$" in record["steps"][0]["text"]
    dojo = export_source(get_format("leandojo"), source, tmp_path / "dojo")
    assert dojo["records_out"] == 1 and sum(dojo["skipped"].values()) == 2
    theorem = [t for path in _dojo_files(tmp_path / "dojo" / "random") for t in json.loads(path.read_text())][0]
    assert theorem["traced_tactics"][0]["tactic"] == "linarith"
    seq = export_source(get_format("seq2seq"), source, tmp_path / "seq")
    assert seq["records_out"] == 2 and seq["skipped"] == {"no answer to predict": 1}
    prm = export_source(get_format("prm"), source, tmp_path / "prm")
    assert prm["negatives"] == 0 and prm["positives"] == 3
    assert any("no checker is registered" in note for note in prm["notes"])


# -- bad input: clear message, exit 2, nothing written -----------------------------------------------------------

def test_cli_unknown_format_exits_2_naming_the_formats(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["export", "bogus", str(corpus), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "unknown export format 'bogus'" in result.output and "whole-proof" in result.output
    assert not (tmp_path / "x").exists()


def test_cli_directory_that_is_not_a_corpus_exits_2(tmp_path: Path) -> None:
    (tmp_path / "notacorpus").mkdir()
    result = CliRunner().invoke(app, ["export", "sft", str(tmp_path / "notacorpus"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not an rpsdg corpus" in result.output
    assert not (tmp_path / "o").exists()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "manifest.json").write_text("{not json")
    result = CliRunner().invoke(app, ["export", "sft", str(tmp_path / "broken"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_cli_existing_out_needs_force(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = CliRunner().invoke(app, ["export", "prm", str(corpus), "--out", str(out)])
    assert result.exit_code == 2 and "--force" in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    result = CliRunner().invoke(app, ["export", "prm", str(corpus), "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert not (out / "keep.txt").exists() and (out / "rpsdg_export.json").is_file()
    assert "corruption sign_error" in result.output


def test_cli_out_inside_the_corpus_is_refused(corpus: Path) -> None:
    result = CliRunner().invoke(app, ["export", "sft", str(corpus), "--out", str(corpus / "sft")])
    assert result.exit_code == 2 and "inside" in result.output
    assert not (corpus / "sft").exists()


def test_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    def explode(source, context, directory):
        (directory / "half.jsonl").write_text("{}\n")
        raise RuntimeError("exporter crashed")

    spec = ExportSpec("broken", "", explode, (), lambda stats: {})
    source = ExportSource("toy", {"kind": "toy"}, rows_of([]), "hand-made")
    with pytest.raises(RuntimeError):
        export_source(spec, source, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


# -- the other registered kinds, end to end --------------------------------------------------------------------

def _kind_or_skip(kind: str):
    from rpsdg.kinds import get_kind

    return get_kind(kind)  # every kind is registered now: a missing one must fail, not skip


@pytest.mark.parametrize("kind", ["theorem", "equation"])
def test_other_kinds_export_and_prm_negatives_are_rejected_by_their_checkers(kind: str, tmp_path: Path) -> None:
    spec = _kind_or_skip(kind)
    corpus = tmp_path / kind
    build(BuildConfig(kind=kind, count=12, seed=5, out=corpus, format="jsonl"))
    rows = {row["uid"]: row for row in Corpus(corpus).rows()}
    manifest = export_corpus("prm", corpus, tmp_path / "prm", seed=3)
    records = _prm_records(tmp_path / "prm")
    assert manifest["negatives"] > 0 and manifest["confirming_checker"] == "+".join(spec.checker_names)
    for record in records:
        row = rows[record["uid"]]
        if record["is_correct"]:
            assert not any(v.status == "rejected" for v in spec.check(row))
            continue
        corruption = record["corruption"]
        steps = [dict(step) for step in row["steps"]]
        steps[corruption["stored_step"]][corruption["field"]] = corruption["corrupted"]
        verdicts = list(spec.check({**row, "steps": steps}))
        assert any(v.status == "rejected" and v.step == corruption["stored_step"] for v in verdicts), record
    for fmt in ("sft", "leandojo", "whole-proof"):
        made = export_corpus(fmt, corpus, tmp_path / fmt)
        assert made["records_out"] + sum(made["skipped"].values()) == made["records_in"] == len(rows)
    dojo = [t for path in _dojo_files(tmp_path / "leandojo" / "random") for t in json.loads(path.read_text())]
    assert dojo, "the Lean renderer should render some items of this kind"
    for theorem in dojo:
        assert theorem["traced_tactics"][-1]["state_after"] == "no goals"
        assert all("⊢" in t["state_before"] for t in theorem["traced_tactics"])


def test_export_refuses_a_corpus_whose_shards_changed(corpus: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copytree(corpus, copy, dirs_exist_ok=True)
    shard = next(copy.glob("data/shard-*"))
    shard.write_bytes(shard.read_bytes() + b"\n")
    result = CliRunner().invoke(app, ["export", "sft", str(copy), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "sha256 differs" in result.output and "rpsdg check" in result.output
    assert not (tmp_path / "o").exists()


def test_lean_verdicts_of_the_corpus_are_carried_not_invented(corpus: Path, tmp_path: Path) -> None:
    """``lean_verdicts.json`` here is written by hand in the layout ``check/lean.py`` documents (no Lean ran):
    the export must carry each item's status and say ``not_run`` for the rest, never claim a check itself."""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copytree(corpus, copy, dirs_exist_ok=True)
    uids = [row["uid"] for row in Corpus(copy).rows()]
    document = {"lean": "example-toolchain", "items": {uids[0]: {"status": "passed"}, uids[1]: {"status": "failed"}}}
    (copy / "lean_verdicts.json").write_text(json.dumps(document))
    export_corpus("whole-proof", copy, tmp_path / "wp")
    records = {r["uid"]: r for s in SPLITS for r in _jsonl(tmp_path / "wp" / "random" / f"{s}.jsonl")}
    for uid, record in records.items():
        expected = document["items"].get(uid, {}).get("status", "not_run")
        assert record["lean_verdict"] == expected and record["lean_checked"] is False
    (copy / "lean_verdicts.json").write_text("[1, 2]")
    result = CliRunner().invoke(app, ["export", "leandojo", str(copy), "--out", str(tmp_path / "d")])
    assert result.exit_code == 2 and "lean_verdicts.json" in result.output
