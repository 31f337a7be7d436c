"""The theorem generator's fast paths (issue 15) give exactly what the generic code gives.

The compiled matchers (``rules/compiled.py``, used through ``match.CompiledIndex``) must list the same
applications, in the same order, with equal bindings in the same order, as the generic ``match.applications`` on
every expression the generator meets; the compiled builders must build the same trees as ``instantiate`` and refuse
the same rewrites (``Unstable``). The expressions come from real walks at every level (their states and every
application's result) and from the rule patterns themselves instantiated with awkward terms (literals <= 0,
repeated subterms, negations).
"""

from __future__ import annotations

import random

import pytest

from rpsdg.core import Dropped
from rpsdg.expr.parse import parse
from rpsdg.expr.tree import Expr, num, sym
from rpsdg.kinds.theorem.generate import TheoremConfig, random_walk, start_expression
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.compiled import (SIGNATURE_SHIFT, Unstable, Weights, compile_builder,
                                                generated_builder, replace_at, signature, tree_size)
from rpsdg.kinds.theorem.rules.match import CompiledIndex, _applications, applications, instantiate, replace

BOOK = default_rulebook()
CONFIG = TheoremConfig()


def _as_list(expr: Expr, index, bare: int) -> list[tuple]:
    return [(d.key, path, list(binding.items())) for d, path, binding in applications(expr, index, bare)]


def _reference(expr: Expr, index, bare: int) -> list[tuple]:
    return [(d.key, path, list(binding.items())) for d, path, binding in _applications(expr, index, bare)]


def _walk_states(count: int) -> list[Expr]:
    """States of real walks at every level and domain, and every one-step rewrite of them."""
    states: list[Expr] = []
    for number in range(count):
        rng = random.Random(f"speed:{number}")
        level = 1 + number % 5
        table = CONFIG.level_table(level)
        domain = "int" if number % 3 == 0 and "ring" in table["families"] else "real"
        tables = CONFIG.tables(level, domain)
        try:
            start = start_expression(rng, CONFIG, tables, rng.randint(*table["start_size"]))
            walk = random_walk(rng, CONFIG, tables, start, table["walk_length"], table["distinct_rules"])
        except (Dropped, Unstable):
            continue
        states.append(start)
        states.extend(move.after for move in walk)
    return states


def _pattern_instances() -> list[Expr]:
    """Every rule side instantiated with awkward terms."""
    terms = [num(0), num(1), num(-2), num(3), sym("x"), parse("-x"), parse("x + 1"), parse("x*x"), parse("2/x")]
    out = []
    rng = random.Random(7)
    for rule in BOOK.rules:
        for _ in range(6):
            binding = {name: rng.choice(terms) for name in rule.variables}
            for side in (rule.lhs, rule.rhs):
                try:
                    out.append(instantiate(side, binding))
                except Unstable:
                    pass
    return out


@pytest.fixture(scope="module")
def expressions() -> list[Expr]:
    return _walk_states(60) + _pattern_instances()


def test_compiled_applications_equal_generic(expressions: list[Expr]) -> None:
    levels_domains = [(level, domain) for level in range(1, 6) for domain in ("int", "real")
                      if (level, domain) in CONFIG._tables]  # type: ignore[attr-defined]
    compared = 0
    for level, domain in levels_domains:
        tables = CONFIG.tables(level, domain)
        plain = dict(tables.index)
        assert isinstance(tables.index, CompiledIndex)
        for expr in expressions:
            for bare in (0, 3):
                got = _as_list(expr, tables.index, bare)
                assert got == _reference(expr, plain, bare), (level, domain, expr, bare)
                compared += len(got)
            assert _as_list(expr, tables.plain, 0) == _reference(expr, dict(tables.plain), 0)
            assert _as_list(expr, tables.bare, 3) == _reference(expr, dict(tables.bare), 3)
    assert compared > 10_000  # the comparison saw real work


def test_compiled_index_of_whole_book(expressions: list[Expr]) -> None:
    index = BOOK.index()
    compiled = CompiledIndex(index)
    for expr in expressions:
        assert _as_list(expr, compiled, 2) == _reference(expr, index, 2)


def test_builders_equal_instantiate(expressions: list[Expr]) -> None:
    rng = random.Random(11)
    pool = [e for e in expressions if e.size() <= 7] + [num(0), num(-1), num(5), sym("y")]
    checked = refused = 0
    for direction in BOOK.directions.values():
        for _ in range(8):
            binding = {name: rng.choice(pool) for name in direction.rule.variables}
            for pattern, build in [(direction.target, direction.build)] + list(
                    zip(direction.rule.conditions, direction.build_conditions)):
                try:
                    expected = instantiate(pattern, binding)
                except Unstable:
                    with pytest.raises(Unstable):
                        build(binding)
                    refused += 1
                    continue
                assert build(binding) == expected
                checked += 1
    assert checked > 500 and refused > 0


def test_signature_predicts_the_rewrite(expressions: list[Expr]) -> None:
    """The search's last-level filter: ``signature`` counts the nodes (its high part), equal trees have equal
    signatures, and node + ``reweighed`` + excess x binding signatures is the rewritten tree's signature, less one
    ``neg`` weight per folded minus sign (at most ``folds``)."""
    weights = Weights()
    fold = weights["neg"]
    index = CompiledIndex(BOOK.index())
    checked = folded = 0
    for expr in expressions:
        assert signature(expr, weights) >> SIGNATURE_SHIFT == tree_size(expr)
        for direction, path, binding in applications(expr, index, 0):
            try:
                after = replace_at(expr, path, direction.build(binding))
            except Unstable:
                continue
            predicted = signature(expr, weights) + direction.reweighed + sum(
                extra * signature(binding[name], weights) for name, extra in direction.excess)
            actual = signature(after, weights)
            assert predicted >> SIGNATURE_SHIFT == tree_size(expr) + direction.grown(binding)
            assert actual in [predicted - j * fold for j in range(direction.folds + 1)], (expr, direction.key)
            checked += 1
            folded += actual != predicted
    assert checked > 1000 and folded > 0


def test_builder_folds_and_refuses_like_instantiate() -> None:
    build = compile_builder(parse("-a*b"))
    assert build({"a": num(3), "b": sym("x")}) == parse("-3*x")
    with pytest.raises(Unstable):
        compile_builder(parse("-(-a)"))({"a": num(3)})
    with pytest.raises(KeyError):
        compile_builder(parse("a + b"))({"a": num(3)})


def test_compiled_code_holds_no_rule_text_but_literals() -> None:
    """The generated source's string constants are only operator names and the rules' variable names."""
    import ast
    import io
    import tokenize

    heads = CompiledIndex(BOOK.index(), use_c=False).heads  # the generated Python (the C matcher has none)
    allowed = {node.op for rule in BOOK.rules for side in (rule.lhs, rule.rhs) for _, node in side.positions()}
    allowed |= {name for rule in BOOK.rules for name in rule.variables}
    for op, head in heads.items():
        text = head.generated  # type: ignore[attr-defined]
        assert "def match_head(node, path, out):" in text
        strings = {ast.literal_eval(token.string) for token in tokenize.generate_tokens(io.StringIO(text).readline)
                   if token.type == tokenize.STRING}
        assert strings and strings <= allowed, (op, strings - allowed)
    with pytest.raises(TypeError):
        generated_builder(Expr("sym", (), "a; import os"))  # the C instantiate generates no code: needs no check


def test_replace_at_and_tree_size_equal_generic(expressions: list[Expr]) -> None:
    rng = random.Random(5)
    news = [num(3), num(-1), sym("z"), parse("x + 1"), parse("-y")]
    checked = refused = 0
    for expr in expressions:
        assert tree_size(expr) == expr.size()
        for path, _ in expr.positions():
            new = rng.choice(news)
            try:
                expected = replace(expr, path, new)
            except Unstable:
                with pytest.raises(Unstable):
                    replace_at(expr, path, new)
                refused += 1
                continue
            assert replace_at(expr, path, new) == expected
            checked += 1
    assert checked > 1000 and refused > 0


def _reference_ac_key(e: Expr, names: dict[str, str]) -> str:
    """``ac_key`` as first written: one recursive rendering, sums and products flattened and sorted."""
    if e.op == "sym":
        return names.get(e.value, e.value)
    if e.op == "num":
        return str(e.value)
    if e.op in ("add", "mul"):
        items: list[Expr] = []
        stack = [e]
        while stack:
            node = stack.pop()
            if node.op == e.op:
                stack.extend(reversed(node.args))
            else:
                items.append(node)
        return e.op + "(" + ",".join(sorted(_reference_ac_key(item, names) for item in items)) + ")"
    return e.op + "(" + ",".join(_reference_ac_key(child, names) for child in e.args) + ")"


def test_ac_text_equals_ac_key(expressions: list[Expr]) -> None:
    from rpsdg.kinds.theorem.generate import _ac_text, _ac_tree, ac_key

    from rpsdg.expr.parse import parse

    for expr in expressions + [parse("x*(2*(3 + -4)) + (1 + 5)*y")]:
        names = sorted(expr.free_symbols())
        mapping = {name: f"v{len(names) - i}" for i, name in enumerate(names)}
        tree = _ac_tree(expr)
        assert _ac_text(tree, mapping) == ac_key(expr, mapping) == _reference_ac_key(expr, mapping)
        assert _ac_text(tree, {}) == ac_key(expr) == _reference_ac_key(expr, {})
    assert _ac_tree(parse("2*(3 + -4)")) == "mul(2,add(-4,3))"  # a variable-free tree is its text


def _assemble(best, parents, directions):
    """The proof through ``best`` as the search assembled it before its ``reached`` tables (the reference's)."""
    from rpsdg.kinds.theorem.rules.match import rewrite
    from rpsdg.kinds.theorem.rules.search import Move, reverse

    if best is None:
        return None
    _, meet = best
    forward = []
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


def _reference_shortest_proof(lhs, rhs, index, directions, allowed, shorter_than, budget, max_size):
    """The search as it was before the last-level filter, on the generic matcher: the reference."""
    from rpsdg.kinds.theorem.rules.match import conditions_of

    def children(expr):
        size = expr.size()
        for direction, path, binding in _applications(expr, index, 0):
            try:
                if direction.rule.conditions and any(c not in allowed for c in conditions_of(direction, binding)):
                    continue
                if size + direction.grown(binding) > max_size:
                    continue
                after = replace(expr, path, instantiate(direction.target, binding))
            except Unstable:
                continue
            yield after, direction, path, binding

    dist = ({lhs: 0}, {rhs: 0})
    parents = ({lhs: None}, {rhs: None})
    frontiers = [[lhs], [rhs]]
    levels = [0, 0]
    expansions = 0
    while levels[0] + levels[1] + 1 < shorter_than:
        side = 0 if len(frontiers[0]) <= len(frontiers[1]) else 1
        if not frontiers[side]:
            side = 1 - side
            if not frontiers[side]:
                return None
        best = None
        following = []
        for node in frontiers[side]:
            if expansions >= budget:
                return _assemble(best, parents, directions)
            expansions += 1
            for child, direction, path, binding in children(node):
                if child in dist[side]:
                    continue
                dist[side][child] = levels[side] + 1
                parents[side][child] = (direction, path, binding, node)
                following.append(child)
                if child in dist[1 - side]:
                    total = dist[0][child] + dist[1][child]
                    if total < shorter_than and (best is None or total < best[0]):
                        best = (total, child)
        if best is not None:
            return _assemble(best, parents, directions)
        frontiers[side] = following
        levels[side] += 1
    return None


def test_shortest_proof_equals_reference() -> None:
    """The last-level filter and the compiled matchers find the very same proofs (or none) as the plain search."""
    from rpsdg.kinds.theorem.rules.search import shortest_proof

    def moves(proof):
        return None if proof is None else [(m.direction.key, m.path, sorted(m.binding.items()), m.before, m.after)
                                           for m in proof]

    found = compared = 0
    for number in range(40):
        rng = random.Random(f"search:{number}")
        level = 2 + number % 4
        table = CONFIG.level_table(level)
        tables = CONFIG.tables(level, "real")
        try:
            start = start_expression(rng, CONFIG, tables, rng.randint(*table["start_size"]))
            walk = random_walk(rng, CONFIG, tables, start, table["walk_length"], table["distinct_rules"])
        except (Dropped, Unstable):
            continue
        allowed = {c for move in walk for c in move.conditions()}
        lhs, rhs = start, walk[-1].after
        for budget in (3, 16, 40):
            got = shortest_proof(lhs, rhs, tables.index, tables.book.directions, allowed, len(walk), budget,
                                 CONFIG.max_size)
            expected = _reference_shortest_proof(lhs, rhs, dict(tables.index), tables.book.directions, allowed,
                                                 len(walk), budget, CONFIG.max_size)
            assert moves(got) == moves(expected), (number, budget)
            compared += 1
            found += got is not None
    assert compared > 60 and found > 0


def test_a_config_unpickled_in_a_worker_shares_the_tables_instead_of_rebuilding_them():
    """Workers unpickle the build's config for every chunk; the tables are a memo of the config's families."""
    import pickle

    from rpsdg.kinds.theorem.generate import TheoremConfig

    config = TheoremConfig()
    again = pickle.loads(pickle.dumps(config))
    assert again == config and again.tables(3, "real") is config.tables(3, "real")
    other = TheoremConfig(levels={**config.levels, 3: {**config.levels[3], "families": ["ring"]}})
    assert other.tables(3, "real") is not config.tables(3, "real")
    assert {d.rule.family for ds in other.tables(3, "real").index.values() for d in ds} == {"ring"}


def test_problem_read_from_its_sides_is_the_parsed_problem(expressions: list[Expr]) -> None:
    from rpsdg.expr.parse import parse
    from rpsdg.expr.printers import to_infix
    from rpsdg.kinds.theorem.check import _problem_of_sides

    texts = [to_infix(e) for e in expressions[:80]] + ["x = y", "(x, y)", "-(-(-x))", "x**y**z", "sin(x)/(1 - y)"]
    read = 0
    for lhs, rhs in zip(texts, texts[1:] + texts[:1]):
        row = {"problem": f"Eq({lhs}, {rhs})", "steps": [{"before": lhs}, {"after": rhs}]}
        parsed: dict[str, Expr] = {}
        tree = _problem_of_sides(row, parsed)
        if tree is not None:
            assert tree == parse(row["problem"]) and parsed[lhs] == parse(lhs) and parsed[rhs] == parse(rhs)
            read += 1
    assert read > 60
    refused = [{"problem": "Eq(x, y)", "steps": [{"before": "x"}, {"after": "z"}]},  # not the sides' text
               {"problem": "Eq(x, y, z)", "steps": [{"before": "x, y"}, {"after": "z"}]},  # a side does not parse
               {"problem": "Eq(x,y)", "steps": [{"before": "x"}, {"after": "y"}]},  # not the printed form
               {"problem": "Eq(" + "-(" * 60 + "x" + ")" * 60 + ", y)",  # nesting near the parser's limit
                "steps": [{"before": "-(" * 60 + "x" + ")" * 60}, {"after": "y"}]},
               {"problem": "Eq(x, y)", "steps": "not a list"}]
    assert all(_problem_of_sides(row, {}) is None for row in refused)
