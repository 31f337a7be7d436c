"""The per-candidate call of ``rpsdg build``'s in-process executor, for the speed benches' own loops.

Why: the benches time ``produce`` in a loop with their own set of accepted uids, and a build does not check a
candidate whose uid is a record already (``run/items.py``, repeats). So the benches pass their set as ``repeat``,
as the build does. Older checkouts (``--against``) have no ``repeat`` parameter: then every candidate is checked,
as their builds did.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Collection


def producer(produce: Callable[..., Any]) -> Callable[..., Any]:
    """``call(spec, config, levels, seed, index, seen)`` → ``produce``'s outcome, skipping the checks of a candidate
    whose uid is in ``seen`` where this checkout's ``produce`` can."""
    if "repeat" not in inspect.signature(produce).parameters:
        return lambda spec, config, levels, seed, index, seen: produce(spec, config, levels, seed, index)

    def call(spec: Any, config: Any, levels: Any, seed: int, index: int, seen: Collection[str]) -> Any:
        return produce(spec, config, levels, seed, index, repeat=seen.__contains__)

    return call
