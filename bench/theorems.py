"""Verified theorems per second per core at (K, L) = (3, 3), (5, 5), (7, 7), against INT's 51 / 21 / 12.

Each run is the build pipeline's own per-item function (``rpsdg.run.pipeline.produce``: generate, render the row,
re-parse it and run the replay kernel and the numeric checker) on one core, plus dedup by ``dedup_text``; only
verified, distinct theorems count. Time is this process's CPU time (``time.process_time``), i.e. per core; other
work on the machine still perturbs it through shared caches. Prints the median of several runs per setting and its ratio to INT (INT
does no dedup and no checking). INT's rates are by default the stored anchor figures (shared/design/anchors.md,
"our machine class"); ``--int-rates`` takes the rates ``bench/anchors/int_rate.py`` measured on the machine this
runs on, which makes the ratio side by side (one process's speed differed 2.5x between sessions on these shared
machines, so a rate from another machine can move the ratio as much). The machine is shared, so timings are noisy:
compare medians.

    python3 bench/theorems.py                 # 5 runs of 4 s per setting
    python3 bench/theorems.py --runs 3 --seconds 2 --families ring,field
    python3 bench/theorems.py --runs 5 --seconds 3 --against /work/base/python
    python3 bench/theorems.py --int-rates 3:51.9,5:20.8,7:9.04    # INT measured here by bench/anchors/int_rate.py

``--against PATH`` measures side by side on a shared machine: each run r runs this script twice in fresh processes,
first with ``PYTHONPATH=PATH`` (another checkout's ``python/`` directory: ``old``), then with this checkout's
(``new``), both with seed r, and prints both medians per setting and their ratio new / old, so load that comes and
goes hits both alike. ``--fixed N`` makes exactly candidates 0..N-1 per setting once, with no timing, and prints
how many were accepted (a fixed amount of work for an instruction counter such as callgrind; see
``bench/equations.py``).
"""

from __future__ import annotations

import argparse
import statistics
import time

from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.generate import TheoremConfig
from rpsdg.run.pipeline import produce

from as_built import producer  # bench/as_built.py: repeats are not checked, as in a build
from sidebyside import interleaved_rates, ratio_line  # bench/sidebyside.py, beside this script

produce_as_built = producer(produce)

INT_RATES = {(3, 3): 51.0, (5, 5): 21.0, (7, 7): 12.0}
"""INT's theorems per second at (K, L), as stored in shared/design/anchors.md (``--int-rates`` replaces them)."""
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
        outcome = produce_as_built(spec, config, (1,), seed, candidates, seen)
        candidates += 1
        if outcome.row is not None and outcome.uid not in seen:
            seen.add(outcome.uid)
    elapsed = time.process_time() - started
    return len(seen) / elapsed, len(seen), candidates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--families", default="ring,field")
    parser.add_argument("--search-budget", type=int, default=TheoremConfig().search_budget)
    parser.add_argument("--settings", default="3,5,7", help="comma-separated K (= L) of the settings to run")
    parser.add_argument("--int-rates", help="INT's rates measured on this machine (bench/anchors/int_rate.py), "
                                            "as K:rate pairs: 3:51.9,5:20.8,7:9.04")
    parser.add_argument("--first-seed", type=int, default=0, help="seed of the first run (run r: this + r)")
    parser.add_argument("--fixed", type=int, metavar="N", help="make candidates 0..N-1 once per setting, no timing")
    parser.add_argument("--against", metavar="PATH", help="another checkout's python/ directory: interleaved "
                                                          "runs of both, medians and ratio")
    args = parser.parse_args()
    families = tuple(f for f in args.families.split(",") if f)
    settings = [(k, k) for k in (int(part) for part in args.settings.split(","))]
    if args.against:
        return compare(args, settings)
    if args.fixed is not None:
        return fixed(args, families, settings)
    int_rates = dict(INT_RATES)
    for pair in (args.int_rates or "").split(","):
        if pair.strip():
            k, _, rate = pair.partition(":")
            int_rates[(int(k), int(k))] = float(rate)
    print(f"families={','.join(families)} runs={args.runs} seconds/run={args.seconds} "
          f"search_budget={args.search_budget} (CPU seconds of one process; shared machine, medians)")
    print("INT/s: " + ("measured on this machine (--int-rates)" if args.int_rates else
                       "the stored anchor figures (shared/design/anchors.md), not measured here"))
    print(f"{'(K,L)':>7} {'median/s':>9} {'min':>7} {'max':>7} {'accepted':>9} {'cand.':>7} {'INT/s':>6} "
          f"{'ratio':>6} {'target':>7}")
    for k, length in settings:
        int_rate = int_rates.get((k, length), float("nan"))
        rates, accepted, candidates = [], 0, 0
        for run in range(args.runs):
            rate, acc, cand = one_run(k, length, families, args.seconds, seed=args.first_seed + run,
                                      budget=args.search_budget)
            rates.append(rate)
            accepted += acc
            candidates += cand
        median = statistics.median(rates)
        print(f"{f'({k},{length})':>7} {median:9.1f} {min(rates):7.1f} {max(rates):7.1f} {accepted:9d} "
              f"{candidates:7d} {int_rate:6.1f} {median / int_rate:5.1f}x {TARGET_FACTOR * int_rate:7.0f}")


def fixed(args: argparse.Namespace, families: tuple[str, ...], settings: list[tuple[int, int]]) -> None:
    """Candidates 0..N-1 of each setting, made and checked once (seed ``--first-seed``): work for an instruction
    counter."""
    spec = get_kind("theorem")
    for k, length in settings:
        config = config_for(k, length, families, args.search_budget)
        accepted = sum(produce(spec, config, (1,), args.first_seed, index).row is not None
                       for index in range(args.fixed))
        print(f"({k},{length}): {accepted} of {args.fixed} candidates accepted")


def compare(args: argparse.Namespace, settings: list[tuple[int, int]]) -> None:
    """Interleaved runs of this checkout (``new``) and ``args.against`` (``old``): medians and their ratio."""
    rates = interleaved_rates(__file__, args.against, args.runs, lambda run: [
        "--runs", "1", "--seconds", str(args.seconds), "--families", args.families,
        "--search-budget", str(args.search_budget), "--settings", args.settings,
        "--first-seed", str(args.first_seed + run)], r"^\s*(\(\d+,\d+\))\s+([\d.]+)\s")
    print(f"verified distinct theorems/s/core (cpu), {args.runs} interleaved runs of {args.seconds} s each; old = "
          f"{args.against}, new = this checkout (shared machine: quote the median of the per-round ratios)")
    for k, length in settings:
        print(ratio_line(f"({k},{length})", rates, decimals=1))


if __name__ == "__main__":
    main()
