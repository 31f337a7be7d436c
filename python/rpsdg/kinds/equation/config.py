"""The equation generator's configuration: levels, sub-kinds, limits (TOML ``[equation]`` overrides any field).

Why a module of its own: the generator is compiled in the optional build (``rpsdg/compiled.py``), and a compiled
frozen dataclass cannot be unpickled, while a config travels to every worker process and Ray task with its build
(``run/items.ItemTask``). This module stays plain Python; ``generate.py`` re-exports its names. To add a setting:
add the field here with a default and validate it in ``__post_init__``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from rpsdg.errors import ConfigError
from rpsdg.kinds import level_table

SUBKINDS = ("linear", "rational", "quadratic", "polynomial", "exponential", "logarithmic", "radical", "system2",
            "system3")
SUPPORTED_DEGREES = (3, 6)
"""Polynomial degrees the ``polynomial`` sub-kind supports (quadratics are their own sub-kind)."""

DEFAULT_LEVELS: dict[int, dict[str, Any]] = {
    1: {"operations": (1, 2), "coefficients": 5, "subkinds": ("linear",)},
    2: {"operations": (2, 4), "coefficients": 7, "subkinds": ("linear", "system2")},
    3: {"operations": (3, 5), "coefficients": 9, "subkinds": ("linear", "rational", "quadratic", "system2")},
    4: {"operations": (3, 6), "coefficients": 12,
        "subkinds": ("rational", "quadratic", "polynomial", "exponential", "logarithmic", "radical", "system3")},
    5: {"operations": (4, 7), "coefficients": 15,
        "subkinds": ("rational", "polynomial", "exponential", "logarithmic", "radical", "system3")},
}


@dataclass(frozen=True)
class EquationConfig:
    """Configuration of the equation generator; every field has a default, TOML ``[equation]`` overrides."""

    levels: Mapping[int, Mapping[str, Any]] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    """Per level: ``operations`` (min, max) random operations, ``coefficients`` (largest |coefficient| drawn),
    ``subkinds`` (names from :data:`SUBKINDS`, drawn uniformly)."""
    max_degree: int = 4
    """Highest degree of the ``polynomial`` sub-kind, within :data:`SUPPORTED_DEGREES`."""
    max_problem_chars: int = 240
    """Candidates whose problem text is longer are dropped as ``over_long``."""

    def __post_init__(self) -> None:
        low, high = SUPPORTED_DEGREES
        if not isinstance(self.max_degree, int) or not low <= self.max_degree <= high:
            raise ConfigError(f"equation max_degree {self.max_degree!r} is outside the supported range {low}..{high}; "
                              f"pick a degree in that range")
        if self.max_problem_chars < 20:
            raise ConfigError(f"equation max_problem_chars {self.max_problem_chars}: must be at least 20")
        levels = {int(k): dict(v) for k, v in self.levels.items()}
        object.__setattr__(self, "levels", levels)
        for level, table in levels.items():
            self._check_level(level, table)

    @staticmethod
    def _check_level(level: int, table: Mapping[str, Any]) -> None:
        missing = sorted({"operations", "coefficients", "subkinds"} - set(table))
        if missing:
            raise ConfigError(f"equation level {level}: missing key(s) {', '.join(missing)}")
        try:
            low, high = (int(v) for v in table["operations"])
        except (TypeError, ValueError):
            raise ConfigError(f"equation level {level}: operations must be a pair (min, max) of integers") from None
        if not 1 <= low <= high:
            raise ConfigError(f"equation level {level}: operations must be 1 <= min <= max (an equation needs at "
                              f"least one operation), got {low}, {high}")
        if not isinstance(table["coefficients"], int) or table["coefficients"] < 2:
            raise ConfigError(f"equation level {level}: coefficients must be an integer >= 2, "
                              f"got {table['coefficients']!r}")
        subkinds = tuple(table["subkinds"])
        unknown = sorted(set(subkinds) - set(SUBKINDS))
        if unknown or not subkinds:
            raise ConfigError(f"equation level {level}: unknown or no sub-kind(s) {', '.join(unknown) or '(none)'}; "
                              f"choose from {', '.join(SUBKINDS)}")

    def level_table(self, level: int) -> Mapping[str, Any]:
        return level_table("equation", self.levels, level)
