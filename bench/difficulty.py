"""Is the difficulty real? Per level, how often `sympy.integrate` fails to solve our integrals within 5 s.

Prints, per level: the fraction SymPy fails (time-out, an unevaluated Integral, or an error) and the median time
of the solved ones. Each attempt runs in its own process, killed at the limit (SymPy cannot be interrupted
reliably). Asserts nothing.

    python3 bench/difficulty.py --per-level 20 --timeout 5 --jobs 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time

from rpsdg.expr import parse
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.generate import IntegralConfig
from rpsdg.run.pipeline import produce


def _attempt(text: str, queue) -> None:
    import sympy

    from rpsdg.expr.sympy_bridge import to_sympy

    integrand = to_sympy(parse(text))
    started = time.perf_counter()
    try:
        result = sympy.integrate(integrand, sympy.Symbol("x", real=True))
        solved = not result.has(sympy.Integral)
    except Exception:  # noqa: BLE001 - any SymPy failure counts as "not solved"
        solved = False
    queue.put((solved, time.perf_counter() - started))


def integrate_with_limit(texts: list[str], timeout: float, jobs: int) -> list[tuple[bool, float]]:
    """(solved, seconds) per integrand, ``jobs`` processes at a time, each killed after ``timeout``."""
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


def sample_problems(level: int, count: int, seed: int) -> list[str]:
    spec, config = get_kind("integral"), IntegralConfig()
    problems, seen, index = [], set(), 0
    while len(problems) < count:
        outcome = produce(spec, config, (level,), seed, index)
        index += 1
        if outcome.row is not None and outcome.uid not in seen:
            seen.add(outcome.uid)
            problems.append(outcome.row["problem"])
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-level", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"sympy.integrate on {args.per_level} problems per level, {args.timeout:g} s limit each")
    print("level  failed  median s (solved)")
    for level in range(1, 6):
        results = integrate_with_limit(sample_problems(level, args.per_level, args.seed), args.timeout, args.jobs)
        failed = sum(1 for solved, _ in results if not solved)
        solved_times = [seconds for solved, seconds in results if solved]
        median = f"{statistics.median(solved_times):.2f}" if solved_times else "-"
        print(f"{level:>5}  {failed / len(results):6.0%}  {median:>8}")


if __name__ == "__main__":
    main()
