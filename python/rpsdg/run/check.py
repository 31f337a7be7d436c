"""``rpsdg check``: re-verify a corpus someone else built, from its stored text alone.

Every row is validated against the schema, then run through its kind's checkers; shards are compared with the
manifest's sha256. The report is a value; the CLI decides the exit code. Later kinds plug in through their
spec's ``check`` function, nothing here changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rpsdg.corpus.store import Corpus


@dataclass
class CheckReport:
    records: int = 0
    per_checker: dict[str, Counter] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)
    """(uid, reason) of every record that a checker rejected."""
    integrity: list[str] = field(default_factory=list)
    """Shards missing or changed since the manifest was written."""


def check_corpus(path: Path, progress: Callable[[int], None] | None = None) -> CheckReport:
    corpus = Corpus(path)
    report = CheckReport(integrity=corpus.integrity_problems())
    for row in corpus.rows():
        report.records += 1
        for verdict in corpus.spec.run_checks(row):
            report.per_checker.setdefault(verdict.checker, Counter())[verdict.status] += 1
            if verdict.status == "rejected":
                report.failures.append((row["uid"], f"{verdict.checker}: {verdict.detail}"))
        if progress:
            progress(1)
    return report
