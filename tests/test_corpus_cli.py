"""End to end through the CLI: build, show, check; determinism; atomic output; clear errors with exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rpsdg.cli import app
from rpsdg.errors import RpsdgError

runner = CliRunner()


def _build(out: Path, *extra: str, count: int = 40) -> object:
    return runner.invoke(app, ["build", "--kind", "integral", "--count", str(count), "--levels", "1-5",
                               "--seed", "7", "--out", str(out), *extra])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("c") / "corpus"
    result = _build(out, "--shard-size", "15")
    assert result.exit_code == 0, result.output
    return out


def test_build_writes_shards_and_manifest(corpus):
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert manifest["records"] == 40 and manifest["shortfall"] == 0
    assert [s["records"] for s in manifest["shards"]] == [15, 15, 10]
    assert sum(manifest["records_per_level"].values()) == 40
    assert manifest["candidates"] == 40 + sum(manifest["dropped"].values())
    assert manifest["confirmed"]["symbolically"] + manifest["confirmed"]["numerically_only"] == 40
    assert [s["file"] for s in manifest["shards"]] == [f"data/shard-0000{i}.parquet" for i in range(3)]
    assert sorted(p.name for p in corpus.iterdir()) == ["README.md", "data", "manifest.json"]
    table = pq.read_table(sorted((corpus / "data").glob("*.parquet")))
    assert table.num_rows == 40
    assert set(table.column_names) >= {"uid", "kind", "level", "problem", "answer", "hypotheses", "steps", "checks",
                                       "prefix", "latex", "lean", "extra"}
    uids = table.column("uid").to_pylist()
    assert len(set(uids)) == 40


def test_same_command_gives_byte_identical_shards(corpus, tmp_path):
    again = tmp_path / "again"
    assert _build(again, "--shard-size", "15").exit_code == 0
    parallel = tmp_path / "parallel"
    assert _build(parallel, "--shard-size", "15", "--workers", "2").exit_code == 0
    for name in ("data/shard-00000.parquet", "data/shard-00001.parquet", "data/shard-00002.parquet",
                 "manifest.json", "README.md"):
        assert (again / name).read_bytes() == (corpus / name).read_bytes()
        assert (parallel / name).read_bytes() == (corpus / name).read_bytes()


def test_records_are_sympy_parsable_and_loadable_without_rpsdg(corpus):
    import sympy

    table = pq.read_table(corpus / "data" / "shard-00000.parquet")
    for row in table.to_pylist()[:5]:
        x = sympy.Symbol("x")
        problem, answer = sympy.sympify(row["problem"]), sympy.sympify(row["answer"])
        assert problem.free_symbols <= {x} and answer.free_symbols <= {x}
        for step in json.loads(row["steps"]):
            sympy.sympify(step["integrand"]), sympy.sympify(step["antiderivative"])
    pandas = pytest.importorskip("pandas", reason="pandas not installed; pyarrow loading is tested above")
    assert len(pandas.read_parquet(corpus / "data")) == 40


def test_loads_with_hugging_face_datasets(corpus, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets", reason="`datasets` not installed; pyarrow loading is tested above")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    loaded = datasets.load_dataset(str(corpus), split="train", cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows == 40 and loaded[0]["kind"] == "integral"
    assert "antiderivative" in json.loads(loaded[0]["steps"])[0]
    from rpsdg.kinds import get_kind

    assert set(json.loads(loaded[0]["extra"])) == {name for name, _ in get_kind("integral").extra_fields}


def test_jsonl_format(tmp_path):
    out = tmp_path / "j"
    assert _build(out, "--format", "jsonl", count=10).exit_code == 0
    lines = (out / "data" / "shard-00000.jsonl").read_text().splitlines()
    assert len(lines) == 10 and json.loads(lines[0])["kind"] == "integral"
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0


def test_show_and_check(corpus):
    listing = runner.invoke(app, ["show", str(corpus), "--list"])
    assert listing.exit_code == 0
    uid = listing.output.split()[0]
    shown = runner.invoke(app, ["show", str(corpus), uid])
    assert shown.exit_code == 0 and "∫" in shown.output and "Answer:" in shown.output
    checked = runner.invoke(app, ["check", str(corpus)])
    assert checked.exit_code == 0, checked.output
    assert "replay: 40 passed" in checked.output


def test_check_reports_tampered_records(corpus, tmp_path):
    out = tmp_path / "tampered"
    assert _build(out, "--format", "jsonl", count=6).exit_code == 0
    shard = out / "data" / "shard-00000.jsonl"
    rows = [json.loads(line) for line in shard.read_text().splitlines()]
    rows[2]["answer"] = rows[2]["answer"] + " + x**2"
    shard.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["check", str(out)])
    assert result.exit_code == 1
    assert rows[2]["uid"][:16] in result.output and "sha256 differs" in result.output


@pytest.mark.parametrize("args, fragment", [
    (["--kind", "poetry"], "unknown kind"),
    (["--levels", "0-3"], "levels must be between"),
    (["--levels", "two"], "write a range"),
    (["--seed", "-4"], "from 0 to 2**63 - 1"),
    (["--seed", str(2 ** 70)], "from 0 to 2**63 - 1"),
    (["--count", "0"], "at least 1"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, args, fragment):
    out = tmp_path / "never"
    result = runner.invoke(app, ["build", "--out", str(out), *args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert not out.exists()


def test_non_empty_out_needs_force(corpus, tmp_path):
    out = tmp_path / "full"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _build(out, count=3)
    assert result.exit_code == 2 and "--force" in result.output
    assert (out / "keep.txt").read_text() == "mine"
    assert _build(out, "--force", count=3).exit_code == 0
    assert not (out / "keep.txt").exists() and (out / "manifest.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_config_file(tmp_path):
    config = tmp_path / "gen.toml"
    config.write_text("[integral]\nmax_integrand_tokns = 3\n")
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == 2 and "max_integrand_tokns" in result.output
    config.write_text("[integral\n")
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_check_and_show_refuse_what_is_not_a_corpus(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2 and "not an rpsdg corpus" in result.output
    (tmp_path / "manifest.json").write_text("{broken")
    result = runner.invoke(app, ["show", str(tmp_path), "abcd"])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_a_killed_build_resumes_without_loss_or_duplicates(corpus, tmp_path):
    """Interrupt a build after 23 records (2 shards of 10 complete), resume it: the result is byte-identical to
    an uninterrupted build."""
    from rpsdg.run.pipeline import BuildConfig, build

    out = tmp_path / "resumed"
    config = BuildConfig(kind="integral", count=40, levels=(1, 2, 3, 4, 5), seed=7, out=out, shard_size=10)

    class Killed(Exception):
        pass

    accepted = 0

    def kill_after_23(n: int) -> None:
        nonlocal accepted
        accepted += n
        if accepted == 23:
            raise Killed()

    with pytest.raises(Killed):
        build(config, kill_after_23)
    assert not out.exists() and (tmp_path / ".resumed.partial" / "progress.json").is_file()
    with pytest.raises(RpsdgError, match="other settings"):
        build(BuildConfig(**{**config.__dict__, "seed": 8, "resume": True}))
    build(BuildConfig(**{**config.__dict__, "resume": True}))
    reference = tmp_path / "reference"
    build(BuildConfig(**{**config.__dict__, "out": reference}))
    for name in ("data/shard-00000.parquet", "data/shard-00001.parquet", "data/shard-00002.parquet",
                 "data/shard-00003.parquet", "manifest.json", "README.md"):
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name
    assert not (tmp_path / ".resumed.partial").exists()
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "none"), "--resume"])
    assert result.exit_code == 2 and "nothing" not in result.output and "no interrupted build" in result.output


@pytest.mark.parametrize("module", ["rpsdg", "rpsdg.cli"])
def test_python_dash_m_runs_the_cli_with_its_subcommands(module):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", module, "lean", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "render" in done.stdout and "check" in done.stdout
