"""Forward (SymPy's rule tree translated) and by-parts integrals (issue 16): they pass every checker, record their
direction, and the replay rejects a corrupted translated step."""

from __future__ import annotations

import copy

import pytest

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row, uid_of
from rpsdg.errors import ConfigError
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.check import check_row
from rpsdg.kinds.integral.generate import IntegralConfig, generate
from rpsdg.run.pipeline import item_rng

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


@pytest.mark.parametrize("direction", ["forward", "parts"])
def test_items_of_each_direction_pass_every_checker(direction):
    rows = _rows(direction, 1, 4) + _rows(direction, 2, 3)
    assert len(rows) >= 5
    for row in rows:
        assert row["direction"] == direction
        verdicts = check_row(row)
        assert [v.status for v in verdicts[:2]] == ["passed"] * 2, verdicts  # replay, numeric
        assert verdicts[2].status != "rejected", verdicts  # symbolic: passed, or not run within its time bound
    if direction == "parts":
        assert all("parts" in [s["rule"] for s in row["steps"][:2]] for row in rows)


def test_mixed_draws_several_directions():
    rows = _rows("mixed", 1, 12, seed=5)
    assert {row["direction"] for row in rows} >= {"backward", "forward"}


def test_a_corrupted_translated_step_is_rejected():
    row = next(r for r in _rows("forward", 2, 6) if len(r["steps"]) > 1)
    bad = copy.deepcopy(row)
    bad["steps"][-1]["antiderivative"] = f"({bad['steps'][-1]['antiderivative']})*2"
    assert any(v.status == "rejected" for v in check_row(bad))


def test_unknown_direction_is_refused():
    with pytest.raises(ConfigError, match="direction"):
        IntegralConfig(direction="sideways")
    with pytest.raises(ConfigError, match="mix"):
        IntegralConfig(mix={"backward": -1})


def test_a_parts_item_does_not_depend_on_the_items_made_before_it():
    """SymPy's ``integral_steps`` counts by-parts attempts per u in a module table that only ``manualintegrate()``
    clears: once the items before it had tried the same u, item 15 of this build came out ``sympy_cannot`` at once
    instead of running (to its time limit) as it does in a fresh process. ``forward.py`` resets those tables.

    SymPy's search for item 15 takes about a second, as long as the default time limit, so on a loaded machine a
    warm run could finish it (``sympy_cannot``) where the cold one timed out. With a quarter of a second both time
    out with room to spare, and without the reset item 15 still comes out ``sympy_cannot`` in 0.0 s (checked by
    disabling ``_fresh_manualintegrate``)."""
    from rpsdg.run.pipeline import produce

    config = IntegralConfig(direction="parts", sympy_seconds=0.25)

    def outcome(index: int):
        made = produce(SPEC, config, (1, 2, 3), 5, index)
        return made.reason, made.row

    alone = outcome(15)
    for index in range(15):
        outcome(index)
    assert outcome(15) == alone
