"""The core value types every kind of item shares: derivations, checker verdicts, and the drop signal.

A generator turns (config, level, rng) into a :class:`Derivation`; the pipeline renders it to a corpus row
(plain strings, see ``corpus/record.py``); checkers read that row back and return a :data:`Verdict`.
Verdicts are values, never exceptions. A generator that cannot make an item raises :class:`Dropped` with a
short reason, which the manifest counts. To add a kind, see ``generators/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, Union

from rpsdg.expr.tree import Expr


class Step(Protocol):
    """A kind's step: a frozen record with a rule name that can render itself as a corpus row."""

    @property
    def rule(self) -> str:
        """The rule's name (read-only: steps are frozen records)."""

    def to_row(self) -> dict[str, Any]:
        """The step as stored: strings (infix), ints and lists of ints only."""


@dataclass(frozen=True)
class Derivation:
    """A problem with its known solution, as a generator made it (before rendering and checking)."""

    kind: str
    """Registered kind name (``KindSpec.name``)."""
    level: int
    """Difficulty level, 1 (easiest) to 5."""
    problem: Expr
    """The problem: an integrand in ``x``, or an ``eq`` node for theorems and equations."""
    answer: Expr | None
    """The answer (an antiderivative, a solution set) or ``None`` where the proof is the answer."""
    hypotheses: tuple[Expr, ...]
    """Conditions (relations) under which the problem and every step hold."""
    steps: tuple[Step, ...]
    """The solution, in solving order; each step is checked on its own."""
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Kind-specific columns (declared in the kind's spec), e.g. ``proof_length`` for theorems."""


@dataclass(frozen=True)
class RuleInfo:
    """One rule of a kind, named once: what it means, how the checker verifies it, how Lean proves it.

    Each kind's ``rules.py`` holds one table of these (``KindSpec.rules``); ``tests/test_kinds.py`` demands that
    the generator, the checker, the Lean renderer and the wording all know exactly the rules in the table.
    """

    name: str
    """The rule name stored in a step's ``rule`` field."""
    words: str
    """The rule in words, as a teacher names it (step text, ``rpsdg show``, PRM labels)."""
    check: str
    """What the replay checker demands of a step with this rule."""
    lean: str
    """How the Lean renderer proves such a step, or ``not rendered: <reason>``."""


class Dropped(Exception):
    """A candidate was rejected while generating; ``reason`` is a short key counted in the manifest."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason if not detail else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Passed:
    """The checker confirmed the record; ``detail`` says how (e.g. ``"canonical"`` or ``"sympy"``)."""

    checker: str
    version: str
    detail: str = ""
    status: str = "passed"


@dataclass(frozen=True)
class Rejected:
    """The checker refuted the record at ``step`` (``-1``: the record as a whole) for ``reason``."""

    checker: str
    version: str
    step: int
    reason: str
    status: str = "rejected"

    @property
    def detail(self) -> str:
        where = "record" if self.step < 0 else f"step {self.step}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class NotRun:
    """The checker could not decide (too big, timed out, tool missing); it neither passes nor fails the record."""

    checker: str
    version: str
    reason: str
    status: str = "not_run"

    @property
    def detail(self) -> str:
        return self.reason


Verdict = Union[Passed, Rejected, NotRun]


def verdict_row(verdict: Verdict) -> dict[str, str]:
    """A verdict as stored in a record's ``checks`` list."""
    return {"checker": verdict.checker, "status": verdict.status, "detail": verdict.detail,
            "version": verdict.version}


class Checker(Protocol):
    """A named, versioned check of one stored corpus row."""

    name: str
    version: str

    def __call__(self, row: Mapping[str, Any]) -> Verdict:
        """Check ``row`` from its stored text alone."""


def checks_line(checks: list[Mapping[str, str]]) -> str:
    """A stored row's ``checks`` as one line for people: ``replay passed, numeric passed (6 points)``."""
    return "Checks: " + ", ".join(f"{c['checker']} {c['status']}" + (f" ({c['detail']})" if c["detail"] else "")
                                  for c in checks)
