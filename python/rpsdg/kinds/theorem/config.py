"""The theorem generator's configuration: levels (start size, walk length L, distinct rules K, families), knobs of
the walk, and the rule tables each level uses (TOML ``[theorem]`` overrides any field).

Why a module of its own: the generator is compiled in the optional build (``rpsdg/compiled.py``), and a compiled
frozen dataclass cannot be unpickled, while a config travels to every worker process and Ray task with its build
(``run/items.ItemTask``). This module stays plain Python; ``generate.py`` re-exports its names. To add a setting:
add the field to :class:`TheoremConfig` with a default and validate it in ``__post_init__``; to add a family's
operators to start expressions, list them in :data:`FAMILY_OPERATORS`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

from rpsdg.errors import ConfigError
from rpsdg.expr.tree import Expr
from rpsdg.kinds import level_table
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.graph import rule_graph
from rpsdg.kinds.theorem.rules.match import CompiledIndex
from rpsdg.kinds.theorem.rules.model import Direction, RuleBook

ALL_FAMILIES = ("ring", "field", "explog", "trig")
DEFAULT_LEVELS: dict[int, dict[str, Any]] = {
    1: {"start_size": (1, 3), "walk_length": 2, "distinct_rules": 2, "families": ("ring",)},
    2: {"start_size": (2, 4), "walk_length": 3, "distinct_rules": 3, "families": ("ring", "field")},
    3: {"start_size": (2, 5), "walk_length": 4, "distinct_rules": 4, "families": ("ring", "field", "explog")},
    4: {"start_size": (3, 6), "walk_length": 5, "distinct_rules": 5, "families": ALL_FAMILIES},
    5: {"start_size": (4, 7), "walk_length": 7, "distinct_rules": 6, "families": ALL_FAMILIES},
}
LEVEL_KEYS = ("start_size", "walk_length", "distinct_rules", "families")

RING_OPERATORS = ("add", "add", "sub", "mul", "mul", "neg", "pow2")
FAMILY_OPERATORS: dict[str, tuple[str, ...]] = {
    "ring": RING_OPERATORS, "field": ("div", "div"), "explog": ("exp", "log"), "trig": ("sin", "cos", "tan"),
}
"""Operators a start expression may use when the family is on (over ℤ only the ring's)."""


@dataclass(frozen=True)
class LevelTables:
    """What a walk at one level and domain needs, computed once per config: rules, index, graph successors."""

    book: RuleBook
    index: Mapping[str, tuple[Direction, ...]]
    """Every complete direction by head (a :class:`CompiledIndex`: the searches match with compiled code)."""
    seeds: tuple[Direction, ...]
    successors: Mapping[str, frozenset[str]]
    operators: tuple[str, ...]
    plain: Mapping[str, tuple[Direction, ...]]
    """The index without bare-variable directions (compiled): the walk's ordinary steps."""
    bare: Mapping[str, tuple[Direction, ...]]
    """Only the bare-variable directions (``"*"``; empty when there are none): the walk's rationed steps."""
    non_ring_seeds: tuple[Direction, ...] = ()
    """The seeds of rules outside the ring family (``generate._seeds`` draws among them)."""


@dataclass(frozen=True)
class TheoremConfig:
    """Configuration of the theorem generator; every field has a default, TOML ``[theorem]`` overrides."""

    levels: Mapping[int, Mapping[str, Any]] = field(default_factory=lambda: dict(DEFAULT_LEVELS))
    """Per level: ``start_size`` (min, max) operators of the start expression, ``walk_length`` L,
    ``distinct_rules`` K (1 <= K <= L) and rule ``families``."""
    variables: tuple[str, ...] = ("x", "y", "z")
    """Variable names of start expressions."""
    integers: tuple[int, int] = (1, 4)
    """Range of integer leaves."""
    p_variable: float = 0.7
    """Probability that a leaf is a variable."""
    int_share: float = 0.35
    """Share of items stated over ℤ (ring rules only) at levels whose families include ``ring``."""
    require_lean: bool = False
    """Over ℝ, use only rules with a ``lean_real`` term (items over ℤ always use only rules with ``lean_int``)."""
    max_size: int = 60
    """Largest expression (nodes) a walk or search may produce."""
    search_budget: int = 16
    """Expansions of the shortest-proof search per theorem (0: no search). More finds more shortcuts and costs
    speed: at (K, L) = (5, 5), budgets 8 / 16 / 40 shortened about 8% / 25% / 40% of walks (bench/theorems.py)."""
    unused_weight: float = 4.0
    """Weight of a step by a rule the walk has not used yet (a used rule weighs 1)."""
    graph_weight: float = 2.0
    """Extra factor for a rule that can fire on the previous rule's output (an edge of the rule graph)."""
    bare_share: float = 0.15
    """Chance that a step is drawn among those whose pattern is a bare variable (``a → a + 0``,
    ``a → exp(log(a))``), which fire on any subterm; otherwise they are drawn only when nothing else fires."""
    bare_max_size: int = 3
    """Bare-variable steps only rewrite subterms of at most this many nodes."""

    def __post_init__(self) -> None:
        levels = {int(k): dict(v) for k, v in self.levels.items()}
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "integers", tuple(self.integers))
        book = default_rulebook()
        for level, table in levels.items():
            _validate_level(level, table, book)
        if not self.variables or any(not (isinstance(v, str) and v.isidentifier()) for v in self.variables):
            raise ConfigError(f"theorem variables {self.variables!r}: give identifiers such as [\"x\", \"y\"]")
        low, high = self.integers
        if not 1 <= low <= high:
            raise ConfigError(f"theorem integers {self.integers!r}: need 1 <= min <= max")
        if not 0 < self.p_variable <= 1 or not 0 <= self.int_share <= 1:
            raise ConfigError("theorem p_variable must be in (0, 1] and int_share in [0, 1]")
        if self.max_size < 5 or self.search_budget < 0 or self.bare_max_size < 0:
            raise ConfigError("theorem max_size must be >= 5, search_budget and bare_max_size >= 0")
        if min(self.unused_weight, self.graph_weight) < 0 or not 0 <= self.bare_share <= 1:
            raise ConfigError("theorem unused_weight and graph_weight must be >= 0, bare_share in [0, 1]")
        self._build_tables()

    def _build_tables(self) -> None:
        families = tuple(sorted((level, tuple(table["families"])) for level, table in self.levels.items()))
        object.__setattr__(self, "_tables", _level_tables(families, self.require_lean))

    def __getstate__(self) -> dict[str, Any]:  # the tables are looked up again (``_level_tables``), not pickled
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self._build_tables()

    def level_table(self, level: int) -> Mapping[str, Any]:
        return level_table("theorem", self.levels, level)

    def tables(self, level: int, domain: str) -> LevelTables:
        return self._tables[(level, domain)]  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=16)
def _level_tables(families: tuple[tuple[int, tuple[str, ...]], ...], require_lean: bool
                  ) -> Mapping[tuple[int, str], LevelTables]:
    """The :class:`LevelTables` of every (level, domain) for a config whose levels use ``families``: a pure
    function of its arguments and the shipped rules, remembered per process (bounded; read-only, so configs of
    equal value share them). Building them takes about 150 ms, and a worker unpickles the build's config for every
    chunk of 16 items: without the memo, theorem builds with workers spent most of their time here."""
    book = default_rulebook()
    graph = rule_graph(book)
    successors = {name: frozenset(graph.successors(name)) for name in graph.nodes}
    tables: dict[tuple[int, str], LevelTables] = {}
    for level, level_families in families:
        for domain in ("int", "real"):
            if domain == "int" and "ring" not in level_families:
                continue
            # items over ℤ are for core Lean: only ring rules with a lean_int term
            chosen = book.select(("ring",) if domain == "int" else level_families, domain,
                                 require_lean or domain == "int")
            index = chosen.index()
            seeds = tuple(d for ds in index.values() for d in ds if _good_seed(d))
            operators = RING_OPERATORS if domain == "int" else tuple(
                op for family in level_families for op in FAMILY_OPERATORS.get(family, ()))
            plain = CompiledIndex({op: ds for op, ds in index.items() if op != "*"})
            bare = CompiledIndex({"*": index["*"]} if "*" in index else {})
            tables[(level, domain)] = LevelTables(chosen, CompiledIndex(index), seeds, successors,
                                                  operators or RING_OPERATORS, plain, bare,
                                                  tuple(d for d in seeds if d.rule.family != "ring"))
    return MappingProxyType(tables)


def _good_seed(direction: Direction) -> bool:
    """Whether a start expression may be built around an instance of ``direction``'s source: not a bare variable,
    no literal 0 or 1 in it (``a*1``, ``a + 0``, ``exp(0)``), no double negation (``-(-a)``: a start expression
    never holds such noise, issue 12) and not collapsing to 0 (``a - a``), which would fill
    start expressions with junk such as ``x*0``; the walk still uses those rules wherever they fire."""
    if direction.bare or direction.target == Expr("num", (), 0):
        return False
    return not any((node.op == "num" and node.value in (0, 1)) or (node.op == "neg" and node.args[0].op == "neg")
                   for _, node in direction.source.positions())


def _validate_level(level: int, table: dict[str, Any], book: RuleBook) -> None:
    where = f"theorem level {level}"
    unknown = sorted(set(table) - set(LEVEL_KEYS))
    missing = sorted(set(LEVEL_KEYS) - set(table))
    if unknown or missing:
        raise ConfigError(f"{where}: unknown key(s) {unknown} / missing key(s) {missing}; keys are "
                          f"{', '.join(LEVEL_KEYS)}")
    low, high = table["start_size"]
    if not 0 <= low <= high:
        raise ConfigError(f"{where}: start_size must be 0 <= min <= max, got {low}, {high}")
    L, K = table["walk_length"], table["distinct_rules"]
    if not (isinstance(L, int) and isinstance(K, int)) or L < 1 or K < 1:
        raise ConfigError(f"{where}: walk_length L and distinct_rules K must be integers >= 1")
    if K > L:
        raise ConfigError(f"{where}: distinct_rules K={K} > walk_length L={L}; a walk of L steps uses at most L "
                          f"distinct rules, so lower K or raise L")
    families = table["families"]
    if isinstance(families, str) or not families:
        raise ConfigError(f"{where}: families must be a non-empty list such as [\"ring\", \"trig\"]")
    known = book.families()
    bad = sorted(set(families) - set(known))
    if bad:
        raise ConfigError(f"{where}: unknown rule famil{'y' if len(bad) == 1 else 'ies'} {', '.join(bad)}; known: "
                          f"{', '.join(known)}")
    table["families"] = tuple(families)
    table["start_size"] = (low, high)
