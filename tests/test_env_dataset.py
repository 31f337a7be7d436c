"""create_dataset gives the records rpsdg build writes, lazily; Curriculum follows its documented rule; the
reasoning-gym adapter works where reasoning-gym is installed."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rpsdg
from rpsdg.corpus.store import Corpus
from rpsdg.errors import ConfigError
from rpsdg.kinds import kind_names

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind,levels", [("integral", "1-3"), ("equation", "2,4"), ("theorem", "1-5")])
def test_first_items_are_the_build_records(tmp_path, kind, levels):
    count = 12
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    subprocess.run([sys.executable, "-m", "rpsdg", "build", "--kind", kind, "--count", str(count), "--seed", "5",
                    "--levels", levels, "--format", "jsonl", "--out", str(tmp_path / "c")], check=True, env=env,
                   capture_output=True)
    built = list(Corpus(tmp_path / "c").rows())
    from rpsdg.run.pipeline import parse_levels

    dataset = rpsdg.create_dataset(kind, count, seed=5, levels=parse_levels(levels))
    assert len(dataset) == count
    assert [item.uid for item in dataset] == [row["uid"] for row in built]
    for item, row in zip(dataset, built):
        assert item.record["problem"] == row["problem"] and item.record["answer"] == row["answer"]
        assert item.level == row["level"] and item["problem"] == row["problem"]
        assert "$" in item.question and item.answer
    assert dataset[-1].uid == built[-1]["uid"]
    assert [i.uid for i in dataset[2:5]] == [row["uid"] for row in built[2:5]]


def test_huge_dataset_costs_nothing_until_read():
    started = time.perf_counter()
    dataset = rpsdg.create_dataset("equation", 10 ** 9, seed=1)
    assert len(dataset) == 10 ** 9
    assert "generated=0" in repr(dataset)
    first = dataset[3]
    assert "generated=4" in repr(dataset)
    assert first.uid == rpsdg.create_dataset("equation", 10, seed=1)[3].uid
    assert time.perf_counter() - started >= 0  # (no timing asserts: see bench/env_scoring.py)
    with pytest.raises(IndexError):
        dataset[10 ** 9]


def test_bad_arguments_are_refused():
    with pytest.raises(ConfigError):
        rpsdg.create_dataset("integral", 10, levels=[7])
    with pytest.raises(ConfigError):
        rpsdg.create_dataset("nope", 10)
    with pytest.raises(ConfigError):
        rpsdg.create_dataset("integral", -1)
    with pytest.raises(ConfigError):
        rpsdg.create_dataset("integral", 3, config={"no_such_key": 1})


def test_question_states_no_solution_hints():
    for kind in kind_names():
        for item in rpsdg.create_dataset(kind, 6, seed=2):
            assert item.record["answer"] not in item.question or not item.record["answer"]
            for step in item.record["steps"]:
                assert step["rule"] not in item.question
            if kind == "equation":
                assert "Ne(" not in item.question and "\\neq" not in item.question


def test_curriculum_rule_and_reproducibility():
    curriculum = rpsdg.Curriculum("equation", seed=3, window=4, raise_at=0.75, lower_at=0.25)
    assert curriculum.level == 1
    levels = []
    scores = [1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]
    uids = []
    for score in scores:
        item = curriculum.sample()
        assert item.level == curriculum.level
        uids.append(item.uid)
        levels.append(curriculum.update(score))
    assert levels == [1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3]
    again = rpsdg.Curriculum("equation", seed=3, window=4, raise_at=0.75, lower_at=0.25)
    replay = []
    for score in scores:
        replay.append(again.sample().uid)
        again.update(score)
    assert replay == uids
    assert len(set(uids)) == len(uids)
    top = rpsdg.Curriculum("integral", levels=(4, 5), start_level=5, window=1)
    assert top.update(1.0) == 5 and top.update(0.0) == 4 and top.update(0.0) == 4
    with pytest.raises(ConfigError):
        rpsdg.Curriculum("integral", raise_at=0.2, lower_at=0.5)
    with pytest.raises(ConfigError):
        top.update(2.0)


@pytest.mark.skipif(importlib.util.find_spec("reasoning_gym") is None,
                    reason="reasoning-gym is not installed (optional extra: pip install 'rpsdg[gym]')")
def test_reasoning_gym_adapter():
    import reasoning_gym

    from rpsdg.env.gym import register

    names = register()
    assert names == [f"rpsdg_{kind}" for kind in kind_names()]
    assert register() == names  # twice is fine
    dataset = reasoning_gym.create_dataset("rpsdg_integral", size=4, seed=2, levels=(1, 2))
    ours = rpsdg.create_dataset("integral", 4, seed=2, levels=[1, 2])
    entries = list(dataset)
    assert [e["metadata"]["uid"] for e in entries] == [item.uid for item in ours]
    for entry in entries:
        assert dataset.score_answer(entry["answer"], entry) == 1.0
        assert dataset.score_answer(None, entry) == 0.0
        assert dataset.score_answer("x**17", entry) == 0.0
        json.dumps(entry)
