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
Levels map to the knobs in :class:`TheoremConfig` (``config.py``, re-exported here). To add a family: add a rule
file (``rules/``) and, if it needs new operators in start expressions, list them in ``config.FAMILY_OPERATORS``.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any, Final, Mapping

from rpsdg.kinds.theorem import check as theorem_check
from rpsdg.core import Derivation, Dropped
from rpsdg.draws import choice, randint, randrange
from rpsdg.maths.domain import EmptyDomain, closed_hypotheses, has_variable
from rpsdg.expr.canonical import Canonicalizer, CanonTooBig, canon_key, sum_key
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import Expr, eq, neg, new_node, num, sym
from rpsdg.kinds.theorem.config import (ALL_FAMILIES, DEFAULT_LEVELS, LEVEL_KEYS,  # noqa: F401 (re-exported)
                                        FAMILY_OPERATORS, RING_OPERATORS, LevelTables, TheoremConfig)
from rpsdg.kinds.theorem.rules.compiled import compile_builder, replace_at, tree_size
from rpsdg.kinds.theorem.rules.match import Unstable, applications, format_substitution
from rpsdg.kinds.theorem.rules.model import Direction
from rpsdg.kinds.theorem.rules.search import Move, shortest_proof

_new: Final = new_node
"""``_new(Expr, (op, args, value))`` builds a node without the Python-level ``Expr.__new__`` (hot paths)."""

try:  # the C renderer of prepared trees, built only by the optional compiled install (setup.py, RPSDG_COMPILE=1)
    from rpsdg.expr._fastprint import ac_text as _c_ac_text  # type: ignore[import-not-found, import-untyped]
except ImportError:
    _c_ac_text = None


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

    def __init__(self, rule: str, direction: str, path: tuple[int, ...], substitution: tuple[tuple[str, Expr], ...],
                 before: Expr, after: Expr, printed: tuple[str, ...] = ()) -> None:
        # written out (the dataclass's own would do the same): the compiled build runs a generated __init__ as
        # Python code, about 10x the cost of this one compiled
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "direction", direction)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "substitution", substitution)
        object.__setattr__(self, "before", before)
        object.__setattr__(self, "after", after)
        object.__setattr__(self, "printed", printed)

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
            texts = (_printed(move.before, printed), _printed(move.after, printed))
        return TheoremStep(move.direction.rule.name, move.direction.direction, tuple(move.path),
                           tuple(sorted(move.binding.items())), move.before, move.after, texts)


def _printed(e: Expr, printed: dict[Expr, str]) -> str:
    """``to_infix(e)``, remembered in ``printed`` (one item's memo)."""
    text = printed.get(e)
    if text is None:
        text = printed[e] = to_infix(e)
    return text


# -- start expressions --------------------------------------------------------------------------------------------

def _leaf(rng: random.Random, config: TheoremConfig) -> Expr:
    if rng.random() < config.p_variable:
        return sym(choice(rng, config.variables))
    return num(randint(rng, *config.integers))


def _apply(op: str, args: list[Expr]) -> Expr:
    if op == "neg":
        return neg(args[0])
    if op == "pow2":
        return _new(Expr, ("pow", (args[0], num(2)), None))
    return _new(Expr, (op, tuple(args), None))


_UNARY: Final = frozenset({"neg", "pow2", "exp", "log", "sin", "cos", "tan"})


INT_SHARE_BEYOND_RING: Final = 0.25
"""At levels with families beyond ``ring``, ``int_share`` is scaled by this: items over ℤ use ring rules only, so
each is closed by ``ring``; at most about a fifth of those levels' items may be (issue 12)."""
NON_RING_SEED_SHARE: Final = 0.8
"""Where a level has families beyond ``ring`` (over ℝ), the share of start expressions built around an instance of
a non-ring rule (field, exp/log, trig), so that the theorem needs more than ring axioms."""
NON_RING_WEIGHT: Final = 3.0
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
        seed = choice(rng, _seeds(rng, tables))
        binding = {name: _small_instance(rng, config) for name in seed.rule.variables}
        pieces.append(compile_builder(seed.source)(binding))  # instantiate(seed.source, binding), compiled
    for _ in range(operators):
        op = choice(rng, tables.operators)
        if op in _UNARY:
            i = randrange(rng, 0, len(pieces))
            if _noise(op, pieces[i], pieces[i]):
                continue
            pieces[i] = _apply(op, [pieces[i]])
        elif len(pieces) > 1 and rng.random() < 0.5:
            a = pieces.pop(randrange(rng, 0, len(pieces)))
            b = pieces.pop(randrange(rng, 0, len(pieces)))
            pieces.append(_apply(op, [a, b]))
        else:
            i = randrange(rng, 0, len(pieces))
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
        pieces.append(_apply(choice(rng, ("add", "mul", "sub")), [a, b]))
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
    op = choice(rng, ("add", "mul", "sub"))
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


Candidate = tuple[float, Direction, tuple[int, ...], dict[str, Expr]]
"""(weight, direction, path, binding): typed, so compiled code sums and compares the weights as floats."""


def _candidates(state: Expr, index: Mapping[str, tuple[Direction, ...]], bare_max: int, need: int, remaining: int,
                used: set[str], previous: str, tables: LevelTables, config: TheoremConfig) -> list[Candidate]:
    """(weight, direction, path, binding) of every admissible application: K-constraint, weight toward unused
    rules and toward successors of the previous rule in the rule graph."""
    successors = tables.successors.get(previous, frozenset()) if previous else frozenset()
    candidates: list[Candidate] = []
    unused_weight: float = config.unused_weight
    graph_weight: float = config.graph_weight
    only_fresh, only_used = need == remaining, need == 0
    for direction, path, binding in applications(state, index, bare_max):
        name, beyond_ring = direction.walk_key
        fresh = name not in used
        if (only_fresh and not fresh) or (only_used and fresh):
            continue
        weight: float = unused_weight if fresh else 1.0
        if name in successors:
            weight *= graph_weight
        if beyond_ring:
            weight *= NON_RING_WEIGHT
        if weight > 0:
            candidates.append((weight, direction, path, binding))
    return candidates


def _pick(rng: random.Random, candidates: list[Candidate], state: Expr, seen: set, moves: list,
          config: TheoremConfig) -> Move:
    undo = False
    size = tree_size(state)
    while candidates:
        total = 0.0
        for candidate in candidates:
            total += candidate[0]  # what sum() gave on 3.11 (plain adds in order; exact for these weights), pinned
        target = rng.random() * total
        i = 0
        for i in range(len(candidates)):
            target -= candidates[i][0]
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
        grown = direction.size_delta  # direction.grown(binding), without a call into its uncompiled class
        for name, extra in direction.excess:
            grown += extra * tree_size(binding[name])
        if after == state or size + grown > config.max_size:
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


def _ac_tree(e: Expr) -> tuple | str:
    """``e`` prepared for :func:`_ac_text` (sums and products flattened, literals printed): what :func:`ac_key`
    renders, and :func:`statement_key` renders once per renaming of the variables. A variable-free subtree is
    already its text (a renaming cannot change it)."""
    op = e.op
    if op == "sym":
        return ("sym", e.value)
    if op == "num":
        return str(e.value)
    if op == "add" or op == "mul":
        items: list[Expr] = []
        _flatten(e, op, items)
        tree: tuple = ("ac", op, tuple([_ac_tree(item) for item in items]))
    else:
        tree = ("op", op, tuple([_ac_tree(child) for child in e.args]))
    for child in tree[2]:
        if type(child) is not str:
            return tree
    return _ac_text(tree, {})


def _ac_text(tree: tuple | str, names: Mapping[str, str]) -> str:
    """``ac_key(e, names)`` of the ``e`` that ``tree`` was made from: in the compiled build by ``ac_text`` of
    ``rpsdg/expr/_fastprint.c`` (the same text; ``None`` for a tree it does not take), else by
    :func:`_python_ac_text`."""
    if _c_ac_text is not None:
        text = _c_ac_text(tree, names)
        if text is not None:
            return text
    return _python_ac_text(tree, names)


def _python_ac_text(tree: tuple | str, names: Mapping[str, str]) -> str:
    if type(tree) is str:
        return tree
    kind = tree[0]
    if kind == "sym":
        return names[tree[1]] if names else tree[1]
    parts = [child if type(child) is str else _python_ac_text(child, names) for child in tree[2]]
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
    trees: tuple[tuple | str, ...] = (_ac_tree(lhs), _ac_tree(rhs)) if ring_only else ()
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


_POLYNOMIAL_OPS: Final = frozenset({"num", "sym", "add", "sub", "mul", "neg", "pow"})


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
        start = start_expression(rng, config, tables, randint(rng, *table["start_size"]))
    except Unstable:
        raise Dropped("unstable_start") from None
    if tree_size(start) > config.max_size:
        raise Dropped("too_big")
    walk = random_walk(rng, config, tables, start, table["walk_length"], table["distinct_rules"])
    lhs, rhs = start, walk[-1].after
    if not has_variable(lhs) or not has_variable(rhs):
        raise Dropped("constant_side")
    canonicalizer = Canonicalizer()  # this item's canonical forms (the sides are keyed for the walk and the proof)
    walk_ring_only = _ring_only(walk)
    if side_key(lhs, walk_ring_only, canonicalizer) == side_key(rhs, walk_ring_only, canonicalizer):
        raise Dropped("trivial")
    proof = walk
    if config.search_budget and len(walk) > 1:
        allowed = {c for move in walk for c in move.conditions()}
        shorter = shortest_proof(lhs, rhs, tables.index, tables.book.directions, allowed, len(walk),
                                 config.search_budget, config.max_size)  # no bare-variable steps: see docstring
        if shorter:
            proof = shorter
    ring_closable = _ring_only(proof) if proof is not walk else walk_ring_only
    if ring_closable != walk_ring_only and \
            side_key(lhs, ring_closable, canonicalizer) == side_key(rhs, ring_closable, canonicalizer):
        raise Dropped("trivial")  # with the walk's kind of key, the keys are the ones that already differed
    expressions = [lhs] + [move.after for move in proof]
    try:  # the hypotheses must imply every expression's natural domain over ℝ, not just the rules' conditions
        conditions = tuple(dict.fromkeys(c for move in proof for c in move.conditions()))
        hypotheses = closed_hypotheses(expressions, conditions, keep=conditions)
    except EmptyDomain:
        raise Dropped("empty_domain") from None
    printed: dict[Expr, str] = {}  # each expression of the proof and the walk printed once
    if hypotheses or not all(_polynomial(e) for e in (lhs, rhs)):
        # the checker's numeric test must find its points and agree; polynomials without hypotheses always do
        memo: dict = {}  # one compile memo: the chain's expressions share most subtrees
        values: dict = {}  # their values at the points, computed while drawing them
        seed = f"{level}:{_printed(lhs, printed)}"
        points = theorem_check.domain_points(expressions, hypotheses, seed, memo, values)
        if len(points) < theorem_check.POINTS.count:
            raise Dropped("empty_domain")
        if theorem_check.chain_disagreement(expressions, points, memo, values) is not None:
            raise Dropped("numerically_unstable")
    if ring_closable and beyond_ring and domain == "real":
        raise Dropped("ring_closable")  # at levels with field/exp-log/trig rules a theorem must need one of them
    steps = tuple(TheoremStep.of(move, printed) for move in proof)
    walk_rows = [TheoremStep.of(move, printed).to_row() for move in walk] if proof is not walk else []
    extra = {"proof_length": len(walk), "shortest_found": len(proof), "domain": domain,
             "ring_only": ring_closable, "ring_closable": int(ring_closable),
             "walk": json.dumps(walk_rows, separators=(",", ":"))}
    return Derivation("theorem", level, eq(lhs, rhs), None, hypotheses, steps, extra)


def dedup_text(derivation: Derivation) -> str:
    lhs, rhs = derivation.problem.args
    ring_only = bool(derivation.extra.get("ring_only"))
    return f"theorem:{derivation.extra.get('domain')}:" + statement_key(lhs, rhs, ring_only)
