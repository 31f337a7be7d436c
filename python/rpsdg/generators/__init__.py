"""The registry of item kinds: one module per kind, looked up by name.

Each kind module defines ``SPEC``, a :class:`KindSpec`: its config dataclass, its generator, the columns its steps
and extra fields add to the corpus schema, how its dedup key is made, its checkers, and how it is shown.
Registration is one line in :data:`KIND_MODULES`; modules are imported on first use (no import side effects).

To add a kind: write ``generators/<kind>.py`` with a config dataclass (defaults for every field, validated in
``__post_init__``), ``generate(config, level, rng) -> Derivation`` raising ``Dropped`` for rejected candidates,
and ``SPEC``; add it to :data:`KIND_MODULES`. ``tests/test_generators.py`` then demands that every registered
kind's items pass its own checkers at every level.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

from ..core import Derivation, Verdict
from ..errors import ConfigError

KIND_MODULES: dict[str, str] = {
    "integral": "rpsdg.generators.integral",
    "equation": "rpsdg.generators.equation",
    "theorem": "rpsdg.generators.theorem",
}

LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class KindSpec:
    """Everything the pipeline, corpus and CLI need to know about one kind of item."""

    name: str
    """Registered name (``--kind``)."""
    version: str
    """Generator version, stored in every record; bump it when items for the same seed change."""
    config_type: type
    """Config dataclass; ``config_type()`` is the default configuration."""
    generate: Callable[[Any, int, random.Random], Derivation]
    """Make one candidate at a level from an rng; raise ``Dropped`` to reject it."""
    step_fields: Sequence[tuple[str, str]]
    """Names and types (``string``, ``int``, ``int_list``) of a stored step's fields."""
    extra_fields: Sequence[tuple[str, str]]
    """Names and types of kind-specific record columns (same type names)."""
    dedup_text: Callable[[Derivation], str]
    """Canonical text of the problem: equal texts are duplicates; its sha256 is the uid."""
    checker_names: Sequence[str]
    """Names of the kind's checkers, cheapest first."""
    check: Callable[[Mapping[str, Any]], Sequence[Verdict]]
    """Run every checker on one stored row (parsed once, from its text alone)."""
    renderings: Callable[[Derivation], Mapping[str, str]]
    """Extra renderings stored beside the record: ``prefix``, ``latex``, ``lean``."""
    describe: Callable[[Mapping[str, Any]], str]
    """A stored row as a person reads it (``rpsdg show``)."""
    symbolic_checkers: Sequence[str] = ("symbolic",)
    """Checkers whose pass confirms an item symbolically (exactly); the manifest counts items confirmed by one of
    them apart from those confirmed numerically only."""
    step_check: Callable[[Mapping[str, Any]], Verdict] | None = None
    """The one checker that decides whether a corrupted step is wrong, for labelled negatives (``prm``); ``None``
    means all of ``check`` (a rejection at the corrupted step counts). It may raise on a malformed row."""
    step_check_name: str = ""
    """The name of ``step_check``'s checker."""


def kind_names() -> list[str]:
    return sorted(KIND_MODULES)


def get_kind(name: str) -> KindSpec:
    """The spec registered under ``name``; a clear error naming the choices otherwise."""
    if name not in KIND_MODULES:
        raise ConfigError(f"unknown kind {name!r}; choose one of: {', '.join(kind_names())}")
    return importlib.import_module(KIND_MODULES[name]).SPEC


def config_from_mapping(spec: KindSpec, values: Mapping[str, Any], source: str) -> Any:
    """Build ``spec``'s config from a mapping (a TOML table), refusing unknown keys by name."""
    known = set(spec.config_type.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} for kind {spec.name!r}; "
                          f"known keys: {', '.join(sorted(known))}")
    try:
        return spec.config_type(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except (TypeError, ValueError) as error:
        raise ConfigError(f"{source}: invalid configuration for kind {spec.name!r}: {error}") from None


def level_table(kind: str, levels: Mapping[int, Mapping[str, Any]], level: int) -> Mapping[str, Any]:
    """The settings of ``level`` in a kind's per-level table; a clear error naming the kind otherwise."""
    if level not in levels:
        raise ConfigError(f"{kind}: no level {level} configured; levels are {sorted(levels)}")
    return levels[level]
