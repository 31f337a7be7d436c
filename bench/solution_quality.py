"""Solution quality by kind and level (issue 12): figures, no asserts.

Equations: % of records with two mergeable adjacent constant moves (translate+translate or scale+scale with
constant operands, on the same equation; target 0%), % with a run of more than 3 consecutive linear both-sides
moves where x does not occur on both sides of the run's first equation (target 0%), steps per record (median,
mean, max). Theorems: % with a constant side (target 0%), % whose start side (the lhs) holds ``*1``, ``+0``,
``x + -4`` or ``-(-a)`` noise, % closed by ``ring`` alone (target <= 20% at levels
3-5; a record says so in ``ring_closable``, older records are judged by whether every proof step is a ring rule),
proof steps per record.

Items are made in-process with the kind's own generate hook (records exactly as ``rpsdg build`` stores them, before
checking). Run it against another checkout for "before" figures:

    PYTHONPATH=$PWD/python python3 bench/solution_quality.py --items 400
    PYTHONPATH=/work/main/python python3 bench/solution_quality.py --items 400     # before
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections import defaultdict

from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row
from rpsdg.expr.parse import parse
from rpsdg.kinds import get_kind

TRANSLATIONS = ("add_both_sides", "subtract_both_sides")
SCALINGS = ("multiply_both_sides", "divide_both_sides")


def rows(kind: str, level: int, items: int, seed: int):
    spec = get_kind(kind)
    config = spec.config_type()
    made = index = 0
    while made < items and index < items * 20:
        index += 1
        try:
            derivation = spec.generate(config, level, random.Random(f"{seed}:{level}:{index}"))
        except Dropped:
            continue
        made += 1
        yield make_row(derivation, spec, f"q{index}", seed, index)


def _changed(step) -> int:
    if not step["before"].startswith("Tuple("):
        return -1
    before, after = parse(step["before"]), parse(step["after"])
    changed = [i for i, (b, a) in enumerate(zip(before.args, after.args)) if b != a]
    return changed[0] if len(changed) == 1 else -2


def _constant_operand(step) -> bool:
    return bool(step["operand"]) and not parse(step["operand"]).free_symbols()


def mergeable_pair(steps) -> bool:
    for a, b in zip(steps, steps[1:]):
        same = (a["rule"] in TRANSLATIONS and b["rule"] in TRANSLATIONS) or (
            a["rule"] in SCALINGS and b["rule"] in SCALINGS)
        if same and _constant_operand(a) and _constant_operand(b) and _changed(a) == _changed(b):
            return True
    return False


def _x_both_sides(text: str) -> bool:
    e = parse(text)
    equations = e.args if e.op == "tuple" else (e,)
    return any(all(side.free_symbols() for side in q.args) for q in equations)


def long_linear_run(steps) -> bool:
    """A run of more than 3 consecutive linear both-sides moves whose first equation has no x on both sides."""
    run_start, length = None, 0
    for step in steps:
        if step["rule"] in TRANSLATIONS + SCALINGS:
            if length == 0:
                run_start = step["before"]
            length += 1
            if length > 3 and not _x_both_sides(run_start):
                return True
        else:
            length = 0
    return False


def equation_figures(level: int, items: int, seed: int) -> str:
    counts = defaultdict(int)
    lengths = []
    n = 0
    for row in rows("equation", level, items, seed):
        n += 1
        steps = row["steps"]
        lengths.append(len(steps))
        counts["merge"] += mergeable_pair(steps)
        counts["run"] += long_linear_run(steps)
    return (f"equation L{level}: {n} records, mergeable pair {100 * counts['merge'] / n:.1f}%, linear run > 3 "
            f"(x on one side) {100 * counts['run'] / n:.1f}%, steps median {statistics.median(lengths)} "
            f"mean {statistics.mean(lengths):.2f} max {max(lengths)}")


def noisy(e) -> bool:
    """``*1``, ``1*``, ``/1``, ``+0``, ``0+``, ``-0``, ``x + -4`` or ``-(-a)`` anywhere in ``e``."""
    def is_num(node, value=None) -> bool:
        return node.op == "num" and (node.value == value if value is not None else node.value < 0)
    for _, node in e.positions():
        if node.op == "neg" and node.args[0].op == "neg":
            return True
        if (node.op in ("mul", "div") and is_num(node.args[1], 1)) or (node.op == "mul" and is_num(node.args[0], 1)):
            return True
        if (node.op in ("add", "sub") and (is_num(node.args[1], 0) or is_num(node.args[1])))\
                or (node.op == "add" and is_num(node.args[0], 0)):
            return True
    return False


def theorem_figures(level: int, items: int, seed: int) -> str:
    spec = get_kind("theorem")
    n = constant = closable = noise = 0
    lengths = []
    for row in rows("theorem", level, items, seed):
        n += 1
        problem = parse(row["problem"])
        constant += any(not side.free_symbols() for side in problem.args)
        noise += noisy(problem.args[0])
        if "ring_closable" in row:
            closable += bool(row["ring_closable"])
        else:
            families = {r.name: r.family for r in spec.config_type().tables(level, row["domain"]).book.rules}
            closable += all(families.get(step["rule"]) == "ring" for step in row["steps"])
        lengths.append(len(row["steps"]))
    return (f"theorem  L{level}: {n} records, constant side {100 * constant / n:.1f}%, noisy start "
            f"{100 * noise / n:.1f}%, ring-closable "
            f"{100 * closable / n:.1f}%, proof steps median {statistics.median(lengths)} mean "
            f"{statistics.mean(lengths):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", default="equation,theorem")
    parser.add_argument("--levels", default="1,2,3,4,5")
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    for kind in args.kinds.split(","):
        for level in levels:
            print({"equation": equation_figures, "theorem": theorem_figures}[kind](level, args.items, args.seed),
                  flush=True)


if __name__ == "__main__":
    main()
