"""The draws every generator makes from an item's ``random.Random``, computed as CPython's ``Random`` computes them.

Why: ``Random.choice``, ``choices``, ``randint``, ``randrange``, ``sample`` and ``uniform`` are written in Python
(``Lib/random.py``), so every draw from compiled code runs interpreted frames (about 4-5% of a compiled equation or
integral; issue 15). These functions perform the same calls on the generator (``getrandbits``, ``random``) with the
same arguments and the same arithmetic, so they return what the methods return and leave the generator in the same
state: an item is still the same pure function of (config, seed, index), byte for byte. They also pin the algorithms
to ours, so a later Python that changed a method's body would not change a corpus (only ``random()`` and
``getrandbits``, the Mersenne Twister itself, are promised to stay).

Only integer ranges are accepted (``operator.index``); ``Random`` also took integral floats until Python 3.12.
``tests/test_draws.py`` compares every function with the method it stands for. To add a draw: copy the
method's algorithm from ``Lib/random.py``, not its idea, and add it to that test.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import random
from bisect import bisect
from math import ceil, isfinite, log
from operator import index
from typing import Any, Sequence, TypeVar

T = TypeVar("T")


def below(rng: random.Random, n: int) -> int:
    """``rng._randbelow(n)``: uniform in ``[0, n)`` for ``n > 0``, by rejection from ``n.bit_length()`` bits."""
    getrandbits = rng.getrandbits
    k = n.bit_length()
    r: int = getrandbits(k)
    while r >= n:
        r = getrandbits(k)
    return r


def choice(rng: random.Random, seq: Sequence[T]) -> T:
    """``rng.choice(seq)``; an empty ``seq`` raises ``IndexError``."""
    size = len(seq)
    if not size:
        raise IndexError("Cannot choose from an empty sequence")
    return seq[below(rng, size)]


def sample(rng: random.Random, population: Sequence[T], k: int) -> list[T]:
    """``rng.sample(population, k)`` for a sequence (no ``counts``): ``k`` items at distinct positions, in the
    order drawn, by Python 3.11's algorithm (a shrinking pool for a small population, else redrawn positions)."""
    n = len(population)
    if not 0 <= k <= n:
        raise ValueError("Sample larger than population or is negative")
    result: list[T] = []
    setsize = 21  # the size of a small set minus the size of an empty list
    if k > 5:
        setsize += 4 ** ceil(log(k * 3, 4))  # the table size for big sets
    if n <= setsize:
        pool = list(population)
        for i in range(k):
            j = below(rng, n - i)
            result.append(pool[j])
            pool[j] = pool[n - i - 1]  # the last item of the pool takes the drawn one's place
    else:
        selected: set[int] = set()
        for _ in range(k):
            j = below(rng, n)
            while j in selected:
                j = below(rng, n)
            selected.add(j)
            result.append(population[j])
    return result


def randrange(rng: random.Random, start: int, stop: int) -> int:
    """``rng.randrange(start, stop)`` (step 1)."""
    low = index(start)
    width = index(stop) - low
    if width > 0:
        return low + below(rng, width)
    raise ValueError(f"empty range for randrange() ({low}, {low + width}, {width})")


def randint(rng: random.Random, a: int, b: int) -> int:
    """``rng.randint(a, b)``: uniform in ``[a, b]``, both ends included."""
    return randrange(rng, a, b + 1)


def weighted_index(rng: random.Random, cumulative: list) -> int:
    """The index ``rng.choices(population, cum_weights=cumulative)[0]`` picks (``cumulative``: the running sums
    of the weights, ``itertools.accumulate``, which ``choices`` builds from ``weights`` on every call): one
    ``random()``, scaled by the total as a float, then bisection."""
    total = cumulative[-1] + 0.0
    if total <= 0.0:
        raise ValueError("Total of weights must be greater than zero")
    if not isfinite(total):
        raise ValueError("Total of weights must be finite")
    return bisect(cumulative, rng.random() * total, 0, len(cumulative) - 1)


def uniform(rng: random.Random, a: Any, b: Any) -> Any:
    """``rng.uniform(a, b)``: ``a + (b - a) * rng.random()``, in Python's number arithmetic (so ints and floats
    combine exactly as the method combines them)."""
    return a + (b - a) * rng.random()
