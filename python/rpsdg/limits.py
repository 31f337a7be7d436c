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
from typing import Iterator

CHECK_SECONDS = 30.0
"""Wall-clock bound on all checkers of one record."""


class OutOfTime(ArithmeticError):
    """The bounded work ran past its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[bool]:
    """Raise :class:`OutOfTime` inside the block once ``seconds`` have passed; yields whether the bound is armed
    (only in the main thread). Nested limits keep the outer one's remaining time."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield False
        return
    previous_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    if previous_remaining and previous_remaining < seconds:
        yield True  # an outer, tighter limit is already armed
        return

    def expire(signum, frame):  # noqa: ARG001 (signal handler signature)
        raise OutOfTime(f"took longer than {seconds:g} s")

    started = time.monotonic()
    old_handler = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if previous_remaining:
            elapsed = time.monotonic() - started
            signal.setitimer(signal.ITIMER_REAL, max(previous_remaining - elapsed, 0.001))
