"""Searching over the rules: one-step neighbours, the bounded bidirectional shortest-proof search the generator
uses to avoid padded proofs, and the bounded best-first prover that measures difficulty (``bench/prover.py``).

Both searches only take steps whose side conditions are already among the allowed hypotheses (so a shorter proof
never needs a stronger theorem) and never produce trees over ``max_size`` nodes. Budgets count node expansions;
an expansion enumerates every rule application in one expression (with the compiled matchers of a
``CompiledIndex`` when given one); the shortest-proof search's last level skips children that cannot meet the other
side (see :func:`shortest_proof`), which changes no result.
To add a search: build it on :func:`neighbours` and return :class:`Move` lists the replay kernel accepts.
"""

# rpsdg: compiled with mypyc in the optional build (rpsdg/compiled.py says what that asks of a module)
from __future__ import annotations

import heapq
from collections import Counter
from typing import Collection, Iterator, Mapping

from rpsdg.expr.tree import Expr, Path
from rpsdg.kinds.theorem.rules.compiled import SIGNATURE_SHIFT, Weights, replace_at, signature, tree_size
from rpsdg.kinds.theorem.rules.match import Unstable, applications, rewrite
from rpsdg.kinds.theorem.rules.model import BACKWARD, FORWARD, Direction


class Move:
    """One rewrite ``before → after`` by ``direction`` at ``path`` under ``binding`` (binds every variable).

    A plain class with its own ``__init__`` (equal when every field is equal), not a frozen dataclass: the
    compiled build runs a dataclass's generated ``__init__`` as Python code, some 7,000 instructions a move, and
    the walk makes one per step (issue 15, speed per core). Treat it as immutable."""

    direction: Direction
    path: Path
    binding: Mapping[str, Expr]
    before: Expr
    after: Expr

    def __init__(self, direction: Direction, path: Path, binding: Mapping[str, Expr], before: Expr,
                 after: Expr) -> None:
        self.direction = direction
        self.path = path
        self.binding = binding
        self.before = before
        self.after = after

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Move):
            return NotImplemented
        return (self.direction == other.direction and self.path == other.path and self.binding == other.binding
                and self.before == other.before and self.after == other.after)

    __hash__ = None  # type: ignore[assignment]  # equal by value, and a binding (a dict) is not hashable

    def __repr__(self) -> str:
        return (f"Move(direction={self.direction!r}, path={self.path!r}, binding={self.binding!r}, "
                f"before={self.before!r}, after={self.after!r})")

    def conditions(self) -> tuple[Expr, ...]:
        """The rule's side conditions for this use (``conditions_of``, by the compiled builders)."""
        return tuple(build(self.binding) for build in self.direction.build_conditions)


def neighbours(expr: Expr, index: Mapping[str, tuple[Direction, ...]], allowed: Collection[Expr],
               max_size: int, bare_max_size: int = 0) -> Iterator[Move]:
    """Every move out of ``expr`` whose conditions are all in ``allowed``; bare-variable sources (``a → a*1``)
    only at subterms of at most ``bare_max_size`` nodes (0: never)."""
    for after, direction, path, binding in _children(expr, index, allowed, max_size, bare_max_size):
        yield Move(direction, path, binding, expr, after)


def _children(expr: Expr, index: Mapping[str, tuple[Direction, ...]], allowed: Collection[Expr], max_size: int,
              bare_max_size: int = 0) -> Iterator[tuple[Expr, Direction, Path, dict[str, Expr]]]:
    """:func:`neighbours` as plain tuples (the hot loop of both searches; frozen dataclasses are slow to make)."""
    size = tree_size(expr)
    for direction, path, binding in applications(expr, index, bare_max_size):
        try:
            if direction.rule.conditions and any(build(binding) not in allowed
                                                 for build in direction.build_conditions):
                continue
            if size + direction.grown(binding) > max_size:
                continue
            after = replace_at(expr, path, direction.build(binding))
        except Unstable:
            continue
        yield after, direction, path, binding


def reverse(move: Move, directions: Mapping[tuple[str, str], Direction]) -> Move:
    """The same rule instance used the other way: ``after → before``."""
    other = BACKWARD if move.direction.direction == FORWARD else FORWARD
    return Move(directions[(move.direction.rule.name, other)], move.path, move.binding, move.after, move.before)


def shortest_proof(lhs: Expr, rhs: Expr, index: Mapping[str, tuple[Direction, ...]],
                   directions: Mapping[tuple[str, str], Direction], allowed: Collection[Expr],
                   shorter_than: int, budget: int, max_size: int, bare_max_size: int = 0) -> list[Move] | None:
    """A proof ``lhs → ... → rhs`` with fewer than ``shorter_than`` steps, found by breadth-first search from
    both ends, level by level, the smaller frontier first, within ``budget`` expansions; ``None`` if none was
    found. Moves found from the ``rhs`` end are reversed (every rule is an equation), so the result replays.

    Speed (same result): the last level a search can expand (the step bound or the budget ends it) only matters
    through children that meet the other side, so there a child is not even built unless its signature (a sum of
    per-label weights that also encodes its size, known before building it: :attr:`Direction.reweighed` plus the
    bindings' signatures; ``rules/compiled.py: signature``) is the signature of some expression the other side
    reached, and a built child that is not in the other side's ``reached`` is not recorded at all. At the other
    levels a new child is looked up on the other side only when its signature is among that side's (every tree a
    side reaches before its last level has its signature recorded): one hash of a tree less for most children."""
    # each side's reached expressions → (steps from its end, direction, path, binding, the expression before)
    root = (0, None, None, None, None)
    reached: tuple[dict[Expr, tuple], dict[Expr, tuple]] = ({lhs: root}, {rhs: root})
    weights = Weights()  # this search's label weights (signatures: rules/compiled.py)
    signatures: tuple[set[int], set[int]] = ({signature(lhs, weights)}, {signature(rhs, weights)})
    frontier_signatures = [list(signatures[0]), list(signatures[1])]  # the signature of each frontier node
    frontiers = [[lhs], [rhs]]
    levels = [0, 0]
    expansions = 0
    limit = (max_size + 1) << SIGNATURE_SHIFT  # a signature at least this has more than max_size nodes
    fold = weights["neg"]  # what folding a minus sign onto a literal takes off a signature
    while levels[0] + levels[1] + 1 < shorter_than:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            side = 1 - side
            if not frontiers[side]:
                return None
        best: tuple[int, Expr] | None = None
        following: list[Expr] = []
        following_signatures: list[int] = []
        mine, theirs, my_signatures, their_signatures = reached[side], reached[1 - side], signatures[side], \
            signatures[1 - side]
        depth = levels[side] + 1
        last = levels[0] + levels[1] + 2 >= shorter_than or expansions + len(frontiers[side]) >= budget
        meet = their_signatures if last else None
        for node, weight in zip(frontiers[side], frontier_signatures[side]):
            if expansions >= budget:
                return _assemble(best, reached, directions)
            expansions += 1
            for direction, path, binding in applications(node, index, bare_max_size):
                # every test below only skips the application, so the cheapest go first
                new, excess, folds, build_conditions, build = direction.plan
                new += weight
                for name, extra in excess:
                    new += extra * signature(binding[name], weights)
                if new >= limit:
                    continue  # more than max_size nodes (as size + grown(binding) > max_size)
                if meet is not None and new not in meet and (
                        not folds or not any(new - j * fold in meet for j in range(1, folds + 1))):
                    continue  # cannot meet the other side, and nothing after this level is expanded
                try:
                    if build_conditions and any(condition(binding) not in allowed for condition in build_conditions):
                        continue
                    child = replace_at(node, path, build(binding))
                except Unstable:
                    continue
                if meet is not None and child not in theirs:
                    continue  # the last level: a child that does not meet the other side changes nothing
                known = len(mine)
                mine.setdefault(child, (depth, direction, path, binding, node))  # the methods themselves, not
                # bound-method aliases: compiled code calls a dict's, set's and list's own methods directly
                if len(mine) == known:
                    continue  # reached before: the first way stays (a setdefault that found it leaves ``mine`` as long;
                    # not ``setdefault(...) is entry``: the compiled build boxes a tuple anew where it is passed)
                if meet is None:
                    child_signature = signature(child, weights) if folds else new
                    following.append(child)
                    my_signatures.add(child_signature)
                    following_signatures.append(child_signature)
                    if child_signature not in their_signatures:
                        continue  # the other side has reached no tree of this signature, so not this one
                other = theirs.get(child)
                if other is None:
                    continue
                total = depth + other[0]
                if total < shorter_than and (best is None or total < best[0]):
                    best = (total, child)
        if best is not None:
            return _assemble(best, reached, directions)
        frontiers[side] = following
        frontier_signatures[side] = following_signatures
        levels[side] += 1
    return None


def _assemble(best, reached, directions) -> list[Move] | None:
    if best is None:
        return None
    _, meet = best
    forward: list[Move] = []
    node = meet
    while reached[0][node][1] is not None:
        _, direction, path, binding, before = reached[0][node]
        forward.append(Move(direction, path, binding, before, node))
        node = before
    forward.reverse()
    node = meet
    while reached[1][node][1] is not None:
        _, direction, path, binding, before = reached[1][node]
        back = reverse(Move(direction, path, binding, before, node), directions)
        try:
            if rewrite(back.before, back.direction, back.path, back.binding) != back.after:
                return None
        except (Unstable, IndexError, KeyError):
            return None
        forward.append(back)
        node = before
    return forward


def _subterms(e: Expr) -> Counter:
    return Counter(node for _, node in e.positions())


def best_first_prove(lhs: Expr, rhs: Expr, index: Mapping[str, tuple[Direction, ...]], allowed: Collection[Expr],
                     budget: int, max_size: int, step_weight: float = 1.0, bare_max_size: int = 0) -> int | None:
    """A best-first prover: expand first the expression with the least ``step_weight`` · steps + distance, the
    distance being the number of subterms it does not share with ``rhs`` (counted both ways); the length of the
    proof found within ``budget`` expansions, or ``None``."""
    goal = _subterms(rhs)

    def distance(e: Expr) -> int:
        mine = _subterms(e)
        return sum(((mine - goal) + (goal - mine)).values())

    queue = [(float(distance(lhs)), 0, 0, lhs)]
    seen = {lhs}
    counter = 0
    for _ in range(budget):
        if not queue:
            return None
        _, _, steps, node = heapq.heappop(queue)
        for child, _, _, _ in _children(node, index, allowed, max_size, bare_max_size):
            if child == rhs:
                return steps + 1
            if child in seen:
                continue
            seen.add(child)
            counter += 1
            heapq.heappush(queue, (step_weight * (steps + 1) + distance(child), counter, steps + 1, child))
    return None
