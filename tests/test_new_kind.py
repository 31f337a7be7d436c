"""Adding a kind touches one folder and one registry line (issue 10): a toy kind that lives in tests/ goes through
build, check, show, every export and the Lean renderer (counted not renderable, with the reason) with no other
change to rpsdg."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rpsdg import kinds
from rpsdg.errors import RpsdgError
from rpsdg.export import export_corpus, format_names
from rpsdg.lean.project import render_corpus
from rpsdg.run.check import check_corpus
from rpsdg.run.pipeline import BuildConfig, build

runner = CliRunner()


@pytest.fixture
def toy_registered(monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setitem(kinds.KIND_MODULES, "toy_sum", "toy_kind.spec")  # the one registry line
    yield
    sys.modules.pop("toy_kind.spec", None)


def test_a_new_kind_goes_through_the_whole_house(toy_registered, tmp_path):
    out = tmp_path / "toy"
    manifest = build(BuildConfig(kind="toy_sum", count=12, levels=(1, 2, 3), seed=1, out=out, format="jsonl"))
    assert manifest["records"] == 12
    report = check_corpus(out)
    assert report.records == 12 and not report.failures
    for fmt in format_names():
        try:
            written = export_corpus(fmt, out, tmp_path / f"export-{fmt}")
        except RpsdgError as error:  # Lean formats: no toy record has Lean, refused with the reason
            assert "none of the 12" in str(error), error
            continue
        assert written["records_in"] == 12 and written["records_out"] >= 12  # prm adds negatives
    lean = render_corpus(out)
    assert lean.rendered == 0 and len(lean.not_renderable) == 12
    assert all("no Lean renderer" in reason for _, reason in lean.not_renderable)
    from rpsdg.cli import app

    result = runner.invoke(app, ["show", str(out), "--list"])
    assert result.exit_code == 0 and result.output.count("\n") == 12
