"""Side-by-side runs of two checkouts on a shared machine: the ``--against PATH`` option of the speed benches.

Why: CPU-time rates measured minutes apart on a loaded machine differ by ±30%; interleaving the two checkouts'
runs (fresh processes, the same seeds) exposes both to the same load, so the ratio of their medians means more
than either rate. The order alternates (old first in even rounds, new first in odd ones), so a machine that
speeds up or slows down during a round favours neither side, and each round's ratio is printed beside the ratio of
the medians: the median of the per-round ratios is the figure to quote (on these machines the speed of one
process drifted by up to 1.7x between runs minutes apart, which moves both medians but less each round's ratio).
Used by ``equations.py``, ``integrals.py`` and ``theorems.py``; a new bench gives its own command line for one run
and a regular expression that reads (label, rate) pairs from that run's output.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from typing import Callable, TypeVar

T = TypeVar("T")


def alternating(rounds: int, old: Callable[[int], T], new: Callable[[int], T]) -> list[tuple[T, T]]:
    """``(old(r), new(r))`` for each round r, ``old`` run first in even rounds and ``new`` first in odd ones."""
    results = []
    for number in range(rounds):
        if number % 2 == 0:
            first = old(number)
            results.append((first, new(number)))
        else:
            second = new(number)
            results.append((old(number), second))
    return results


def interleaved_rates(script: str, against: str, repeats: int, arguments: Callable[[int], list[str]],
                      pattern: str) -> dict[tuple[str, str], list[float]]:
    """Rates by (side, label): ``repeats`` rounds (:func:`alternating`), each running ``script`` with
    ``arguments(round)`` once with ``against`` (``old``) and once with the script's own checkout (``new``) on
    ``PYTHONPATH``; the lists are in round order."""
    own = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(script))), "python")

    def run(path: str, repeat: int) -> list[tuple[str, str]]:
        command = [sys.executable, os.path.abspath(script), *arguments(repeat)]
        output = subprocess.run(command, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True,
                                check=True).stdout
        return re.findall(pattern, output, re.MULTILINE)

    rates: dict[tuple[str, str], list[float]] = {}
    for found in alternating(repeats, lambda repeat: run(against, repeat), lambda repeat: run(own, repeat)):
        for side, pairs in zip(("old", "new"), found):
            for label, rate in pairs:
                rates.setdefault((side, label), []).append(float(rate))
    return rates


def ratio_line(label: str, rates: dict[tuple[str, str], list[float]], decimals: int = 0) -> str:
    """``label: old median .../s (runs)  new median .../s (runs)  ratio of medians r  per round (...) median m``
    (or why there is no figure)."""
    old, new = rates.get(("old", label), []), rates.get(("new", label), [])
    if not old or not new:
        return f"{label}: no figures (old {old}, new {new})"
    runs = lambda values: ", ".join(f"{value:.{decimals}f}" for value in values)  # noqa: E731
    line = (f"{label}: old median {statistics.median(old):7.{decimals}f}/s ({runs(old)})  "
            f"new median {statistics.median(new):7.{decimals}f}/s ({runs(new)})  "
            f"ratio of medians {statistics.median(new) / statistics.median(old):.2f}")
    if len(old) != len(new):  # a run that printed no figure for this label: rounds cannot be paired
        return line
    per_round = [n / o for o, n in zip(old, new)]
    return f"{line}  per round ({', '.join(f'{r:.2f}' for r in per_round)}) median {statistics.median(per_round):.2f}"
