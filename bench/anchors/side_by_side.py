"""Our rates and the generators we measure ourselves against, interleaved on this machine: issue 15's ratios.

Why: issue 15's targets are ratios (theorems >= 50x INT at (K, L) = (3,3) / (5,5) / (7,7), integrals >= 100x
Lample & Charton's BWD generator at matched size). The stored anchor rates were measured on another machine of
the class, and on these shared machines one process's speed moves by up to 2.5x between sessions and by a third
within minutes, so a ratio of our rate now to a rate taken elsewhere means little. This script runs both sides
here, in rounds: each round runs INT (or L&C) once and our bench once, in fresh processes, the order alternating
between rounds, and prints every round's ratio and their median, the figure to quote (``bench/sidebyside.py``
does the same for two checkouts of ours).

    python3 bench/anchors/side_by_side.py --rounds 5 \\
        --ours-python python3 --ours-path python \\
        --int /tmp/int --int-python /tmp/intvenv/bin/python --int-orders /tmp/int/data/field/orders.json \\
        --lc /tmp/lc --lc-python /tmp/intvenv/bin/python

``--ours-path`` is the ``PYTHONPATH`` of the build measured (a compiled install's directory, or ``python``);
INT and L&C need a Python with what they import (PyTorch; numexpr for L&C): see ``int_rate.py`` and
``lc_rate.py`` beside this script for how to get and prepare them. Either side can be left out (no ``--int`` or
no ``--lc``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCH = HERE.parent
sys.path.insert(0, str(BENCH))
from sidebyside import alternating  # noqa: E402 (bench/sidebyside.py: the rounds, order alternating)


def run(python: str, path: str, script: Path, arguments: list[str], pattern: str) -> float:
    """The rate ``script`` prints (the first match of ``pattern``), run once in a fresh process."""
    output = subprocess.run([python, str(script), *arguments], env={**os.environ, "PYTHONPATH": path},
                            capture_output=True, text=True, check=True).stdout
    found = re.search(pattern, output, re.MULTILINE)
    if found is None:
        raise SystemExit(f"{script.name} printed no rate:\n{output[-2000:]}")
    return float(found.group(1))


def rounds(count: int, theirs, ours) -> list[tuple[float, float]]:
    """(their rate, our rate) per round, theirs first in even rounds (:func:`sidebyside.alternating`)."""
    return alternating(count, lambda _: theirs(), lambda _: ours())


def report(label: str, pairs: list[tuple[float, float]], target: float) -> None:
    ratios = [ours / theirs for theirs, ours in pairs]
    median = statistics.median(ratios)
    print(f"{label}: theirs {', '.join(f'{t:.2f}' for t, _ in pairs)}/s; ours {', '.join(f'{o:.1f}' for _, o in pairs)}/s; "
          f"per round {', '.join(f'{r:.1f}x' for r in ratios)}; median {median:.1f}x (target {target:.0f}x: "
          f"{'met' if median >= target else 'not met'})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ours-python", default="python3")
    parser.add_argument("--ours-path", default=str(BENCH.parent / "python"))
    parser.add_argument("--int", help="a checkout of albertqjiang/INT")
    parser.add_argument("--int-python", default="python3")
    parser.add_argument("--int-orders", help="orders.json of INT's combos_and_orders")
    parser.add_argument("--int-seconds", type=float, default=4.0)
    parser.add_argument("--settings", default="3,5,7")
    parser.add_argument("--lc", help="a checkout of facebookresearch/SymbolicMathematics")
    parser.add_argument("--lc-python", default="python3")
    parser.add_argument("--lc-seconds", type=float, default=30.0)
    args = parser.parse_args()
    print(f"side by side on this machine, {args.rounds} rounds, fresh processes, order alternating "
          f"(ours: PYTHONPATH={args.ours_path})")
    if args.int:
        for k in (int(part) for part in args.settings.split(",")):
            theirs = lambda k=k: run(args.int_python, args.int, HERE / "int_rate.py",  # noqa: E731
                                     ["--orders", args.int_orders, "--settings", str(k), "--runs", "1",
                                      "--seconds", str(args.int_seconds)], r"^\(K,L\)=\(\d+,\d+\): +([\d.]+)/s")
            ours = lambda k=k: run(args.ours_python, args.ours_path, BENCH / "theorems.py",  # noqa: E731
                                   ["--settings", str(k), "--runs", "1", "--seconds", str(args.int_seconds)],
                                   r"^ +\(\d+,\d+\) +([\d.]+)")
            report(f"theorems ({k},{k}) vs INT", rounds(args.rounds, theirs, ours), 50)
    if args.lc:
        theirs = lambda: run(args.lc_python, args.lc, HERE / "lc_rate.py",  # noqa: E731
                             ["--runs", "1", "--seconds", str(args.lc_seconds)], r"median ([\d.]+)/s")
        ours = lambda: run(args.ours_python, args.ours_path, BENCH / "integrals.py",  # noqa: E731
                           ["--levels", "lc", "--items", "300", "--repeats", "1"], r"^L&C size +([\d.]+) items/s")
        report("integrals at L&C's size vs L&C BWD", rounds(args.rounds, theirs, ours), 100)


if __name__ == "__main__":
    main()
