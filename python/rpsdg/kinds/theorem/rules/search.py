"""Searching over the rules: one-step neighbours, the bounded bidirectional shortest-proof search the generator
uses to avoid padded proofs, and the bounded best-first prover that measures difficulty (``bench/prover.py``).

Both searches only take steps whose side conditions are already among the allowed hypotheses (so a shorter proof
never needs a stronger theorem) and never produce trees over ``max_size`` nodes. Budgets count node expansions;
an expansion enumerates every rule application in one expression (with the compiled matchers of a
``CompiledIndex`` when given one); the shortest-proof search's last level skips children that cannot meet the other
side (see :func:`shortest_proof`), which changes no result.
To add a search: build it on :func:`neighbours` and return :class:`Move` lists the replay kernel accepts.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass
from typing import Collection, Iterator, Mapping

from rpsdg.expr.tree import Expr, Path
from rpsdg.kinds.theorem.rules.compiled import replace_at, tree_size
from rpsdg.kinds.theorem.rules.match import Unstable, applications, rewrite
from rpsdg.kinds.theorem.rules.model import BACKWARD, FORWARD, Direction


@dataclass(frozen=True)
class Move:
    """One rewrite ``before → after`` by ``direction`` at ``path`` under ``binding`` (binds every variable)."""

    direction: Direction
    path: Path
    binding: Mapping[str, Expr]
    before: Expr
    after: Expr

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
    through children that meet the other side, so there a child is not even built unless its size (known before
    building it: :meth:`Direction.grown`) is the size of some expression the other side reached."""
    dist: tuple[dict[Expr, int], dict[Expr, int]] = ({lhs: 0}, {rhs: 0})
    parents: tuple[dict[Expr, tuple | None], dict[Expr, tuple | None]] = ({lhs: None}, {rhs: None})
    sizes: tuple[set[int], set[int]] = ({tree_size(lhs)}, {tree_size(rhs)})
    frontier_sizes = [[tree_size(lhs)], [tree_size(rhs)]]  # the size of each frontier node, in order
    frontiers = [[lhs], [rhs]]
    levels = [0, 0]
    expansions = 0
    while levels[0] + levels[1] + 1 < shorter_than:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            side = 1 - side
            if not frontiers[side]:
                return None
        best: tuple[int, Expr] | None = None
        following: list[Expr] = []
        following_sizes: list[int] = []
        mine, theirs, my_parents, my_sizes = dist[side], dist[1 - side], parents[side], sizes[side]
        depth = levels[side] + 1
        last = levels[0] + levels[1] + 2 >= shorter_than or expansions + len(frontiers[side]) >= budget
        meet_sizes = sizes[1 - side] if last else None
        for node, size in zip(frontiers[side], frontier_sizes[side]):
            if expansions >= budget:
                return _assemble(best, parents, directions)
            expansions += 1
            for direction, path, binding in applications(node, index, bare_max_size):
                # every test below only skips the application, so the cheapest go first
                new_size = size + direction.grown(binding)
                if new_size > max_size:
                    continue
                folds = direction.folds
                if meet_sizes is not None and new_size not in meet_sizes and (
                        not folds or not any(new_size - j in meet_sizes for j in range(1, folds + 1))):
                    continue  # cannot meet the other side, and nothing after this level is expanded
                try:
                    if direction.rule.conditions and any(build(binding) not in allowed
                                                         for build in direction.build_conditions):
                        continue
                    child = replace_at(node, path, direction.build(binding))
                except Unstable:
                    continue
                if child in mine:
                    continue
                mine[child] = depth
                my_parents[child] = (direction, path, binding, node)
                following.append(child)
                child_size = tree_size(child) if folds else new_size
                my_sizes.add(child_size)
                following_sizes.append(child_size)
                if child in theirs:
                    total = dist[0][child] + dist[1][child]
                    if total < shorter_than and (best is None or total < best[0]):
                        best = (total, child)
        if best is not None:
            return _assemble(best, parents, directions)
        frontiers[side] = following
        frontier_sizes[side] = following_sizes
        levels[side] += 1
    return None


def _assemble(best, parents, directions) -> list[Move] | None:
    if best is None:
        return None
    _, meet = best
    forward: list[Move] = []
    node = meet
    while parents[0][node] is not None:
        direction, path, binding, before = parents[0][node]
        forward.append(Move(direction, path, binding, before, node))
        node = before
    forward.reverse()
    node = meet
    while parents[1][node] is not None:
        direction, path, binding, before = parents[1][node]
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
