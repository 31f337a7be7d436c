"""Equation generation speed: verified equations per second per core, by level (issue 15 target: >= 2,000/s at
level 3, every item still checked by every checker from its stored text).

Prints figures; asserts nothing. Each figure is the median of ``--repeats`` runs of the real pipeline function
(generate → render → check from text with all three checkers → dedup) in one process, on one core. Two rates are
printed: by wall clock, and by this process's CPU time (``time.process_time``). Other work shares this machine, so
wall-clock figures are noisy; the CPU-time rate is closer to what one core does when it is not shared (contention still
slows it: the best run is printed too, but the median is the figure to quote).

    python3 bench/equations.py                      # levels 1-5, 300 accepted items per run, 5 runs
    python3 bench/equations.py --levels 1,2,3 --items 500 --by-subkind
    python3 bench/equations.py --levels 1,2,3 --items 500 --repeats 5 --against /tmp/old/python

``--fixed N`` makes exactly candidates 0..N-1 of each level once and prints how many were accepted, with no timing:
a fixed amount of work for an instruction counter, which the machine's load does not move (valgrind's callgrind;
subtract a ``--fixed 0`` run for the imports; ``python3`` may be a shim, so give valgrind the real interpreter):

    PY=$(python3 -c 'import sys; print(sys.executable)')
    PYTHONPATH=$PWD/python valgrind --tool=callgrind --callgrind-out-file=/tmp/cg $PY bench/equations.py --levels 3 --fixed 150

``--against PATH`` measures side by side on a shared machine: each repeat runs this checkout and the checkout whose
``python/`` directory is PATH, one after the other in fresh processes (same seeds), and prints both medians and
their ratio (new / old), so load that comes and goes hits both alike.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict

try:
    from rpsdg.kinds import get_kind
except ImportError:  # a release before the house move (issue 10), e.g. 1b5802a, the code issue 15 was filed on
    from rpsdg.generators import get_kind  # type: ignore[no-redef]
from rpsdg.run.pipeline import produce

from as_built import producer  # bench/as_built.py: repeats are not checked, as in a build
from sidebyside import interleaved_rates, ratio_line  # bench/sidebyside.py, beside this script

produce_as_built = producer(produce)

TARGET = 2000.0
TARGET_LEVEL = 3


def run_once(level: int, items: int, seed: int, by_subkind: dict[str, list[float]]) -> tuple[float, float, Counter]:
    """(wall rate, CPU rate, drop reasons) for ``items`` verified distinct equations at ``level``."""
    spec = get_kind("equation")
    config = spec.config_type()
    seen: set[str] = set()
    drops: Counter = Counter()
    wall, cpu = time.perf_counter(), time.process_time()
    index = 0
    while len(seen) < items:
        started = time.process_time()
        outcome = produce_as_built(spec, config, (level,), seed, index, seen)
        index += 1
        if outcome.row is None:
            drops[outcome.reason] += 1
        elif outcome.uid in seen:
            drops["duplicate"] += 1
        else:
            seen.add(outcome.uid)
            by_subkind[outcome.row["subkind"]].append(time.process_time() - started)
    return items / (time.perf_counter() - wall), items / (time.process_time() - cpu), drops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="1,2,3,4,5", help="comma-separated levels")
    parser.add_argument("--items", type=int, default=300, help="accepted items per run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=1000, help="seed of the first run (run r: this + r)")
    parser.add_argument("--by-subkind", action="store_true", help="also print median CPU ms per item by sub-kind")
    parser.add_argument("--fixed", type=int, metavar="N", help="make candidates 0..N-1 once per level, no timing")
    parser.add_argument("--against", metavar="PATH", help="another checkout's python/ directory: interleaved "
                                                          "runs of both, medians and ratio")
    args = parser.parse_args()
    if args.fixed is not None:
        return fixed(args)
    if args.against:
        return compare(args)
    print(f"verified equations/s/core, median of {args.repeats} runs of {args.items} items "
          f"(target >= {TARGET:.0f} at level {TARGET_LEVEL}; shared machine: wall figures are noisy)")
    for level in (int(part) for part in args.levels.split(",")):
        walls, cpus, drops = [], [], Counter()
        by_subkind: dict[str, list[float]] = defaultdict(list)
        for repeat in range(args.repeats):
            wall, cpu, dropped = run_once(level, args.items, args.first_seed + repeat, by_subkind)
            walls.append(wall)
            cpus.append(cpu)
            drops += dropped
        cpu_median = statistics.median(cpus)
        verdict = "" if level != TARGET_LEVEL else (
            "  meets target" if cpu_median >= TARGET else "  below target")
        print(f"level {level}: {statistics.median(walls):7.0f}/s wall, {cpu_median:7.0f}/s cpu  "
              f"(cpu runs: {', '.join(f'{r:.0f}' for r in cpus)}; best {max(cpus):.0f}; "
              f"ratio of median to target {cpu_median / TARGET:.2f})"
              f"{verdict}")
        print(f"         dropped per run: {', '.join(f'{k} {v / args.repeats:.1f}' for k, v in drops.most_common())}")
        if args.by_subkind:
            for name, times in sorted(by_subkind.items()):
                print(f"         {name:<12} {1000 * statistics.median(times):6.2f} ms median cpu/item  "
                      f"({len(times)} items)")


def fixed(args: argparse.Namespace) -> None:
    """Candidates 0..N-1 of each level, made and checked once (seed ``--first-seed``): work for an instruction
    counter."""
    spec = get_kind("equation")
    config = spec.config_type()
    for level in (int(part) for part in args.levels.split(",")):
        accepted = sum(produce(spec, config, (level,), args.first_seed, index).row is not None
                       for index in range(args.fixed))
        print(f"level {level}: {accepted} of {args.fixed} candidates accepted")


def compare(args: argparse.Namespace) -> None:
    """Interleaved runs of this checkout (``new``) and ``args.against`` (``old``): medians and their ratio."""
    rates = interleaved_rates(__file__, args.against, args.repeats, lambda repeat: [
        "--levels", args.levels, "--items", str(args.items), "--repeats", "1",
        "--first-seed", str(args.first_seed + repeat)], r"^(level \d+): +\d+/s wall, +(\d+)/s cpu")
    print(f"verified equations/s/core (cpu), {args.repeats} interleaved runs of {args.items} items each; old = "
          f"{args.against}, new = this checkout (shared machine: quote the median of the per-round ratios)")
    for level in args.levels.split(","):
        print(ratio_line(f"level {int(level)}", rates))


if __name__ == "__main__":
    main()
