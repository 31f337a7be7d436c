"""The per-candidate call of ``rpsdg build``'s in-process executor, for the speed benches' own loops.

Why: the benches time ``produce`` in a loop with their own set of accepted uids, and a build does not check a
candidate whose uid is a record already (``run/items.py``, repeats). So the benches pass their set as ``repeat``,
as the build does. Older checkouts (``--against``) have no ``repeat`` parameter: then every candidate is checked,
as their builds did.

A build also makes its items with fewer garbage-collector passes (``rpsdg/run/collector.py``), so
:func:`producer` enters the same block for the rest of the bench's process where the checkout measured has that
module: its threshold, and since Round 11 its freezing of what was alive before (an older checkout's builds ran
with CPython's default, and so do its benches).
"""

from __future__ import annotations

import gc
import inspect
from typing import Any, Callable, Collection


def producer(produce: Callable[..., Any]) -> Callable[..., Any]:
    """``call(spec, config, levels, seed, index, seen)`` → ``produce``'s outcome, skipping the checks of a candidate
    whose uid is in ``seen`` where this checkout's ``produce`` can."""
    collect_as_a_build_does()
    if "repeat" not in inspect.signature(produce).parameters:
        return lambda spec, config, levels, seed, index, seen: produce(spec, config, levels, seed, index)

    def call(spec: Any, config: Any, levels: Any, seed: int, index: int, seen: Collection[str]) -> Any:
        return produce(spec, config, levels, seed, index, repeat=seen.__contains__)

    return call


def collect_as_a_build_does() -> None:
    """Collect, for the rest of this process, as a build of the checkout measured makes its items: inside its
    ``fewer_collections`` block (none before it had ``rpsdg.run.collector``; an older one only sets the
    threshold). A second call changes nothing more."""
    try:
        from rpsdg.run.collector import fewer_collections
    except ImportError:
        return
    if _BLOCKS:
        return
    _BLOCKS.append(fewer_collections())
    _BLOCKS[-1].__enter__()  # left open: the process ends inside it, as a build's worker does


_BLOCKS: list = []
"""The block entered, kept so that it is not closed before the process ends."""
