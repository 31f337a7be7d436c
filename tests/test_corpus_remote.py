"""Corpora at URLs: ``rpsdg build --out s3://...`` (a real local S3 endpoint: moto's ``ThreadedMotoServer`` over
HTTP, reached by s3fs) and ``memory://``; ``check``, ``show`` and ``export`` reading them; resume; clear errors.

The S3 tests need ``moto[server]`` and ``s3fs`` (in the ``[test]`` extra) and skip, with that reason, only when they
cannot be imported. The endpoint reaches s3fs as CI and users would give it: ``AWS_ENDPOINT_URL`` in the environment
(or ``--storage-option endpoint_url=...``, tested once).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg.cli import app
from rpsdg.corpus.location import RemotePath, as_location, parse_storage_options
from rpsdg.corpus.remote import PROGRESS_OBJECT
from rpsdg.errors import RpsdgError
from rpsdg.run.pipeline import BuildConfig, build

PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"
runner = CliRunner()
BUILD = ["build", "--kind", "equation", "--levels", "1-3", "--count", "50", "--seed", "5", "--shard-size", "20"]
HAVE_S3 = all(importlib.util.find_spec(name) is not None for name in ("moto", "s3fs"))
needs_s3 = pytest.mark.skipif(not HAVE_S3, reason="moto[server] and s3fs are not installed (pip install "
                                                   "'rpsdg[test]'); the S3 tests need a local S3 endpoint")


def _cli(*args: str, env: dict[str, str] | None = None, prelude: str = "") -> subprocess.CompletedProcess:
    """``python -m rpsdg ARGS`` in a fresh process (``prelude`` runs first, e.g. to hide a package)."""
    code = f"{prelude}\nimport sys\nsys.argv = ['rpsdg', *{list(args)!r}]\nfrom rpsdg.cli import main\nmain()"
    environment = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), **(env or {})}
    return subprocess.run(["timeout", "300", sys.executable, "-c", code], capture_output=True, text=True,
                          env=environment)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _remote_files(location: RemotePath) -> dict[str, bytes]:
    location.refresh()
    return {name: (location / name).read_bytes() for name in location.files()}


@pytest.fixture(scope="module")
def local_corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "corpus"
    result = runner.invoke(app, [*BUILD, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


# -- locations ------------------------------------------------------------------------------------------------------

def test_plain_paths_and_file_urls_stay_local_paths(tmp_path):
    assert as_location(str(tmp_path / "c")) == tmp_path / "c"
    assert as_location(f"file://{tmp_path}/c") == tmp_path / "c"
    assert isinstance(as_location("memory://bucket/c"), RemotePath)
    with pytest.raises(RpsdgError, match="only used with a URL"):
        as_location(str(tmp_path), {"anon": True})


def test_storage_options_are_json_or_text():
    assert parse_storage_options(["anon=true", "endpoint_url=http://h:9000", "retries=3",
                                  'client_kwargs={"region_name": "eu-west-1"}']) == {
        "anon": True, "endpoint_url": "http://h:9000", "retries": 3, "client_kwargs": {"region_name": "eu-west-1"}}
    with pytest.raises(RpsdgError, match="KEY=VALUE"):
        parse_storage_options(["anon"])


def test_a_build_to_a_file_url_is_the_local_build(local_corpus, tmp_path):
    result = runner.invoke(app, [*BUILD, "--out", f"file://{tmp_path}/c"])
    assert result.exit_code == 0, result.output
    assert _files(tmp_path / "c") == _files(local_corpus)


@pytest.mark.parametrize("args, fragment", [
    (["--out", "nosuchproto://bucket/c"], "unknown storage protocol 'nosuchproto'"),
    (["--out", "memory://"], "names no bucket or folder"),
    (["--out", "memory://b/c", "--storage-option", "anon"], "write KEY=VALUE"),
    (["--out", "memory://b/c", "--lean"], "--lean"),
])
def test_bad_urls_exit_2_with_a_message(args, fragment):
    result = runner.invoke(app, [*BUILD, *args])
    assert result.exit_code == 2, result.output
    assert fragment in " ".join(result.output.split()) and "Traceback" not in result.output


@pytest.mark.parametrize("hidden, fixes", [("s3fs", ["pip install s3fs", "rpsdg[cloud]"]),
                                           ("fsspec", ["need the fsspec package", "rpsdg[cloud]"])])
def test_s3_without_its_packages_names_what_to_install(hidden, fixes):
    """s3fs or fsspec hidden (as on a machine without the ``[cloud]`` extra): a message naming the URL and the fix,
    exit 2, for build and check alike."""
    for args in ([*BUILD, "--out", "s3://bucket/c"], ["check", "s3://bucket/c"]):
        result = _cli(*args, prelude=f"import sys; sys.modules[{hidden!r}] = None")
        message = " ".join(result.stderr.split())
        assert result.returncode == 2, result.stderr[-2000:]
        assert "s3://bucket/c" in message and all(fix in message for fix in fixes), message
        assert "Traceback" not in result.stderr


# -- memory:// ------------------------------------------------------------------------------------------------------

def test_memory_build_check_show_export_match_the_local_corpus(local_corpus, tmp_path):
    url = "memory://rpsdg-tests/same"
    result = runner.invoke(app, [*BUILD, "--out", url])
    assert result.exit_code == 0, result.output
    assert _remote_files(as_location(url)) == _files(local_corpus)  # shards, card, manifest: same bytes, nothing else
    checked = runner.invoke(app, ["check", url])
    assert checked.exit_code == 0 and "checked 50 records" in checked.output, checked.output
    listed = runner.invoke(app, ["show", url, "--list"])
    assert listed.exit_code == 0 and len(listed.output.strip().splitlines()) == 50
    shown = runner.invoke(app, ["show", url, listed.output.split()[0]])
    assert shown.exit_code == 0 and "re-checked now" in shown.output, shown.output
    for source, out in ((url, tmp_path / "from_url"), (str(local_corpus), tmp_path / "from_dir")):
        exported = runner.invoke(app, ["export", "sft", source, "--out", str(out)])
        assert exported.exit_code == 0, exported.output
    ours, theirs = _files(tmp_path / "from_url"), _files(tmp_path / "from_dir")
    assert sorted(ours) == sorted(theirs)
    assert all(ours[name] == theirs[name] for name in ours if name.endswith(".jsonl"))


def test_memory_output_is_refused_when_taken_and_replaced_with_force(local_corpus):
    url = "memory://rpsdg-tests/taken"
    assert runner.invoke(app, [*BUILD, "--out", url]).exit_code == 0
    again = runner.invoke(app, [*BUILD, "--out", url])
    assert again.exit_code == 2 and "already holds a corpus" in " ".join(again.output.split())
    location = as_location(url)
    (location / "stray.txt").write_bytes(b"left by someone")
    forced = runner.invoke(app, [*BUILD, "--out", url, "--force"])
    assert forced.exit_code == 0, forced.output
    assert _remote_files(location) == _files(local_corpus)  # the stray object went with the old corpus
    (location.fs).rm(location.path, recursive=True)
    (location / "other.txt").write_bytes(b"x")
    refused = runner.invoke(app, [*BUILD, "--out", url])
    assert refused.exit_code == 2 and "is not empty" in " ".join(refused.output.split())


def test_reading_a_url_without_a_manifest_is_refused():
    (as_location("memory://rpsdg-tests/half") / "data" / "shard-00000.parquet").write_bytes(b"not parquet")
    for command in (["check", "memory://rpsdg-tests/half"], ["export", "sft", "memory://rpsdg-tests/half", "--out",
                                                             "/nonexistent/x"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and "no manifest.json" in " ".join(result.output.split()), result.output
    result = runner.invoke(app, ["check", "memory://rpsdg-tests/nothing-here"])
    assert result.exit_code == 2 and "memory://rpsdg-tests/nothing-here" in result.output


def test_a_tampered_shard_at_a_url_fails_check(tmp_path):
    url = "memory://rpsdg-tests/tampered"
    assert runner.invoke(app, [*BUILD, "--out", url]).exit_code == 0
    location = as_location(url)
    (location / "data" / "shard-00001.parquet").write_bytes((location / "data" / "shard-00000.parquet").read_bytes())
    result = runner.invoke(app, ["check", url])
    assert result.exit_code == 1 and "sha256 differs" in result.output


class Killed(Exception):
    pass


def _kill_after(records: int):
    accepted = 0

    def progress(n: int) -> None:
        nonlocal accepted
        accepted += n
        if accepted == records:
            raise Killed()
    return progress


def _interrupt_resume_and_compare(url: str, local_corpus: Path, env: dict[str, str] | None = None) -> None:
    """Kill a build to ``url`` after 27 records (one shard of 20 complete): no manifest, a checkpoint; a plain
    build is refused; ``--resume`` (through the CLI) completes it to the local corpus's bytes."""
    location = as_location(url)
    config = BuildConfig(kind="equation", count=50, levels=(1, 2, 3), seed=5, out=location, shard_size=20)
    with pytest.raises(Killed):
        build(config, _kill_after(27))
    location.refresh()
    names = location.files()
    assert "manifest.json" not in names and PROGRESS_OBJECT in names and "data/shard-00000.parquet" in names
    (location / "data" / "shard-00001.parquet").write_bytes(b"a put that happened after the last checkpoint")
    refused = _cli(*BUILD, "--out", url, env=env)
    assert refused.returncode == 2 and "--resume" in refused.stderr and "Traceback" not in refused.stderr
    with pytest.raises(RpsdgError, match="other settings"):
        build(BuildConfig(**{**config.__dict__, "seed": 6, "resume": True}))
    resumed = _cli(*BUILD, "--out", url, "--resume", env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _remote_files(as_location(url)) == _files(local_corpus)
    nothing = _cli(*BUILD, "--out", url + "-none", "--resume", env=env)
    assert nothing.returncode == 2 and "no interrupted build" in nothing.stderr


def test_a_killed_memory_build_resumes_to_the_same_bytes(local_corpus):
    """memory:// lives in one process: the resume runs in this process too."""
    url = "memory://rpsdg-tests/resumed"
    location = as_location(url)
    config = BuildConfig(kind="equation", count=50, levels=(1, 2, 3), seed=5, out=location, shard_size=20)
    with pytest.raises(Killed):
        build(config, _kill_after(27))
    assert not (location / "manifest.json").exists() and (location / PROGRESS_OBJECT).is_file()
    refused = runner.invoke(app, [*BUILD, "--out", url])
    assert refused.exit_code == 2 and "checkpoint of an interrupted build" in " ".join(refused.output.split())
    result = runner.invoke(app, [*BUILD, "--out", url, "--resume"])
    assert result.exit_code == 0, result.output
    assert _remote_files(location) == _files(local_corpus)


# -- S3, for real (moto's server over HTTP) -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def s3():
    """A local S3 endpoint with a bucket ``rpsdg``; ``AWS_*`` set for this process and its children."""
    assert HAVE_S3, "every test using this fixture is marked needs_s3"
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "AWS_ENDPOINT_URL": endpoint}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            patch.delenv(key, raising=False)
        import s3fs

        s3fs.S3FileSystem(skip_instance_cache=True).mkdir("rpsdg")
        yield env
    server.stop()


@needs_s3
def test_s3_build_gives_the_local_bytes_and_check_export_read_it(s3, local_corpus, tmp_path):
    url = "s3://rpsdg/same"
    built = _cli(*BUILD, "--out", url, env=s3)
    assert built.returncode == 0, built.stderr[-2000:]
    assert _remote_files(as_location(url)) == _files(local_corpus)  # no checkpoint, no probe left behind
    checked = _cli("check", url, env=s3)
    assert checked.returncode == 0 and "checked 50 records" in checked.stdout, checked.stderr[-2000:]
    exported = _cli("export", "sft", url, "--out", str(tmp_path / "sft"), env=s3)
    assert exported.returncode == 0 and "wrote" in exported.stdout, exported.stderr[-2000:]
    assert runner.invoke(app, ["export", "sft", str(local_corpus), "--out", str(tmp_path / "ref")]).exit_code == 0
    ours, theirs = _files(tmp_path / "sft"), _files(tmp_path / "ref")
    assert sorted(ours) == sorted(theirs)
    assert all(ours[name] == theirs[name] for name in ours if name.endswith(".jsonl"))


@needs_s3
def test_s3_endpoint_through_a_storage_option(s3, local_corpus):
    """The endpoint given on the command line instead of the environment."""
    env = {**s3, "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # a wrong endpoint in the environment is overridden
    url = "s3://rpsdg/option"
    option = ["--storage-option", f"endpoint_url={s3['AWS_ENDPOINT_URL']}"]
    built = _cli(*BUILD, "--out", url, *option, env=env)
    assert built.returncode == 0, built.stderr[-2000:]
    checked = _cli("check", url, *option, env=env)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert _remote_files(as_location(url)) == _files(local_corpus)


@needs_s3
def test_s3_killed_build_leaves_no_manifest_and_resumes_to_the_same_bytes(s3, local_corpus):
    _interrupt_resume_and_compare("s3://rpsdg/resumed", local_corpus, env=s3)


@needs_s3
def test_s3_missing_bucket_and_taken_prefix_are_clear_errors(s3):
    missing = _cli(*BUILD, "--out", "s3://no-such-bucket/c", env=s3)
    message = " ".join(missing.stderr.split())
    assert missing.returncode == 2 and "s3://no-such-bucket/c" in message and "bucket" in message
    assert "Traceback" not in missing.stderr
    assert _cli(*BUILD, "--out", "s3://rpsdg/taken", env=s3).returncode == 0
    taken = _cli(*BUILD, "--out", "s3://rpsdg/taken", env=s3)
    assert taken.returncode == 2 and "already holds a corpus" in " ".join(taken.stderr.split())
    unreadable = _cli("check", "s3://no-such-bucket/c", env=s3)
    assert unreadable.returncode == 2 and "s3://no-such-bucket/c" in unreadable.stderr
    assert "Traceback" not in unreadable.stderr


def test_force_at_the_top_of_a_url_keeps_the_folder_and_empties_it(local_corpus):
    """``--force`` removes what is below the URL entry by entry, never the URL's own folder (at the top of an S3 URL
    that would be the bucket)."""
    url = "memory://rpsdg-tests-top"
    (as_location(url) / "old" / "thing.txt").write_bytes(b"old")
    result = runner.invoke(app, [*BUILD, "--out", url, "--force"])
    assert result.exit_code == 0, result.output
    assert _remote_files(as_location(url)) == _files(local_corpus)


@needs_s3
def test_s3_force_at_a_bucket_root_keeps_the_bucket(s3, local_corpus):
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir("rpsdg-root")
    fs.pipe_file("rpsdg-root/old/thing.txt", b"old")
    built = _cli(*BUILD, "--out", "s3://rpsdg-root", "--force", env=s3)
    assert built.returncode == 0, built.stderr[-2000:]
    assert _remote_files(as_location("s3://rpsdg-root")) == _files(local_corpus)


@needs_s3
def test_s3_build_killed_with_sigkill_leaves_no_manifest_and_resumes(s3, local_corpus):
    """A real kill: the build (``--workers 2``) stalls at item 50 (the executors' hang hook: a worker sleeps), after
    two complete shards; the test waits for their checkpoint, SIGKILLs the build's process group, and resumes."""
    import signal
    import time

    from rpsdg.run.executors import HANG_ENV

    url = "s3://rpsdg/sigkilled"
    location = as_location(url)
    environment = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), **s3, HANG_ENV: "50"}
    process = subprocess.Popen([sys.executable, "-m", "rpsdg", *BUILD, "--out", url, "--workers", "2"],
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        shards = 0
        for _ in range(1200):  # a bound on waiting (10 minutes), not a speed assertion
            assert process.poll() is None, process.stderr.read().decode()[-2000:] if process.stderr else ""
            location.refresh()
            if (location / PROGRESS_OBJECT).is_file():
                shards = len(json.loads((location / PROGRESS_OBJECT).read_bytes())["shards"])
                if shards == 2:
                    break
            time.sleep(0.5)
        assert shards == 2
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    location.refresh()
    names = location.files()
    assert "manifest.json" not in names and PROGRESS_OBJECT in names, names
    resumed = _cli(*BUILD, "--out", url, "--resume", env=s3)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert _remote_files(location) == _files(local_corpus)
