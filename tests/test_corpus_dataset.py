"""A corpus loads like a dataset (issue 10), and the corpus store stands hostile input (issue 11).

* ``datasets.load_dataset(CORPUS)``, ``pandas.read_parquet(CORPUS/data)`` and ``pyarrow.dataset`` load a corpus in a
  process where rpsdg cannot be imported, for both shard formats, and ``datasets`` logs no warning about the card.
* Corpora of every kind share one schema and concatenate (pyarrow, pandas, ``datasets``).
* The stored shape decodes back to exactly the rows the pipeline made (same uids, same values, same key order).
* Files and directories follow the user's umask; the card and shards are byte-identical for the same command.
* Old-layout corpora (record format 1) get a message naming ``rpsdg convert`` from every command; ``convert`` gives
  the same rows in the new layout.
* ``--out`` in an unwritable place or under a file, a second writer to the same ``--out``, and non-UTF-8 bytes in a
  shard or manifest end with a message and exit 2, never a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rpsdg.cli import app
from rpsdg.corpus.record import SCHEMA, decode_row, encode_row
from rpsdg.corpus.store import Corpus, OutputLock, write_json_atomic
from rpsdg.kinds import get_kind, kind_names
from rpsdg.run.pipeline import BuildConfig, build, produce

runner = CliRunner()
PYTHON_DIR = Path(__file__).resolve().parents[1] / "python"
COUNT = 6


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PYTHON_DIR), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """A small corpus of every kind in both shard formats."""
    root = tmp_path_factory.mktemp("corpora")
    made = {}
    for kind in kind_names():
        for fmt in ("parquet", "jsonl"):
            out = root / f"{kind}-{fmt}"
            build(BuildConfig(kind=kind, count=COUNT, levels=(1, 2, 3), seed=5, out=out, format=fmt, shard_size=4))
            made[(kind, fmt)] = out
    return made


def _no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# -- loads like a dataset, with no rpsdg ----------------------------------------------------------------------------

_LOAD_WITHOUT_RPSDG = r"""
import json, logging, re, sys
sys.modules["rpsdg"] = None  # any attempt to import rpsdg fails
heard = []
class Heard(logging.Handler):
    def emit(self, record):
        heard.append(record.getMessage())
logging.getLogger("datasets").addHandler(Heard(logging.WARNING))
from pathlib import Path
counts = {}
for name in sys.argv[1:]:
    card = (Path(name) / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", card, re.S).group(1).replace("CORPUS", name)
    scope = {}
    exec(code, scope)  # the card's own loading instructions
    rows = scope["rows"]
    counts[name] = {"datasets": rows.num_rows, "pandas": len(scope["frame"]), "pyarrow": scope["table"].num_rows,
                    "steps": json.loads(rows[0]["steps"]), "extra": json.loads(rows[0]["extra"]),
                    "columns": [list(rows.column_names), list(scope["frame"].columns), scope["table"].column_names]}
print(json.dumps({"counts": counts, "heard": heard}))
"""


def test_every_corpus_loads_as_its_card_says_without_rpsdg(corpora, tmp_path):
    """The card's loading code (``datasets``, pandas, pyarrow), run where rpsdg cannot be imported."""
    pytest.importorskip("datasets", reason="`datasets` is not installed")
    pytest.importorskip("pandas", reason="pandas is not installed")
    names = [str(path) for path in corpora.values()]
    done = subprocess.run([sys.executable, "-c", _LOAD_WITHOUT_RPSDG, *names], capture_output=True, text=True,
                          timeout=600, env={**_env(), "HF_DATASETS_CACHE": str(tmp_path / "hf")}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["heard"] == []  # datasets accepted the card without a warning
    for (kind, fmt), path in corpora.items():
        counts = report["counts"][str(path)]
        assert counts["datasets"] == counts["pandas"] == counts["pyarrow"] == COUNT, (kind, fmt, counts)
        assert counts["columns"] == [SCHEMA.names] * 3
        spec = get_kind(kind)
        assert isinstance(counts["steps"], list) and set(counts["steps"][0]) == {n for n, _ in spec.step_fields}
        assert set(counts["extra"]) == {n for n, _ in spec.extra_fields}


def test_layout_and_card(corpora):
    for (kind, fmt), path in corpora.items():
        assert sorted(p.name for p in path.iterdir()) == ["README.md", "data", "manifest.json"]
        assert sorted(p.name for p in (path / "data").iterdir()) == [f"shard-00000.{fmt}", f"shard-00001.{fmt}"]
        card = (path / "README.md").read_text(encoding="utf-8")
        header = card.split("---\n")[1]
        assert f'path: "data/*.{fmt}"' in header and 'split: "train"' in header
        assert f"num_examples: {COUNT}" in header and "num_bytes:" in header
        for column in SCHEMA.names:
            assert f"| `{column}` |" in card
        for name, _ in get_kind(kind).step_fields:
            assert f"`{name}`" in card
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["record_format"] == 2 and manifest["manifest_format"] == 2
        assert [s["file"] for s in manifest["shards"]] == [f"data/shard-0000{i}.{fmt}" for i in range(2)]


# -- one schema for every kind --------------------------------------------------------------------------------------

def test_corpora_of_every_kind_concatenate(corpora, tmp_path, monkeypatch):
    parquet = [path for (kind, fmt), path in corpora.items() if fmt == "parquet"]
    tables = [pq.read_table(path / "data") for path in parquet]
    assert all(table.schema.equals(SCHEMA) for table in tables)
    together = pa.concat_tables(tables)
    assert together.num_rows == COUNT * len(kind_names())
    assert set(together.column("kind").to_pylist()) == set(kind_names())
    union = pads.dataset([pads.dataset(str(path / "data")) for path in parquet])
    assert union.to_table().num_rows == together.num_rows
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    frame = pandas.concat([pandas.read_parquet(path / "data") for path in parquet], ignore_index=True)
    assert len(frame) == together.num_rows and list(frame.columns) == SCHEMA.names
    datasets = pytest.importorskip("datasets", reason="`datasets` is not installed")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    loaded = [datasets.load_dataset(str(path), split="train", cache_dir=str(tmp_path / "hf")) for path in
              corpora.values()]  # both formats: the card's features make jsonl and parquet alike
    merged = datasets.concatenate_datasets(loaded)
    assert merged.num_rows == COUNT * len(corpora)
    assert set(merged["kind"]) == set(kind_names())


def test_stored_rows_decode_to_the_rows_the_pipeline_made(corpora):
    """Same uids, values and key order as the in-memory rows (what checkers and exporters read)."""
    for (kind, fmt), path in corpora.items():
        spec = get_kind(kind)
        rows = list(Corpus(path).rows())
        assert len(rows) == COUNT
        for row in rows:
            made = produce(spec, spec.config_type(), (1, 2, 3), 5, row["index"]).row
            assert row == made and list(row) == list(made), (kind, fmt, row["uid"])
            assert [list(step) for step in row["steps"]] == [list(step) for step in made["steps"]]
            assert decode_row(encode_row(row, spec), "here") == row


def test_same_command_gives_byte_identical_card_and_shards(corpora, tmp_path):
    for kind, fmt in (("theorem", "jsonl"), ("equation", "parquet")):
        again = tmp_path / f"{kind}-{fmt}"
        build(BuildConfig(kind=kind, count=COUNT, levels=(1, 2, 3), seed=5, out=again, format=fmt, shard_size=4))
        first = corpora[(kind, fmt)]
        files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
        for relative in files:
            assert (first / relative).read_bytes() == (again / relative).read_bytes(), relative


# -- the user's umask -----------------------------------------------------------------------------------------------

def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_files_and_directories_follow_the_umask(corpora, tmp_path):
    from rpsdg.export import export_corpus
    from rpsdg.kinds.theorem.cli import write_graph
    from rpsdg.lean.project import render_corpus

    previous = os.umask(0o027)
    try:
        corpus = tmp_path / "c"
        build(BuildConfig(kind="integral", count=3, levels=(1,), seed=2, out=corpus))
        export_corpus("sft", corpus, tmp_path / "sft")
        write_graph(tmp_path / "rules.graphml")
        write_json_atomic(tmp_path / "verdicts.json", {"items": {}})
        render_corpus(corpus)
    finally:
        os.umask(previous)
    for path in (corpus / "manifest.json", corpus / "README.md", corpus / "data" / "shard-00000.parquet",
                 tmp_path / "sft" / "rpsdg_export.json", tmp_path / "sft" / "README.md", tmp_path / "rules.graphml",
                 tmp_path / "verdicts.json"):
        assert _mode(path) == 0o640, (path, oct(_mode(path)))
    for path in (corpus, corpus / "data", tmp_path / "sft", corpus / "lean"):
        assert _mode(path) == 0o750, (path, oct(_mode(path)))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries or locks left
    # lean/ beside data/ does not disturb the readers
    assert len(pq.read_table(corpus / "data")) == pads.dataset(str(corpus / "data")).count_rows() == 3


def test_lean_require_rewrites_the_corpus_in_the_new_layout(corpora, tmp_path):
    """``rpsdg lean check --require`` keeps the Lean-passed items (verdicts written by hand here: no Lean runs)."""
    from rpsdg.lean.runner import keep_lean_passed

    corpus = tmp_path / "c"
    shutil.copytree(corpora[("theorem", "jsonl")], corpus)
    (corpus / "lean").mkdir()
    (corpus / "lean" / "render.json").write_text("{}")
    rows = list(Corpus(corpus).rows())
    verdicts = {row["uid"]: {"status": "passed" if n % 2 else "failed"} for n, row in enumerate(rows)}
    (corpus / "lean_verdicts.json").write_text(json.dumps({"items": verdicts}))
    assert keep_lean_passed(corpus, verdicts) == COUNT // 2
    kept = list(Corpus(corpus).rows())
    assert kept == [row for n, row in enumerate(rows) if n % 2]
    assert (corpus / "lean" / "render.json").is_file() and (corpus / "lean_verdicts.json").is_file()
    assert f"num_examples: {len(kept)}" in (corpus / "README.md").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# -- old layout -----------------------------------------------------------------------------------------------------

def _old_layout(source: Path, out: Path) -> list[dict]:
    """``source`` rewritten by hand as record format 1 wrote it: in-memory rows as shards beside manifest.json."""
    opened = Corpus(source)
    rows = list(opened.rows())
    out.mkdir()
    name = f"shard-00000.{opened.format}"
    if opened.format == "parquet":
        pq.write_table(pa.Table.from_pylist(rows), out / name)
    else:
        (out / name).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    import hashlib

    manifest = {**opened.manifest, "manifest_format": 1, "record_format": 1,
                "shards": [{"file": name, "records": len(rows),
                            "sha256": hashlib.sha256((out / name).read_bytes()).hexdigest()}]}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    return rows


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_old_layout_gets_a_message_naming_convert_and_converts(corpora, tmp_path, fmt):
    old = tmp_path / "old"
    rows = _old_layout(corpora[("equation", fmt)], old)
    commands = [["check", str(old)], ["show", str(old), "--list"], ["show", str(old), rows[0]["uid"][:8]],
                ["export", "sft", str(old), "--out", str(tmp_path / "e")], ["lean", "render", str(old)],
                ["lean", "check", str(old)]]
    for command in commands:
        result = runner.invoke(app, command)
        _no_traceback(result)
        assert result.exit_code == 2, (command, result.output)
        assert "old layout" in result.output and f"rpsdg convert {old} --out" in result.output, command
    assert sorted(p.name for p in old.iterdir()) == ["manifest.json", f"shard-00000.{fmt}"]  # nothing written
    new = tmp_path / "new"
    result = runner.invoke(app, ["convert", str(old), "--out", str(new)])
    assert result.exit_code == 0, result.output
    assert list(Corpus(new).rows()) == rows
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["record_format"] == 2 and manifest["converted_from"] == {"manifest_format": 1,
                                                                              "record_format": 1}
    checked = runner.invoke(app, ["check", str(new)])
    assert checked.exit_code == 0, checked.output
    refused = runner.invoke(app, ["convert", str(old), "--out", str(old)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert runner.invoke(app, ["convert", str(old), "--out", str(old), "--force"]).exit_code == 0
    assert list(Corpus(old).rows()) == rows and (old / "data").is_dir()


def test_convert_carries_lean_files_and_changes_the_format(corpora, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(corpora[("theorem", "parquet")], source)
    (source / "lean_verdicts.json").write_text('{"items": {}}\n')
    result = runner.invoke(app, ["convert", str(source), "--out", str(tmp_path / "j"), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "j" / "lean_verdicts.json").read_text() == '{"items": {}}\n'
    assert list(Corpus(tmp_path / "j").rows()) == list(Corpus(source).rows())
    assert (tmp_path / "j" / "data" / "shard-00000.jsonl").is_file()


def test_a_newer_record_format_asks_for_an_upgrade(corpora, tmp_path):
    copy = tmp_path / "newer"
    shutil.copytree(corpora[("integral", "jsonl")], copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "record_format": 99}))
    result = runner.invoke(app, ["check", str(copy)])
    _no_traceback(result)
    assert result.exit_code == 2 and "upgrade rpsdg" in result.output


# -- hostile input and faults at the store boundary -----------------------------------------------------------------

@pytest.mark.parametrize("where", ["proc", "under_file"])
def test_out_in_an_unwritable_place_or_under_a_file(corpora, tmp_path, where):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    out = Path("/proc/rpsdg-test-x") if where == "proc" else blocker / "corpus"
    source = str(corpora[("equation", "jsonl")])
    for command in (["build", "--kind", "equation", "--count", "2", "--out", str(out)],
                    ["export", "sft", source, "--out", str(out)],
                    ["convert", source, "--out", str(out)]):
        result = runner.invoke(app, command)
        _no_traceback(result)
        assert result.exit_code == 2, (command, result.output)
        assert f"--out {out}" in result.output, (command, result.output)
    assert blocker.read_text() == "not a directory"


_HOLD_LOCK = r"""
import sys
from pathlib import Path
from rpsdg.corpus.store import OutputLock
lock = OutputLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the test closes stdin, then exit without releasing it (as a kill would)
"""


def test_a_second_writer_to_the_same_out_is_refused(tmp_path):
    out = tmp_path / "corpus"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(out)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=_env())
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = runner.invoke(app, ["build", "--kind", "equation", "--count", "2", "--out", str(out)])
        _no_traceback(result)
        assert result.exit_code == 2 and "another rpsdg process" in result.output
        assert f"pid {holder.pid}" in result.output and not out.exists()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert (tmp_path / ".corpus.lock").exists()  # left by the killed holder; the kernel dropped its lock
    result = runner.invoke(app, ["build", "--kind", "equation", "--count", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / ".corpus.lock").exists() and not (tmp_path / ".corpus.partial").exists()


def test_two_builds_at_once_one_is_refused(tmp_path):
    """Two real build processes to one --out, started together: whatever the timing, each either writes the corpus
    or is refused with the message (never a traceback), and the corpus that results is whole."""
    out = tmp_path / "corpus"
    command = [sys.executable, "-m", "rpsdg", "build", "--kind", "equation", "--count", "40", "--out", str(out)]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    results = [(p.wait(timeout=600), *p.communicate()) for p in (first, second)]
    for code, stdout, stderr in results:
        assert "Traceback" not in stderr
        assert code == 0 or (code == 2 and ("another rpsdg process" in stderr or "not empty" in stderr)), stderr
    assert any(code == 0 for code, _, _ in results)
    assert runner.invoke(app, ["check", str(out)]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]


def test_non_utf8_bytes_in_a_jsonl_shard(corpora, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(corpora[("integral", "jsonl")], copy)
    shard = copy / "data" / "shard-00000.jsonl"
    lines = shard.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"problem"', b'"pro\xffblem"', 1)
    shard.write_bytes(b"\n".join(lines))
    for command in (["check", str(copy)], ["show", str(copy), "--list"],
                    ["export", "sft", str(copy), "--out", str(tmp_path / "e")], ["convert", str(copy), "--out",
                                                                                 str(tmp_path / "n")]):
        result = runner.invoke(app, command)
        _no_traceback(result)
        assert result.exit_code == 2, (command, result.output)
        assert "shard-00000.jsonl:2" in result.output or "sha256 differs" in result.output, result.output
    result = runner.invoke(app, ["show", str(copy), "--list"])
    assert "shard-00000.jsonl:2: not UTF-8" in result.output


def test_non_utf8_bytes_in_the_manifest(corpora, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(corpora[("theorem", "parquet")], copy)
    text = (copy / "manifest.json").read_bytes().split(b"\n")
    text[2] = text[2] + b" \xc3\x28"
    (copy / "manifest.json").write_bytes(b"\n".join(text))
    for command in (["check", str(copy)], ["show", str(copy), "--list"], ["lean", "render", str(copy)],
                    ["export", "sft", str(copy), "--out", str(tmp_path / "e")]):
        result = runner.invoke(app, command)
        _no_traceback(result)
        assert result.exit_code == 2 and "manifest.json:3: not UTF-8" in result.output, (command, result.output)


def test_bad_json_columns_name_the_record(corpora, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(corpora[("equation", "jsonl")], copy)
    shard = copy / "data" / "shard-00001.jsonl"
    rows = [json.loads(line) for line in shard.read_text("utf-8").splitlines()]
    rows[0]["steps"] = "[{not json"
    shard.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    result = runner.invoke(app, ["show", str(copy), "--list"])
    _no_traceback(result)
    assert result.exit_code == 2 and "shard-00001.jsonl:1" in result.output and "'steps'" in result.output
    rows[0]["steps"], rows[0]["extra"] = "[]", '{"uid": "x"}'
    shard.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    result = runner.invoke(app, ["show", str(copy), "--list"])
    assert result.exit_code == 2 and "common column" in result.output


def test_lock_is_released_when_a_build_fails(tmp_path):
    out = tmp_path / "c"

    class Stop(Exception):
        pass

    def stop(n: int) -> None:
        raise Stop()

    with pytest.raises(Stop):
        build(BuildConfig(kind="equation", count=3, seed=1, out=out), stop)
    assert not (tmp_path / ".c.lock").exists()
    OutputLock(out).acquire().release()  # free again


def test_resume_of_a_build_killed_before_its_first_shard_starts_over(tmp_path):
    """A kill -9 before the first shard was complete leaves a work directory without a checkpoint: ``--resume``
    starts over (same result as a fresh build) instead of refusing."""
    out, reference = tmp_path / "c", tmp_path / "reference"
    partial = tmp_path / ".c.partial"
    (partial / "data").mkdir(parents=True)
    (partial / "data" / "shard-00000.parquet").write_bytes(b"half a shard")
    result = runner.invoke(app, ["build", "--kind", "equation", "--count", "4", "--seed", "3", "--out", str(out),
                                 "--resume"])
    assert result.exit_code == 0, result.output
    build(BuildConfig(kind="equation", count=4, seed=3, out=reference))
    for name in ("data/shard-00000.parquet", "manifest.json", "README.md"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()
    assert not partial.exists()


def test_show_re_checks_and_warns_about_a_record_that_fails(corpora, tmp_path):
    copy = tmp_path / "c"
    shutil.copytree(corpora[("integral", "jsonl")], copy)
    shard = copy / "data" / "shard-00000.jsonl"
    rows = [json.loads(line) for line in shard.read_text("utf-8").splitlines()]
    rows[0]["answer"] = rows[0]["answer"] + " + x**2"
    shard.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    result = runner.invoke(app, ["show", str(copy), rows[0]["uid"][:12]])
    _no_traceback(result)
    assert result.exit_code == 1 and "FAILS when re-checked" in result.output
    assert "stored from the build" in result.output
    good = runner.invoke(app, ["show", str(copy), rows[1]["uid"][:12]])
    assert good.exit_code == 0 and "re-checked now" in good.output and "rejected" not in good.output
