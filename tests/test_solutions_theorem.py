"""Issue 12, theorems: start expressions without noise, most level 3-5 theorems beyond ring axioms (and each
record says whether ``ring`` closes it), the walk kept beside the shortest proof."""

from __future__ import annotations

import json
import random

import pytest

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row
from rpsdg.expr.tree import Expr
from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.generate import _noise, start_expression
from rpsdg.kinds.theorem.rules.match import Unstable

SPEC = get_kind("theorem")
CONFIG = SPEC.config_type()


def noisy(e: Expr) -> bool:
    """``*1``, ``1*``, ``/1``, ``+0``, ``0+``, ``-0`` or ``-(-a)`` anywhere in ``e``."""
    def is_num(node: Expr, value: int) -> bool:
        return node.op == "num" and node.value == value
    for _, node in e.positions():
        if node.op == "neg" and node.args[0].op == "neg":
            return True
        if node.op in ("mul", "div") and is_num(node.args[1], 1) or node.op == "mul" and is_num(node.args[0], 1):
            return True
        if node.op in ("add", "sub") and is_num(node.args[1], 0) or node.op == "add" and is_num(node.args[0], 0):
            return True
    return False


def _records(level: int, count: int) -> list[dict]:
    rows = []
    for index in range(count * 6):
        try:
            derivation = SPEC.generate(CONFIG, level, random.Random(f"t{level}:{index}"))
        except Dropped:
            continue
        rows.append(make_row(derivation, SPEC, f"u{index}", 0, index))
        if len(rows) == count:
            break
    return rows


def test_noise_rule():
    one, zero, x = Expr("num", (), 1), Expr("num", (), 0), Expr("sym", (), "x")
    assert _noise("mul", x, one) and _noise("add", x, zero) and _noise("neg", Expr("neg", (x,)), x)
    assert not _noise("mul", x, Expr("num", (), 3)) and not _noise("add", x, x)


@pytest.mark.parametrize("level", [1, 3, 5])
def test_start_expressions_have_no_noise(level: int):
    tables = CONFIG.tables(level, "real")
    low, high = CONFIG.level_table(level)["start_size"]
    starts = []
    for i in range(300):
        try:
            starts.append(start_expression(random.Random(i), CONFIG, tables, random.Random(-i).randint(low, high)))
        except Unstable:  # the generator drops these (a minus sign on a negative literal)
            continue
    assert len(starts) > 200 and sum(noisy(s) for s in starts) == 0


def test_levels_3_to_5_mostly_need_more_than_ring_and_records_say_so():
    for level in (3, 4, 5):
        rows = _records(level, 30)
        assert len(rows) >= 20
        assert all(row["ring_closable"] in (0, 1) for row in rows)
        share = sum(row["ring_closable"] for row in rows) / len(rows)
        assert share <= 0.2, (level, share)
        for row in rows:
            lhs_free = row["problem"]
            assert any(v in lhs_free for v in ("x", "y", "z"))
            walk = json.loads(row["walk"])
            if walk:  # a shorter proof was stored: the walk is the second proof, from the same start
                assert len(walk) == row["proof_length"] > row["shortest_found"] == len(row["steps"])
                assert walk[0]["before"] == row["steps"][0]["before"] and walk[-1]["after"] == row["steps"][-1]["after"]
