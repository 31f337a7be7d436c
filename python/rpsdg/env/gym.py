"""An adapter that makes our kinds reasoning-gym datasets (optional: ``pip install 'rpsdg[gym]'``).

After :func:`register`, ``reasoning_gym.create_dataset("rpsdg_integral", size=100, seed=1, levels=(1, 2))``
gives a ``ProceduralDataset`` whose entries are ``{"question", "answer", "metadata"}`` (metadata holds the uid,
kind, level and the full record) and whose ``score_answer(answer, entry)`` is :func:`rpsdg.score_answer`.
Entry ``i`` is item ``i`` of :func:`rpsdg.create_dataset` with the same seed and levels. Nothing is registered on
import (no side effects); reasoning-gym is imported only by :func:`register`.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from rpsdg.errors import ConfigError
from rpsdg.kinds import LEVELS, kind_names

PREFIX = "rpsdg_"


@functools.cache
def _dataset_class() -> type:
    try:
        from reasoning_gym.dataset import ProceduralDataset
    except ImportError:
        raise ConfigError("reasoning-gym is not installed: pip install 'rpsdg[gym]' (or reasoning-gym)") from None
    from rpsdg.env.dataset import create_dataset
    from rpsdg.env.scoring import score_answer

    class RpsdgDataset(ProceduralDataset):
        """One rpsdg kind as a reasoning-gym dataset."""

        def __init__(self, config: Any):
            super().__init__(config=config, seed=config.seed, size=config.size)
            self._items = create_dataset(config.kind, config.size, config.seed, tuple(config.levels))

        def __getitem__(self, idx: int) -> dict[str, Any]:
            item = self._items[idx]
            return {"question": item.question, "answer": item.answer,
                    "metadata": {"source_dataset": f"{PREFIX}{item.kind}", "source_index": idx, "uid": item.uid,
                                 "kind": item.kind, "level": item.level, "difficulty": {"level": item.level},
                                 "record": dict(item.record)}}

        def score_answer(self, answer: Any, entry: dict[str, Any]) -> float:
            if not isinstance(answer, str):
                return 0.0
            return score_answer(entry["metadata"]["record"], answer)

    return RpsdgDataset


def _config_class(kind: str) -> type:
    def validate(self: Any) -> None:
        if self.size < 1 or self.seed < 0 or not self.levels or any(level not in LEVELS for level in self.levels):
            raise ValueError(f"{PREFIX}{kind}: size >= 1, seed >= 0 and levels in {LEVELS} please")

    return dataclasses.make_dataclass(
        f"Rpsdg{kind.capitalize()}Config",
        [("kind", str, dataclasses.field(default=kind)), ("seed", int, dataclasses.field(default=0)),
         ("size", int, dataclasses.field(default=500)), ("levels", tuple, dataclasses.field(default=LEVELS))],
        namespace={"validate": validate})


def register(kinds: tuple[str, ...] | None = None) -> list[str]:
    """Register ``rpsdg_<kind>`` in reasoning-gym for each kind (default: all); returns the names registered now
    or before. Raises :class:`rpsdg.errors.ConfigError` if reasoning-gym is not installed."""
    dataset_class = _dataset_class()
    from reasoning_gym.factory import DATASETS, register_dataset

    names = []
    for kind in kinds or tuple(kind_names()):
        name = f"{PREFIX}{kind}"
        if name not in DATASETS:
            register_dataset(name, dataset_class, _config_class(kind))
        names.append(name)
    return names
