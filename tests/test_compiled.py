"""The optional compiled build (``RPSDG_COMPILE=1``, see ``setup.py``) computes what the pure modules compute.

It compiles the expression modules with mypyc into a temporary directory (a real ``pip install`` of this
checkout), then builds a corpus of every kind with the compiled modules and with the pure ones and compares the
bytes, and runs the expression layer's own tests against the compiled modules. Skipped, with the reason, where
mypyc or a C compiler is missing.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpsdg.compiled import COMPILABLE, compiled_modules
from rpsdg.kinds import KIND_MODULES

ROOT = Path(__file__).resolve().parents[1]


def _has_mypyc() -> bool:
    try:
        import mypyc.build  # noqa: F401
    except ImportError:
        return False
    return True


needs_compiler = [
    pytest.mark.slow,
    pytest.mark.skipif(not _has_mypyc(), reason="mypyc is not installed (`pip install mypy`); the compiled build "
                                                "is optional"),
    pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                       reason="no C compiler on PATH; the compiled build needs one"),
]


def compiler_needed(test):
    for mark in needs_compiler:
        test = mark(test)
    return test


def test_setup_compiles_exactly_the_modules_the_package_calls_compilable() -> None:
    tree = ast.parse((ROOT / "setup.py").read_text())
    listed = next(node.value for node in tree.body
                  if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "COMPILED")
    paths = ast.literal_eval(listed)
    assert paths == [f"python/{name.replace('.', '/')}.py" for name in COMPILABLE]
    assert compiled_modules() == [], "the test suite runs on the pure modules (an editable install)"


@pytest.fixture(scope="module")
def compiled_tree(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("compiled")
    work = tmp_path_factory.mktemp("source")
    source = work / "rpsdg"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__",
                                                                 ".pytest_cache", "tests"))
    env = dict(os.environ, RPSDG_COMPILE="1")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                           "--no-build-isolation", "--no-deps", "--target", str(target), str(source)],
                          env=env, cwd=work, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, f"the compiled install failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return target


def _run(python_path: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(python_path))
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


@compiler_needed
def test_the_install_holds_compiled_modules_and_python_loads_them(compiled_tree: Path, tmp_path: Path) -> None:
    script = f"import importlib\nfor name in {list(COMPILABLE)!r}:\n    print(importlib.import_module(name).__file__)"
    result = _run(compiled_tree, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.split()
    assert len(loaded) == len(COMPILABLE)
    assert all(path.startswith(str(compiled_tree)) and path.endswith(".so") for path in loaded), loaded


@compiler_needed
@pytest.mark.parametrize("kind", sorted(KIND_MODULES))
def test_a_compiled_build_is_byte_identical_to_the_pure_one(kind: str, compiled_tree: Path, tmp_path: Path) -> None:
    outputs = {}
    for name, python_path in (("pure", ROOT / "python"), ("compiled", compiled_tree)):
        out = tmp_path / name
        result = _run(python_path, "-m", "rpsdg", "build", "--kind", kind, "--count", "120", "--levels", "1-5",
                      "--seed", "31", "--format", "jsonl", "--workers", "1", "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        shards = sorted(out.rglob("*.jsonl"))
        assert shards, f"no shard in {out}"
        outputs[name] = [shard.read_bytes() for shard in shards]
    assert outputs["compiled"] == outputs["pure"]
    assert sum(len(shard.splitlines()) for shard in outputs["pure"]) == 120


@compiler_needed
def test_the_maths_and_kind_tests_pass_on_the_compiled_modules(compiled_tree: Path, tmp_path: Path) -> None:
    tests = [str(ROOT / "tests" / name) for name in (
        "test_expr.py", "test_canonical.py", "test_fast_paths.py", "test_soundness.py", "test_integral.py",
        "test_equation.py", "test_theorem.py")]
    script = ("import sys, pytest\nfrom rpsdg.compiled import COMPILABLE, compiled_modules\n"
              "assert compiled_modules() == list(COMPILABLE), compiled_modules()\n"
              f"sys.exit(pytest.main(['-p', 'no:cacheprovider', *{tests!r}]))")
    result = _run(compiled_tree, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
