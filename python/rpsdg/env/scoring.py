"""Scoring a model's final answer and grading the steps of its solution, for any kind.

This module only dispatches: the meaning of an answer or a step belongs to the kind
(``kinds/<kind>/score.py``, reached through ``KindSpec.score_answer`` and ``KindSpec.grade_claim``); reading LaTeX
belongs to :mod:`rpsdg.env.reading`. What it adds is the contract users rely on in a training loop:

* :func:`score_answer` returns a float in [0, 1] and never raises: unreadable, oversized or hostile text scores
  0.0, and so does any error inside a kind's scorer (a reward function must not crash a trainer).
* Each call is bounded: text over :data:`rpsdg.env.reading.MAX_TEXT_CHARS` is not read, expressions are capped in
  size, and on the main thread a wall-clock limit (:data:`SECONDS_PER_CALL`) stops a pathological check (off the
  main thread the size caps alone bound it).
* :func:`grade_steps` splits a solution into steps (one per non-empty line; a ``$$ ... $$`` or ``\\[ ... \\]``
  block spanning lines is one step), labels each ``correct``, ``incorrect`` or ``unparsed`` and marks the first
  incorrect one. A line that states the final answer (``\\boxed{...}``, "the answer is", "Answer:") is graded by
  the answer scorer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from rpsdg.env.reading import MAX_TEXT_CHARS, READER, final_answer
from rpsdg.errors import ConfigError
from rpsdg.kinds import get_kind

SECONDS_PER_CALL = 2.0
"""Wall-clock limit of one score or one step's check (main thread only)."""
MAX_STEPS = 200
"""Steps beyond this many are not graded."""
LABELS = ("correct", "incorrect", "unparsed")


@dataclass(frozen=True)
class StepGrade:
    """The verdict on one step of a model's solution."""

    index: int
    """Position of the step in the solution, from 0."""
    text: str
    """The step's text as split from the solution."""
    label: str
    """``correct``, ``incorrect`` or ``unparsed`` (no claim we can read)."""
    reason: str
    """Why: the checker's reason for ``incorrect``, what could not be read for ``unparsed``."""
    first_error: bool = False
    """Whether this is the first ``incorrect`` step of the solution (PRM800K's first error)."""


def record_of(item: Any) -> Mapping[str, Any]:
    """The stored row behind ``item``: an :class:`rpsdg.env.dataset.Item` or the row itself."""
    record = getattr(item, "record", item)
    if not isinstance(record, Mapping) or "kind" not in record:
        raise ConfigError("score_answer/grade_steps: pass an item of rpsdg.create_dataset or a corpus record "
                          "(a mapping with 'kind', 'problem', ...)")
    return record


def _spec_with(record: Mapping[str, Any], hook: str) -> Any:
    spec = get_kind(str(record["kind"]))
    if getattr(spec, hook) is None:
        raise ConfigError(f"kind {spec.name!r} has no {hook} hook: it cannot be scored yet")
    return spec


def _limited(action: Any, fallback: Any) -> Any:
    """``action()`` under the wall-clock limit; ``fallback`` on any error or timeout (never raises)."""
    from rpsdg.limits import OutOfTime, time_limit

    with time_limit(SECONDS_PER_CALL) as limit:
        try:
            return action()
        except OutOfTime as error:
            if not limit.fired(error):
                raise  # a caller's own, tighter limit ran out
            return fallback
        except Exception:  # noqa: BLE001 - the contract is "never raises": any failure of a check is 0 / unparsed
            return fallback


def score_answer(item: Any, text: str) -> float:
    """1.0 if the final answer in model ``text`` solves ``item``'s problem (decided by meaning, by the kind's
    scorer), else 0.0; never raises on any ``text`` (a bad ``item`` raises :class:`rpsdg.errors.ConfigError`)."""
    record = record_of(item)
    spec = _spec_with(record, "score_answer")
    answer = final_answer(text) if isinstance(text, str) else None
    if answer is None:
        return 0.0
    value = _limited(lambda: spec.score_answer(record, answer, READER), 0.0)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return 0.0
    return min(1.0, max(0.0, value)) if not math.isnan(value) else 0.0


_ANSWER_LINE = re.compile(r"\\boxed\{|\\fbox\{|^\W*(?:final answer|answer)\b|the answer is", re.IGNORECASE)
_BLOCK = re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]", re.DOTALL)


def split_steps(solution_text: str) -> list[str]:
    """The steps of a solution: non-empty lines, a display-math block spanning lines kept whole."""
    joined = _BLOCK.sub(lambda match: match.group().replace("\n", " "), solution_text)
    return [line.strip() for line in joined.splitlines() if line.strip()][:MAX_STEPS]


def grade_steps(item: Any, solution_text: str) -> list[StepGrade]:
    """Every step of a model's solution labelled on its own against ``item``'s problem; never raises on any
    ``solution_text`` (text over the size limit gives no steps)."""
    record = record_of(item)
    spec = _spec_with(record, "grade_claim")
    if not isinstance(solution_text, str) or len(solution_text) > MAX_TEXT_CHARS:
        return []
    grades: list[StepGrade] = []
    state: dict = {}
    seen_error = False
    for index, step in enumerate(split_steps(solution_text)):
        if _ANSWER_LINE.search(step):
            scored = score_answer(record, step)
            label, reason = ("correct", "the final answer is right") if scored >= 1.0 else (
                "incorrect", "the final answer is wrong or unreadable")
        else:
            label, reason = _limited(lambda step=step: spec.grade_claim(record, step, READER, state),
                                     ("unparsed", "the check failed or took too long"))
            if label not in LABELS:
                label, reason = "unparsed", f"the kind's grader gave an unknown label {label!r}"
        first = label == "incorrect" and not seen_error
        seen_error = seen_error or first
        grades.append(StepGrade(index, step, label, str(reason), first))
    return grades
