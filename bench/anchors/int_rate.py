"""INT's theorem generator timed on this machine, one process: theorems per second of CPU time at (K, L).

Why: bench/theorems.py compares our verified theorems per second with INT's rate, and a rate taken on another
machine (shared/design/anchors.md: 51 / 21 / 12 per s at (3,3) / (5,5) / (7,7), "our machine class") is only as
good as the two machines are alike; on these shared machines one process's speed differed 2.5x between sessions.
This script measures INT itself where our bench runs, so the ratio is side by side.

It runs INT's own ``generate_problem`` (albertqjiang/INT, commit 0dc9078: ``int_environment/data_generation/
generate_problems.py``) in a loop in one process, with the arguments its ``__main__`` passes (orders from its
``combos_and_orders``, ``train_test="train"``, ``degree=0``), for ``--seconds`` of CPU time per setting. INT's own
``generate_multiple_problems`` spreads the same calls over 20 processes; one core is what our figure uses. INT does
no dedup and no checking, as the anchor says. Run with INT on ``sys.path`` and in a Python that has what INT imports
(PyTorch: its data utilities import ``torch.utils.data``):

    git clone https://github.com/albertqjiang/INT /tmp/int && cd /tmp/int
    python -m int_environment.data_generation.combos_and_orders --combo_path data/field --max_k 7 --max_l 7 --trial 10000
    PYTHONPATH=/tmp/int python bench/anchors/int_rate.py --orders /tmp/int/data/field/orders.json

Prints one line per setting (median of ``--runs`` runs); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time


def rate(k: int, length: int, orders: dict, seconds: float, seed: int) -> tuple[float, int]:
    from int_environment.data_generation.generate_problems import generate_problem

    random.seed(seed)
    made = 0
    started = time.process_time()
    while time.process_time() - started < seconds:
        generate_problem(num_axioms=k, length=length, train_test="train", orders=orders, degree=0)
        made += 1
    return made / (time.process_time() - started), made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", required=True, help="orders.json written by INT's combos_and_orders")
    parser.add_argument("--settings", default="3,5,7", help="K (= L) values")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with open(args.orders) as handle:
        orders = json.load(handle)
    print("INT theorems per second of CPU time, one process (median of runs)")
    for k in (int(part) for part in args.settings.split(",")):
        rates = [rate(k, k, orders, args.seconds, run) for run in range(args.runs)]
        values = [value for value, _ in rates]
        print(f"(K,L)=({k},{k}): {statistics.median(values):7.2f}/s  runs {', '.join(f'{v:.2f}' for v in values)}  "
              f"theorems {sum(made for _, made in rates)}", flush=True)


if __name__ == "__main__":
    main()
