"""The theorem kind: every generated item passes its checkers at every level, the replay kernel rejects every
corrupted record, walks are not trivial or padded, dedup is up to renaming and swapping, bad knobs exit 2."""

from __future__ import annotations

import copy
import random

import pytest
from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from rpsdg.kinds.theorem import check as kernel
from rpsdg.cli import app
from rpsdg.core import Derivation
from rpsdg.errors import ConfigError
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix
from rpsdg.expr.tree import add, eq, num
from rpsdg.kinds import get_kind
from rpsdg.kinds.theorem.generate import TheoremConfig, _rename, ac_key, statement_key
from rpsdg.kinds.theorem.rules import default_rulebook
from rpsdg.kinds.theorem.rules.match import Unstable, instantiate, parse_substitution
from rpsdg.run.pipeline import produce

SPEC = get_kind("theorem")
CONFIG = TheoremConfig()
BOOK = default_rulebook()
runner = CliRunner()


def make_rows(count_per_level: int, seed: int = 11) -> list[dict]:
    rows, index = [], 0
    for level in (1, 2, 3, 4, 5):
        made = 0
        while made < count_per_level and index < 4000:
            outcome = produce(SPEC, CONFIG, (level,), seed, index)
            index += 1
            if outcome.row is not None:
                rows.append(outcome.row)
                made += 1
    return rows


ROWS = make_rows(12)


def rows_with_hypotheses(count: int, seed: int = 5) -> list[dict]:
    rows, index = [], 0
    while len(rows) < count and index < 3000:
        outcome = produce(SPEC, CONFIG, (3, 4, 5), seed, index)
        index += 1
        if outcome.row is not None and outcome.row["hypotheses"]:
            rows.append(outcome.row)
    return rows


HYPOTHESIS_ROWS = rows_with_hypotheses(20)


def test_every_generated_item_at_every_level_passes_its_checkers():
    tried = {level: 0 for level in (1, 2, 3, 4, 5)}
    for level in tried:
        rng_seed = 100 + level
        for index in range(30):
            try:
                derivation = SPEC.generate(CONFIG, level, random.Random(f"{rng_seed}:{index}"))
            except Exception as error:  # Dropped candidates are fine; nothing else may escape
                assert type(error).__name__ == "Dropped", error
                continue
            from rpsdg.corpus.record import make_row, uid_of

            row = make_row(derivation, SPEC, uid_of(SPEC.dedup_text(derivation)), 0, index)
            verdicts = list(SPEC.check(row))
            assert [v.status for v in verdicts] == ["passed", "passed"], (verdicts, row)
            tried[level] += 1
    assert all(count >= 10 for count in tried.values()), tried


def test_rows_have_the_public_format():
    for row in ROWS:
        assert row["kind"] == "theorem" and row["answer"] == ""
        assert parse(row["problem"]).op == "eq"
        assert row["domain"] in ("int", "real")
        assert row["shortest_found"] == len(row["steps"]) <= row["proof_length"]
        for step in row["steps"]:
            assert set(step) == {"rule", "direction", "path", "substitution", "before", "after"}
            assert step["direction"] in ("forward", "backward")
            binding = parse_substitution(step["substitution"])
            assert sorted(binding) == list(BOOK.by_name[step["rule"]].variables)
        if row["domain"] == "int":
            assert all(BOOK.by_name[s["rule"]].family == "ring" for s in row["steps"])
            assert all(BOOK.by_name[s["rule"]].lean_int for s in row["steps"])
    assert {row["domain"] for row in ROWS} == {"int", "real"}
    assert any(row["hypotheses"] for row in ROWS)


def test_levels_get_longer_and_use_more_families():
    by_level = {}
    for row in ROWS:
        by_level.setdefault(row["level"], []).append(row["proof_length"])
    means = [sum(v) / len(v) for _, v in sorted(by_level.items())]
    assert means == sorted(means) and means[-1] > means[0]
    families = {BOOK.by_name[s["rule"]].family for row in ROWS if row["level"] == 5 for s in row["steps"]}
    assert len(families) >= 3


def test_walks_never_revisit_a_state_and_steps_chain():
    for row in ROWS:
        states = [parse(row["steps"][0]["before"])] + [parse(s["after"]) for s in row["steps"]]
        assert len(set(states)) == len(states)
        lhs, rhs = parse(row["problem"]).args
        assert states[0] == lhs and states[-1] == rhs


# -- soundness: corrupted records are rejected --------------------------------------------------------------------

def _replay(row: dict):
    return kernel.check_replay(kernel.parse_row(row))


def _wrong_rule(row: dict, i: int, rng: random.Random) -> dict | None:
    step = row["steps"][i]
    binding = parse_substitution(step["substitution"])
    original = BOOK.directions[(step["rule"], step["direction"])].source
    names = sorted(BOOK.by_name)
    rng.shuffle(names)
    for name in names:
        rule = BOOK.by_name[name]
        if name == step["rule"]:
            continue
        if set(rule.variables) == set(binding):
            try:
                same = instantiate(BOOK.directions[(name, step["direction"])].source, binding) == \
                    instantiate(original, binding)
            except Unstable:
                same = False
            if same:
                continue  # e.g. neg_add / neg_add_rev share a side: naming the other is no corruption of the match
        bad = copy.deepcopy(row)
        bad["steps"][i]["rule"] = name
        return bad
    return None


def _wrong_position(row: dict, i: int, rng: random.Random) -> dict:
    bad = copy.deepcopy(row)
    path = bad["steps"][i]["path"]
    choice = rng.randrange(3)
    if choice == 0 or not path:
        path.append(0)
    elif choice == 1:
        path.pop()
    else:
        path[-1] = 1 - path[-1] if path[-1] in (0, 1) else 0
    return bad


def _wrong_substitution(row: dict, i: int, rng: random.Random) -> dict | None:
    binding = parse_substitution(row["steps"][i]["substitution"])
    if not binding:
        return None
    name = rng.choice(sorted(binding))
    replacement = add(binding[name], num(1))
    binding[name] = replacement
    bad = copy.deepcopy(row)
    bad["steps"][i]["substitution"] = "; ".join(f"{k} := {to_infix(v)}" for k, v in sorted(binding.items()))
    return bad


def _altered_result(row: dict, i: int, rng: random.Random) -> dict:
    """Change step i's after and keep the chain consistent, so only the rewrite check can catch it."""
    bad = copy.deepcopy(row)
    altered = to_infix(add(parse(bad["steps"][i]["after"]), num(rng.randint(1, 3))))
    bad["steps"][i]["after"] = altered
    if i + 1 < len(bad["steps"]):
        bad["steps"][i + 1]["before"] = altered
    else:
        lhs = parse(bad["problem"]).args[0]
        bad["problem"] = to_infix(eq(lhs, parse(altered)))
    return bad


def test_the_kernel_rejects_every_corrupted_record():
    rng = random.Random(3)
    counts = {"rule": 0, "position": 0, "substitution": 0, "result": 0, "hypothesis": 0}
    for row in ROWS:
        assert _replay(row).status == "passed"
        for i in range(len(row["steps"])):
            corrupted = {"rule": _wrong_rule(row, i, rng), "position": _wrong_position(row, i, rng),
                         "substitution": _wrong_substitution(row, i, rng), "result": _altered_result(row, i, rng)}
            for kind, bad in corrupted.items():
                if bad is None:
                    continue
                counts[kind] += 1
                try:
                    verdict = _replay(bad)
                except Exception as error:  # a corruption may also make the row unreadable
                    raise AssertionError(f"kernel raised on a corrupted row: {error}") from None
                assert verdict.status == "rejected", (kind, i, bad)
    for row in HYPOTHESIS_ROWS:
        for dropped in range(len(row["hypotheses"])):
            bad = copy.deepcopy(row)
            bad["hypotheses"].pop(dropped)
            counts["hypothesis"] += 1
            assert _replay(bad).status == "rejected", bad
    assert min(counts.values()) >= 20, counts


def test_check_row_rejects_malformed_rows():
    row = copy.deepcopy(ROWS[0])
    row["steps"][0]["substitution"] = "b := x; a := y"
    assert [v.status for v in list(SPEC.check(row))] == ["rejected", "rejected"]
    row = copy.deepcopy(ROWS[0])
    row["steps"][0]["rule"] = "no_such_rule"
    assert list(SPEC.check(row))[0].status == "rejected"
    row = copy.deepcopy(ROWS[0])
    row["shortest_found"] += 1
    assert list(SPEC.check(row))[0].status == "rejected"
    row = copy.deepcopy(ROWS[0])
    row["hypotheses"].append("Ne(x, 0)")
    assert list(SPEC.check(row))[0].status == "rejected"  # a hypothesis no step needs
    row = copy.deepcopy(ROWS[0])
    row["hypotheses"].append("x + 1")
    assert [v.status for v in list(SPEC.check(row))] == ["rejected", "rejected"]  # not a relation
    row = copy.deepcopy(ROWS[0])
    row["problem"] = row["steps"][0]["before"]
    assert [v.status for v in list(SPEC.check(row))] == ["rejected", "rejected"]  # not an equation


def test_numeric_checker_catches_a_false_step_independently():
    row = _altered_result(ROWS[0], 0, random.Random(1))
    assert list(SPEC.check(row))[1].status == "rejected"


# -- triviality and dedup ---------------------------------------------------------------------------------------------

def test_ac_key_ignores_only_associativity_and_commutativity():
    assert ac_key(parse("(x + y) + z*w")) == ac_key(parse("w*z + (y + x)"))
    assert ac_key(parse("x*(y + z)")) != ac_key(parse("x*y + x*z"))
    assert ac_key(parse("x - y")) != ac_key(parse("y - x"))


names = st.permutations(["x", "y", "z"])


@settings(max_examples=30, deadline=None)
@given(names, st.booleans())
def test_statement_key_is_invariant_under_renaming_and_swapping(order, swap):
    lhs, rhs = parse("x*(y + z) + exp(x)"), parse("x*y + x*z + exp(x)")
    mapping = dict(zip(["x", "y", "z"], order))
    renamed = [_rename(side, mapping) for side in (lhs, rhs)]
    if swap:
        renamed.reverse()
    for ring_only in (True, False):
        assert statement_key(lhs, rhs, ring_only) == statement_key(*renamed, ring_only)


def test_dedup_text_uses_domain_and_keys():
    row = ROWS[0]
    lhs, rhs = parse(row["problem"]).args
    first = Derivation("theorem", 1, eq(lhs, rhs), None, (), (), {"domain": "real", "ring_only": False})
    swapped = Derivation("theorem", 1, eq(rhs, lhs), None, (), (), {"domain": "real", "ring_only": False})
    assert SPEC.dedup_text(first) == SPEC.dedup_text(swapped)


def test_no_stored_theorem_is_trivial():
    from rpsdg.kinds.theorem.generate import side_key

    for row in ROWS:
        lhs, rhs = parse(row["problem"]).args
        ring_only = all(BOOK.by_name[s["rule"]].family == "ring" for s in row["steps"])
        assert side_key(lhs, ring_only) != side_key(rhs, ring_only)


# -- configuration ------------------------------------------------------------------------------------------------------

def test_impossible_knobs_are_refused():
    level = {"start_size": (1, 2), "walk_length": 2, "distinct_rules": 3, "families": ("ring",)}
    with pytest.raises(ConfigError, match="K=3 > walk_length L=2"):
        TheoremConfig(levels={1: level})
    with pytest.raises(ConfigError, match="unknown rule family nope"):
        TheoremConfig(levels={1: {**level, "distinct_rules": 1, "families": ("nope",)}})
    with pytest.raises(ConfigError, match="missing key"):
        TheoremConfig(levels={1: {"walk_length": 2}})


def test_config_survives_pickling_for_workers():
    import pickle

    copy_ = pickle.loads(pickle.dumps(CONFIG))
    assert copy_.levels == CONFIG.levels and copy_.tables(1, "int").book.rules == CONFIG.tables(1, "int").book.rules


def test_build_with_bad_config_exits_2(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[theorem.levels.1]\nstart_size = [1, 2]\nwalk_length = 2\ndistinct_rules = 3\n"
                      "families = [\"ring\"]\n", encoding="utf-8")
    result = runner.invoke(app, ["build", "--kind", "theorem", "--count", "3", "--out", str(tmp_path / "c"),
                                 "--config", str(config)])
    assert result.exit_code == 2 and "distinct_rules K=3 > walk_length L=2" in result.output
    assert not (tmp_path / "c").exists() or not any((tmp_path / "c").iterdir())


def test_build_show_and_check_commands(tmp_path):
    out = tmp_path / "corpus"
    built = runner.invoke(app, ["build", "--kind", "theorem", "--count", "20", "--levels", "1-3", "--seed", "4",
                                "--out", str(out), "--format", "jsonl"])
    assert built.exit_code == 0, built.output
    shown = runner.invoke(app, ["show", str(out), "--list"])
    assert shown.exit_code == 0 and "Eq(" in shown.output
    uid = shown.output.split()[0]
    one = runner.invoke(app, ["show", str(out), uid])
    assert one.exit_code == 0 and "Proof (" in one.output
    checked = runner.invoke(app, ["check", str(out)])
    assert checked.exit_code == 0, checked.output
