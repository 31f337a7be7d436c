"""Theorems with proofs from random walks over the rewrite-rule graph.

Forward: start from a random expression (seeded with an instance of a rule's side, so the chosen families
really fire), apply L rewrite steps, each one rule at one position with one substitution, using exactly K distinct
rules, never revisiting a state (which also forbids undoing the previous step) and preferring rules not used yet
and rules that can fire on the previous rule's output (the rule graph, ``rules/graph.py``). ``start = end`` is the
theorem, the walk its proof; the side conditions met along the way are its hypotheses. Then a bounded
bidirectional search (``rules/search.py``) looks for a shorter proof with the same hypotheses; the shorter one is
kept and both lengths are recorded (``proof_length``: the walk's, ``shortest_found``: the kept proof's). The search
leaves out bare-variable steps (``a → a*1``), which fire everywhere and multiply its cost; their reverses are
ordinary steps, so it still finds shortcuts through them from the other end.

Trivial theorems are rejected: sides equal up to our canonical form (``expr/canonical.py``). That form is complete
for polynomials, so a proof made only of ring rules would always be "trivial"; such theorems are instead rejected
when their sides are equal up to associativity and commutativity of + and · alone (:func:`ac_key`).
Duplicates (``dedup_text``): the same key of both sides, up to renaming variables and swapping the sides.

Domains: an item is stated over ℤ (``int``: ring rules that have a core-Lean ``lean_int`` term, integer literals)
with probability ``int_share`` when its level allows the ring family, else over ℝ (``real``, Mathlib).
Levels map to the knobs in :class:`TheoremConfig`. To add a family: add a rule file (``rules/``) and, if it needs
new operators in start expressions, list them in :data:`FAMILY_OPERATORS`.
"""

from __future__ import annotations

import functools
import itertools
import json
import random
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Mapping

from rpsdg.kinds.theorem import check as theorem_check
from rpsdg.core import Derivation, Dropped
from rpsdg.maths.domain import EmptyDomain, closed_hypotheses, has_variable
from rpsdg.errors import ConfigError
from rpsdg.expr.canonical import Canonicalizer, CanonTooBig, canon_key, sum_key
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, eq, neg, num, sym
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.graph import rule_graph
from rpsdg.kinds.theorem.rules.compiled import replace_at, tree_size
from rpsdg.kinds.theorem.rules.match import CompiledIndex, Unstable, applications, format_substitution, instantiate
from rpsdg.kinds.theorem.rules.model import Direction, RuleBook
from rpsdg.kinds.theorem.rules.search import Move, shortest_proof
from rpsdg.kinds import level_table

_new = tuple.__new__
"""``_new(Expr, (op, args, value))`` builds a node without the Python-level ``Expr.__new__`` (hot paths)."""

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
    """The seeds of rules outside the ring family (:func:`_seeds`)."""


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


@dataclass(frozen=True)
class TheoremStep:
    """One rewrite: ``before`` → ``after`` by ``rule`` used in ``direction`` at ``path`` under ``substitution``."""

    rule: str
    """Rule name (``rpsdg rules list``)."""
    direction: str
    """``forward`` (the rule's lhs → rhs) or ``backward`` (rhs → lhs)."""
    path: tuple[int, ...]
    """Position of the rewritten subterm in ``before`` (child indices from the root)."""
    substitution: tuple[tuple[str, Expr], ...]
    """Every pattern variable of the rule with the subterm it stands for, sorted by name."""
    before: Expr
    """The whole expression before the step."""
    after: Expr
    """The whole expression after the step."""
    printed: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """``to_infix`` of ``before`` and ``after`` when already known (a chain prints each expression once)."""

    def to_row(self) -> dict[str, Any]:
        before, after = self.printed if self.printed else (to_infix(self.before), to_infix(self.after))
        return {"rule": self.rule, "direction": self.direction, "path": list(self.path),
                "substitution": format_substitution(dict(self.substitution)), "before": before, "after": after}

    @staticmethod
    def of(move: Move, printed: dict[Expr, str] | None = None) -> "TheoremStep":
        """The step of ``move``; ``printed`` (Expr → infix text, one item's memo) shares the printing of a
        chain's expressions between steps."""
        texts: tuple[str, ...] = ()
        if printed is not None:
            texts = tuple(printed[e] if e in printed else printed.setdefault(e, to_infix(e))
                          for e in (move.before, move.after))
        return TheoremStep(move.direction.rule.name, move.direction.direction, tuple(move.path),
                           tuple(sorted(move.binding.items())), move.before, move.after, texts)


# -- start expressions --------------------------------------------------------------------------------------------

def _leaf(rng: random.Random, config: TheoremConfig) -> Expr:
    if rng.random() < config.p_variable:
        return sym(rng.choice(config.variables))
    return num(rng.randint(*config.integers))


def _apply(op: str, args: list[Expr]) -> Expr:
    if op == "neg":
        return neg(args[0])
    if op == "pow2":
        return Expr("pow", (args[0], num(2)))
    return Expr(op, tuple(args))


_UNARY = frozenset({"neg", "pow2", "exp", "log", "sin", "cos", "tan"})


INT_SHARE_BEYOND_RING = 0.25
"""At levels with families beyond ``ring``, ``int_share`` is scaled by this: items over ℤ use ring rules only, so
each is closed by ``ring``; at most about a fifth of those levels' items may be (issue 12)."""
NON_RING_SEED_SHARE = 0.8
"""Where a level has families beyond ``ring`` (over ℝ), the share of start expressions built around an instance of
a non-ring rule (field, exp/log, trig), so that the theorem needs more than ring axioms."""
NON_RING_WEIGHT = 3.0
"""Factor on the walk's weight of a step by a non-ring rule at such levels."""


def _noise(op: str, piece: Expr, leaf: Expr) -> bool:
    """Whether ``op`` applied to ``piece`` and ``leaf`` would be noise a person never writes: ``*1``, ``+0``,
    ``-0``, ``/1``, ``-(-a)``, a power of 0 or 1."""
    if op == "neg":
        return piece.op in ("neg", "num")  # no -(-a); no -4 made from 4 (it would print as x + -4)
    if leaf.op != "num":
        return False
    if op in ("mul", "div", "pow2"):
        return leaf.value in (0, 1)
    if op in ("add", "sub"):
        return leaf.value == 0
    return False


def _seeds(rng: random.Random, tables: LevelTables) -> tuple[Direction, ...]:
    """The seeds to draw from: mostly non-ring ones where the level has them (:data:`NON_RING_SEED_SHARE`)."""
    others = tables.non_ring_seeds
    if others and len(others) < len(tables.seeds) and rng.random() < NON_RING_SEED_SHARE:
        return others
    return tables.seeds


def start_expression(rng: random.Random, config: TheoremConfig, tables: LevelTables, operators: int) -> Expr:
    """A random expression with ``operators`` operators around one or two instances of rule sides; no ``*1``,
    ``+0`` or ``-(-a)`` noise (:func:`_noise`; a rule of the walk may still introduce such a term on purpose)."""
    pieces = []
    for _ in range(1 if rng.random() < 0.6 else 2):
        seed = rng.choice(_seeds(rng, tables))
        binding = {name: _small_instance(rng, config) for name in seed.rule.variables}
        pieces.append(instantiate(seed.source, binding))
    for _ in range(operators):
        op = rng.choice(tables.operators)
        if op in _UNARY:
            i = rng.randrange(len(pieces))
            if _noise(op, pieces[i], pieces[i]):
                continue
            pieces[i] = _apply(op, [pieces[i]])
        elif len(pieces) > 1 and rng.random() < 0.5:
            a = pieces.pop(rng.randrange(len(pieces)))
            b = pieces.pop(rng.randrange(len(pieces)))
            pieces.append(_apply(op, [a, b]))
        else:
            i = rng.randrange(len(pieces))
            leaf = _leaf(rng, config)
            for _ in range(4):
                if not _noise(op, pieces[i], leaf):
                    break
                leaf = _leaf(rng, config)
            else:
                continue
            pair = [pieces[i], leaf]
            if rng.random() < 0.5 and not (op in ("div", "sub") and leaf.op == "num" and leaf.value == 0):
                pair.reverse()
            pieces[i] = _apply(op, pair)
    while len(pieces) > 1:
        a, b = pieces.pop(), pieces.pop()
        pieces.append(_apply(rng.choice(("add", "mul", "sub")), [a, b]))
    return pieces[0]


def _small_instance(rng: random.Random, config: TheoremConfig) -> Expr:
    """What a seed's pattern variable stands for: never the literal 0 or 1 (``a*b`` with ``b = 1`` is ``a*1``)."""
    for _ in range(8):
        e = _small(rng, config)
        if not (e.op == "num" and e.value in (0, 1)):
            return e
    return sym(config.variables[0])


def _small(rng: random.Random, config: TheoremConfig) -> Expr:
    if rng.random() < 0.7:
        return _leaf(rng, config)
    op = rng.choice(("add", "mul", "sub"))
    a, b = _leaf(rng, config), _leaf(rng, config)
    if _noise(op, a, b) or _noise(op, b, a) or (a.op == "num" and b.op == "num") or a == b:
        return a  # no 1*x, x - x or 2 + 3 as a pattern variable's instance
    return _apply(op, [a, b])


# -- the walk -----------------------------------------------------------------------------------------------------

def random_walk(rng: random.Random, config: TheoremConfig, tables: LevelTables, start: Expr, length: int,
                distinct: int) -> list[Move]:
    """``length`` moves from ``start`` using exactly ``distinct`` rules, never revisiting a state; raises
    ``Dropped`` when no admissible move is left. A step is drawn among bare-variable steps with probability
    ``bare_share`` (among the others otherwise), falling back to the other kind when the drawn kind has none."""
    state, seen = start, {start}
    moves: list[Move] = []
    used: set[str] = set()
    previous = ""
    bare_index = tables.bare if config.bare_max_size else {}
    plain_index = tables.plain
    for step in range(length):
        need, remaining = distinct - len(used), length - step
        kinds = [(plain_index, 0), (bare_index, config.bare_max_size)]
        if rng.random() < config.bare_share:
            kinds.reverse()
        for kind_number, (index, bare_max) in enumerate(kinds):
            candidates = _candidates(state, index, bare_max, need, remaining, used, previous, tables, config)
            try:
                move = _pick(rng, candidates, state, seen, moves, config)
                break
            except Dropped:
                if kind_number == 1:
                    raise
        moves.append(move)
        seen.add(move.after)
        used.add(move.direction.rule.name)
        previous = move.direction.rule.name
        state = move.after
    return moves


def _candidates(state: Expr, index: Mapping[str, tuple[Direction, ...]], bare_max: int, need: int, remaining: int,
                used: set[str], previous: str, tables: LevelTables, config: TheoremConfig) -> list:
    """(weight, direction, path, binding) of every admissible application: K-constraint, weight toward unused
    rules and toward successors of the previous rule in the rule graph."""
    successors = tables.successors.get(previous, frozenset()) if previous else frozenset()
    candidates = []
    unused_weight, graph_weight = config.unused_weight, config.graph_weight
    only_fresh, only_used = need == remaining, need == 0
    for direction, path, binding in applications(state, index, bare_max):
        name, beyond_ring = direction.walk_key
        fresh = name not in used
        if (only_fresh and not fresh) or (only_used and fresh):
            continue
        weight = unused_weight if fresh else 1.0
        if name in successors:
            weight *= graph_weight
        if beyond_ring:
            weight *= NON_RING_WEIGHT
        if weight > 0:
            candidates.append((weight, direction, path, binding))
    return candidates


def _pick(rng: random.Random, candidates: list, state: Expr, seen: set, moves: list, config: TheoremConfig) -> Move:
    undo = False
    size = tree_size(state)
    while candidates:
        total = sum(c[0] for c in candidates)
        target = rng.random() * total
        for i, candidate in enumerate(candidates):
            target -= candidate[0]
            if target < 0:
                break
        _, direction, path, binding = candidates.pop(i)
        try:
            conditions = tuple(build(binding) for build in direction.build_conditions)
            after = replace_at(state, path, direction.build(binding))
        except Unstable:
            continue
        if not all(has_variable(c) for c in conditions):
            continue  # a closed condition (Ne(2, 0)) is no hypothesis; skip such instances
        if after == state or size + direction.grown(binding) > config.max_size:
            continue
        if after in seen:
            undo = undo or (len(moves) > 0 and after == moves[-1].before)
            continue
        return Move(direction, path, binding, state, after)
    raise Dropped("stuck_undo" if undo else "stuck")


# -- triviality and dedup -----------------------------------------------------------------------------------------

def ac_key(e: Expr, names: Mapping[str, str] | None = None) -> str:
    """Text equal for trees that differ only by associativity and commutativity of + and · (variables renamed
    by ``names`` when given)."""
    return _ac_text(_ac_tree(e), names or {})


def _ac_tree(e: Expr) -> tuple:
    """``e`` prepared for :func:`_ac_text` (sums and products flattened, literals printed): what :func:`ac_key`
    renders, and :func:`statement_key` renders once per renaming of the variables."""
    op = e.op
    if op == "sym":
        return ("sym", e.value)
    if op == "num":
        return ("num", str(e.value))
    if op == "add" or op == "mul":
        items: list[Expr] = []
        _flatten(e, op, items)
        return ("ac", op, tuple(_ac_tree(item) for item in items))
    return ("op", op, tuple(_ac_tree(child) for child in e.args))


def _ac_text(tree: tuple, names: Mapping[str, str]) -> str:
    """``ac_key(e, names)`` of the ``e`` that ``tree`` was made from."""
    kind = tree[0]
    if kind == "sym":
        return names[tree[1]] if names else tree[1]
    if kind == "num":
        return tree[1]
    parts = [_ac_text(child, names) for child in tree[2]]
    if kind == "ac":
        parts.sort()
    return tree[1] + "(" + ",".join(parts) + ")"


def _flatten(e: Expr, op: str, out: list[Expr]) -> None:
    if e.op == op:
        for child in e.args:
            _flatten(child, op, out)
    else:
        out.append(e)


def side_key(e: Expr, ring_only: bool, canonicalizer: Canonicalizer | None = None) -> str:
    """The key that decides triviality and duplicates: AC form for ring-only proofs, canonical form otherwise.
    ``canonicalizer`` (one per task, default term limit) shares the canonical forms of common subtrees."""
    if ring_only:
        return "ac:" + ac_key(e)
    try:
        return "canon:" + (sum_key(canonicalizer.run(e)) if canonicalizer is not None else canon_key(e))
    except (CanonTooBig, ZeroDivisionError):
        return "ac:" + ac_key(e)


def _rename(e: Expr, mapping: Mapping[str, str]) -> Expr:
    if e.op == "sym":
        return _new(Expr, ("sym", (), mapping[e.value]))  # type: ignore[index]
    if not e.args:
        return e
    return _new(Expr, (e.op, tuple([_rename(child, mapping) for child in e.args]), e.value))


def statement_key(lhs: Expr, rhs: Expr, ring_only: bool) -> str:
    """Side keys up to renaming variables (every permutation, up to 5 variables) and swapping the sides."""
    names = sorted(lhs.free_symbols() | rhs.free_symbols())
    best = None
    canonicalizer = Canonicalizer()  # renamed trees still share their variable-free subtrees
    orders = itertools.permutations(range(len(names))) if len(names) <= 5 else [tuple(range(len(names)))]
    trees: tuple[tuple, ...] = (_ac_tree(lhs), _ac_tree(rhs)) if ring_only else ()
    for order in orders:
        mapping = {name: f"v{order[i]}" for i, name in enumerate(names)}
        if ring_only:
            keys = sorted(("ac:" + _ac_text(trees[0], mapping), "ac:" + _ac_text(trees[1], mapping)))
        else:
            keys = sorted((side_key(_rename(lhs, mapping), False, canonicalizer),
                           side_key(_rename(rhs, mapping), False, canonicalizer)))
        text = " = ".join(keys)
        if best is None or text < best:
            best = text
    return best or ""


_POLYNOMIAL_OPS = frozenset({"num", "sym", "add", "sub", "mul", "neg", "pow"})


def _polynomial(e: Expr) -> bool:
    """Whether ``e`` is a polynomial with natural literal exponents (defined everywhere, modest values)."""
    if e.op not in _POLYNOMIAL_OPS:
        return False
    if e.op == "pow" and not (e.args[1].op == "num" and 0 <= e.args[1].value <= 4):  # type: ignore[operator]
        return False
    return all(_polynomial(child) for child in e.args)


def _ring_only(moves: list[Move]) -> bool:
    return all(move.direction.rule.family == "ring" for move in moves)


# -- generate -----------------------------------------------------------------------------------------------------

def generate(config: TheoremConfig, level: int, rng: random.Random) -> Derivation:
    """One theorem at ``level``; raises ``Dropped`` for a rejected candidate."""
    table = config.level_table(level)
    beyond_ring = level >= 3 and any(family != "ring" for family in table["families"])  # issue 12: levels 3-5
    int_share = config.int_share * (INT_SHARE_BEYOND_RING if beyond_ring else 1.0)
    domain = "int" if "ring" in table["families"] and rng.random() < int_share else "real"
    tables = config.tables(level, domain)
    try:
        start = start_expression(rng, config, tables, rng.randint(*table["start_size"]))
    except Unstable:
        raise Dropped("unstable_start") from None
    if start.size() > config.max_size:
        raise Dropped("too_big")
    walk = random_walk(rng, config, tables, start, table["walk_length"], table["distinct_rules"])
    lhs, rhs = start, walk[-1].after
    if not lhs.free_symbols() or not rhs.free_symbols():
        raise Dropped("constant_side")
    canonicalizer = Canonicalizer()  # this item's canonical forms (the sides are keyed for the walk and the proof)
    if side_key(lhs, _ring_only(walk), canonicalizer) == side_key(rhs, _ring_only(walk), canonicalizer):
        raise Dropped("trivial")
    proof = walk
    if config.search_budget and len(walk) > 1:
        allowed = {c for move in walk for c in move.conditions()}
        shorter = shortest_proof(lhs, rhs, tables.index, tables.book.directions, allowed, len(walk),
                                 config.search_budget, config.max_size)  # no bare-variable steps: see docstring
        if shorter:
            proof = shorter
    if proof is not walk and side_key(lhs, _ring_only(proof), canonicalizer) == side_key(rhs, _ring_only(proof),
                                                                                          canonicalizer):
        raise Dropped("trivial")
    expressions = [lhs] + [move.after for move in proof]
    if not has_variable(lhs) and not has_variable(rhs):
        raise Dropped("constant_sides")  # x*-(2*(1 - 1)) = ... : both sides are numbers (issue 11)
    try:  # the hypotheses must imply every expression's natural domain over ℝ, not just the rules' conditions
        conditions = tuple(dict.fromkeys(c for move in proof for c in move.conditions()))
        hypotheses = closed_hypotheses(expressions, conditions, keep=conditions)
    except EmptyDomain:
        raise Dropped("empty_domain") from None
    if hypotheses or not all(_polynomial(e) for e in (lhs, rhs)):
        # the checker's numeric test must find its points and agree; polynomials without hypotheses always do
        memo: dict = {}  # one compile memo: the chain's expressions share most subtrees
        values: dict = {}  # their values at the points, computed while drawing them
        points = theorem_check.domain_points(expressions, hypotheses, f"{level}:{to_infix(lhs)}", memo, values)
        if len(points) < theorem_check.POINTS.count:
            raise Dropped("empty_domain")
        if theorem_check.chain_disagreement(expressions, points, memo, values) is not None:
            raise Dropped("numerically_unstable")
    ring_closable = _ring_only(proof)
    if ring_closable and beyond_ring and domain == "real":
        raise Dropped("ring_closable")  # at levels with field/exp-log/trig rules a theorem must need one of them
    printed: dict[Expr, str] = {}  # each expression of the proof and the walk printed once
    steps = tuple(TheoremStep.of(move, printed) for move in proof)
    walk_rows = [TheoremStep.of(move, printed).to_row() for move in walk] if proof is not walk else []
    extra = {"proof_length": len(walk), "shortest_found": len(proof), "domain": domain,
             "ring_only": _ring_only(proof), "ring_closable": int(ring_closable),
             "walk": json.dumps(walk_rows, separators=(",", ":"))}
    return Derivation("theorem", level, eq(lhs, rhs), None, hypotheses, steps, extra)


def dedup_text(derivation: Derivation) -> str:
    lhs, rhs = derivation.problem.args
    ring_only = bool(derivation.extra.get("ring_only"))
    return f"theorem:{derivation.extra.get('domain')}:" + statement_key(lhs, rhs, ring_only)
