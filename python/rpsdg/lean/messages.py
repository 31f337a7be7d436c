"""What Lean says and what we ask of Lean text, shared by the project writer, the per-module runner and the REPL
pool: the static scan for forbidden words, Lean's JSON messages, ``#print axioms`` output, and a module's items
and step ranges (``ModuleInfo``, from ``linemap.json``).

It imports nothing of rpsdg's, so ``project.py``, ``runner.py`` and ``repl.py`` can all build on it without
importing each other back. To recognise a new kind of Lean message, add its parser here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

STANDARD_AXIOMS = frozenset({"propext", "Classical.choice", "Quot.sound"})
FORBIDDEN = ("sorry", "admit", "native_decide")

_COMMENT = re.compile(r"/-.*?-/|--[^\n]*", re.S)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def static_scan(text: str) -> list[str]:
    """Forbidden words (``sorry``, ``admit``, ``native_decide``) and ``axiom`` declarations in Lean code,
    comments and strings left out. Returns ``"line N: word"`` entries."""
    def blank(match: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    code = _STRING.sub(blank, _COMMENT.sub(blank, text))
    found = []
    for number, line in enumerate(code.split("\n"), start=1):
        for word in FORBIDDEN + ("axiom",):
            if re.search(rf"(?<![\w.']){word}(?![\w'])", line):
                found.append(f"line {number}: {word}")
    return found


# -- Lean output --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeanMessage:
    severity: str
    line: int
    column: int
    text: str


def parse_json_messages(stdout: str) -> list[LeanMessage]:
    """Messages from ``lean --json`` output (one JSON object per line; other lines are ignored)."""
    messages = []
    for raw in stdout.splitlines():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if not isinstance(obj, Mapping) or "severity" not in obj:
            continue
        pos = obj.get("pos") or {}
        messages.append(LeanMessage(str(obj["severity"]), int(pos.get("line", 0)), int(pos.get("column", 0)),
                                    str(obj.get("data", ""))))
    return messages


_AXIOMS = re.compile(r"'([^']+)' depends on axioms: \[([^\]]*)\]")
_NO_AXIOMS = re.compile(r"'([^']+)' does not depend on any axioms")


def parse_axioms(messages: Iterable[LeanMessage]) -> dict[str, set[str]]:
    """``{declaration: axioms}`` from ``#print axioms`` info messages."""
    found: dict[str, set[str]] = {}
    for message in messages:
        for match in _AXIOMS.finditer(message.text):
            found[match.group(1)] = {a.strip() for a in match.group(2).split(",") if a.strip()}
        for match in _NO_AXIOMS.finditer(message.text):
            found[match.group(1)] = set()
    return found


@dataclass(frozen=True)
class ModuleInfo:
    path: str
    text: str
    ranges: list[list[Any]]
    namespace: str

    def uids(self) -> list[str]:
        seen: dict[str, None] = {}
        for _, _, uid, _ in self.ranges:
            seen.setdefault(uid, None)
        return list(seen)

    def locate(self, line: int) -> tuple[str, int | None] | None:
        for first, last, uid, step in self.ranges:
            if first <= line <= last:
                return uid, step
        return None

    def theorems(self) -> dict[str, list[str]]:
        """``{uid: [fully qualified theorem names]}`` read from the module text."""
        names: dict[str, list[str]] = {}
        for number, line in enumerate(self.text.split("\n"), start=1):
            match = re.match(r"theorem (\S+)", line)
            where = self.locate(number)
            if match and where:
                names.setdefault(where[0], []).append(f"{self.namespace}.{match.group(1)}")
        return names
