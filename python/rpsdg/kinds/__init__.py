"""The registry of item kinds: one folder per kind, looked up by name.

Everything about one kind lives in ``kinds/<kind>/``: ``generate.py`` (config and generator), ``check.py`` (its
checkers), ``lean.py`` (its Lean renderer), ``text.py`` (renderings and how a record reads), ``rules.py`` (the
table that names each of its rules once) and ``spec.py``, which registers one :class:`KindSpec`. Its templates
live in the repository's ``templates/<kind>/``. The rest of rpsdg only ever calls the hooks of a ``KindSpec``;
nothing outside ``kinds/`` names a kind. Specs are imported on first use (no import side effects).

To add a kind: copy a kind's folder (and its ``templates/<kind>/``), edit it, and add one line to
:data:`KIND_MODULES`. ``tests/test_kinds.py`` then demands that every registered kind's items pass its own
checkers at every level, render in Lean (or are counted not renderable with a reason) and export in every format.
"""

from __future__ import annotations

import collections.abc
import importlib
import random
import types
import typing
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable, Mapping, Sequence

from rpsdg import __version__
from rpsdg.core import Derivation, Rejected, RuleInfo, Verdict
from rpsdg.errors import ConfigError, RpsdgError
from rpsdg.limits import CHECK_SECONDS, OutOfTime, time_limit

KIND_MODULES: dict[str, str] = {
    "integral": "rpsdg.kinds.integral.spec",
    "equation": "rpsdg.kinds.equation.spec",
    "theorem": "rpsdg.kinds.theorem.spec",
}
"""Kind name → the module that defines its ``SPEC``: the one line a new kind adds."""

DEFAULT_KIND = next(iter(KIND_MODULES))
"""The kind ``rpsdg build`` makes when none is named."""

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
    check: Callable[[Mapping[str, Any]], Iterable[Verdict]]
    """Run every checker on one stored row (parsed once, from its text alone), cheapest first. It may yield the
    verdicts one at a time (a generator), so that a caller with its answer (``run_checks(row, until=...)``) runs
    no further checker."""
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
    rules: Callable[[], Sequence[RuleInfo]] = tuple
    """The kind's rule table (``kinds/<kind>/rules.py``): every rule a step may name, each named once, with its
    words, its check and its Lean proof."""
    lean: Any = None
    """How items render into Lean: a :class:`rpsdg.lean.proof.LeanKind` (renderer and proof hooks), or ``None``
    for a kind without a Lean renderer (its items are counted not renderable)."""
    summary: str = ""
    """One sentence on how the kind's items are made and checked, for dataset cards."""
    seq2seq_source_prefix: str = ""
    """Tokens put before the problem's prefix tokens in the ``seq2seq`` export (integrals: Lample & Charton's
    ``sub Y'``)."""
    novel_split: str = "held_out_levels"
    """What the ``novel`` export split holds out: ``held_out_levels`` (the two highest levels) or
    ``rule_combination`` (whole sets of rules a solution uses)."""
    step_result_field: str = "after"
    """The step field holding a step's result (what a ``prm`` corruption changes)."""
    step_input_field: str = "before"
    """The step field holding what a step starts from."""
    record_stats: Callable[[Mapping[str, Any]], Mapping[str, Mapping[str, float]]] | None = None
    """Per-record figures the manifest sums up: ``row -> {group: {figure: value}}`` (integrals: token lengths of
    integrand and antiderivative per direction); the manifest's ``stats`` holds each group's count, mean and max."""
    commands: Callable[[], tuple[str, str, Any]] | None = None
    """Extra CLI commands the kind brings: ``() -> (name, help, typer app)``, mounted as ``rpsdg NAME ...``."""
    question: Callable[[Mapping[str, Any]], str] | None = None
    """The prompt a model sees for a stored row: the problem in words with LaTeX math (``$...$``), no hints from
    the solution (``rpsdg.create_dataset`` items, ``score.py`` of the kind). ``None``: the kind has no environment."""
    reference_answer: Callable[[Mapping[str, Any]], str] | None = None
    """The final answer as a model would write it (LaTeX), which :attr:`score_answer` scores 1.0."""
    solution_text: Callable[[Mapping[str, Any]], str] | None = None
    """The record's solution as a model would write it: one step per line, each claim in ``$...$``, ending with
    ``Answer: \\boxed{...}``; :attr:`grade_claim` labels every step of it correct."""
    score_answer: Callable[[Mapping[str, Any], str, Any], float] | None = None
    """``(row, final answer text, reader) -> score in [0, 1]``: decides by meaning whether the final answer (still
    LaTeX or plain text; ``reader`` is an :class:`rpsdg.env.reading.Reader`) solves the row's problem. It may
    raise on text it cannot read; the environment turns any exception into 0."""
    grade_claim: Callable[[Mapping[str, Any], str, Any, dict], tuple[str, str]] | None = None
    """``(row, step text, reader, state) -> (label, reason)``: reads the claim one step of a model's solution makes
    and checks it on its own against the row's problem; ``label`` is ``correct``, ``incorrect`` or ``unparsed``.
    ``state`` is a dict the environment keeps for one solution (e.g. the last expression of an equality chain, so
    a step ``= e`` continues it)."""
    step_formulas: Callable[[Mapping[str, Any], Sequence[Mapping[str, Any]], str], Mapping[str, str]] | None = None
    """Top-down reading order for a kind whose steps combine others through ``parts`` (issue 12; see
    ``export/common.py``): ``(stored step, its parts' stored steps, math) -> formulas`` of the step's shown lines,
    already in the export's math format (``latex``: ``$...$``, or ``plain``), which the kind's ``step`` template
    places. Key ``announce``: the identity stated before the step's parts are solved (integrals:
    ``∫ (f + g) dx = ∫ f dx + ∫ g dx``); a step with parts and an ``announce`` is shown twice (announce, its
    parts, combine), one without it once, after its parts. Other keys are the kind's own. ``None``: the kind's
    steps with parts read children first."""
    value_key: Callable[[Mapping[str, Any]], bytes | None] | None = None
    """Optional value fingerprint of a stored row for ``rpsdg build --value-dedup``: rows with equal keys are
    duplicates even when their canonical texts (uids) differ (integrals: the integrand's values at fixed points, so
    ``4*exp(4*x)`` and ``4*exp(x)**4`` are one problem); first index wins. ``None`` for a row (or no hook): the row
    is deduplicated by uid only. It must be a pure function of the row's stored text, the same on every machine."""

    def run_checks(self, row: Mapping[str, Any], until: Callable[[Verdict], bool] | None = None) -> list[Verdict]:
        """Every verdict of this kind's checkers on ``row``; with ``until``, the verdicts up to the first one it
        holds for, where the kind's ``check`` yields them one by one (the checkers after it do not run). A row
        that makes a checker fail (a stranger's malformed but parsable text, say an equation where a term belongs)
        is rejected by every checker, with the error as reason: a record we cannot check is not a verified
        record."""
        try:
            with time_limit(CHECK_SECONDS):
                return _verdicts_until(self.check(row), until)
        except OutOfTime as error:
            reason = f"the checkers {error} on this record (a hostile or degenerate text); not verified"
            return [Rejected(name, f"rpsdg-{__version__}", -1, reason) for name in self.checker_names]
        except (RpsdgError, ArithmeticError, LookupError, ValueError, TypeError, RecursionError) as error:
            reason = f"malformed record: the checkers could not read it ({type(error).__name__}: {error})"
            return [Rejected(name, f"rpsdg-{__version__}", -1, reason) for name in self.checker_names]


def _verdicts_until(verdicts: Iterable[Verdict], until: Callable[[Verdict], bool] | None) -> list[Verdict]:
    if until is None:
        return list(verdicts)
    kept: list[Verdict] = []
    for verdict in verdicts:
        kept.append(verdict)
        if until(verdict):
            break
    return kept


def kind_names() -> list[str]:
    return sorted(KIND_MODULES)


def get_kind(name: str) -> KindSpec:
    """The spec registered under ``name``; a clear error naming the choices otherwise."""
    if name not in KIND_MODULES:
        raise ConfigError(f"unknown kind {name!r}; choose one of: {', '.join(kind_names())}")
    return importlib.import_module(KIND_MODULES[name]).SPEC


def find_kind(name: str) -> KindSpec | None:
    """The spec registered under ``name``, or ``None`` (for rows of an unregistered kind, which exports still
    write where they need no hook)."""
    return get_kind(name) if name in KIND_MODULES else None


def config_from_mapping(spec: KindSpec, values: Mapping[str, Any], source: str) -> Any:
    """Build ``spec``'s config from a mapping (a TOML table): unknown keys are refused by name, every value is
    checked against its field's declared type first, and whatever the config's own validation raises (a missing
    key in a level table included) becomes a :class:`ConfigError` naming ``source``."""
    known = {item.name for item in fields(spec.config_type)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(unknown)} for kind {spec.name!r}; "
                          f"known keys: {', '.join(sorted(known))}")
    hints = typing.get_type_hints(spec.config_type)
    for name, value in values.items():
        problem = _type_problem(value, hints.get(name, Any))
        if problem:
            raise ConfigError(f"{source}: {name} = {value!r}: {problem}; see the field's documentation in "
                              f"{spec.config_type.__module__}.{spec.config_type.__name__}")
    try:
        return spec.config_type(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {error}") from None
    except KeyError as error:
        raise ConfigError(f"{source}: missing key {error} in a table of kind {spec.name!r}'s config; every level "
                          f"table needs all of its keys (see the defaults in {spec.config_type.__module__})") from None
    except (TypeError, ValueError, AttributeError, IndexError) as error:
        raise ConfigError(f"{source}: invalid configuration for kind {spec.name!r}: {error}") from None


def _type_problem(value: Any, annotation: Any) -> str:
    """Why ``value`` does not fit ``annotation`` (a config field's type), or ``""``. Containers are checked one
    level deep; their contents are left to the config's own validation."""
    origin = typing.get_origin(annotation) or annotation
    if annotation is Any:
        return ""
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(annotation)
        return "" if any(not _type_problem(value, option) for option in options) else \
            f"expected one of {', '.join(getattr(o, '__name__', str(o)) for o in options)}"
    if origin is bool:
        return "" if isinstance(value, bool) else "expected true or false"
    if origin is int:
        return "" if isinstance(value, int) and not isinstance(value, bool) else "expected an integer"
    if origin is float:
        return "" if isinstance(value, (int, float)) and not isinstance(value, bool) else "expected a number"
    if origin is str:
        return "" if isinstance(value, str) else "expected a string"
    if origin in (tuple, list, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            return "expected a list"
        args = typing.get_args(annotation)
        if origin is tuple and args and args[-1] is not Ellipsis and len(args) != len(value):
            return f"expected a list of {len(args)} values"
        return ""
    if origin in (dict, collections.abc.Mapping):
        return "" if isinstance(value, Mapping) else "expected a table"
    return ""


def level_table(kind: str, levels: Mapping[int, Mapping[str, Any]], level: int) -> Mapping[str, Any]:
    """The settings of ``level`` in a kind's per-level table; a clear error naming the kind otherwise."""
    if level not in levels:
        raise ConfigError(f"{kind}: no level {level} configured; levels are {sorted(levels)}")
    return levels[level]
