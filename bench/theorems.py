"""Verified theorems per second per core at (K, L) = (3, 3), (5, 5), (7, 7), against INT's 51 / 21 / 12.

Each run is the build pipeline's own per-item function (``rpsdg.run.pipeline.produce``: generate, render the row,
re-parse it and run the replay kernel and the numeric checker) on one core, plus dedup by ``dedup_text``; only
verified, distinct theorems count. Time is this process's CPU time (``time.process_time``), i.e. per core; other
work on the machine still perturbs it through shared caches. Prints the median of several runs per setting and its ratio to INT (the
anchor figures are from /work/shared/design/anchors.md; INT does no dedup and no checking). The machine is
shared, so timings are noisy: compare medians.

    python3 bench/theorems.py                 # 5 runs of 4 s per setting
    python3 bench/theorems.py --runs 3 --seconds 2 --families ring,field
"""

from __future__ import annotations

import argparse
import statistics
import time

from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.generate import TheoremConfig
from rpsdg.run.pipeline import produce

INT_RATES = {(3, 3): 51.0, (5, 5): 21.0, (7, 7): 12.0}
TARGET_FACTOR = 50  # issue 15


def config_for(k: int, length: int, families: tuple[str, ...], budget: int) -> TheoremConfig:
    level = {"start_size": (2, 4), "walk_length": length, "distinct_rules": k, "families": families}
    return TheoremConfig(levels={1: level}, search_budget=budget)


def one_run(k: int, length: int, families: tuple[str, ...], seconds: float, seed: int, budget: int
            ) -> tuple[float, int, int]:
    """(verified distinct theorems per second, accepted, candidates) for one timed run."""
    spec = get_kind("theorem")
    config = config_for(k, length, families, budget)
    seen: set[str] = set()
    candidates = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        outcome = produce(spec, config, (1,), seed, candidates)
        candidates += 1
        if outcome.row is not None and outcome.uid not in seen:
            seen.add(outcome.uid)
    elapsed = time.process_time() - started
    return len(seen) / elapsed, len(seen), candidates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--families", default="ring,field")
    parser.add_argument("--search-budget", type=int, default=TheoremConfig().search_budget)
    args = parser.parse_args()
    families = tuple(f for f in args.families.split(",") if f)
    print(f"families={','.join(families)} runs={args.runs} seconds/run={args.seconds} "
          f"search_budget={args.search_budget} (CPU seconds of one process; shared machine, medians)")
    print(f"{'(K,L)':>7} {'median/s':>9} {'min':>7} {'max':>7} {'accepted':>9} {'cand.':>7} {'INT/s':>6} "
          f"{'ratio':>6} {'target':>7}")
    for (k, length), int_rate in INT_RATES.items():
        rates, accepted, candidates = [], 0, 0
        for run in range(args.runs):
            rate, acc, cand = one_run(k, length, families, args.seconds, seed=run, budget=args.search_budget)
            rates.append(rate)
            accepted += acc
            candidates += cand
        median = statistics.median(rates)
        print(f"{f'({k},{length})':>7} {median:9.1f} {min(rates):7.1f} {max(rates):7.1f} {accepted:9d} "
              f"{candidates:7d} {int_rate:6.0f} {median / int_rate:5.1f}x {TARGET_FACTOR * int_rate:7.0f}")


if __name__ == "__main__":
    main()
