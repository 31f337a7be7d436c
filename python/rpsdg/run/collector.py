"""Fewer garbage-collector passes while items are made: the same items, less CPU time (issue 15, speed per core).

Why: making an item allocates many short-lived trees, tuples and closures, almost none of them in reference
cycles, so reference counting frees them. CPython's cyclic collector still runs a young-generation pass every 700
net allocations (its default threshold) and walks every object that survived into the older generations,
SymPy's imported heap included; at theorem (3,3) that was about a fifth of the CPU time of an item
(docs/speed.md, "Round 8"). A larger young-generation threshold makes those passes rarer; nothing else changes:
the collector still runs, so cycles are still freed, and the items do not depend on when it runs.

:func:`fewer_collections` sets the threshold for a block and restores the caller's setting after it. Every
executor's per-chunk work (``ItemTask.produce_each``) and ``Dataset``'s generation run inside it; the speed
benches set it as a build does (``bench/as_built.py``). To change the figure, measure with ``bench/`` (CPU time
side by side, or ``valgrind --tool=callgrind --cache-sim=yes`` for a load-independent estimate) and keep the
older generations' thresholds as the caller had them.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

YOUNG_THRESHOLD = 5000
"""Net allocations between young-generation passes while items are made (CPython's default is 700)."""


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the block with the young-generation threshold at least ``young``; restore the thresholds after. A
    threshold of 0 (the caller turned automatic collection off) stays 0."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]) if before[0] else 0, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
