"""The warm-REPL pool's protocol code (``rpsdg.lean.repl``): request framing, response splitting, mapping messages
to item and step, the result cache (resume after a kill), batching, and restart-and-split on timeouts and crashes.

No Lean runs here and nothing below is a Lean verdict. The REPL responses are RECORDED DOCUMENTATION EXAMPLES: copied
from the README of leanprover-community/repl (commit 2ab7948, "Example output" and "Tactic mode") and from
/work/shared/lean/formats.md §2 (the header response ``{"env": 0}``), with the line number moved where a test needs
the message inside a given item. The scripted sessions and the small Python program standing in for the REPL
process answer every command with the README's *error* response (a type mismatch), so every proof they see fails;
they exist to drive the pool's transport, timeout, crash and cache logic. The test that needs a real REPL is marked
``lean`` and skipped without one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from rpsdg.lean.project import environment, line_map, module_text, render_row
from rpsdg.lean.repl import (Batch, Obligation, ObligationResult, PoolLimits, ReplCrashed, ReplFailure, ReplProcess,
                             ReplTimeout, ResultCache, batches, check_obligations, command_request, encode_request,
                             map_response, obligations_of, run_batch, split_responses)
from rpsdg.lean.runner import ModuleInfo

from test_lean_render import INTEGRAL_ROWS, RENDERERS, THEOREM_INT

# -- recorded documentation examples (not produced by running Lean) ------------------------------------------------

README_ERROR_RESPONSE = {  # repl README, "Example output" (command mode)
    "sorries": [{"pos": {"line": 1, "column": 18}, "endPos": {"line": 1, "column": 23}, "goal": "⊢ Nat",
                 "proofState": 0}],
    "messages": [{"severity": "error", "pos": {"line": 1, "column": 23}, "endPos": {"line": 1, "column": 26},
                  "data": "type mismatch\n  rfl\nhas type\n  f = f : Prop\nbut is expected to have type\n  f = 2 : Prop"}],
    "env": 6}
README_SORRY_RESPONSE = {  # repl README, "Tactic mode": `def f (x : Unit) : Nat := by sorry`
    "sorries": [{"proofState": 0, "pos": {"line": 1, "column": 29}, "goal": "x : Unit\n⊢ Nat",
                 "endPos": {"line": 1, "column": 34}}],
    "messages": [{"severity": "warning", "pos": {"line": 1, "column": 4}, "endPos": {"line": 1, "column": 5},
                  "data": "declaration uses 'sorry'"}],
    "env": 0}
HEADER_RESPONSE = {"env": 0}  # formats.md §2: {"cmd": "import Mathlib\nopen Real Nat"} → {"env": 0}
UNKNOWN_ENV = {"message": "Unknown environment."}  # formats.md §2, failure responses
README_OUTPUT_TEXT = textwrap.dedent("""\
    {"sorries":
     [{"pos": {"line": 1, "column": 18},
       "endPos": {"line": 1, "column": 23},
       "goal": "⊢ Nat",
       "proofState": 0}],
     "messages":
     [{"severity": "error",
       "pos": {"line": 1, "column": 23},
       "endPos": {"line": 1, "column": 26},
       "data":
       "type mismatch\\n  rfl\\nhas type\\n  f = f : Prop\\nbut is expected to have type\\n  f = 2 : Prop"}],
     "env": 6}
    """)
"""The README's example output verbatim (pretty-printed over several lines, no blank line inside)."""


def at_line(response: dict, line: int) -> dict:
    """A recorded response with its message and sorry moved to ``line`` (the body is unchanged)."""
    moved = json.loads(json.dumps(response))
    for entry in moved.get("messages", []) + moved.get("sorries", []):
        entry["pos"]["line"] = line
        if entry.get("endPos"):
            entry["endPos"]["line"] = line
    return moved


def obligation(uid: str, text: str = "theorem t : True := trivial", header: str = "import Mathlib",
               theorems: tuple[str, ...] = ("t",), steps=()) -> Obligation:
    return Obligation(uid, header, text, theorems, tuple(steps))


# -- framing ----------------------------------------------------------------------------------------------------

def test_request_framing_is_json_then_a_blank_line():
    wire = encode_request(command_request("theorem t (x : ℝ) : x = x := rfl", 0))
    assert wire.endswith(b"\n\n") and wire.count(b"\n\n") == 1
    assert json.loads(wire.decode("utf-8")) == {"cmd": "theorem t (x : ℝ) : x = x := rfl", "env": 0}
    assert "ℝ" in wire.decode("utf-8")  # not \\u-escaped
    assert command_request("import Mathlib", None) == {"cmd": "import Mathlib"}  # imports only without env


def test_split_responses_reads_the_readme_output_and_keeps_the_rest():
    buffer = README_OUTPUT_TEXT + "\n" + json.dumps(HEADER_RESPONSE)[:5]
    responses, rest = split_responses(buffer)
    assert responses == [README_ERROR_RESPONSE] and rest == json.dumps(HEADER_RESPONSE)[:5]
    responses, rest = split_responses(rest + json.dumps(HEADER_RESPONSE)[5:] + "\n\n")
    assert responses == [HEADER_RESPONSE] and rest == ""
    with pytest.raises(ReplFailure):
        split_responses("not json\n\n")


# -- mapping ----------------------------------------------------------------------------------------------------

def test_batch_spans_and_axiom_lines():
    batch = Batch.of([obligation("u1", "line a\nline b"), obligation("u2", "line c", theorems=("t1", "t2"))])
    assert batch.text.split("\n") == ["line a", "line b", "#print axioms t", "", "line c", "#print axioms t1",
                                      "#print axioms t2", ""]
    assert batch.spans == ((1, 3), (5, 7)) and batch.owner(4) is None and batch.owner(6) == 1


def test_recorded_error_and_sorry_responses_fail_their_item():
    batch = Batch.of([obligation("u1"), obligation("u2")])
    results, orphans = map_response(batch, at_line(README_ERROR_RESPONSE, batch.spans[1][0]), 30)
    assert orphans == []
    assert results[1] == ObligationResult("u2", "failed", README_ERROR_RESPONSE["messages"][0]["data"], None, 30)
    assert results[0].status == "failed" and "#print axioms gave nothing" in results[0].detail
    results, _ = map_response(Batch.of([obligation("u1")]), README_SORRY_RESPONSE)
    assert results[0].status == "failed" and results[0].detail == "declaration uses 'sorry'"


def test_an_error_outside_every_item_is_an_orphan():
    batch = Batch.of([obligation("u1"), obligation("u2")])
    line = batch.spans[0][1] + 1  # the blank separator line
    _, orphans = map_response(batch, at_line(README_ERROR_RESPONSE, line), 1)
    assert orphans and orphans[0].startswith(f"line {line}: type mismatch")


def test_repl_level_failure_raises():
    with pytest.raises(ReplFailure, match="Unknown environment"):
        map_response(Batch.of([obligation("u1")]), UNKNOWN_ENV)


def test_axioms_are_checked_per_theorem():
    """Info messages in the documented ``#print axioms`` wording (formats.md §2; runner tests use the same)."""
    batch = Batch.of([obligation("u1", theorems=("a",)), obligation("u2", theorems=("b",)),
                      obligation("u3", theorems=("c",))])
    info = [{"severity": "info", "pos": {"line": batch.spans[0][1], "column": 0},
             "data": "'a' depends on axioms: [propext, sorryAx]"},
            {"severity": "info", "pos": {"line": batch.spans[1][1], "column": 0},
             "data": "'b' depends on axioms: [propext, Classical.choice, Quot.sound]"}]
    results, orphans = map_response(batch, {"env": 3, "messages": info})
    assert orphans == []
    assert results[0].status == "failed" and "sorryAx" in results[0].detail
    assert results[1].status == "passed"  # our mapping of a response with no error: not a Lean verdict
    assert results[2].status == "failed" and "gave nothing for c" in results[2].detail


def _golden_module() -> ModuleInfo:
    env = environment()
    text = module_text(env, "RpsdgItems.Golden", "real", [render_row(r, env, RENDERERS).text for r in INTEGRAL_ROWS],
                       "test")
    return ModuleInfo("RpsdgItems/Golden.lean", text, line_map(text), "RpsdgItems.Golden")


def test_obligations_of_a_module_and_step_mapping():
    module = _golden_module()
    found = obligations_of(module)
    assert [o.uid for o in found] == [r["uid"] for r in INTEGRAL_ROWS]
    assert all(o.header == "import Mathlib\nimport Rpsdg.Basic" for o in found)
    second = found[1]
    assert second.text.startswith("-- rpsdg:item " + INTEGRAL_ROWS[1]["uid"]) and "namespace" not in second.text
    assert second.theorems == ("item_b2b2b2b2b2b2b2b2",)
    assert found[0].theorems == ("item_a1a1a1a1a1a1a1a1", "item_a1a1a1a1a1a1a1a1_integral")
    batch = Batch.of(found)
    lines = batch.text.split("\n")
    have_s1 = next(n for n, line in enumerate(lines, start=1)
                   if line.strip().startswith("have s1 :") and batch.owner(n) == 1)
    results, orphans = map_response(batch, at_line(README_ERROR_RESPONSE, have_s1 + 1))
    assert orphans == [] and results[1].status == "failed" and results[1].step == 1
    core = obligations_of(ModuleInfo("RpsdgItems/Int.lean", *_int_module()))
    assert core[0].header == "" and core[0].theorems == ("item_e5e5e5e5e5e5e5e5",)


def _int_module():
    env = environment()
    text = module_text(env, "RpsdgItems.Int", "int", [render_row(THEOREM_INT, env, RENDERERS).text], "t")
    return text, line_map(text), "RpsdgItems.Int"


# -- batching, cache, restart -------------------------------------------------------------------------------------

def test_batches_group_by_header_and_size():
    items = [obligation(f"u{i}", "x" * 10) for i in range(5)] + [obligation("c", "y", header="")]
    groups = batches(items, PoolLimits(batch_size=2, batch_chars=1000))
    assert [[o.uid for o in g] for g in groups] == [["c"], ["u0", "u1"], ["u2", "u3"], ["u4"]]
    groups = batches(items[:3], PoolLimits(batch_size=10, batch_chars=15))
    assert [len(g) for g in groups] == [1, 1, 1]


class Scripted:
    """A session that answers every command with the README's error response at the first item's first line
    (so every item of a clean batch fails), times out on a command holding ``SLOW`` and crashes on ``BOOM``."""

    def __init__(self, log: list):
        self.log, self.restarts, self.closed = log, 0, False

    def run(self, text: str, timeout_s: float) -> dict:
        self.log.append((text, timeout_s))
        if "SLOW" in text:
            raise ReplTimeout(f"no answer within {timeout_s:.0f} s")
        if "BOOM" in text:
            raise ReplCrashed("REPL exited (137): ", True)
        starts = [n for n, line in enumerate(text.split("\n"), start=1) if line.startswith("theorem")]
        return {"env": 7, "messages": [at_line(README_ERROR_RESPONSE, n)["messages"][0] for n in starts]}

    def restart(self) -> None:
        self.restarts += 1

    def close(self) -> None:
        self.closed = True


def test_timeout_and_crash_are_isolated_by_splitting_and_restart():
    log: list = []
    session = Scripted(log)
    group = [obligation(f"u{i}", f"theorem t{i} : True := by {'SLOW' if i == 2 else 'BOOM' if i == 5 else 'x'}")
             for i in range(6)]
    results = run_batch(session, group, PoolLimits(per_obligation_s=10))
    status = {r.uid: r.status for r in results}
    assert status == {"u0": "failed", "u1": "failed", "u2": "timeout", "u3": "failed", "u4": "failed",
                      "u5": "out_of_memory"}
    assert log[0][1] == 60  # the whole batch: 6 obligations × 10 s
    assert session.restarts >= 2  # after each timeout and crash
    assert results[2].detail == "over 10 s" and results[2].limit_s == 10


def test_cache_resumes_after_a_kill_and_skips_what_is_done(tmp_path):
    path = tmp_path / "results.jsonl"
    items = [obligation(f"u{i}", f"theorem t{i} : True := by x") for i in range(6)]
    limits = PoolLimits(batch_size=2, workers=1)

    class Killed(Scripted):
        def run(self, text, timeout_s):
            if len(self.log) == 2:
                raise KeyboardInterrupt  # the run is killed after two batches
            return super().run(text, timeout_s)

    first: list = []
    with pytest.raises(Exception):
        check_obligations(items, lambda header: Killed(first), limits, ResultCache(path), "lean", "mathlib")
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"key": "torn')  # a kill mid-write leaves a torn last line
    done = ResultCache(path)
    assert len(done.results) == 4
    second: list = []
    results = check_obligations(items, lambda header: Scripted(second), limits, ResultCache(path), "lean", "mathlib")
    assert len(second) == 1 and "theorem t4" in second[0][0] and "theorem t5" in second[0][0]
    assert {r.status for r in results.values()} == {"failed"} and set(results) == {o.uid for o in items}
    third: list = []
    check_obligations(items, lambda header: Scripted(third), limits, ResultCache(path), "lean", "mathlib")
    assert third == []  # everything cached


def test_cached_timeout_is_retried_under_a_larger_limit(tmp_path):
    cache = ResultCache(tmp_path / "r.jsonl")
    cache.put("k", ObligationResult("u", "timeout", "over 10 s", None, 10))
    assert ResultCache(tmp_path / "r.jsonl").get("k", 10).status == "timeout"
    assert ResultCache(tmp_path / "r.jsonl").get("k", 30) is None
    cache.put("c", ObligationResult("u", "repl_crash", "x", None, 10))
    assert ResultCache(tmp_path / "r.jsonl").get("c", 10) is None


def test_key_depends_on_toolchain_header_and_text():
    a = obligation("u", "theorem t : True := trivial")
    assert a.key("v4.34.0", "m") != a.key("v4.35.0", "m")
    assert a.key("v", "m") != obligation("u", "theorem t : True := trivial", header="").key("v", "m")
    assert a.key("v", "m") == obligation("other uid", "theorem t : True := trivial").key("v", "m")


# -- the subprocess transport, against a small program that replays the recorded responses ------------------------

REPLAYER = textwrap.dedent("""\
    # Stands in for the REPL process to test our pipes, timeouts and crash handling. It answers the header with the
    # documented {"env": 0} and every other command with the README's recorded error response: it proves nothing.
    import json, sys, time
    ERROR = json.loads(sys.argv[1])
    buffer = ""
    for line in sys.stdin:
        buffer += line
        if buffer.endswith("\\n\\n"):
            request = json.loads(buffer)
            buffer = ""
            if "SLOW" in request["cmd"]:
                time.sleep(30)
            if "BOOM" in request["cmd"]:
                sys.stderr.write("INTERNAL PANIC: out of memory\\n")
                sys.stderr.flush()
                sys.exit(137)
            answer = {"env": 0} if "env" not in request else ERROR
            sys.stdout.write(json.dumps(answer, indent=1) + "\\n\\n")
            sys.stdout.flush()
    """)


@pytest.fixture
def replayer(tmp_path) -> list[str]:
    script = tmp_path / "replayer.py"
    script.write_text(REPLAYER, encoding="utf-8")
    return [sys.executable, str(script), json.dumps(README_ERROR_RESPONSE)]


def test_process_transport_header_command_timeout_and_crash(replayer, tmp_path):
    limits = PoolLimits(memory_mb=4096, header_timeout_s=30)
    process = ReplProcess(replayer, tmp_path, "import Mathlib", limits)
    try:
        assert process.run("theorem t : True := trivial", 30) == README_ERROR_RESPONSE
        assert process.env == 0 and process.uses == 1
        with pytest.raises(ReplTimeout):
            process.run("SLOW", 0.5)
        assert process.process is None  # killed
        assert process.run("again", 30) == README_ERROR_RESPONSE  # restarted, header re-imported
        with pytest.raises(ReplCrashed) as crash:
            process.run("BOOM", 30)
        assert crash.value.out_of_memory
    finally:
        process.close()


def test_process_restarts_after_max_uses(replayer, tmp_path):
    process = ReplProcess(replayer, tmp_path, "", PoolLimits(max_uses=2, memory_mb=4096))
    try:
        pids = []
        for _ in range(5):
            process.run("x", 30)
            pids.append(process.process.pid)
        assert len(set(pids)) == 3
    finally:
        process.close()


@pytest.mark.lean
@pytest.mark.skipif(not os.environ.get("RPSDG_LEAN_REPL") or not shutil.which("lake"),
                    reason="no Lean REPL (set RPSDG_LEAN_REPL to a built leanprover-community/repl binary) and lake "
                           "on PATH; the warm-pool check against real Lean is not run")
def test_real_repl_checks_the_golden_items(tmp_path):  # pragma: no cover - needs Lean
    from rpsdg.lean.project import write_project

    project = tmp_path / "lean"
    write_project(INTEGRAL_ROWS + [THEOREM_INT], project, renderers=RENDERERS)
    from rpsdg.lean.runner import find_toolchain, load_modules, prepare_project, RunLimits
    from rpsdg.lean.repl import check_project_repl, repl_command

    toolchain = find_toolchain()
    prepare_project(project, toolchain, RunLimits())
    results = check_project_repl(project, load_modules(project),
                                 repl_command(toolchain.lake, Path(os.environ["RPSDG_LEAN_REPL"])),
                                 toolchain.version, "pinned", PoolLimits(workers=1))
    assert {r.status for r in results.values()} == {"passed"}, results


def test_rpsdg_lean_check_wiring_through_the_pool(tmp_path, monkeypatch):
    """``check_project_with_repls`` end to end with the replaying program as the ``repl`` binary (started as
    ``/usr/bin/env env REPLAYER`` in place of ``lake env repl``): every item gets a verdict row, ``failed`` (the
    recorded README error), and a second run reads them all from the cache without starting a process."""
    from rpsdg.lean.project import write_project
    from rpsdg.lean.runner import RunLimits, Toolchain, check_project_with_repls, find_repl

    project = tmp_path / "lean"
    write_project(INTEGRAL_ROWS + [THEOREM_INT], project, renderers=RENDERERS)
    starts = tmp_path / "starts"
    script = tmp_path / "repl"
    script.write_text(f"#!{sys.executable}\n"
                      f"open({str(starts)!r}, 'a').write('start\\n')\n"
                      f"import sys\nsys.argv = ['replayer', {json.dumps(json.dumps(README_ERROR_RESPONSE))}]\n"
                      + REPLAYER, encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("RPSDG_LEAN_REPL", str(script))
    assert find_repl() == script
    toolchain = Toolchain(Path("/usr/bin/env"), Path("lean"), "test-toolchain")
    limits = RunLimits(timeout_s=30, memory_gb=4, budget_gb=4)
    report = check_project_with_repls(project, toolchain, script, limits)
    assert set(report.verdicts) == {r["uid"] for r in INTEGRAL_ROWS + [THEOREM_INT]}
    assert {v["status"] for v in report.verdicts.values()} == {"failed"}
    assert all(v["module"].startswith("RpsdgItems/") for v in report.verdicts.values())
    first_starts = starts.read_text().count("start")
    assert first_starts == 2  # one warm process per header: Mathlib items, core-only Int items
    again = check_project_with_repls(project, toolchain, script, limits)
    assert again.verdicts == report.verdicts and starts.read_text().count("start") == first_starts
