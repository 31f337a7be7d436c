"""Integral solutions worth learning from (issue 12): each sub-integral solved once, no ``∫ 1 dx = x + c``, no
nested reciprocals, substitutions that state du, a level's step budget, and the checker's replay of these forms."""

from __future__ import annotations

import copy

import pytest

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of
from rpsdg.expr import parse
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.check import check_row
from rpsdg.kinds.integral.generate import IntegralConfig, generate
from rpsdg.run.pipeline import item_rng

SPEC = get_kind("integral")


def _rows(level: int, wanted: int, config: IntegralConfig = IntegralConfig(), seed: int = 7) -> list[dict]:
    rows, index = [], 0
    while len(rows) < wanted and index < wanted * 30:
        try:
            derivation = generate(config, level, item_rng("integral", seed, index))
        except Dropped:
            index += 1
            continue
        rows.append(make_row(derivation, SPEC, uid_of(SPEC.dedup_text(derivation)), seed, index))
        index += 1
    return rows


def _nested_reciprocal(text: str) -> bool:
    e = parse(text)
    return any(node.op == "div" and node.args[1].op == "div" for _, node in e.positions())


@pytest.mark.parametrize("level", [3, 5])
def test_teacher_steps_are_distinct_simplified_and_pass_every_checker(level):
    rows = _rows(level, 12)
    assert len(rows) >= 8
    for row in rows:
        assert row["direction"] == "backward"
        keys = [(s["integrand"], s["antiderivative"]) for s in row["steps"]]
        assert len(keys) == len(set(keys)), "a sub-integral is solved twice"
        for step in row["steps"]:
            assert not (step["integrand"] == "1" and step["antiderivative"] != "x"), step
            assert not _nested_reciprocal(step["integrand"]), step["integrand"]
            if step["rule"] == "substitution":
                assert step["du"] and not step["parts"]
        assert row["steps"][0]["integrand"] == row["problem"]
        assert all(v.status == "passed" for v in check_row(row)), [v for v in check_row(row)]


def test_step_budget_is_config():
    levels = {k: dict(v) for k, v in IntegralConfig().levels.items()}
    levels[4]["max_steps"] = 2
    config = IntegralConfig(levels=levels)
    rows = _rows(4, 10, config)
    assert rows and all(len(r["steps"]) <= 2 for r in rows)


def test_replay_rejects_a_wrong_du_and_an_unused_step():
    row = next(r for r in _rows(3, 20) if any(s["rule"] == "substitution" for s in r["steps"]))
    bad = copy.deepcopy(row)
    step = next(s for s in bad["steps"] if s["rule"] == "substitution")
    step["du"] = f"({step['du']}) + 1"
    assert check_row(bad)[0].status == "rejected"
    extra = copy.deepcopy(row)
    extra["steps"].append({"rule": "power_rule", "integrand": "2*x", "antiderivative": "x**2", "parts": [],
                           "substitution": "", "factor": "", "du": ""})
    assert check_row(extra)[0].status == "rejected"
