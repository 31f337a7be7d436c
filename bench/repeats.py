"""Repeats not checked: build speed with and without skipping the checks of a candidate whose uid is a record already.

Prints figures; asserts nothing. Each run makes ``--records`` distinct records of one kind the way the in-process
executor of ``rpsdg build`` does (``produce`` in index order, a set of accepted uids, the executor's own
``repeat`` hook on or off), in this process, on one core. The two modes alternate ``--repeats`` times with the same
seeds, each run in a fresh process and the order swapped every round, so load that comes and goes hits both alike
and neither mode inherits the other's heap; the figure to quote is the ratio of the medians of CPU time.
The corpus is the same either way (``tests/test_run_repeats.py``); what changes is how many checks run.

    python3 bench/repeats.py                                   # equations, levels 2-3, 5,000 records, 3 rounds
    python3 bench/repeats.py --kind integral --levels 1-2 --records 2000
    python3 bench/repeats.py --kind equation --levels 2-3 --records 20000 --repeats 3

The share of repeats grows with the corpus (the problem space fills up): at 1M records of equations at levels 2-3
it was 38% of candidates (docs/scale.md), at 5,000 records far less, so small runs understate the gain.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from typing import Callable

from rpsdg.kinds import get_kind
from rpsdg.run.items import produce
from rpsdg.run.pipeline import parse_levels


def run_once(kind: str, levels: tuple[int, ...], records: int, seed: int, skip: bool) -> tuple[float, int, int, int]:
    """(CPU seconds, candidates, repeats among them, candidates whose checks were skipped) for ``records`` records."""
    spec = get_kind(kind)
    config = spec.config_type()
    accepted: set[str] = set()
    repeat: Callable[[str], bool] | None = accepted.__contains__ if skip else None
    candidates = repeats = skipped = 0
    started = time.process_time()
    while len(accepted) < records:
        outcome = produce(spec, config, levels, seed, candidates, repeat=repeat)
        candidates += 1
        if outcome.uid and outcome.uid in accepted:
            repeats += 1
            skipped += outcome.repeat
        elif outcome.row is not None:
            accepted.add(outcome.uid)
    return time.process_time() - started, candidates, repeats, skipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", default="equation")
    parser.add_argument("--levels", default="2-3")
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--one", choices=["check", "skip"], help=argparse.SUPPRESS)  # one run, in this process
    args = parser.parse_args()
    levels = parse_levels(args.levels)
    if args.one:
        print(*run_once(args.kind, levels, args.records, args.seed, args.one == "skip"))
        return
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for round_number in range(args.repeats):
        for skip in ((False, True) if round_number % 2 == 0 else (True, False)):
            command = [sys.executable, os.path.abspath(__file__), "--kind", args.kind, "--levels", args.levels,
                       "--records", str(args.records), "--seed", str(args.seed), "--one", "skip" if skip else "check"]
            words = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
            cpu, candidates, repeats, skipped = float(words[0]), int(words[1]), int(words[2]), int(words[3])
            seconds[skip].append(cpu)
            print(f"round {round_number + 1} {'skip   ' if skip else 'check  '}: {cpu:7.2f} s CPU, "
                  f"{args.records / cpu:6.0f} records/s; {candidates} candidates, {repeats} repeats "
                  f"({repeats / candidates:.1%}), {skipped} not checked", flush=True)
    checked, skipping = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"{args.kind} levels {args.levels}, {args.records} records: all checked {checked:.2f} s "
          f"({args.records / checked:.0f}/s), repeats not checked {skipping:.2f} s ({args.records / skipping:.0f}/s); "
          f"speed ratio {checked / skipping:.2f}x (medians of {args.repeats}, CPU time)")


if __name__ == "__main__":
    main()
