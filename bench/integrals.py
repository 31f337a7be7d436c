"""Integral generation speed: verified items per second per core, by level and at Lample & Charton's size.

Prints figures; asserts nothing. Each figure is the median of ``--repeats`` runs of the real pipeline function
(generate → render → check from text → dedup), one process, one core; time is this process's CPU time
(``time.process_time``), so other work on a shared machine perturbs it far less than wall time would (it still
does, through shared caches: compare medians of interleaved runs). "Matched size" uses Lample & Charton's
published shape (4..15 operators, their weights and leaves) so integrand sizes are comparable; their BWD
generator makes about 4.5 pairs/s/core on this machine class without steps or checks (a stored measurement,
4.4-4.9/s: shared/design/anchors.md; it was not re-run here). Target: 100x at matched size (issue 15).

    python3 bench/integrals.py                 # all levels + matched size
    python3 bench/integrals.py --memory        # also peak RSS of `rpsdg build` at two corpus sizes
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.generate import LAMPLE_CHARTON_WEIGHTS, IntegralConfig
from rpsdg.run.pipeline import produce

LAMPLE_CHARTON_PAIRS_PER_SECOND = 4.5
TARGET_FACTOR = 100
MATCHED = IntegralConfig(levels={1: {"operators": (4, 15), "max_depth": 64, "allowed": tuple(LAMPLE_CHARTON_WEIGHTS),
                                      "max_steps": 1000}})


def run_once(config: IntegralConfig, level: int, items: int, seed: int) -> tuple[float, list[int], dict]:
    """(verified distinct items per second, integrand token counts, drop reasons) for ``items`` accepted items."""
    spec = get_kind("integral")
    seen: set[str] = set()
    tokens: list[int] = []
    drops: dict[str, int] = {}
    started = time.process_time()
    index = 0
    while len(seen) < items:
        outcome = produce(spec, config, (level,), seed, index)
        index += 1
        if outcome.row is None:
            drops[outcome.reason] = drops.get(outcome.reason, 0) + 1
        elif outcome.uid in seen:
            drops["duplicate"] = drops.get("duplicate", 0) + 1
        else:
            seen.add(outcome.uid)
            tokens.append(len(outcome.row["prefix"].split()))
    return items / (time.process_time() - started), tokens, drops


def measure(label: str, config: IntegralConfig, level: int, items: int, repeats: int) -> float:
    rates, all_tokens = [], []
    for repeat in range(repeats):
        rate, tokens, drops = run_once(config, level, items, seed=100 + repeat)
        rates.append(rate)
        all_tokens += tokens
    median = statistics.median(rates)
    print(f"{label:<14} {median:8.1f} items/s  (runs: {', '.join(f'{r:.1f}' for r in rates)})  "
          f"integrand tokens median {statistics.median(all_tokens):.0f}, mean {statistics.mean(all_tokens):.0f} "
          f"± {statistics.pstdev(all_tokens):.0f}")
    return median


def peak_rss_of_build(count: int) -> float:
    """Peak resident memory (MiB) of a child `rpsdg build` writing ``count`` items."""
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "rpsdg.cli", "build", "--count", str(count), "--levels", "1-3",
                   "--seed", "1", "--out", str(Path(directory) / "c"), "--shard-size", "2000"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        subprocess.run(command, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200, help="accepted items per run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="also measure peak RSS at two corpus sizes")
    parser.add_argument("--memory-sizes", default="1000,20000")
    args = parser.parse_args()
    print("verified integral items per second, one core, CPU time (median of runs)")
    for level in range(1, 6):
        measure(f"level {level}", IntegralConfig(), level, args.items, args.repeats)
    matched = measure("L&C size", MATCHED, 1, args.items, args.repeats)
    print(f"matched size vs Lample & Charton BWD ({LAMPLE_CHARTON_PAIRS_PER_SECOND}/s, no steps, no checks): "
          f"{matched / LAMPLE_CHARTON_PAIRS_PER_SECOND:.1f}x (target {TARGET_FACTOR}x)")
    if args.memory:
        for size in (int(s) for s in args.memory_sizes.split(",")):
            print(f"peak RSS of `rpsdg build --count {size}`: {peak_rss_of_build(size):.0f} MiB")


if __name__ == "__main__":
    main()
