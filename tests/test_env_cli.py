"""rpsdg eval, rpsdg report and rpsdg contamination, end to end through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg.cli.main import app
from rpsdg.corpus.store import Corpus
from rpsdg.env.dataset import item_of
from rpsdg.expr.parse import parse
from rpsdg.expr.printers import to_infix, to_latex
from rpsdg.run.pipeline import BuildConfig, build

runner = CliRunner()


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpora")
    paths = {}
    for kind in ("integral", "equation", "theorem"):
        paths[kind] = base / kind
        build(BuildConfig(kind=kind, count=10, seed=4, out=paths[kind], format="jsonl"))
    return paths


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _tags(path: Path) -> list[str]:
    parser = _Tags()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tags


def test_eval_reports_accuracy_and_step_validity(corpora, tmp_path):
    predictions = tmp_path / "predictions.jsonl"
    lines = []
    for kind in ("integral", "equation"):
        for number, row in enumerate(Corpus(corpora[kind]).rows()):
            item = item_of(row)
            if number % 2:
                lines.append({"uid": row["uid"], "answer": item.answer, "solution": item.solution})
            else:
                lines.append({"uid": row["uid"], "answer": "x**9 + 12345"})
    text = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n" + json.dumps({"uid": "0" * 64}) + "\n"
    predictions.write_text(text)
    result = runner.invoke(app, ["eval", str(predictions), "--corpus", str(corpora["integral"]), "--corpus",
                                 str(corpora["equation"]), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "accuracy 0.500" in result.output
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["scored"] == 20 and report["unknown_uids"] == 1 and report["unreadable_lines"] == 1
    assert report["overall"]["accuracy"] == 0.5
    assert report["overall"]["step_validity"] == 1.0
    assert {row["kind"] for row in report["per_kind_level"]} == {"integral", "equation"}
    items = [json.loads(line) for line in (tmp_path / "out" / "items.jsonl").read_text().splitlines()]
    assert len(items) == 20 and all("score" in item for item in items)
    assert "svg" in _tags(tmp_path / "out" / "report.html")
    again = runner.invoke(app, ["eval", str(predictions), "--corpus", str(corpora["integral"]), "--out",
                                str(tmp_path / "out")])
    assert again.exit_code == 2 and "--force" in again.output


def test_report_is_a_static_page_with_plots_and_math(corpora, tmp_path):
    for kind, corpus in corpora.items():
        out = tmp_path / kind
        result = runner.invoke(app, ["report", str(corpus), "--out", str(out)])
        assert result.exit_code == 0, result.output
        tags = _tags(out / "report.html")
        assert tags.count("svg") >= 5 and "math" in tags
        html = (out / "report.html").read_text()
        assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
        figures = json.loads((out / "report.json").read_text())
        assert figures["records"] == 10 and figures["kind"] == kind and figures["rule_usage"]


def test_report_refuses_a_missing_corpus(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium here (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(corpora, tmp_path):
    out = tmp_path / "page"
    assert runner.invoke(app, ["report", str(corpora["integral"]), "--out", str(out)]).exit_code == 0
    shot = tmp_path / "shot.png"
    quiet = ["--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}"]  # no network: nothing to wait for
    done = subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", *quiet, "--enable-logging=stderr",
                           "--v=0", f"--screenshot={shot}", "--window-size=1200,3000",
                           (out / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console


def test_contamination_finds_renamed_and_latex_problems(corpora, tmp_path):
    rows = list(Corpus(corpora["equation"]).rows())
    integrals = list(Corpus(corpora["integral"]).rows())
    from rpsdg.env.contamination import _rename

    renamed = _rename(parse(rows[0]["problem"]), {"x": "t", "y": "s", "z": "r"})
    benchmark = tmp_path / "bench.jsonl"
    lines = [{"problem": f"Solve ${to_latex(renamed)}$."},
             {"problem": to_infix(parse(rows[1]["problem"]))},
             {"problem": f"Compute $\\int {to_latex(parse(integrals[0]['problem']))} \\, dx$"},
             {"problem": "What is $1 + 1$?"}, {"other": "x"}]
    benchmark.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = runner.invoke(app, ["contamination", str(corpora["equation"]), "--against", str(benchmark), "--out",
                                 str(tmp_path / "c")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "c" / "contamination.json").read_text())
    matched = {m["uid"]: m["benchmark_lines"] for m in report["matches"]}
    assert matched.get(rows[0]["uid"]) == [1] and matched.get(rows[1]["uid"]) == [2]
    assert report["benchmark_items_unreadable"] == 1
    result = runner.invoke(app, ["contamination", str(corpora["integral"]), "--against", str(benchmark)])
    assert result.exit_code == 0 and integrals[0]["uid"][:16] in result.output


def test_contamination_keys_are_invariant_under_rewriting():
    from rpsdg.env.contamination import keys

    assert keys(parse("Eq(2*x, 4)")) & keys(parse("Eq(t - 2, 0)"))
    assert keys(parse("x**2 + 2*x")) == keys(parse("2*t + t**2"))
    assert keys(parse("Eq((x + 1)**2, y)")) & keys(parse("Eq(b, a**2 + 2*a + 1)"))
    assert not keys(parse("x**2 + 3*x")) & keys(parse("x**2 + 2*x"))
