"""Independent cross-check of equation answers: SymPy solves each problem and we compare solution sets.

Prints figures; asserts nothing. For a sample of records of an equation corpus, the problem is rebuilt in SymPy
from our parsed tree (``sympy_bridge.to_sympy``: objects built directly, never ``sympify`` on stored text), solved
with ``solveset`` over the reals (``linsolve`` for systems) under a time limit, and the set is compared with the
record's answer (each element simplified to equality) restricted to the recorded hypotheses. Our checkers never
call SymPy's solver, so agreement here is evidence from a second, unrelated solver.

    rpsdg build --kind equation --levels 1-5 --count 2000 --seed 11 --out /tmp/eq
    python3 bench/equations_vs_sympy.py /tmp/eq --sample 500
"""

from __future__ import annotations

import argparse
import random
import signal
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import sympy

from rpsdg.corpus.store import Corpus
from rpsdg.errors import RpsdgError
from rpsdg.expr.parse import parse
from rpsdg.expr.sympy_bridge import to_sympy

TIME_LIMIT_S = 10


class _TimeUp(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _TimeUp()


def _points(answer: sympy.Basic) -> set:
    return set(answer.args)


def _same_point(a: Any, b: Any) -> bool:
    pairs = zip(a, b) if isinstance(a, tuple) else [(a, b)]
    return all(sympy.simplify(x - y) == 0 for x, y in pairs)


def _same_set(ours: list, theirs: list) -> bool:
    if len(ours) != len(theirs):
        return False
    unmatched = list(theirs)
    for point in ours:
        match = next((t for t in unmatched if _same_point(point, t)), None)
        if match is None:
            return False
        unmatched.remove(match)
    return True


def sympy_solutions(row: Mapping[str, Any]) -> list:
    """SymPy's real solution set of the record's problem, restricted to its hypotheses."""
    problem = parse(row["problem"], "problem")
    hypotheses = [to_sympy(parse(h, "hypothesis")) for h in row["hypotheses"]]
    if problem.op == "tuple":
        names = sorted({s for e in problem.args for s in e.free_symbols()})
        symbols = [sympy.Symbol(n, real=True) for n in names]
        equations = [to_sympy(e) for e in problem.args]
        return [tuple(point) for point in sympy.linsolve(equations, symbols)]
    x = sympy.Symbol("x", real=True)
    solved = sympy.solveset(to_sympy(problem), x, sympy.S.Reals)
    if not isinstance(solved, sympy.FiniteSet):
        raise ValueError(f"SymPy gives a set it cannot list: {solved}")
    return [r for r in solved.args if all(bool(h.subs(x, r)) for h in hypotheses)]


def our_solutions(row: Mapping[str, Any]) -> list:
    answer = parse(row["answer"], "answer")
    return [tuple(to_sympy(v) for v in e.args) if e.op == "tuple" else to_sympy(e) for e in answer.args]


def compare(row: Mapping[str, Any]) -> str:
    signal.alarm(TIME_LIMIT_S)
    try:
        return "agree" if _same_set(our_solutions(row), sympy_solutions(row)) else "disagree"
    except _TimeUp:
        return "sympy_timeout"
    except (ValueError, TypeError, NotImplementedError, RpsdgError) as error:
        return f"sympy_failed:{type(error).__name__}"
    finally:
        signal.alarm(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", help="an equation corpus directory")
    parser.add_argument("--sample", type=int, default=500, help="records to compare (a seeded random sample)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _on_alarm)
    rows = [row for row in Corpus(Path(args.corpus)).rows() if row["kind"] == "equation"]
    sample = random.Random(args.seed).sample(rows, min(args.sample, len(rows)))
    outcomes: Counter = Counter()
    by_subkind: dict[str, Counter] = {}
    for row in sample:
        outcome = compare(row)
        outcomes[outcome] += 1
        by_subkind.setdefault(row.get("subkind", "?"), Counter())[outcome] += 1
        if outcome == "disagree":
            print(f"DISAGREE {row['uid'][:12]}: {row['problem']}  ours {row['answer']}")
    print(f"{len(sample)} records compared with SymPy (solveset over the reals / linsolve): "
          + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    for name, counts in sorted(by_subkind.items()):
        print(f"  {name:<12} " + ", ".join(f"{k} {v}" for k, v in counts.most_common()))


if __name__ == "__main__":
    main()
