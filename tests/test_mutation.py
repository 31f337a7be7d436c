"""Mutation test (issue 11): corrupt generated records of every kind in many ways; every corrupted record must be
rejected by the kind's checkers (at least one ``Rejected`` verdict), and no uncorrupted record may be.

Run ``python3 -m pytest tests/test_mutation.py -q -s`` to see the table (kind × mutation: applied / rejected).
A mutation that does not apply to a record (no hypothesis to drop, one step only ...) is skipped for it; each kind
must see at least ten kinds of mutation applied. To add a mutation: write ``def name(kind, row) -> row | None``
(return ``None`` where it does not apply) and add it to :data:`MUTATIONS`; it must make the record false or
malformed, never an equivalent record.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from typing import Callable

import pytest

from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, add, mul, neg, num, sub, sym
from rpsdg.kinds import get_kind
from rpsdg.run.pipeline import produce

KINDS = ("theorem", "integral", "equation")
PER_LEVEL = {"theorem": 5, "integral": 4, "equation": 5}
HOSTILE = "__import__('os').system('true')"


def make_rows(kind: str, per_level: int, seed: int = 23) -> list[dict]:
    spec = get_kind(kind)
    config = spec.config_type()
    rows, index = [], 0
    for level in (1, 2, 3, 4, 5):
        made = 0
        while made < per_level and index < 5000:
            outcome = produce(spec, config, (level,), seed, index)
            index += 1
            if outcome.row is not None:
                rows.append(outcome.row)
                made += 1
    return rows


def rejected(row: dict) -> bool:
    return any(v.status == "rejected" for v in get_kind(row["kind"]).check(row))


# -- helpers --------------------------------------------------------------------------------------------------

def _text(e: Expr) -> str:
    return to_infix(e)


def _problem_sides(row: dict) -> tuple[Expr, Expr]:
    return parse(row["problem"]).args  # type: ignore[return-value]


def _eq(left: Expr, right: Expr) -> str:
    return f"Eq({_text(left)}, {_text(right)})"


def _shift_equation(text: str, amount: int = 1) -> str:
    """``Eq(L, R)`` (or a Tuple of them: the first) with ``amount`` added to the right side."""
    e = parse(text)
    if e.op == "tuple":
        first = e.args[0]
        rest = ", ".join(_text(x) for x in e.args[1:])
        return f"Tuple({_eq(first.args[0], add(first.args[1], num(amount)))}, {rest})"
    return _eq(e.args[0], add(e.args[1], num(amount)))


def _answer_values(row: dict) -> list[Expr]:
    return list(parse(row["answer"]).args)


def _finite_set(items: list[Expr]) -> str:
    return "FiniteSet(" + ", ".join(_text(i) for i in items) + ")"


def _flip_first_add(e: Expr) -> Expr | None:
    """``e`` with its first ``a + b`` (pre-order) made ``a - b`` where b is not the literal 0."""
    for path, node in e.positions():
        if node.op == "add" and node.args[1] != num(0):
            return e.replace_at(path, sub(*node.args))
    for path, node in e.positions():
        if node.op == "sub" and node.args[1] != num(0):
            return e.replace_at(path, add(*node.args))
    return None


# -- mutations ----------------------------------------------------------------------------------------------------

def wrong_answer(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    if kind == "theorem":
        lhs, rhs = _problem_sides(row)
        row["problem"] = _eq(lhs, add(rhs, num(1)))
    elif kind == "integral":
        row["answer"] = _text(add(parse(row["answer"]), mul(num(2), sym("x"))))
    else:
        values = _answer_values(row)
        first = values[0]
        if first.op == "tuple":
            values[0] = Expr("tuple", (add(first.args[0], num(1)),) + first.args[1:])
        else:
            values[0] = add(first, num(1))
        row["answer"] = _finite_set(values)
    return row


def altered_step(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    step = row["steps"][-1]
    if kind == "theorem":
        step["after"] = _text(add(parse(step["after"]), num(1)))
    elif kind == "integral":
        step["integrand"] = _text(mul(num(3), parse(step["integrand"])))
    else:
        step["after"] = _shift_equation(step["after"])
    return row


def deleted_step(kind: str, row: dict) -> dict | None:
    if len(row["steps"]) < 2:
        return None
    row = copy.deepcopy(row)
    del row["steps"][len(row["steps"]) // 2]
    return row


def swapped_steps(kind: str, row: dict) -> dict | None:
    steps = row["steps"]
    for i in range(len(steps) - 1):
        if steps[i] != steps[i + 1]:
            row = copy.deepcopy(row)
            row["steps"][i], row["steps"][i + 1] = row["steps"][i + 1], row["steps"][i]
            return row
    return None


def dropped_hypothesis(kind: str, row: dict) -> dict | None:
    if not row["hypotheses"]:
        return None
    row = copy.deepcopy(row)
    del row["hypotheses"][0]
    return row


def weakened_hypothesis(kind: str, row: dict) -> dict | None:
    """A strict hypothesis made non-strict (``u > 0`` → ``u >= 0``): the domain then reaches u = 0."""
    for i, text in enumerate(row["hypotheses"]):
        h = parse(text)
        if h.op in ("gt", "lt"):
            row = copy.deepcopy(row)
            row["hypotheses"][i] = _text(Expr("ge" if h.op == "gt" else "le", h.args))
            return row
    return None


_RELABEL = {
    "theorem": {"add_comm": "mul_comm", "mul_comm": "add_comm", "mul_add": "add_mul", "add_mul": "mul_add",
                "log_mul": "exp_add", "sub_self": "add_right_neg"},
    "integral": {"linearity_constant": "reverse_product", "reverse_product": "linearity_constant",
                 "linearity_sum": "linearity_difference", "linearity_difference": "linearity_sum",
                 "substitution": "table", "table": "substitution", "power_rule": "table",
                 "reverse_quotient": "reverse_product", "linearity_negation": "linearity_constant",
                 "rewrite": "linearity_negation"},
    "equation": {"factor": "expand", "expand": "collect", "collect": "expand", "write_as_power": "collect",
                 "add_both_sides": "subtract_both_sides", "subtract_both_sides": "add_both_sides",
                 "divide_both_sides": "multiply_both_sides", "multiply_both_sides": "divide_both_sides",
                 "square_both_sides": "expand", "apply_log": "apply_exp", "apply_exp": "apply_log",
                 "swap_sides": "expand", "combine_logs": "expand", "equate_exponents": "apply_log",
                 "clear_denominators": "divide_both_sides", "quadratic_formula": "factor",
                 "eliminate": "substitute", "substitute": "eliminate", "take_odd_root": "square_both_sides"},
}


def relabelled_rule(kind: str, row: dict) -> dict | None:
    for i, step in enumerate(row["steps"]):
        if kind == "theorem":
            new = "add_comm" if step["rule"] != "add_comm" else "mul_comm"
        else:
            new = _RELABEL[kind].get(step["rule"])
        if new and new != step["rule"]:
            row = copy.deepcopy(row)
            row["steps"][i]["rule"] = new
            return row
    return None


def sign_flip(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    if kind == "theorem":
        lhs, rhs = _problem_sides(row)
        flipped = _flip_first_add(rhs)
        if flipped is None:
            row["problem"] = _eq(lhs, neg(rhs) if rhs.op != "num" else num(-rhs.value - 1))  # type: ignore
        else:
            row["problem"] = _eq(lhs, flipped)
        return row
    if kind == "integral":
        row["answer"] = _text(neg(parse(row["answer"])))
        return row
    values = _answer_values(row)
    first = values[0]
    if first.op == "tuple" or first == num(0):
        return None
    negated = parse(_text(neg(first)))
    if negated in values:
        return None
    values[0] = negated
    row["answer"] = _finite_set(values)
    return row


def extraneous_root(kind: str, row: dict) -> dict | None:
    """Equations: one more element in the answer; theorems/integrals: a needless extra hypothesis x > 7
    (which the theorem replay refuses; integral: an answer with an extra term that is no antiderivative)."""
    row = copy.deepcopy(row)
    if kind == "equation":
        values = _answer_values(row)
        if values[0].op == "tuple":
            values.append(Expr("tuple", tuple(add(v, num(17)) for v in values[0].args)))
        else:
            values.append(add(values[0], num(17)))
        row["answer"] = _finite_set(values)
    elif kind == "theorem":
        row["hypotheses"] = row["hypotheses"] + ["x > 7" if "x" in row["problem"] else "y > 7"]
    else:
        row["answer"] = _text(add(parse(row["answer"]), parse("x**2")))
    return row


def hostile_text(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    row["answer"] = HOSTILE
    return row


def hostile_hypothesis(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    row["hypotheses"] = row["hypotheses"] + [HOSTILE]
    return row


def changed_problem(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    if kind == "theorem":
        lhs, rhs = _problem_sides(row)
        row["problem"] = _eq(add(lhs, num(1)), rhs)
    elif kind == "integral":
        row["problem"] = _text(mul(num(2), parse(row["problem"])))
    else:
        row["problem"] = _shift_equation(row["problem"], 2)
    return row


def wrong_reference(kind: str, row: dict) -> dict | None:
    """The step's pointer into the record: a theorem step's path, an integral step's parts, an equation
    step's operand."""
    row = copy.deepcopy(row)
    for step in row["steps"]:
        if kind == "theorem":
            step["path"] = list(step["path"]) + [0] if step["path"] == [] else list(step["path"][:-1])
            return row
        if kind == "integral" and step["parts"]:
            step["parts"] = list(reversed(step["parts"])) if len(step["parts"]) > 1 else []
            return row
        if kind == "equation" and step.get("operand"):
            operand = parse(step["operand"])
            if operand.op in ("eq", "ge"):
                step["operand"] = _text(Expr(operand.op, (add(operand.args[0], num(1)), operand.args[1])))
            else:
                step["operand"] = _text(add(operand, num(1)))
            return row
    return None


def duplicated_step(kind: str, row: dict) -> dict | None:
    row = copy.deepcopy(row)
    row["steps"].insert(0, copy.deepcopy(row["steps"][0]))
    return row


MUTATIONS: dict[str, Callable[[str, dict], dict | None]] = {
    f.__name__: f for f in (wrong_answer, altered_step, deleted_step, swapped_steps, dropped_hypothesis,
                            weakened_hypothesis, relabelled_rule, sign_flip, extraneous_root, hostile_text,
                            hostile_hypothesis, changed_problem, wrong_reference, duplicated_step)}


def run_table() -> tuple[dict, dict, list[str]]:
    """(counts[(kind, mutation)] = [applied, rejected], false positives per kind, escaped mutants)."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    false_positives: dict[str, int] = {}
    escaped: list[str] = []
    for kind in KINDS:
        rows = make_rows(kind, PER_LEVEL[kind])
        false_positives[kind] = sum(rejected(row) for row in rows)
        counts[(kind, "(uncorrupted)")] = [len(rows), false_positives[kind]]
        for name, mutate in MUTATIONS.items():
            for row in rows:
                mutant = mutate(kind, row)
                if mutant is None or mutant == row:
                    continue
                counts[(kind, name)][0] += 1
                if rejected(mutant):
                    counts[(kind, name)][1] += 1
                else:
                    escaped.append(f"{kind}/{name}: {json.dumps({k: mutant[k] for k in ('problem', 'answer', 'hypotheses', 'steps')})[:600]}")
    return counts, false_positives, escaped


def format_table(counts: dict) -> str:
    names = ["(uncorrupted)"] + list(MUTATIONS)
    lines = [f"{'mutation':22}" + "".join(f"{kind:>20}" for kind in KINDS)]
    for name in names:
        cells = []
        for kind in KINDS:
            applied, rejected_count = counts.get((kind, name), [0, 0])
            cells.append(f"{rejected_count:>5}/{applied:<5} rejected" if applied else f"{'n/a':>20}")
        lines.append(f"{name:22}" + "".join(f"{c:>20}" for c in cells))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def table():
    return run_table()


def test_every_mutant_is_rejected_and_no_clean_record_is(table):
    counts, false_positives, escaped = table
    print("\n" + format_table(counts))
    assert false_positives == {kind: 0 for kind in KINDS}, false_positives
    assert not escaped, "\n".join(escaped[:10])


def test_each_kind_is_corrupted_in_at_least_ten_ways(table):
    counts, _, _ = table
    for kind in KINDS:
        applied = [name for name in MUTATIONS if counts.get((kind, name), [0, 0])[0] > 0]
        assert len(applied) >= 10, (kind, applied)


if __name__ == "__main__":
    counts, false_positives, escaped = run_table()
    print(format_table(counts))
    print("false positives:", false_positives)
    print("\n".join(escaped[:20]))
