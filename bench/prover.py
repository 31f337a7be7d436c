"""Difficulty that is real: a bounded best-first prover over the same rules, success rate per level.

For each level, verified theorems are made with the default configuration (the pipeline's ``produce``); the
prover (``rpsdg.kinds.theorem.rules.search.best_first_prove``) then searches from the lhs for the rhs using the level's rules,
only steps whose side conditions are among the theorem's hypotheses, and a fixed budget of node expansions
(each expansion tries every rule at every position). Prints success rate, mean proof length found and seconds
per theorem per level; the rate should fall as the level rises. Timings are noisy (shared machine).

    python3 bench/prover.py                      # 60 theorems per level, 40 expansions
    python3 bench/prover.py --count 30 --budget 200
"""

from __future__ import annotations

import argparse
import statistics
import time

from rpsdg.kinds.theorem.check import parse_row
from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.generate import TheoremConfig
from rpsdg.run.pipeline import produce
from rpsdg.kinds.theorem.rules.search import best_first_prove


def theorems(spec, config: TheoremConfig, level: int, count: int, seed: int) -> list[dict]:
    rows, seen, index = [], set(), 0
    while len(rows) < count and index < 100 * count:
        outcome = produce(spec, config, (level,), seed, index)
        index += 1
        if outcome.row is not None and outcome.uid not in seen:
            seen.add(outcome.uid)
            rows.append(outcome.row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60, help="theorems per level")
    parser.add_argument("--budget", type=int, default=40, help="prover expansions per theorem")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step-weight", type=float, default=1.0, help="weight of proof length in the priority")
    args = parser.parse_args()
    spec = get_kind("theorem")
    config = TheoremConfig()
    print(f"best-first prover (priority {args.step_weight}·steps + subterm distance), budget {args.budget} expansions, {args.count} theorems per level, seed {args.seed}")
    print(f"{'level':>5} {'L':>3} {'K':>3} {'proved':>7} {'rate':>6} {'mean len':>9} {'stored len':>10} {'s/thm':>7}")
    for level in (1, 2, 3, 4, 5):
        table = config.level_table(level)
        rows = theorems(spec, config, level, args.count, args.seed)
        proved, lengths = 0, []
        started = time.perf_counter()
        for row in rows:
            record = parse_row(row)
            tables = config.tables(level, record.domain)
            found = best_first_prove(record.lhs, record.rhs, tables.index, set(record.hypotheses), args.budget,
                                     config.max_size, args.step_weight,
                                     config.bare_max_size)
            if found is not None:
                proved += 1
                lengths.append(found)
        seconds = (time.perf_counter() - started) / max(1, len(rows))
        stored = statistics.mean(len(r["steps"]) for r in rows) if rows else float("nan")
        mean_len = statistics.mean(lengths) if lengths else float("nan")
        print(f"{level:>5} {table['walk_length']:>3} {table['distinct_rules']:>3} {proved:>3}/{len(rows):<3} "
              f"{proved / max(1, len(rows)):6.2f} {mean_len:9.2f} {stored:10.2f} {seconds:7.3f}")


if __name__ == "__main__":
    main()
