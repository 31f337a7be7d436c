"""Fewer and smaller garbage-collector passes while items are made: the same items, less CPU time (issue 15).

Why: making an item allocates many short-lived trees, tuples and closures, almost none of them in reference
cycles, so reference counting frees them. CPython's cyclic collector still runs a young-generation pass every 700
net allocations (its default threshold) and walks every object that survived into the older generations,
SymPy's imported heap included; at theorem (3,3) that was about a fifth of the CPU time of an item
(docs/speed.md, "Round 8"). A larger young-generation threshold makes those passes rarer. And what was alive
before the items (the imports, the configs, the rule tables) is frozen for the block (``gc.freeze``): no pass
walks it. Without that, a full collection of a compiled equation build's heap cost about 90 ms every 4,000 items
or so, about 5% of the time, and the items after it ran slower (Round 11). Nothing else changes: the collector
still runs, so cycles are still freed (a cycle among the frozen objects when the block ends), and the items do
not depend on when it runs.

:func:`fewer_collections` sets the threshold and freezes for a block, and restores the caller's setting after it.
Every executor's per-chunk work (``ItemTask.produce_each``) and ``Dataset``'s generation run inside it; the speed
benches enter it as a build does (``bench/as_built.py``). To change the figure, measure with ``bench/`` (CPU time
side by side over a few thousand items, since a full collection comes every few thousand; or ``valgrind
--tool=callgrind --cache-sim=yes`` for a load-independent estimate) and keep the older generations' thresholds as
the caller had them.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

YOUNG_THRESHOLD = 5000
"""Net allocations between young-generation passes while items are made (CPython's default is 700)."""


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the block with the young-generation threshold at least ``young`` and the objects alive before it frozen;
    restore the thresholds and unfreeze after. A threshold of 0 (the caller turned automatic collection off) stays
    0, and a caller's own freeze (``gc.get_freeze_count()`` above 0, or an enclosing block) is left as it is."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]) if before[0] else 0, *before[1:])
    freezing = gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    try:
        yield
    finally:
        if freezing:
            gc.unfreeze()
        gc.set_threshold(*before)
