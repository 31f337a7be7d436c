"""rpsdg: reverse-process synthetic data generation for mathematical language models.

Hard problems with checked, step-by-step solutions, made by running easy processes backwards.
The public entry points are the CLI (``rpsdg``, see :mod:`rpsdg.cli`), :func:`rpsdg.run.pipeline.build`, and the
training/evaluation environment (:mod:`rpsdg.env`), importable from here:

* ``rpsdg.create_dataset(kind, size, seed=0, levels=None, config=None)`` -- a lazy sequence of items;
* ``rpsdg.score_answer(item, text) -> float`` -- 1.0 iff the final answer in a model's text is right (by meaning);
* ``rpsdg.grade_steps(item, solution_text) -> list[StepGrade]`` -- every step of a model's solution labelled;
* ``rpsdg.Curriculum(kind, ...)`` -- items at levels adapted to a learner's recent scores.

They are imported on first use (``import rpsdg`` stays cheap and has no side effects).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "create_dataset": "rpsdg.env.dataset",
    "Dataset": "rpsdg.env.dataset",
    "Item": "rpsdg.env.dataset",
    "score_answer": "rpsdg.env.scoring",
    "grade_steps": "rpsdg.env.scoring",
    "StepGrade": "rpsdg.env.scoring",
    "Curriculum": "rpsdg.env.curriculum",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rpsdg' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
