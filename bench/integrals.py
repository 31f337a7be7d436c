"""Integral generation speed: verified items per second per core, by level and at Lample & Charton's size.

Prints figures; asserts nothing. Each figure is the median of ``--repeats`` runs of the real pipeline function
(generate → render → check from text → dedup), one process, one core; time is this process's CPU time
(``time.process_time``), so other work on a shared machine perturbs it far less than wall time would (it still
does, through shared caches: compare medians of interleaved runs). "Matched size" uses Lample & Charton's
published shape (4..15 operators, their weights and leaves) so integrand sizes are comparable; their BWD
generator makes about 4.5 pairs/s/core on this machine class without steps or checks (a stored measurement,
4.4-4.9/s: shared/design/anchors.md); ``--lc-rate`` takes the rate ``bench/anchors/lc_rate.py`` measured on the
machine this runs on, which makes the ratio side by side. Target: 100x at matched size (issue 15).

    python3 bench/integrals.py                 # all levels + matched size
    python3 bench/integrals.py --levels 4,5,lc --items 100
    python3 bench/integrals.py --memory        # also peak RSS of `rpsdg build` at two corpus sizes
    python3 bench/integrals.py --items 150 --repeats 5 --against /work/base/python
    python3 bench/integrals.py --levels lc --lc-rate 3.79     # L&C measured here by bench/anchors/lc_rate.py

``--levels`` picks the rows: level numbers and ``lc`` (matched size). ``--against PATH`` measures side by side on a
shared machine: each repeat runs this checkout and the checkout whose ``python/`` directory is PATH, one after the
other in fresh processes (same seeds, the old one first), and prints both medians and their ratio (new / old), so
load that comes and goes hits both alike. ``--first-seed`` sets run r's seed (this + r).

``--fixed N`` makes exactly candidates 0..N-1 of each chosen row once and prints how many were accepted, with no
timing, and a digest of the rows and drop reasons (equal digests: the same output as another checkout): a fixed
amount of work for an instruction counter (valgrind's callgrind), which the machine's load does not
move (see ``bench/equations.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
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

from as_built import producer  # bench/as_built.py: repeats are not checked, as in a build
from sidebyside import interleaved_rates, ratio_line  # bench/sidebyside.py, beside this script

produce_as_built = producer(produce)

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
        outcome = produce_as_built(spec, config, (level,), seed, index, seen)
        index += 1
        if outcome.row is None:
            drops[outcome.reason] = drops.get(outcome.reason, 0) + 1
        elif outcome.uid in seen:
            drops["duplicate"] = drops.get("duplicate", 0) + 1
        else:
            seen.add(outcome.uid)
            tokens.append(len(outcome.row["prefix"].split()))
    return items / (time.process_time() - started), tokens, drops


def measure(label: str, config: IntegralConfig, level: int, items: int, repeats: int, first_seed: int = 100
            ) -> float:
    rates, all_tokens = [], []
    for repeat in range(repeats):
        rate, tokens, drops = run_once(config, level, items, seed=first_seed + repeat)
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
    parser.add_argument("--levels", default="1,2,3,4,5,lc", help="comma-separated rows: level numbers, lc")
    parser.add_argument("--first-seed", type=int, default=100, help="seed of the first run (run r: this + r)")
    parser.add_argument("--lc-rate", type=float, help="Lample & Charton's BWD pairs/s measured on this machine "
                                                      "(bench/anchors/lc_rate.py)")
    parser.add_argument("--fixed", type=int, metavar="N", help="make candidates 0..N-1 once per row, no timing")
    parser.add_argument("--against", metavar="PATH", help="another checkout's python/ directory: interleaved "
                                                          "runs of both, medians and ratio")
    args = parser.parse_args()
    rows = [part.strip() for part in args.levels.split(",") if part.strip()]
    if args.fixed is not None:
        return fixed(rows, args.fixed, args.first_seed)
    if args.against:
        return compare(args, rows)
    print("verified integral items per second, one core, CPU time (median of runs)")
    for row in rows:
        config, level, label = row_config(row)
        rate = measure(label, config, level, args.items, args.repeats, args.first_seed)
        if row == "lc":
            lc_rate = args.lc_rate or LAMPLE_CHARTON_PAIRS_PER_SECOND
            source = "measured on this machine" if args.lc_rate else "the stored anchor figure, not measured here"
            print(f"matched size vs Lample & Charton BWD ({lc_rate}/s, {source}; no steps, no "
                  f"checks): {rate / lc_rate:.1f}x (target {TARGET_FACTOR}x)")
    if args.memory:
        for size in (int(s) for s in args.memory_sizes.split(",")):
            print(f"peak RSS of `rpsdg build --count {size}`: {peak_rss_of_build(size):.0f} MiB")


def row_config(row: str) -> tuple[IntegralConfig, int, str]:
    """(config, level, label) of a ``--levels`` entry: a level number, or ``lc`` for Lample & Charton's size."""
    if row == "lc":
        return MATCHED, 1, "L&C size"
    return IntegralConfig(), int(row), f"level {int(row)}"


def fixed(rows: list[str], count: int, seed: int) -> None:
    """Candidates 0..count-1 of each row, made and checked once: work for an instruction counter."""
    spec = get_kind("integral")
    for row in rows:
        config, level, label = row_config(row)
        digest, accepted = hashlib.sha256(), 0
        for index in range(count):
            outcome = produce(spec, config, (level,), seed, index)
            digest.update(json.dumps(outcome.row, sort_keys=True).encode() if outcome.row else outcome.reason.encode())
            accepted += outcome.row is not None
        print(f"{label}: {accepted} of {count} candidates accepted, rows sha256 {digest.hexdigest()[:16]}")


def compare(args: argparse.Namespace, rows: list[str]) -> None:
    """Interleaved runs of this checkout (``new``) and ``args.against`` (``old``): medians and their ratio."""
    rates = interleaved_rates(__file__, args.against, args.repeats, lambda repeat: [
        "--levels", ",".join(rows), "--items", str(args.items), "--repeats", "1",
        "--first-seed", str(args.first_seed + repeat)], r"^(level \d+|L&C size) +([\d.]+) items/s")
    print(f"verified integral items/s/core (cpu), {args.repeats} interleaved runs of {args.items} items each; old = "
          f"{args.against}, new = this checkout (shared machine: quote the median of the per-round ratios)")
    for row in rows:
        print(ratio_line(row_config(row)[2], rates, decimals=1))


if __name__ == "__main__":
    main()
