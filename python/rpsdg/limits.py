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

import _signal  # type: ignore[import-not-found]  # signal's C functions, without its wrappers' enum conversions
import threading
import time

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


class Limit:
    """One armed (or not) time limit: compare ``error.owner is limit`` to know whether it was this one that fired."""

    __slots__ = ("seconds", "armed")

    def __init__(self, seconds: float, armed: bool) -> None:
        self.seconds = seconds
        self.armed = armed

    def __repr__(self) -> str:
        return f"Limit(seconds={self.seconds!r}, armed={self.armed!r})"

    def fired(self, error: OutOfTime) -> bool:
        return error.owner is self


class time_limit:  # noqa: N801 (used as a function: ``with time_limit(seconds) as limit``)
    """Raise :class:`OutOfTime` (owned by the yielded :class:`Limit`) inside the block once ``seconds`` have
    passed. Only the main thread can arm it (``Limit.armed``). Nested limits keep the outer one's remaining time;
    where the outer one is tighter, it is the one that fires.

    A class rather than a generator context manager, and the raw ``_signal`` functions rather than ``signal``'s
    enum-converting wrappers: every record's check runs inside one, and the generator version cost some 20 µs a
    record (4% of a compiled theorem item; issue 15, speed per core)."""

    __slots__ = ("seconds", "limit", "armed_here", "old_handler", "started", "previous_remaining",
                 "previous_interval")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.limit = Limit(seconds, armed=False)
        self.armed_here = False
        self.old_handler: object = None
        self.started = 0.0
        self.previous_remaining = self.previous_interval = 0.0

    def __enter__(self) -> Limit:
        seconds = self.seconds
        if seconds <= 0 or threading.current_thread() is not threading.main_thread():
            return self.limit
        self.previous_remaining, self.previous_interval = _signal.getitimer(_signal.ITIMER_REAL)
        if self.previous_remaining and self.previous_remaining < seconds:
            return Limit(seconds, armed=True)  # an outer, tighter limit is already armed and will fire first
        self.limit = Limit(seconds, armed=True)
        self.started = time.monotonic()
        self.old_handler = _signal.signal(_signal.SIGALRM, self._expire)
        self.armed_here = True
        _signal.setitimer(_signal.ITIMER_REAL, seconds, REFIRE_SECONDS)
        return self.limit

    def _expire(self, signum: int, frame: object) -> None:  # noqa: ARG002 (signal handler signature)
        raise OutOfTime(f"took longer than {self.seconds:g} s", self.limit)

    def __exit__(self, *exc_info: object) -> None:
        if not self.armed_here:
            return  # nothing was armed here
        self.armed_here = False
        _signal.setitimer(_signal.ITIMER_REAL, 0)
        # a handler installed outside Python reads back as None: the default is what can be put back
        _signal.signal(_signal.SIGALRM, _signal.SIG_DFL if self.old_handler is None else self.old_handler)
        if self.previous_remaining:
            elapsed = time.monotonic() - self.started
            _signal.setitimer(_signal.ITIMER_REAL, max(self.previous_remaining - elapsed, 0.001),
                              self.previous_interval)
