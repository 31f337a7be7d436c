"""Executors: the corpus does not depend on where items are made, and a dead worker never hangs a build.

A worker is killed with the fault hook of ``run/executors.py`` (``RPSDG_FAULT_EXIT_AT``: the worker about to make item
K calls ``os._exit``). The builds run as subprocesses under ``timeout`` so that a hang fails the test instead of
hanging the suite (no timed asserts: ``timeout`` only bounds a hang).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rpsdg.errors import RpsdgError
from rpsdg.run.executors import FAULT_ENV, HANG_ENV, ExecutorError, InlineExecutor, ProcessExecutor, make_executor
from rpsdg.run.items import ItemTask
from rpsdg.run.pipeline import BuildConfig, build

PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"
HANG_LIMIT_S = 240


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), **(env or {})}
    return subprocess.run(["timeout", str(HANG_LIMIT_S), sys.executable, "-m", "rpsdg", "build", *args],
                          capture_output=True, text=True, env=environment)


def assert_same_corpus(built: Path, reference: Path) -> None:
    """Every file of the two corpus directories (whatever their layout) has the same bytes."""
    files = sorted(str(p.relative_to(reference)) for p in reference.rglob("*") if p.is_file())
    assert files and files == sorted(str(p.relative_to(built)) for p in built.rglob("*") if p.is_file())
    for name in files:
        assert (built / name).read_bytes() == (reference / name).read_bytes(), name


def _partial_kept(out: Path) -> bool:
    """A hidden work directory of ``out`` is left beside it (what --resume continues from)."""
    return any(p.name.startswith(f".{out.name}") and p.is_dir() for p in out.parent.iterdir())


def _equation_build(out: Path, *extra: str) -> list[str]:
    return ["--kind", "equation", "--levels", "1-3", "--count", "60", "--seed", "5", "--format", "jsonl",
            "--shard-size", "20", "--out", str(out), *extra]


def test_process_executor_gives_the_inline_outcomes_in_order():
    """The same outcomes, except where one executor skipped the checks of a repeat the other checked (each
    executor skips those it can see: the in-process one remembers more than a worker's chunk of 3)."""
    from rpsdg.kinds import get_kind

    task = ItemTask("equation", get_kind("equation").config_type(), (1, 2), 3)
    inline = list(InlineExecutor().outcomes(task, 5, 45))
    parallel = list(ProcessExecutor(2, chunk=3).outcomes(task, 5, 45))
    assert [o.index for o in parallel] == list(range(5, 45))
    assert [o.uid for o in parallel] == [o.uid for o in inline]
    differ = [(p, i) for p, i in zip(parallel, inline) if p != i]
    assert differ and all(i.repeat and p.row is not None for p, i in differ)  # levels 1-2 repeat within 40
    assert [o for o in parallel if not o.repeat and o.index not in {i.index for _, i in differ}] == \
        [o for o in inline if not o.repeat and o.index not in {i.index for _, i in differ}]


def test_make_executor_refuses_an_unknown_name():
    with pytest.raises(RpsdgError, match="unknown executor"):
        make_executor("dask", 2)
    with pytest.raises(RpsdgError, match="only used with --executor ray"):
        BuildConfig(kind="equation", count=1, ray_address="ray://x:10001")


def test_a_dead_worker_fails_the_build_fast_with_a_message_and_a_resumable_partial(tmp_path):
    out = tmp_path / "killed"
    killed = _cli(*_equation_build(out, "--workers", "2"), env={FAULT_ENV: "45"})
    assert killed.returncode == 2, (killed.returncode, killed.stderr[-2000:])  # 124 would mean it hung
    message = " ".join(killed.stderr.split())
    assert "worker process" in message and "exited with code 70" in message, message
    assert "--resume" in message and "Traceback" not in killed.stderr
    assert not out.exists() and _partial_kept(out)

    resumed = _cli(*_equation_build(out, "--workers", "2", "--resume"))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    reference = tmp_path / "reference"
    assert _cli(*_equation_build(reference)).returncode == 0
    assert_same_corpus(out, reference)


def test_resume_after_a_kill_before_the_first_shard_continues(tmp_path):
    """Killed before any shard was complete: --resume starts from index 0 instead of refusing."""
    out = tmp_path / "early"
    config = BuildConfig(kind="equation", count=30, levels=(1, 2), seed=9, out=out, shard_size=20, format="jsonl")

    class Killed(Exception):
        pass

    def kill_at_5(n: int) -> None:
        kill_at_5.accepted += n
        if kill_at_5.accepted == 5:
            raise Killed()

    kill_at_5.accepted = 0
    with pytest.raises(Killed):
        build(config, kill_at_5)
    assert not out.exists() and _partial_kept(out)
    build(BuildConfig(**{**config.__dict__, "resume": True}))
    reference = tmp_path / "reference"
    build(BuildConfig(**{**config.__dict__, "out": reference}))
    assert_same_corpus(out, reference)


def test_a_stuck_worker_stops_the_build_with_a_message(monkeypatch):
    from rpsdg.kinds import get_kind

    monkeypatch.setenv(HANG_ENV, "20")
    task = ItemTask("equation", get_kind("equation").config_type(), (1,), 3)
    executor = ProcessExecutor(2, chunk=4, task_timeout=15)
    with pytest.raises(ExecutorError, match=r"items 20\.\.23 were not done 15 s after .*stuck worker.*--resume"):
        list(executor.outcomes(task, 0, 40))


def test_executor_ray_without_ray_installed_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    out = tmp_path / "c"
    with pytest.raises(RpsdgError, match=r"Ray is not installed.*pip install 'rpsdg\[ray\]'"):
        build(BuildConfig(kind="equation", count=5, out=out, executor="ray"))
    assert list(tmp_path.iterdir()) == []


def test_a_ray_error_is_summed_up_in_one_line_with_its_cause():
    from rpsdg.run.executors import _ray_error_summary

    class RayTaskError(Exception):
        pass

    error = RayTaskError("\x1b[36mray::produce_chunk()\x1b[39m (pid=7, ip=192.0.2.2)\n  At least one of the input "
                         "arguments for this task could not be computed:\nTraceback ...\n\n"
                         "ray._private.serialization.DeserializationError\n")
    assert _ray_error_summary(error) == ("RayTaskError: ray::produce_chunk() (pid=7, ip=192.0.2.2) … "
                                         "ray._private.serialization.DeserializationError")
    assert _ray_error_summary(RayTaskError("worker died")) == "RayTaskError: worker died"
    assert _ray_error_summary(RayTaskError()) == "RayTaskError"
