"""The integral kind: items at every level pass every checker; the checkers reject corrupted records."""

from __future__ import annotations

import copy
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpsdg.maths.calculus import outer_derivative
from rpsdg.kinds.integral.check import check_row
from rpsdg.maths.numeric import derivative_agreement
from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of, with_checks
from rpsdg.expr import parse
from rpsdg.expr.tree import FUNCTIONS, sym
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.generate import IntegralConfig
from rpsdg.errors import ConfigError
from rpsdg.run.pipeline import item_rng, produce

SPEC = get_kind("integral")
CONFIG = IntegralConfig()


def _rows(level: int, wanted: int, seed: int = 11) -> list[dict]:
    rows, index = [], 0
    while len(rows) < wanted and index < wanted * 20:
        try:
            derivation = SPEC.generate(CONFIG, level, item_rng("integral", seed, index))
        except Dropped:
            index += 1
            continue
        key = SPEC.dedup_text(derivation)
        rows.append(make_row(derivation, SPEC, uid_of(key), seed, index))
        index += 1
    return rows


@pytest.mark.parametrize("name", FUNCTIONS)
def test_table_derivatives_match_finite_differences(name):
    x = sym("x")
    F = parse(f"{name}(x)")
    f = outer_derivative(name, x)
    points = [{"x": v} for v in (0.31, 0.52, 0.77, 0.93, 1.37, 2.5) if not (name in ("asin", "acos", "atanh") and v >= 1)
              and not (name == "acosh" and v <= 1)]
    points = points or [{"x": v} for v in (1.5, 2.0, 3.1)]
    assert derivative_agreement(F, f, points) == len(points)


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_every_item_at_every_level_passes_every_checker(level):
    """Through the real pipeline function: what `produce` accepts must pass all three checkers, and most candidates
    must be accepted (a generator whose items fail its own checker would drop them all)."""
    accepted = 0
    for index in range(40):
        outcome = produce(SPEC, CONFIG, (level,), 5, index)
        if outcome.row is None:
            assert not outcome.reason.startswith("check_failed:replay"), outcome.reason
            continue
        accepted += 1
        statuses = {c["checker"]: c["status"] for c in outcome.row["checks"]}
        assert statuses["replay"] == statuses["numeric"] == "passed"
        assert statuses["symbolic"] in ("passed", "not_run")
    assert accepted >= 12  # about half the candidates survive: collapsed, too deep and constant F are dropped


@given(st.integers(0, 10_000), st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_generated_items_pass_their_checkers(seed, level):
    try:
        derivation = SPEC.generate(CONFIG, level, random.Random(seed))
    except Dropped:
        return
    row = make_row(derivation, SPEC, uid_of(SPEC.dedup_text(derivation)), seed, 0)
    verdicts = {v.checker: v for v in check_row(row)}
    assert verdicts["replay"].status == "passed", verdicts["replay"]
    # A finite difference can miss near a pole of a wild function; the symbolic check never may.
    assert verdicts["symbolic"].status in ("passed", "not_run"), verdicts["symbolic"]


def _rich_rows() -> list[dict]:
    rows = [r for level in (3, 4) for r in _rows(level, 12) if len(r["steps"]) >= 4]
    assert len(rows) >= 10
    return rows


def _statuses(row) -> dict[str, str]:
    return {v.checker: v.status for v in check_row(row)}


CORRUPTIONS = {
    "answer_plus_x": lambda r: r.update(answer=f"{r['answer']} + x"),
    "answer_scaled": lambda r: r.update(answer=f"2*({r['answer']})"),
    "step_integrand_sign": lambda r: r["steps"][-1].update(integrand=f"-({r['steps'][-1]['integrand']})"),
    "step_antiderivative_factor": lambda r: r["steps"][1].update(
        antiderivative=f"3*({r['steps'][1]['antiderivative']})"),
    "problem_changed": lambda r: r.update(problem=f"{r['problem']} + 1"),
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_value_corruptions_are_rejected(corruption):
    for row in _rich_rows():
        bad = copy.deepcopy(row)
        CORRUPTIONS[corruption](bad)
        statuses = _statuses(bad)
        assert "rejected" in statuses.values(), (corruption, bad["problem"], statuses)


def test_structural_corruptions_are_rejected():
    for row in _rich_rows():
        for mutate in (
            lambda r: r["steps"][1].update(rule="table" if r["steps"][1]["rule"] != "table" else "power_rule"),
            lambda r: r["steps"][0].update(parts=[]),
            lambda r: r["steps"].pop(),
            lambda r: r["steps"][0].update(parts=[0]),
            lambda r: r["steps"][1].update(rule="magic"),
        ):
            bad = copy.deepcopy(row)
            mutate(bad)
            assert _statuses(bad)["replay"] == "rejected", bad["steps"]


def test_dropped_hypothesis_or_hostile_text_is_rejected_not_executed():
    row = next(r for r in _rows(3, 30) if r["hypotheses"])
    hostile = copy.deepcopy(row)
    hostile["problem"] = "__import__('os').system('echo owned')"
    assert set(_statuses(hostile).values()) == {"rejected"}
    wrong_domain = copy.deepcopy(row)
    wrong_domain["hypotheses"] = ["x < -1000"]
    assert _statuses(wrong_domain)["numeric"] == "rejected"


def test_records_round_trip_through_with_checks():
    row = _rows(2, 1)[0]
    checked = with_checks(row, check_row(row))
    assert [c["checker"] for c in checked["checks"]] == ["replay", "numeric", "symbolic"]
    assert "Answer:" in SPEC.describe(checked) and "1. [" in SPEC.describe(checked)


def test_bad_config_is_refused():
    with pytest.raises(ConfigError, match="unknown operator"):
        IntegralConfig(weights={"add": 1, "frobnicate": 2})
    with pytest.raises(ConfigError, match="level 1"):
        IntegralConfig(levels={1: {"operators": (3, 2), "max_depth": 3, "allowed": ("add",)}})
    with pytest.raises(ConfigError, match="no level 9"):
        CONFIG.level_table(9)
