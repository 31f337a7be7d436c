"""``--executor ray`` on a local Ray (2 CPUs): the same bytes as the process executor; a killed worker is retried.

Skipped with the reason when Ray is not installed (``pip install 'rpsdg[ray]'``). Builds run as CLI subprocesses
under ``timeout`` so that each starts and stops its own local Ray and a hang fails instead of hanging the suite.
"""

from __future__ import annotations

import importlib.util

import pytest

from rpsdg.run.executors import FAULT_ENV
from test_run_executors import _cli, _equation_build, assert_same_corpus

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                reason="ray is not installed (pip install 'rpsdg[ray]'); the Ray executor is untested")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ray") / "reference"
    done = _cli(*_equation_build(out, "--workers", "1"))
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def test_ray_build_is_byte_identical_to_the_process_executor(reference, tmp_path):
    out = tmp_path / "ray"
    done = _cli(*_equation_build(out, "--executor", "ray"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert_same_corpus(out, reference)


def test_a_killed_ray_worker_is_retried_and_the_corpus_is_unchanged(reference, tmp_path):
    marker = tmp_path / "died-once"
    out = tmp_path / "ray-killed"
    done = _cli(*_equation_build(out, "--executor", "ray"), env={FAULT_ENV: f"37:{marker}"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert marker.exists(), "the fault hook never fired: the test did not kill a worker"
    assert_same_corpus(out, reference)


def test_a_task_that_always_dies_fails_the_build_with_a_message_and_resume_completes_it(reference, tmp_path):
    out = tmp_path / "ray-dead"
    done = _cli(*_equation_build(out, "--executor", "ray"), env={FAULT_ENV: "37"})
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    message = " ".join(done.stderr.split())
    assert "--executor ray: items" in message and "retries" in message and "--resume" in message, message
    assert "Traceback" not in done.stderr and not out.exists()
    resumed = _cli(*_equation_build(out, "--executor", "ray", "--resume"))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_same_corpus(out, reference)


def test_a_task_that_runs_past_its_timeout_is_resubmitted_then_fails_with_a_message(monkeypatch):
    """The worker making item 0 sleeps for ever: its task is cancelled and resubmitted, then the build stops."""
    from rpsdg.kinds import get_kind
    from rpsdg.run.executors import HANG_ENV, ExecutorError, RayExecutor
    from rpsdg.run.items import ItemTask

    monkeypatch.setenv(HANG_ENV, "0")  # set before Ray starts, so its workers inherit it
    task = ItemTask("equation", get_kind("equation").config_type(), (1,), 3)
    executor = RayExecutor(num_cpus=2, max_retries=1, task_timeout=10, chunk=4)
    with pytest.raises(ExecutorError, match=r"items 0\.\.3 ran past 10 s 2 times.*--resume"):
        list(executor.outcomes(task, 0, 12))
    import ray

    assert not ray.is_initialized()  # the executor stopped the local Ray it started
