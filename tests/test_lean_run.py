"""Running real Lean on rendered items (marked `lean`; skipped, with the reason, when no toolchain is on PATH),
plus unit tests of the Lean-output parsers.

The parser tests below use messages WRITTEN BY HAND from the documented `lean --json` / `#print axioms` formats
(/work/shared/lean/formats.md §2); they test our parsing and mapping code only and are never Lean verdicts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rpsdg.lean.runner import (ItemVerdict, LeanMessage, ModuleInfo, RunLimits, Toolchain, _check_text,
                              _item_verdicts, find_toolchain, parse_axioms, parse_json_messages)
from rpsdg.lean.project import environment, line_map, module_text, render_row

from test_lean_render import INTEGRAL_ROWS, RENDERERS, THEOREM_INT

LEAN = shutil.which("lean")
LAKE = shutil.which("lake")
NO_LEAN = "no Lean toolchain on PATH (install elan: https://github.com/leanprover/elan); Lean checks not run"


# -- parsers, on hand-written examples of the documented formats (not Lean verdicts) -----------------------------

HAND_WRITTEN_JSON = "\n".join([
    json.dumps({"fileName": "M.lean", "pos": {"line": 14, "column": 4}, "endPos": {"line": 14, "column": 9},
                "severity": "error", "caption": "", "data": "ring failed"}),
    "not json at all",
    json.dumps({"fileName": "M.lean", "pos": {"line": 40, "column": 0}, "endPos": None, "severity": "information",
                "caption": "", "data": "'RpsdgItems.Golden.item_b2b2b2b2b2b2b2b2' depends on axioms: "
                                       "[propext, Classical.choice, Quot.sound]"}),
    json.dumps({"fileName": "M.lean", "pos": {"line": 41, "column": 0}, "severity": "information",
                "data": "'RpsdgItems.Golden.item_a1a1a1a1a1a1a1a1' depends on axioms: [propext, sorryAx]"}),
])


def _golden_module() -> ModuleInfo:
    env = environment()
    text = module_text(env, "RpsdgItems.Golden", "real", [render_row(r, env, RENDERERS).text for r in INTEGRAL_ROWS[:2]],
                       "test")
    return ModuleInfo("RpsdgItems/Golden.lean", text, line_map(text), "RpsdgItems.Golden")


def test_parse_json_messages_from_documented_format():
    messages = parse_json_messages(HAND_WRITTEN_JSON)
    assert [m.severity for m in messages] == ["error", "information", "information"]
    assert messages[0] == LeanMessage("error", 14, 4, "ring failed")
    axioms = parse_axioms(messages)
    assert axioms["RpsdgItems.Golden.item_b2b2b2b2b2b2b2b2"] == {"propext", "Classical.choice", "Quot.sound"}
    assert "sorryAx" in axioms["RpsdgItems.Golden.item_a1a1a1a1a1a1a1a1"]


def test_messages_map_to_item_and_step():
    module = _golden_module()
    lines = module.text.split("\n")
    have_line = next(n for n, line in enumerate(lines, start=1) if line.strip().startswith("have s1 :")
                     and module.locate(n)[0] == INTEGRAL_ROWS[1]["uid"])
    names = [n for ns in module.theorems().values() for n in ns]
    messages = [LeanMessage("error", have_line + 1, 4, "ring failed")]
    messages += [LeanMessage("information", 999, 0, f"'{n}' depends on axioms: [propext, Quot.sound]") for n in names]
    verdicts, orphans = _item_verdicts(module, messages, len(lines))
    assert orphans == []
    assert verdicts[INTEGRAL_ROWS[1]["uid"]].status == "failed" and verdicts[INTEGRAL_ROWS[1]["uid"]].step == 1
    assert verdicts[INTEGRAL_ROWS[0]["uid"]].status == "passed"


def test_nonstandard_axiom_fails_item_and_orphan_error_splits():
    module = _golden_module()
    names = module.theorems()
    first, second = INTEGRAL_ROWS[0]["uid"], INTEGRAL_ROWS[1]["uid"]
    messages = [LeanMessage("information", 999, 0, f"'{n}' depends on axioms: [sorryAx]") for n in names[first]]
    messages += [LeanMessage("information", 999, 0, f"'{n}' depends on axioms: [propext]") for n in names[second]]
    verdicts, _ = _item_verdicts(module, messages, len(module.text.split("\n")))
    assert verdicts[first].status == "failed" and "sorryAx" in verdicts[first].detail
    assert verdicts[second].status == "passed"



def test_split_finds_items_when_module_has_orphan_error(tmp_path):
    module = _golden_module()

    def runner(toolchain, project, relative, limits):
        text = (project / relative).read_text()
        theorems = [line.split()[2] for line in text.split("\n") if line.startswith("#print axioms")]
        out = [json.dumps({"pos": {"line": 999, "column": 0}, "severity": "information",
                           "data": f"'{t}' depends on axioms: [propext]"}) for t in theorems]
        if len({t.split(".")[-1][:21] for t in theorems}) > 1:  # several items: an error no item owns
            out.append(json.dumps({"pos": {"line": 1, "column": 0}, "severity": "error", "data": "hand-made"}))
        return "\n".join(out), False

    verdicts = _check_text(module, Toolchain(Path("lake"), Path("lean"), "test"), tmp_path, RunLimits(), runner)
    assert set(verdicts) == {r["uid"] for r in INTEGRAL_ROWS[:2]}
    assert all(v.status == "passed" for v in verdicts.values())


def test_timeout_on_single_item_is_reported(tmp_path):
    env = environment()
    text = module_text(env, "RpsdgItems.T", "real", [render_row(INTEGRAL_ROWS[0], env).text], "t")
    module = ModuleInfo("RpsdgItems/T.lean", text, line_map(text), "RpsdgItems.T")
    verdicts = _check_text(module, Toolchain(Path("lake"), Path("lean"), "t"), tmp_path, RunLimits(timeout_s=1),
                           lambda *args: ("", True))
    assert verdicts == {INTEGRAL_ROWS[0]["uid"]: ItemVerdict("timeout", "over 1 s")}


# -- real Lean ----------------------------------------------------------------------------------------------------

@pytest.mark.lean
@pytest.mark.skipif(LEAN is None, reason=NO_LEAN)
def test_core_only_int_theorem_checks_with_lean(tmp_path):
    """Core Lean only (no Mathlib): the Int calc chain must elaborate with no error."""
    env = environment()
    text = module_text(env, "Golden", "int", [render_row(THEOREM_INT, env, RENDERERS).text], "t")
    path = tmp_path / "Golden.lean"
    path.write_text(text + "\n#print axioms Golden.item_e5e5e5e5e5e5e5e5\n")
    result = subprocess.run([LEAN, "--json", str(path)], capture_output=True, text=True, timeout=300)
    messages = parse_json_messages(result.stdout)
    assert [m for m in messages if m.severity == "error"] == []
    assert parse_axioms(messages)["Golden.item_e5e5e5e5e5e5e5e5"] <= {"propext", "Classical.choice", "Quot.sound"}


@pytest.mark.lean
@pytest.mark.skipif(LAKE is None or not os.environ.get("RPSDG_LEAN_CORPUS"),
                    reason="needs lake on PATH and RPSDG_LEAN_CORPUS=<corpus whose lean/ has Mathlib fetched "
                           "(lake exe cache get)>; Mathlib checks not run")
def test_mathlib_items_check_with_lake():
    from rpsdg.lean.runner import check_corpus_lean

    corpus = Path(os.environ["RPSDG_LEAN_CORPUS"])
    report = check_corpus_lean(corpus, None, RunLimits(timeout_s=1800))
    counts = report.counts()
    assert counts.get("passed", 0) > 0
    assert counts.get("forbidden", 0) == 0


@pytest.mark.lean
@pytest.mark.skipif(LEAN is None, reason=NO_LEAN)
def test_find_toolchain_reports_version():
    assert find_toolchain().version.startswith("Lean")


def test_error_on_print_axioms_line_fails_that_item_without_split(tmp_path):
    """Hand-made runner output (documented format): an error on the `#print axioms` line of the first item."""
    module = _golden_module()
    seen: list[int] = []

    def runner(toolchain, project, relative, limits):
        lines = (project / relative).read_text().split("\n")
        seen.append(1)
        out = []
        for number, line in enumerate(lines, start=1):
            if line.startswith("#print axioms"):
                name = line.split()[2]
                if INTEGRAL_ROWS[0]["uid"][:16] in name and not out:
                    out.append(json.dumps({"pos": {"line": number, "column": 0}, "severity": "error",
                                           "data": f"unknown constant '{name}'"}))
                else:
                    out.append(json.dumps({"pos": {"line": number, "column": 0}, "severity": "information",
                                           "data": f"'{name}' depends on axioms: [propext]"}))
        return "\n".join(out), False

    verdicts = _check_text(module, Toolchain(Path("lake"), Path("lean"), "t"), tmp_path, RunLimits(), runner)
    assert len(seen) == 1
    assert verdicts[INTEGRAL_ROWS[0]["uid"]].status == "failed"
    assert "unknown constant" in verdicts[INTEGRAL_ROWS[0]["uid"]].detail
    assert verdicts[INTEGRAL_ROWS[1]["uid"]].status == "passed"


def test_check_project_caches_by_content(tmp_path):
    """check_project over a rendered project with a hand-made runner (documented output format, no Lean):
    every item gets a verdict row with versions, and a second run takes every module from the cache."""
    from rpsdg.lean.runner import check_project
    from rpsdg.lean.project import write_project

    project = tmp_path / "lean"
    write_project(INTEGRAL_ROWS + [THEOREM_INT], project, per_module=2, renderers=RENDERERS)
    calls: list[str] = []

    def runner(toolchain, project_dir, relative, limits):
        calls.append(relative)
        lines = (project_dir / relative).read_text().split("\n")
        return "\n".join(json.dumps({"pos": {"line": n, "column": 0}, "severity": "information",
                                     "data": f"'{line.split()[2]}' depends on axioms: [propext]"})
                         for n, line in enumerate(lines, start=1) if line.startswith("#print axioms")), False

    toolchain = Toolchain(Path("lake"), Path("lean"), "Lean (version 4.34.0, hand-made)")
    first = check_project(project, toolchain, RunLimits(), runner)
    assert first.counts() == {"passed": 5} and first.checked_modules == 3 and len(calls) == 3
    assert all(v["lean"].startswith("Lean") and v["mathlib"].startswith("v4.34.0") for v in first.verdicts.values())
    second = check_project(project, toolchain, RunLimits(), runner)
    assert second.cached_modules == 3 and len(calls) == 3 and second.verdicts == first.verdicts
