"""``Curriculum``: items at a level that follows the learner's recent scores.

The rule (documented, deterministic): start at ``start_level``. After each :meth:`Curriculum.update` the last
``window`` scores are kept; once the window is full, if their mean is at least ``raise_at`` the level goes up by
one (if a higher level is allowed), if it is at most ``lower_at`` it goes down by one (if a lower one is); after a
change the window is emptied, so the new level is judged on its own scores. Items are drawn in order from one
lazy dataset per level (``create_dataset(kind, 10**9, seed + level, levels=[level])``), so the sequence of items
is a pure function of (kind, seed, config, the sequence of scores given): two curricula fed the same scores give
the same items. ``sample()`` without ``update()`` keeps the level.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Sequence

from rpsdg.env.dataset import Dataset, Item, create_dataset
from rpsdg.errors import ConfigError
from rpsdg.kinds import LEVELS

DATASET_SIZE = 10 ** 9


@dataclass
class Curriculum:
    """Adaptive sampler of items of one kind (see the module docstring for the rule)."""

    kind: str
    seed: int = 0
    levels: Sequence[int] = LEVELS
    """Levels the curriculum may use, lowest first."""
    start_level: int | None = None
    """Level to start at (default: the lowest of ``levels``)."""
    window: int = 20
    """How many recent scores decide a change."""
    raise_at: float = 0.8
    """Mean score at or above which the level goes up."""
    lower_at: float = 0.3
    """Mean score at or below which the level goes down."""
    config: Any = None
    """The kind's config (dataclass or mapping); default its defaults."""
    level: int = field(init=False)
    history: list[tuple[int, float]] = field(init=False, default_factory=list)
    """Every (level, score) given to :meth:`update`."""

    def __post_init__(self) -> None:
        self.levels = tuple(sorted(set(self.levels)))
        if not self.levels or any(level not in LEVELS for level in self.levels):
            raise ConfigError(f"Curriculum: levels {self.levels!r} must be in {LEVELS[0]}..{LEVELS[-1]}")
        if self.window < 1 or not 0 <= self.lower_at < self.raise_at <= 1:
            raise ConfigError("Curriculum: need window >= 1 and 0 <= lower_at < raise_at <= 1")
        self.level = self.start_level if self.start_level is not None else self.levels[0]
        if self.level not in self.levels:
            raise ConfigError(f"Curriculum: start_level {self.level} is not among levels {self.levels}")
        self._recent: deque[float] = deque(maxlen=self.window)
        self._datasets: dict[int, Dataset] = {}
        self._cursor: dict[int, int] = {}

    def sample(self) -> Item:
        """The next item at the current level."""
        level = self.level
        if level not in self._datasets:
            self._datasets[level] = create_dataset(self.kind, DATASET_SIZE, self.seed + level, [level], self.config)
        index = self._cursor.get(level, 0)
        self._cursor[level] = index + 1
        return self._datasets[level][index]

    def update(self, score: float) -> int:
        """Record a score in [0, 1] for the last item; returns the (possibly changed) level."""
        score = float(score)
        if not 0.0 <= score <= 1.0:
            raise ConfigError(f"Curriculum.update: score {score} must be in [0, 1]")
        self.history.append((self.level, score))
        self._recent.append(score)
        if len(self._recent) == self.window:
            mean = sum(self._recent) / self.window
            position = self.levels.index(self.level)
            if mean >= self.raise_at and position + 1 < len(self.levels):
                self.level = self.levels[position + 1]
                self._recent.clear()
            elif mean <= self.lower_at and position > 0:
                self.level = self.levels[position - 1]
                self._recent.clear()
        return self.level

    def success_rate(self) -> float | None:
        """Mean of the scores in the current window (``None`` before any)."""
        return sum(self._recent) / len(self._recent) if self._recent else None
