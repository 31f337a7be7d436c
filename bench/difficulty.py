"""Is the difficulty real? Per level, how often SymPy fails on our items within a time limit.

* ``--kind integral`` (default): ``sympy.integrate`` (an unevaluated Integral counts as a failure).
* ``--kind equation``: ``sympy.solve`` of the equation or system (a failure: a time-out, an error, or a solution
  list that is not the answer's size).
* ``--kind theorem``: ``sympy.simplify(lhs - rhs) == 0`` (a failure: a time-out, an error, or a non-zero result:
  SymPy cannot see the identity without the proof).

Prints, per level: the fraction SymPy fails and the median time of the solved ones. Each attempt runs in its own
process, killed at the limit (SymPy cannot be interrupted reliably). Asserts nothing.

    python3 bench/difficulty.py --per-level 20 --timeout 5 --jobs 2
    python3 bench/difficulty.py --kind theorem --per-level 20 --timeout 5
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time

from rpsdg.expr import parse
from rpsdg.kinds import get_kind
from rpsdg.run.pipeline import produce


def _attempt(item: tuple[str, str, str], queue) -> None:
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    kind, text, answer = item
    problem = to_sympy(parse(text))
    started = time.perf_counter()
    try:
        if kind == "integral":
            result = sympy.integrate(problem, sympy.Symbol("x", real=True))
            solved = not result.has(sympy.Integral)
        elif kind == "equation":
            equations = list(problem) if isinstance(problem, sympy.Tuple) else [problem]
            unknowns = sorted(set().union(*(e.free_symbols for e in equations)), key=str)
            result = sympy.solve(equations, unknowns, dict=True)
            solved = len(result) == len(parse(answer).args)
        else:
            solved = sympy.simplify(problem.lhs - problem.rhs) == 0
    except Exception:  # noqa: BLE001 - any SymPy failure counts as "not solved"
        solved = False
    queue.put((solved, time.perf_counter() - started))


def integrate_with_limit(texts: list[tuple[str, str, str]], timeout: float, jobs: int) -> list[tuple[bool, float]]:
    """(solved, seconds) per (kind, problem, answer), ``jobs`` processes at a time, each killed after ``timeout``."""
    context = multiprocessing.get_context("fork")
    results: list[tuple[bool, float] | None] = [None] * len(texts)
    running: list[tuple[int, multiprocessing.Process, object, float]] = []
    pending = list(enumerate(texts))
    while pending or running:
        while pending and len(running) < jobs:
            index, text = pending.pop(0)
            queue = context.Queue()
            process = context.Process(target=_attempt, args=(text, queue))
            process.start()
            running.append((index, process, queue, time.perf_counter()))
        time.sleep(0.02)
        still = []
        for index, process, queue, started in running:
            if not queue.empty():
                results[index] = queue.get()
                process.join()
            elif time.perf_counter() - started > timeout:
                process.kill()
                process.join()
                results[index] = (False, timeout)
            else:
                still.append((index, process, queue, started))
        running = still
    return [r for r in results if r is not None]


def sample_problems(level: int, count: int, seed: int, kind: str = "integral") -> list[tuple[str, str, str]]:
    spec = get_kind(kind)
    config = spec.config_type()
    problems, seen, index = [], set(), 0
    while len(problems) < count:
        outcome = produce(spec, config, (level,), seed, index)
        index += 1
        if outcome.row is not None and outcome.uid not in seen:
            seen.add(outcome.uid)
            problems.append((kind, outcome.row["problem"], outcome.row["answer"]))
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-level", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--kind", default="integral", choices=("integral", "equation", "theorem"))
    args = parser.parse_args()
    what = {"integral": "sympy.integrate", "equation": "sympy.solve", "theorem": "sympy.simplify(lhs - rhs)"}
    print(f"{what[args.kind]} on {args.per_level} {args.kind} problems per level, {args.timeout:g} s limit each")
    print("level  failed  median s (solved)")
    for level in range(1, 6):
        problems = sample_problems(level, args.per_level, args.seed, args.kind)
        results = integrate_with_limit(problems, args.timeout, args.jobs)
        failed = sum(1 for solved, _ in results if not solved)
        solved_times = [seconds for solved, seconds in results if solved]
        median = f"{statistics.median(solved_times):.2f}" if solved_times else "-"
        print(f"{level:>5}  {failed / len(results):6.0%}  {median:>8}")


if __name__ == "__main__":
    main()
