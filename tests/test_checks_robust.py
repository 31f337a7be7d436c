"""Checkers return verdicts, never exceptions, even on a stranger's parsable but malformed rows."""

from __future__ import annotations

import copy
import random

import pytest

from rpsdg.kinds import get_kind, kind_names
from rpsdg.run.pipeline import produce

JUNK = ["Eq(x, 1)", "FiniteSet()", "Tuple(x)", "y", "x > 0", "(x, x)", "1/0", "x**x**x**x", "-", ""]


def _mutated(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(JUNK)
    i = rng.randrange(len(text) + 1)
    return text[:i] + rng.choice(JUNK) + text[i + rng.randrange(3):]


@pytest.mark.parametrize("kind", kind_names())
def test_malformed_rows_are_rejected_not_raised(kind):
    spec = get_kind(kind)
    config = spec.config_type()
    rows = [o.row for o in (produce(spec, config, (1 + i % 5,), 3, i) for i in range(40)) if o.row]
    rng = random.Random(kind)
    rejected = 0
    for _ in range(300):
        row = copy.deepcopy(rng.choice(rows))
        field = rng.choice(["problem", "answer", "hypotheses", "steps"])
        if field == "hypotheses":
            row[field] = [_mutated(h, rng) for h in row[field]] or [_mutated("", rng)]
        elif field == "steps":
            step = rng.choice(row["steps"])
            key = rng.choice([k for k, v in step.items() if isinstance(v, str)])
            step[key] = _mutated(step[key], rng)
        else:
            row[field] = _mutated(row[field], rng)
        verdicts = spec.run_checks(row)
        assert [v.checker for v in verdicts] == list(spec.checker_names)
        rejected += any(v.status == "rejected" for v in verdicts)
    assert rejected > 200  # most mutations break the record; a few land on an equivalent text


@pytest.mark.parametrize("kind", kind_names())
def test_checks_stopped_early_agree_with_all_checks(kind):
    """``run_checks(row, until=...)`` (the prm export's confirmation of a corrupted step) gives the verdicts of a
    full run up to the first one ``until`` holds for, and no checker after it runs."""
    spec = get_kind(kind)
    config = spec.config_type()
    rows = [o.row for o in (produce(spec, config, (1 + i % 5,), 5, i) for i in range(30)) if o.row]
    rng = random.Random(kind)
    compared = 0
    for row in rows:
        broken = copy.deepcopy(row)
        index = rng.randrange(len(broken["steps"]))
        broken["steps"][index][spec.step_result_field] = "x + 7"
        full = spec.run_checks(broken)
        for until in (lambda v: v.status == "rejected" and v.step == index, lambda v: v.status == "passed"):
            early = spec.run_checks(broken, until=until)
            stop = next((n for n, v in enumerate(full) if until(v)), len(full) - 1)
            assert early == full[:stop + 1]
            compared += 1
    assert compared >= 20


def test_no_checker_runs_after_the_verdict_asked_for():
    import dataclasses

    from rpsdg.core import Passed, Rejected

    pulled = []

    def three_checkers(row):
        for name in ("first", "second", "third"):
            pulled.append(name)
            yield Rejected(name, "v", 0, "wrong") if name == "second" else Passed(name, "v", "fine")

    spec = dataclasses.replace(get_kind("equation"), check=three_checkers, checker_names=("first", "second", "third"))
    verdicts = spec.run_checks({}, until=lambda v: v.status == "rejected")
    assert [v.checker for v in verdicts] == ["first", "second"] and pulled == ["first", "second"]
    pulled.clear()
    assert [v.checker for v in spec.run_checks({})] == ["first", "second", "third"]
