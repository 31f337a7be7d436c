"""The per-candidate call of ``rpsdg build``'s in-process executor, for the speed benches' own loops.

Why: the benches time ``produce`` in a loop with their own set of accepted uids, and a build does not check a
candidate whose uid is a record already (``run/items.py``, repeats). So the benches pass their set as ``repeat``,
as the build does. Older checkouts (``--against``) have no ``repeat`` parameter: then every candidate is checked,
as their builds did.

A build also makes its items with fewer garbage-collector passes (``rpsdg/run/collector.py``), so
:func:`producer` sets the same threshold for the bench's process where the checkout measured has that module (an
older checkout's builds ran with CPython's default, and so do its benches).
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
    """The young-generation threshold a build of the checkout measured makes its items with (none before it had
    ``rpsdg.run.collector``)."""
    try:
        from rpsdg.run.collector import YOUNG_THRESHOLD
    except ImportError:
        return
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])
