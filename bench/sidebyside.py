"""Side-by-side runs of two checkouts on a shared machine: the ``--against PATH`` option of the speed benches.

Why: CPU-time rates measured minutes apart on a loaded machine differ by ±30%; interleaving the two checkouts'
runs (fresh processes, the same seeds) exposes both to the same load, so the ratio of their medians means more
than either rate. Used by ``equations.py``, ``integrals.py`` and ``theorems.py``; a new bench gives its own
command line for one run and a regular expression that reads (label, rate) pairs from that run's output.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from typing import Callable


def interleaved_rates(script: str, against: str, repeats: int, arguments: Callable[[int], list[str]],
                      pattern: str) -> dict[tuple[str, str], list[float]]:
    """Rates by (side, label): ``repeats`` rounds, each running ``script`` with ``arguments(round)`` first with
    ``against`` (``old``) and then with the script's own checkout (``new``) on ``PYTHONPATH``."""
    own = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(script))), "python")
    rates: dict[tuple[str, str], list[float]] = {}
    for repeat in range(repeats):
        for side, path in (("old", against), ("new", own)):
            command = [sys.executable, os.path.abspath(script), *arguments(repeat)]
            output = subprocess.run(command, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True,
                                    check=True).stdout
            for label, rate in re.findall(pattern, output, re.MULTILINE):
                rates.setdefault((side, label), []).append(float(rate))
    return rates


def ratio_line(label: str, rates: dict[tuple[str, str], list[float]], decimals: int = 0) -> str:
    """``label: old median .../s (runs)  new median .../s (runs)  ratio r`` (or why there is no figure)."""
    old, new = rates.get(("old", label), []), rates.get(("new", label), [])
    if not old or not new:
        return f"{label}: no figures (old {old}, new {new})"
    runs = lambda values: ", ".join(f"{value:.{decimals}f}" for value in values)  # noqa: E731
    return (f"{label}: old median {statistics.median(old):7.{decimals}f}/s ({runs(old)})  "
            f"new median {statistics.median(new):7.{decimals}f}/s ({runs(new)})  "
            f"ratio {statistics.median(new) / statistics.median(old):.2f}")
