"""Solution quality by kind and level (issue 12): figures, no asserts.

Equations: % of records with two mergeable adjacent constant moves (translate+translate or scale+scale with
constant operands, on the same equation; target 0%), % with a run of more than 3 consecutive linear both-sides
moves where x does not occur on both sides of the run's first equation (target 0%), steps per record (median,
mean, max). Theorems: % with a constant side (target 0%), % whose start side (the lhs) holds ``*1``, ``+0``,
``x + -4`` or ``-(-a)`` noise, % closed by ``ring`` alone (target <= 20% at levels
3-5; a record says so in ``ring_closable``, older records are judged by whether every proof step is a ring rule),
proof steps per record.
Equations also: steps per record vs a textbook count (mean ours, mean textbook, their ratio, % of records longer
than the textbook count); the count is defined in :data:`TEXTBOOK` (``--textbook`` prints it) and computed from the
problem and answer alone, independently of our solver.

Items are made in-process with the kind's own generate hook (records exactly as ``rpsdg build`` stores them, before
checking). Run it against another checkout for "before" figures:

    PYTHONPATH=$PWD/python python3 bench/solution_quality.py --items 400
    PYTHONPATH=/work/main/python python3 bench/solution_quality.py --items 400     # before
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
from collections import defaultdict
from fractions import Fraction

import sympy
from rpsdg.core import Dropped
from rpsdg.corpus.record import make_row
from rpsdg.expr.canonical import canon
from rpsdg.expr.parse import parse
from rpsdg.expr.sympy_bridge import to_sympy
from rpsdg.expr.tree import Expr
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
    ours, textbook = [], []
    by_subkind: dict[str, list[tuple[int, int]]] = defaultdict(list)
    n = 0
    for row in rows("equation", level, items, seed):
        n += 1
        steps = row["steps"]
        lengths.append(len(steps))
        counts["merge"] += mergeable_pair(steps)
        counts["run"] += long_linear_run(steps)
        count = textbook_count(parse(row["problem"]), parse(row["answer"]))
        if count is not None:
            ours.append(len(steps))
            textbook.append(count)
            by_subkind[row["subkind"]].append((len(steps), count))
    if not n:
        return f"equation L{level}: no records"
    covered = len(textbook)
    longer = sum(a > b for a, b in zip(ours, textbook))
    versus = (f"; vs textbook ({covered}/{n} records counted): mean steps ours {statistics.mean(ours):.2f}, "
              f"textbook {statistics.mean(textbook):.2f}, ratio {statistics.mean(ours) / statistics.mean(textbook):.2f}, "
              f"longer than textbook {100 * longer / covered:.1f}%, shorter {100 * sum(a < b for a, b in zip(ours, textbook)) / covered:.1f}%"
              if covered else "; no record has a textbook count")
    versus += "".join(
        f"\n    {name:<12} {len(pairs):4} records: ours {statistics.mean(a for a, _ in pairs):.2f}, textbook "
        f"{statistics.mean(b for _, b in pairs):.2f}, ratio "
        f"{statistics.mean(a for a, _ in pairs) / statistics.mean(b for _, b in pairs):.2f}, longer "
        f"{100 * sum(a > b for a, b in pairs) / len(pairs):.1f}%" for name, pairs in sorted(by_subkind.items()))
    return (f"equation L{level}: {n} records, mergeable pair {100 * counts['merge'] / n:.1f}%, linear run > 3 "
            f"(x on one side) {100 * counts['run'] / n:.1f}%, steps median {statistics.median(lengths)} "
            f"mean {statistics.mean(lengths):.2f} max {max(lengths)}" + versus)


# -- the textbook count (issue 12: steps per record vs a textbook count) ------------------------------------------

TEXTBOOK = """\
The textbook count of an equation record is computed from its problem and answer alone (never from our solver's
steps), as a textbook solution of the standard method would write it, one line per step:

One equation in x, x not under a denominator, a square root or a log (or once only, outside denominators):
* x occurs once: the operation layers wrapping x on its side, outermost first, one step each; adjacent constant
  moves of one kind merged (``+ c``/``- c`` layers: one translation; ``* c``/``/ c``/unary minus: one scaling);
  ``sqrt`` one (square), an odd power one (odd root), ``exp`` one (take logs), ``log`` one (exponentiate),
  ``b**u`` one (equate exponents) plus one to write the other side as a power of b when it is a number. The side x
  is on does not matter (no swap step).
* x occurs more than once (a polynomial equation): one step to clear constant denominators (a fraction anywhere),
  one to expand or collect (a product or power of a sum with x, a minus over a sum, or two like terms on a side);
  then on the collected equation, degree 1: one to bring the x terms to one side (x on both sides), one to move
  the constant (a constant beside x), one to divide (coefficient not 1); degree >= 2: one to bring everything to
  one side (neither side 0), one to divide by the content or make the leading coefficient positive (if needed),
  one to factor or apply the quadratic formula (the roots are read off the factors: no step).
Reductions, then the polynomial steps above on the reduced equation:
* denominators with x: one step (multiply by the common denominator); expanding counted when a multiplier or a
  numerator is a sum with x;
* a square root with x and x elsewhere: the layers isolating the root (merged as above), one squaring;
* logs with x (x more than once): the isolating layers, one to combine a sum of two logs, one to exponentiate;
then one check step per candidate root of the reduced polynomial that is not in the answer (extraneous or
excluded value).
Systems of n linear equations: Gaussian elimination in the natural order (rows swapped for a zero pivot): one
step per non-zero entry below the diagonal (scaling merged into it), then back-substitution: one step per row
with other variables to substitute (the constant move merged), one division per pivot that is not 1.
"""


def _tb_has_x(e) -> bool:
    return e.has("x")


def _tb_constant(e) -> bool:
    return not e.free_symbols()


def _tb_layers(side, target):
    """The layer kinds (T translation, S scaling) from ``side`` down to the node ``target`` (outermost first),
    the other operands treated as movable; ``None`` where another operation lies on the way."""
    kinds = []
    node = side
    while node != target:
        if node.op in ("add", "sub"):
            kinds.append("T")
            node = node.args[0] if _contains(node.args[0], target) else node.args[1]
        elif node.op == "neg" or (node.op in ("mul", "div") and _contains(node.args[0], target)
                                  and not _contains(node.args[1], target)):
            kinds.append("S")
            node = node.args[0]
        elif node.op == "mul" and _contains(node.args[1], target):
            kinds.append("S")
            node = node.args[1]
        else:
            return None
    return kinds


def _contains(e, target) -> bool:
    return any(node == target for _, node in e.positions())


def _merged(kinds) -> int:
    """Layers with adjacent moves of one kind merged."""
    count, previous = 0, None
    for kind in kinds:
        if kind in ("T", "S") and kind == previous:
            continue
        count += 1
        previous = kind
    return count


def _x_once_count(side, other) -> int | None:
    """Steps undoing the layers of ``side`` (x occurs once in the equation, in ``side``)."""
    kinds = []
    node = side
    while node.op != "sym":
        op = node.op
        if op in ("add", "sub"):
            kinds.append("T")
            node = node.args[0] if _tb_has_x(node.args[0]) else node.args[1]
        elif op == "neg":
            kinds.append("S")
            node = node.args[0]
        elif op in ("mul", "div"):
            if op == "div" and _tb_has_x(node.args[1]):
                return None  # x under a denominator: the rational reduction
            kinds.append("S")
            node = node.args[0] if _tb_has_x(node.args[0]) else node.args[1]
        elif op == "sqrt":
            kinds.append("sqrt")
            node = node.args[0]
        elif op == "pow" and _tb_has_x(node.args[0]):
            kinds.append("root")
            node = node.args[0]
        elif op == "pow":
            kinds.append("exponent")
            if other.op != "pow":
                kinds.append("write")
            node = node.args[1]
        elif op in ("exp", "log"):
            kinds.append(op)
            node = node.args[0]
        else:
            return None
    return _merged(kinds)


def _sympy_x():
    return sympy.Symbol("x", real=True)


def _poly_steps(A, B, fractions: bool, expand: bool):
    """(steps, reduced polynomial) for the polynomial equation A = B (SymPy, as written after any reduction)."""
    x = _sympy_x()
    a, b = sympy.Poly(sympy.expand(A), x), sympy.Poly(sympy.expand(B), x)
    steps = int(fractions) + int(expand)
    p = a - b
    degree = p.degree()
    if degree <= 1:
        ca, cb = a.all_coeffs()[::-1] + [0, 0], b.all_coeffs()[::-1] + [0, 0]
        if fractions:  # the fractions are cleared first: the coefficients of that equation
            scale = sympy.ilcm(*[sympy.Rational(c).q for c in ca + cb])
            ca, cb = [c * scale for c in ca], [c * scale for c in cb]
        left_x = ca[1] != 0
        if ca[1] and cb[1]:
            steps += 1  # x terms to one side (kept where x is already)
        keep_left = left_x
        constant_beside_x = (ca[0] if keep_left else cb[0]) != 0
        steps += int(constant_beside_x)
        coefficient = (ca[1] - cb[1]) if keep_left else (cb[1] - ca[1])
        steps += int(coefficient != 1 and coefficient != 0)
        return steps, p
    if not a.is_zero and not b.is_zero:
        steps += 1  # everything to one side (the side that makes the leading coefficient positive)
    coefficients = [sympy.Rational(c) for c in p.all_coeffs()]
    scale = sympy.ilcm(*[c.q for c in coefficients]) if len(coefficients) > 1 else coefficients[0].q
    integers = [int(c * scale) for c in coefficients]
    content = abs(sympy.igcd(*integers))
    one_side_zero = a.is_zero or b.is_zero
    if content != 1 or (scale != 1 and not fractions) or (one_side_zero and coefficients[0] < 0):
        steps += 1  # divide by the content, clear what fractions are left, or make the leading coefficient positive
    return steps + 1, p  # factor, or the quadratic formula


def _fraction_in(e) -> bool:
    for _, node in e.positions():
        if node.op == "div" and _tb_constant(node.args[1]):
            return True
    return False


def _expand_in(e) -> bool:
    """A product or power of a sum with x, a minus over such a sum, or two like terms on a side."""
    for _, node in e.positions():
        if node.op in ("mul", "pow") and any(c.op in ("add", "sub") and _tb_has_x(c) for c in node.args):
            return True
        if node.op in ("neg", "sub") and node.args[-1].op in ("add", "sub") and _tb_has_x(node.args[-1]):
            return True
    degrees = [sympy.degree(term, _sympy_x()) for term in _additive(e)]
    return len(degrees) != len(set(degrees))


def _additive(e):
    if e.op in ("add", "sub"):
        return _additive(e.args[0]) + _additive(e.args[1])
    if e.op == "neg":
        return _additive(e.args[0])
    if e.op == "div" and _tb_constant(e.args[1]) and e.args[0].op in ("add", "sub"):
        return _additive(e.args[0])
    return [to_sympy(e)]


def _find(e, test):
    for _, node in e.positions():
        if test(node):
            return node
    return None


def textbook_count(problem, answer) -> int | None:
    """The textbook count (see :data:`TEXTBOOK`) of a parsed problem and answer; ``None`` for a shape it does not
    cover."""
    if problem.op == "tuple":
        return _system_count(problem)
    L, R = problem.args
    occurrences = sum(1 for _, node in problem.positions() if node == Expr("sym", (), "x"))
    x = _sympy_x()
    x_denominator = _find(problem, lambda n: n.op == "div" and _tb_has_x(n.args[1]))
    if occurrences == 1 and x_denominator is None:
        side, other = (L, R) if _tb_has_x(L) else (R, L)
        return _x_once_count(side, other)
    solutions = len(answer.args)
    if x_denominator is not None:
        terms = [sympy.Add.make_args(to_sympy(side)) for side in (L, R)]
        lcd = sympy.lcm([sympy.fraction(sympy.together(t))[1] for ts in terms for t in ts])
        expand = False
        sides = []
        for ts in terms:
            total = 0
            for t in ts:
                n, d = sympy.fraction(sympy.together(t))
                m = sympy.cancel(lcd / d)
                if m.has(x) and (isinstance(m, sympy.Add) or len(sympy.Mul.make_args(m)) > 1 or n.has(x)):
                    expand = True  # a sum with x multiplied out
                total += n * m
            sides.append(total)
        steps, p = _poly_steps(sides[0], sides[1], False, expand)
        steps += 1
    else:
        radical = _find(problem, lambda n: n.op == "sqrt" and _tb_has_x(n))
        logs = [node for _, node in problem.positions() if node.op == "log" and _tb_has_x(node)]
        if radical is not None:
            side, other = (L, R) if _contains(L, radical) else (R, L)
            kinds = _tb_layers(side, radical)
            if kinds is None:
                return None
            v = sympy.solve(sympy.Eq(to_sympy(side), to_sympy(other)).subs(to_sympy(radical), sympy.Symbol("r")),
                            sympy.Symbol("r"))
            if len(v) != 1:
                return None
            square_of_sum = isinstance(sympy.expand(v[0]), sympy.Add) and v[0].has(x)
            steps, p = _poly_steps(to_sympy(radical.args[0]), v[0] ** 2, False, square_of_sum)
            steps += _merged(kinds) + 1
        elif logs:
            side, other = (L, R) if any(_contains(L, g) for g in logs) else (R, L)
            pair = _find(side, lambda n: n.op == "add" and all(c.op == "log" and _tb_has_x(c) for c in n.args))
            target = pair if pair is not None else logs[0]
            kinds = _tb_layers(side, target)
            if kinds is None:
                return None
            u = to_sympy(pair.args[0].args[0]) * to_sympy(pair.args[1].args[0]) if pair is not None \
                else to_sympy(target.args[0])
            w = sympy.Symbol("w")
            v = sympy.solve(sympy.Eq(to_sympy(side).subs(to_sympy(target), w) if pair is None else
                                     to_sympy(side).subs(to_sympy(pair), w), to_sympy(other)), w)
            if len(v) != 1:
                return None
            rhs = sympy.exp(v[0])
            if rhs.has(x):
                return None
            steps, p = _poly_steps(u, rhs, False, pair is not None)
            steps += _merged(kinds) + (1 if pair is not None else 0) + 1
        else:
            if _find(problem, lambda n: n.op not in ("add", "sub", "mul", "div", "neg", "pow", "num", "sym", "eq")):
                return None
            steps, p = _poly_steps(to_sympy(L), to_sympy(R), _fraction_in(problem),
                                   _expand_in(L) or _expand_in(R))
    if p.degree() < 1:
        return None
    candidates = len(set(p.real_roots()))
    return steps + max(0, candidates - solutions)


def _system_count(problem) -> int | None:
    """Gaussian elimination in the natural order, then back-substitution (see :data:`TEXTBOOK`)."""
    names = ("x", "y", "z")[:len(problem.args)]
    rows = []
    for equation in problem.args:
        form = canon(Expr("sub", equation.args))
        row = [Fraction(0)] * (len(names) + 1)
        for mono, value in form.items():
            if not mono:
                row[-1] = -Fraction(value)
            elif len(mono) == 1 and mono[0][1] == 1 and mono[0][0] in names:
                row[names.index(mono[0][0])] = Fraction(value)
            else:
                return None
        rows.append(row)
    n, steps = len(names), 0
    for p in range(n):
        pivot = next((i for i in range(p, n) if rows[i][p]), None)
        if pivot is None:
            return None
        rows[p], rows[pivot] = rows[pivot], rows[p]
        for i in range(p + 1, n):
            if rows[i][p]:
                k = rows[i][p] / rows[p][p]
                rows[i] = [a - k * b for a, b in zip(rows[i], rows[p])]
                steps += 1
    for p in range(n):
        steps += int(any(rows[p][j] for j in range(p + 1, n)))
        steps += int(rows[p][p] != 1)
    return steps


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
    parser.add_argument("--textbook", action="store_true", help="print the textbook count's definition first")
    parser.add_argument("--examples", type=int, default=0, help="print N records per level: problem, our "
                                                                "rules, textbook count")
    args = parser.parse_args()
    if args.textbook:
        print(TEXTBOOK)
    levels = [int(v) for v in args.levels.split(",")]
    for level in levels if args.examples else ():
        for row in itertools.islice(rows("equation", level, args.examples, args.seed), args.examples):
            count = textbook_count(parse(row["problem"]), parse(row["answer"]))
            print(f"L{level} {row['subkind']:<11} {row['problem']}  answer {row['answer']}\n    ours "
                  f"{len(row['steps'])}: {', '.join(step['rule'] for step in row['steps'])}\n    textbook {count}")
    for kind in args.kinds.split(","):
        for level in levels:
            print({"equation": equation_figures, "theorem": theorem_figures}[kind](level, args.items, args.seed),
                  flush=True)


if __name__ == "__main__":
    main()
