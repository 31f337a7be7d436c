"""Time bounds for work on input that may come from strangers (a corpus record, a model's answer).

Our own size bounds (``expr.parse.MAX_DIGITS``, ``expr.canonical.MAX_EXPANDED_POWER`` ...) stop the known ways a
text can make us compute forever; :func:`time_limit` is the backstop for the unknown ones. It uses the interval
timer, which only the main thread of a process may set: elsewhere (a thread of a host application) it runs the
work unbounded, and says so in :func:`time_limit`'s ``bounded`` flag rather than pretending.

The limits are generous on purpose: a record rejected for time on a slow machine but accepted on a fast one
would make builds depend on the machine, so the bound sits two orders of magnitude above the slowest honest
record we have measured (tens of milliseconds).
"""

from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

CHECK_SECONDS = 30.0
"""Wall-clock bound on all checkers of one record."""

REFIRE_SECONDS = 0.5
"""Once a limit has fired, it fires again this often until its block ends. Python drops an exception raised in a
garbage-collector callback or a ``__del__`` (it prints "Exception ignored in ..."), and a signal handler can run
there: Hypothesis's gc callback once swallowed a SymPy limit's only alarm, and the test ran for 15 minutes."""


class OutOfTime(BaseException):
    """The bounded work ran past its time limit. A ``BaseException`` (like ``KeyboardInterrupt``), so the broad
    ``except Exception`` of the code it interrupts cannot swallow it; ``owner`` is the token of the
    :func:`time_limit` that fired, so a caller that treats its own timeout as "undecided" lets an outer one pass."""

    def __init__(self, message: str, owner: object = None):
        super().__init__(message)
        self.owner = owner


@dataclass(frozen=True, eq=False)
class Limit:
    """One armed (or not) time limit: compare ``error.owner is limit`` to know whether it was this one that fired."""

    seconds: float
    armed: bool

    def fired(self, error: OutOfTime) -> bool:
        return error.owner is self


@contextmanager
def time_limit(seconds: float) -> Iterator[Limit]:
    """Raise :class:`OutOfTime` (owned by the yielded :class:`Limit`) inside the block once ``seconds`` have
    passed. Only the main thread can arm it (``Limit.armed``). Nested limits keep the outer one's remaining time;
    where the outer one is tighter, it is the one that fires."""
    limit = Limit(seconds, armed=False)
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield limit
        return
    previous_remaining, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    if previous_remaining and previous_remaining < seconds:
        yield Limit(seconds, armed=True)  # an outer, tighter limit is already armed and will fire first
        return
    limit = Limit(seconds, armed=True)

    def expire(signum, frame):  # noqa: ARG001 (signal handler signature)
        raise OutOfTime(f"took longer than {seconds:g} s", limit)

    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds, REFIRE_SECONDS)
    try:
        yield limit
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if previous_remaining:
            elapsed = time.monotonic() - started
            signal.setitimer(signal.ITIMER_REAL, max(previous_remaining - elapsed, 0.001), previous_interval)
