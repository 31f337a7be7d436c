"""``rpsdg.expr._fastmatch.applications`` (the compiled build's rewrite-pattern matcher) lists what the generic
matcher lists, and its ``instantiate`` builds what ``match.instantiate`` builds.

The reference is ``match._applications`` on the plain index (``match`` + ``admissible`` at every node, pre-order):
the C matcher must give the same (direction, path, binding) list, bindings in the same order, on walk states of
every level and domain and on instances of every rule's sides, with and without bare-variable rules. Then its
edges: repeated variables, literals, containers of another arity, interned and not interned names, the limits
it refuses, and input that is not a tree.

The module is built here from ``python/rpsdg/expr/_fastmatch.c`` (``conftest.py``'s ``c_module``) where it is not
installed, so the C code is tested wherever a C compiler is (skipped, with the reason, where none is).
"""

from __future__ import annotations

import functools
import importlib.util
import types

import pytest
from conftest import c_module_available  # tests/conftest.py
from test_theorem_speed import BOOK, CONFIG, _pattern_instances, _walk_states  # tests/test_theorem_speed.py

from rpsdg.expr.parse import parse
from rpsdg.expr.tree import Expr, num, sym
from rpsdg.kinds.theorem.rules.compiled import Unstable, compile_builder, interned
from rpsdg.kinds.theorem.rules.match import CompiledIndex, _applications, applications, c_table, instantiate
from rpsdg.maths.domain import is_total

INSTALLED = importlib.util.find_spec("rpsdg.expr._fastmatch") is not None

pytestmark = c_module_available("rpsdg.expr._fastmatch")


@pytest.fixture(scope="module")
def fastmatch(c_module) -> types.ModuleType:
    return c_module("rpsdg.expr._fastmatch")


@pytest.fixture(scope="module")
def expressions() -> list[Expr]:
    return _walk_states(40) + _pattern_instances()


def _bare_entries(index) -> tuple:
    return tuple((d, d.source.value, d.source.value in d.rule.total) for d in index.get("*", ()))


def _c_list(fastmatch, expr: Expr, index, bare_max_size: int) -> list:
    table = c_table(index, fastmatch.MAX_VARIABLES, fastmatch.MAX_DEPTH)
    bare = _bare_entries(index) if bare_max_size > 0 else ()
    return fastmatch.applications(expr, table, bare, bare_max_size, is_total)


def test_the_index_uses_the_c_matcher_exactly_where_it_is_installed() -> None:
    index = CompiledIndex(BOOK.index())
    if INSTALLED:
        assert index.table is not None and index.heads == {}
    else:
        assert index.table is None and index.heads
    assert CompiledIndex(BOOK.index(), use_c=False).table is None


def test_applications_equal_the_generic_matcher(fastmatch, expressions: list[Expr]) -> None:
    compared = 0
    for level in range(1, 6):
        for domain in ("int", "real"):
            if (level, domain) not in CONFIG._tables:  # type: ignore[attr-defined]
                continue
            tables = CONFIG.tables(level, domain)
            for index in (dict(tables.index), dict(tables.plain), dict(tables.bare)):
                for expr in expressions:
                    for bare in (0, 1, 3):
                        got = _c_list(fastmatch, expr, index, bare)
                        assert got == list(_applications(expr, index, bare)), (level, domain, expr, bare)
                        compared += len(got)
    assert compared > 100_000  # the comparison saw real work


def test_the_whole_book_with_bare_rules(fastmatch, expressions: list[Expr]) -> None:
    index = BOOK.index()
    for expr in expressions:
        got = _c_list(fastmatch, expr, index, 2)
        reference = list(_applications(expr, index, 2))
        assert got == reference
        assert [list(binding) for _, _, binding in got] == [list(binding) for _, _, binding in reference]


class _Direction:
    """A stand-in direction: the C matcher never reads it, it only hands it back."""

    def __init__(self, name: str) -> None:
        self.name = name


def _table(*patterns: str, totals: tuple[str, ...] = ()) -> tuple[dict, list]:
    directions = [_Direction(text) for text in patterns]
    table: dict = {}
    for direction, text in zip(directions, patterns):
        pattern = interned(parse(text))
        table.setdefault(pattern.op, ())
        table[pattern.op] += ((direction, pattern, totals),)
    return table, directions


def test_repeated_variables_literals_and_arity(fastmatch) -> None:
    table, (same, literal) = _table("a - a", "a + 2")
    got = fastmatch.applications(parse("(x + 2) - (x + 2)"), table, (), 0, is_total)
    assert [(d, path, binding) for d, path, binding in got] == [
        (same, (), {"a": parse("x + 2")}), (literal, (0,), {"a": sym("x")}), (literal, (1,), {"a": sym("x")})]
    assert fastmatch.applications(parse("(x + 3) - (y + 2)"), table, (), 0, is_total) == [
        (literal, (1,), {"a": sym("y")})]
    container = Expr("tuple", (sym("a"), sym("b")))
    two = {"tuple": ((same, container, ()),)}
    three = Expr("tuple", (sym("x"), sym("y"), sym("z")))
    assert fastmatch.applications(three, two, (), 0, is_total) == []
    assert fastmatch.applications(Expr("tuple", (sym("x"), num(1))), two, (), 0, is_total) == [
        (same, (), {"a": sym("x"), "b": num(1)})]


def test_totals_and_bare_entries_ask_is_total(fastmatch) -> None:
    table, (log_rule,) = _table("log(a*b)", totals=("a",))
    assert fastmatch.applications(parse("log(x**2*y)"), table, (), 0, is_total) == [
        (log_rule, (), {"a": parse("x**2"), "b": sym("y")})]
    assert fastmatch.applications(parse("log(sqrt(x)*y)"), table, (), 0, is_total) == []
    bare = ((_Direction("a -> a*1"), "a", True), (_Direction("a -> a + 0"), "a", False))
    got = fastmatch.applications(parse("sqrt(x) + 1"), {}, bare, 1, is_total)
    assert [(d.name, path) for d, path, _ in got] == [
        ("a -> a*1", (0, 0)), ("a -> a + 0", (0, 0)), ("a -> a*1", (1,)), ("a -> a + 0", (1,))]


def test_names_that_are_not_interned_still_match(fastmatch) -> None:
    op = "".join(["a", "dd"])  # equal to "add", another object, not interned
    direction = _Direction("a + b")
    pattern = Expr(op, (Expr("sym", (), "".join(["a", ""])), Expr("sym", (), "b")))
    got = fastmatch.applications(parse("x + y"), {"add": ((direction, pattern, ()),)}, (), 0, is_total)
    assert got == [(direction, (), {"a": sym("x"), "b": sym("y")})]


def test_limits_and_malformed_input_raise(fastmatch) -> None:
    wide = Expr("tuple", tuple(sym(f"v{i}") for i in range(fastmatch.MAX_VARIABLES + 1)))
    term = Expr("tuple", tuple(num(i) for i in range(fastmatch.MAX_VARIABLES + 1)))
    with pytest.raises(ValueError, match="MAX_VARIABLES"):
        fastmatch.applications(term, {"tuple": ((None, wide, ()),)}, (), 0, is_total)
    deep_pattern, deep_term = sym("a"), sym("x")
    for _ in range(fastmatch.MAX_DEPTH + 2):
        deep_pattern, deep_term = Expr("neg", (deep_pattern,)), Expr("neg", (deep_term,))
    with pytest.raises(ValueError, match="MAX_DEPTH"):
        fastmatch.applications(deep_term, {"neg": ((None, deep_pattern, ()),)}, (), 0, is_total)
    with pytest.raises(TypeError, match="tree node"):
        fastmatch.applications(("add", "not args", None), {}, (), 0, is_total)
    with pytest.raises(TypeError):
        fastmatch.applications(parse("x"), [], (), 0, is_total)


def test_c_table_refuses_patterns_beyond_the_limits() -> None:
    index = BOOK.index()
    assert c_table(index, 32, 64) is not None
    assert c_table(index, 0, 64) is None  # a rule with a variable
    assert c_table(index, 32, 1) is None  # a rule two levels deep


def test_applications_on_a_compiled_index_is_the_reference(expressions: list[Expr]) -> None:
    """Whatever this build's index uses (the C matcher or generated Python), ``applications`` is the reference."""
    index = BOOK.index()
    compiled = CompiledIndex(index)
    for expr in expressions[:200]:
        assert list(applications(expr, compiled, 2)) == list(_applications(expr, index, 2))


def _instances(pool: list[Expr], seed: int) -> list[tuple[Expr, dict]]:
    import random

    rng = random.Random(seed)
    out = []
    for direction in BOOK.directions.values():
        for pattern in (direction.source, direction.target, *direction.rule.conditions):
            for _ in range(4):
                out.append((pattern, {name: rng.choice(pool) for name in direction.rule.variables}))
    return out


def _outcome(build, *args) -> tuple:
    try:
        made = build(*args)
    except (Unstable, KeyError) as error:
        return ("raised", type(error), str(error))
    return ("made", type(made), made)


def test_instantiate_builds_what_the_generic_instantiate_builds(fastmatch, expressions: list[Expr]) -> None:
    pool = [e for e in expressions if e.size() <= 7] + [num(0), num(-1), num(5), sym("y")]
    made = refused = 0
    for pattern, binding in _instances(pool, 13):
        for shape in (pattern, interned(pattern)):
            got = _outcome(fastmatch.instantiate, Expr, shape, Unstable, binding)
            assert got == _outcome(instantiate, pattern, binding), (pattern, binding)
        made += got[0] == "made"
        refused += got[0] == "raised"
        partial = dict(list(binding.items())[1:])  # a variable missing: KeyError, as instantiate raises
        if len(partial) < len(binding) and pattern.free_symbols():
            assert _outcome(fastmatch.instantiate, Expr, pattern, Unstable, partial)[:2] == \
                _outcome(instantiate, pattern, partial)[:2]
    assert made > 500 and refused > 0


def test_instantiate_folds_shares_literals_and_refuses(fastmatch) -> None:
    pattern = parse("-a*b + 2")
    built = fastmatch.instantiate(Expr, pattern, Unstable, {"a": num(3), "b": sym("x")})
    assert built == parse("-3*x + 2") and type(built) is Expr
    assert built.args[1] is pattern.args[1]  # the pattern's literal, shared as instantiate shares it
    with pytest.raises(Unstable, match="minus sign on a literal <= 0"):
        fastmatch.instantiate(Expr, parse("-(-a)"), Unstable, {"a": num(3)})
    with pytest.raises(KeyError):
        fastmatch.instantiate(Expr, parse("a + b"), Unstable, {"a": num(3)})
    with pytest.raises(TypeError):
        fastmatch.instantiate(tuple, parse("a"), Unstable, {"a": num(3)})


def test_compile_builder_uses_the_c_instantiate_exactly_where_it_is_installed(fastmatch) -> None:
    build = compile_builder(parse("a*(b + 1)"))
    assert hasattr(build, "generated") is not INSTALLED
    assert build({"a": sym("x"), "b": num(2)}) == parse("x*(2 + 1)")
    bound = functools.partial(fastmatch.instantiate, Expr, interned(parse("-a*(b + 1)")), Unstable)  # as built there
    assert bound({"a": sym("x"), "b": num(2)}) == parse("-x*(2 + 1)")
    with pytest.raises(Unstable):
        bound({"a": num(-2), "b": num(2)})
