"""Every registered kind, every level, through the whole house (issue 10): its items pass its own checkers, render
in Lean or are counted not renderable with a reason, export in every format, and name only rules of its table;
the table is known to the checker, the Lean renderer and the wording.

A new kind added to ``kinds.KIND_MODULES`` is tested here with no test of its own to write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rpsdg.errors import RpsdgError
from rpsdg.export import ExportSource, export_source, format_names, get_format, rows_of
from rpsdg.kinds import LEVELS, get_kind, kind_names
from rpsdg.lean.project import Rendered, environment, render_row
from rpsdg.lean.proof import Renderers
from rpsdg.lean.text import NotRenderable
from rpsdg.run.pipeline import produce

ITEMS_PER_LEVEL = 3
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def _rows(kind: str, per_level: int = ITEMS_PER_LEVEL) -> list[dict]:
    spec = get_kind(kind)
    config = spec.config_type()
    rows, index = [], 0
    for level in LEVELS:
        made = 0
        while made < per_level and index < 4000:
            outcome = produce(spec, config, (level,), 11, index)
            index += 1
            if outcome.row is not None:
                rows.append(outcome.row)
                made += 1
        assert made == per_level, f"{kind} level {level}: only {made} items in {index} candidates"
    return rows


ROWS = {kind: _rows(kind) for kind in kind_names()}


@pytest.mark.parametrize("kind", kind_names())
def test_items_pass_their_own_checkers_at_every_level(kind):
    spec = get_kind(kind)
    assert {row["level"] for row in ROWS[kind]} == set(LEVELS)
    for row in ROWS[kind]:
        verdicts = spec.run_checks(row)
        assert [v.status for v in verdicts if v.status == "rejected"] == [], (row["uid"], verdicts)
        assert {v.checker for v in verdicts} == set(spec.checker_names)
        assert [c["checker"] for c in row["checks"]] == list(spec.checker_names)


@pytest.mark.parametrize("kind", kind_names())
def test_items_render_in_lean_or_say_why_not(kind):
    env, renderers = environment(), Renderers()
    for row in ROWS[kind]:
        result = render_row(row, env, renderers)
        if isinstance(result, NotRenderable):
            assert result.reason.strip(), row["uid"]
        else:
            assert isinstance(result, Rendered)
            assert f"item_{row['uid'][:16]}" in result.text
            assert "sorry" not in result.text


@pytest.mark.parametrize("fmt", format_names())
@pytest.mark.parametrize("kind", kind_names())
def test_items_export_in_every_format(kind, fmt, tmp_path):
    rows = ROWS[kind]
    levels = sorted({row["level"] for row in rows})
    manifest = {"kind": kind, "records": len(rows), "levels": levels,
                "records_per_level": {str(level): sum(r["level"] == level for r in rows) for level in levels}}
    try:
        written = export_source(get_format(fmt), ExportSource(kind, manifest, rows_of(rows)), tmp_path / fmt)
    except RpsdgError as error:  # no record fits the format: refused with the reasons, nothing written
        assert "none of the" in str(error) and "x " in str(error), error
        assert not (tmp_path / fmt).exists()
        return
    assert written["records_in"] == len(rows)
    skipped = sum(written.get("skipped", {}).values())
    assert written["records_out"] + skipped >= len(rows) or fmt == "prm", written
    assert written["records_out"] > 0 or skipped == len(rows), written
    for reason in written.get("skipped", {}):
        assert reason.strip()
    assert json.loads((tmp_path / fmt / "rpsdg_export.json").read_text())["kind"] == kind


@pytest.mark.parametrize("kind", kind_names())
def test_every_rule_has_every_entry(kind):
    table = get_kind(kind).rules()
    names = [rule.name for rule in table]
    assert names, f"{kind} has no rule table"
    assert len(names) == len(set(names)), "a rule is named twice"
    for rule in table:
        assert rule.words.strip() and rule.check.strip() and rule.lean.strip(), rule
    for row in ROWS[kind]:
        for step in row["steps"]:
            assert step["rule"] in names, (kind, step["rule"])


@pytest.mark.parametrize("kind", kind_names())
def test_checker_knows_exactly_the_table(kind):
    import importlib

    check = importlib.import_module(f"rpsdg.kinds.{kind}.check")
    table = {rule.name for rule in get_kind(kind).rules()}
    known = set(getattr(check, "RULES", ())) or set(getattr(check, "rule_names", lambda: ())())
    if not known:  # rule-file kinds: the checker replays any rule of the rule book
        from rpsdg.kinds.theorem.rules import default_rulebook

        known = {rule.name for rule in default_rulebook().rules}
    assert known == table


@pytest.mark.parametrize("kind", kind_names())
def test_wording_names_every_rule_or_uses_the_table(kind):
    """The step template either words each rule itself or shows the table's words (``rule_words``); a rule
    silently falling back to its identifier (``take_odd_root`` once did) fails here."""
    template = (TEMPLATES / kind / "step.j2")
    text = template.read_text(encoding="utf-8") if template.is_file() else \
        (TEMPLATES / "common" / "step.j2").read_text(encoding="utf-8")
    if "rule_words" in text:
        return
    missing = [rule.name for rule in get_kind(kind).rules() if f'"{rule.name}"' not in text]
    assert missing == [] or kind_uses_generic_wording(text), f"{kind} wording lacks: {missing}"


def kind_uses_generic_wording(text: str) -> bool:
    """Rule-file kinds word a step from the step itself (its rule's equation): no per-name table."""
    return "step.before" in text and "step.after" in text and "words" not in text


@pytest.mark.parametrize("kind", kind_names())
def test_items_score_one_on_their_own_answers_and_solutions(kind):
    from rpsdg import grade_steps, score_answer

    spec = get_kind(kind)
    for row in ROWS[kind]:
        assert score_answer(row, spec.reference_answer(row)) == 1.0, row["uid"]
        grades = grade_steps(row, spec.solution_text(row))
        assert grades and all(g.label == "correct" for g in grades), (row["uid"], grades)
