"""Hostile input at the CLI (issue 11): every case ends quickly with exit 1 or 2 and a message naming the input,
never a traceback, and writes nothing half-done.

Configs, seeds and records are the cases found in review (and more of the same class); records are real corpus
rows whose text was replaced by something built to make a naive checker compute forever.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg.cli import app

runner = CliRunner()


def _assert_clean_failure(result, codes=(1, 2), fragment: str = "") -> None:
    assert result.exit_code in codes, (result.exit_code, result.output)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert fragment in result.output, result.output


CONFIGS = [
    (b'[integral]\nmax_integrand_tokens = "lots"\n', "expected an integer"),
    (b"[integral]\nmax_integrand_tokens = -5\n", "must be positive"),
    (b"[integral]\nlevels = { 1 = { operators = [1, 3], allowed = [\"add\"] } }\n", "missing key(s) max_depth"),
    (b"[integral]\nweights = 3\n", "expected a table"),
    (b"[integral]\np_variable = true\n", "expected a number"),
    (b"[integral]\nnot_a_field = 1\n", "unknown key(s) not_a_field"),
    (b"[theorem]\nsearch_budget = 3\n", "no [integral] table"),
    (b"[poetry]\nx = 1\n", "unknown table(s) [poetry]"),
    (b"\xff\xfe[integral]\n", "not UTF-8"),
    (b"[integral\n", "not valid TOML"),
    (b"[integral]\nintegers = [1]\n", "expected a list of 2 values"),
]


@pytest.mark.parametrize("text, fragment", CONFIGS)
def test_hostile_config_is_refused_with_its_name(tmp_path, text, fragment):
    config = tmp_path / "gen.toml"
    config.write_bytes(text)
    out = tmp_path / "corpus"
    result = runner.invoke(app, ["build", "--count", "3", "--levels", "1", "--out", str(out),
                                 "--config", str(config)])
    _assert_clean_failure(result, (2,), fragment)
    assert str(config) in result.output
    assert not out.exists()


def test_missing_config_file_is_named(tmp_path):
    result = runner.invoke(app, ["build", "--count", "3", "--out", str(tmp_path / "c"),
                                 "--config", str(tmp_path / "absent.toml")])
    _assert_clean_failure(result, (2,), "cannot read it")


HOSTILE_TEXT = ["10**10**10", "x**100000000", "2**1000000*x", "(x + 1)**(10**20)", "1" * 200_000,
                "x**(2**64)", "__import__('os').system('true')", "((((((((((x" * 40, "x" + "+x" * 60_000]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile") / "corpus"
    result = runner.invoke(app, ["build", "--count", "4", "--levels", "1", "--seed", "3", "--out", str(out),
                                 "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("field", ["problem", "answer", "step"])
@pytest.mark.parametrize("text", HOSTILE_TEXT, ids=lambda t: t[:14])
def test_check_rejects_hostile_records_quickly(small_corpus, tmp_path, field, text):
    corpus = tmp_path / "corpus"
    import shutil

    shutil.copytree(small_corpus, corpus)
    shard = sorted(corpus.rglob("shard-*.jsonl"))[0]
    rows = [json.loads(line) for line in shard.read_text(encoding="utf-8").splitlines()]
    if field == "step":  # steps are stored as JSON text (one schema for every kind)
        steps = json.loads(rows[0]["steps"]) if isinstance(rows[0]["steps"], str) else rows[0]["steps"]
        steps[0]["integrand"] = text
        rows[0]["steps"] = json.dumps(steps) if isinstance(rows[0]["steps"], str) else steps
    else:
        rows[0][field] = text
    shard.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    result = runner.invoke(app, ["check", str(corpus)])
    _assert_clean_failure(result, (1,), "FAIL")


def test_show_says_stored_verdicts_are_rechecked(small_corpus):
    uid = json.loads(sorted(small_corpus.rglob("shard-*.jsonl"))[0].read_text().splitlines()[0])["uid"]
    result = runner.invoke(app, ["show", str(small_corpus), uid[:12]])
    assert result.exit_code == 0
    assert "re-checked now" in result.output.lower()


def test_nested_time_limits_keep_the_outer_one():
    """An inner limit that treats its own timeout as "undecided" (the SymPy fallback, the scorer) must not swallow
    the record's outer limit, and must restore it when it ends."""
    import time

    from rpsdg.limits import OutOfTime, time_limit

    with pytest.raises(OutOfTime) as caught:
        with time_limit(0.3) as outer:
            with time_limit(5.0) as inner:  # looser than the outer: not armed over it
                try:
                    time.sleep(1.0)
                except OutOfTime as error:
                    assert not inner.fired(error)
                    raise
    assert outer.fired(caught.value)
    with pytest.raises(OutOfTime) as caught:
        with time_limit(0.5) as outer:
            with time_limit(0.05) as inner:
                try:
                    time.sleep(0.2)
                except OutOfTime as error:
                    assert inner.fired(error)  # the inner one fired and is handled here
            time.sleep(1.0)  # the outer one is still armed
    assert outer.fired(caught.value)


def test_a_limit_whose_alarm_is_swallowed_fires_again():
    """Python drops an exception raised inside a garbage-collector callback, and a signal handler can run there
    (Hypothesis registers such a callback). The first alarm here lands in a callback and is lost; the limit must
    still end the block. Before the fix the block ran on (CI: a SymPy fallback ran 15 minutes)."""
    import gc
    import time

    from rpsdg.limits import OutOfTime, time_limit

    swallowed = []

    def slow_first_collection(phase, info):  # noqa: ARG001 (gc callback signature)
        if phase == "start" and not swallowed:
            try:
                time.sleep(5.0)  # the alarm interrupts this sleep; gc then drops the OutOfTime
            finally:
                swallowed.append(True)

    gc.callbacks.append(slow_first_collection)
    give_up = time.monotonic() + 60.0  # a bound, so the bug fails the test rather than hanging it
    try:
        with pytest.raises(OutOfTime) as caught:
            with time_limit(0.05) as limit:
                while time.monotonic() < give_up:
                    gc.collect(0)
                raise AssertionError("the limit never ended the block")
    finally:
        gc.callbacks.remove(slow_first_collection)
    assert swallowed, "the first alarm should have landed in the gc callback"
    assert limit.fired(caught.value)


def test_a_time_limit_leaves_the_alarm_as_it_found_it():
    """After the block (ended normally, by an error, or by its own timeout) the interval timer is off and the
    SIGALRM handler is the one before it; off the main thread it arms nothing and says so."""
    import signal
    import threading
    import time

    from rpsdg.limits import OutOfTime, time_limit

    before = signal.getsignal(signal.SIGALRM)
    with time_limit(5.0) as limit:
        assert limit.armed and signal.getitimer(signal.ITIMER_REAL)[0] > 0
    with pytest.raises(ZeroDivisionError):
        with time_limit(5.0):
            1 / 0  # noqa: B018
    with pytest.raises(OutOfTime):
        with time_limit(0.05):
            time.sleep(1.0)
    assert signal.getsignal(signal.SIGALRM) is before and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(time_limit(5.0).__enter__().armed))
    worker.start()
    worker.join()
    assert seen == [False]
