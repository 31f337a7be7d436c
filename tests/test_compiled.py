"""The optional compiled build (``RPSDG_COMPILE=1``, see ``setup.py``) computes what the pure modules compute.

It compiles the expression modules with mypyc into a temporary directory (a real ``pip install`` of this
checkout, which also builds the C modules of ``rpsdg.compiled.C_MODULES``), then builds a corpus of every kind with
the compiled modules and with the pure ones and compares the bytes, and runs the expression layer's own tests (with
``tests/test_fasteval.py``, ``tests/test_fastparse.py``, ``tests/test_fastnode.py``, ``tests/test_fastprint.py``,
``tests/test_fastmatch.py`` and ``tests/test_draws.py``) against the compiled modules. Skipped, with the reason,
where mypyc or a C compiler is missing.
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rpsdg.compiled import C_MODULES, MARKER, compilable_modules, compiled_modules, loaded_c_modules
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
    # the first test's setup compiles the checkout (minutes on a loaded 2-core machine), then runs test files
    pytest.mark.timeout(3000),
    pytest.mark.skipif(not _has_mypyc(), reason="mypyc is not installed (`pip install mypy`); the compiled build "
                                                "is optional"),
    pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None,
                       reason="no C compiler on PATH; the compiled build needs one"),
]


def compiler_needed(test):
    for mark in needs_compiler:
        test = mark(test)
    return test


SHARED_HOT_MODULES = ["rpsdg.expr.tree", "rpsdg.expr.parse", "rpsdg.expr.printers", "rpsdg.expr.canonical",
                      "rpsdg.expr.evaluate", "rpsdg.maths.calculus", "rpsdg.maths.numeric", "rpsdg.maths.domain"]


def test_the_marked_modules_are_the_ones_compiled_and_the_suite_runs_them_pure() -> None:
    marked = compilable_modules()
    assert set(SHARED_HOT_MODULES) <= set(marked), "a shared hot module lost its marker line"
    for name in marked:
        assert not name.startswith("rpsdg.kinds.") or name.count(".") >= 3, f"{name}: a kind's module, outside a kind"
    from_setup = runpy.run_path(str(ROOT / "setup.py"), run_name="not_main")["compiled_sources"]()
    assert from_setup == [f"python/{name.replace('.', '/')}.py" for name in marked]
    assert all(any(line.startswith(MARKER) for line in (ROOT / path).read_text().splitlines()) for path in from_setup)
    assert compiled_modules() == [], "the test suite runs on the pure modules (an editable install)"
    assert loaded_c_modules() == [], "the test suite runs without the C modules of the compiled build"


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
    return subprocess.run([sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=1500)


@compiler_needed
def test_the_install_holds_compiled_modules_and_python_loads_them(compiled_tree: Path, tmp_path: Path) -> None:
    marked = compilable_modules() + list(C_MODULES)
    script = f"import importlib\nfor name in {marked!r}:\n    print(importlib.import_module(name).__file__)"
    result = _run(compiled_tree, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.split()
    assert len(loaded) == len(marked)
    version = _run(compiled_tree, "-m", "rpsdg", "version", cwd=tmp_path)
    assert version.returncode == 0 and "C: " + ", ".join(C_MODULES) in version.stdout, version.stdout + version.stderr
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
def test_every_kinds_config_travels_to_workers_in_the_compiled_build(compiled_tree: Path, tmp_path: Path) -> None:
    # a config is pickled to every worker process and Ray task; a compiled frozen dataclass cannot be unpickled
    # (found when the equation generator was first compiled with its config inside), so configs stay pure
    script = ("import pickle\nfrom rpsdg.kinds import KIND_MODULES, get_kind\n"
              "for kind in sorted(KIND_MODULES):\n"
              "    config = get_kind(kind).config_type()\n"
              "    assert pickle.loads(pickle.dumps(config)) == config, kind\n"
              "    print(kind)")
    result = _run(compiled_tree, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == sorted(KIND_MODULES)


@compiler_needed
def test_the_maths_and_kind_tests_pass_on_the_compiled_modules(compiled_tree: Path, tmp_path: Path) -> None:
    tests = [str(ROOT / "tests" / name) for name in (
        "test_expr.py", "test_canonical.py", "test_fast_paths.py", "test_soundness.py", "test_integral.py",
        "test_equation.py", "test_theorem.py", "test_theorem_speed.py", "test_fasteval.py", "test_fastparse.py",
        "test_fastnode.py", "test_fastprint.py", "test_fastmatch.py", "test_draws.py")]
    script = ("import sys, pytest\nfrom rpsdg.compiled import compilable_modules, compiled_modules\n"
              "assert compiled_modules() == compilable_modules(), compiled_modules()\n"
              "import importlib\nfrom rpsdg.expr import _fasteval, _fastnode, _fastparse, evaluate, tree\n"  # so their tests run
              "assert _fasteval.__file__.endswith('.so') and evaluate._PROGRAMS is _fasteval.compile\n"
              "assert evaluate.PLAIN_PROGRAMS is _fasteval.compile_plain\n"
              "assert _fastnode.__file__.endswith('.so') and tree.new_node is _fastnode.new\n"
              "assert importlib.import_module('rpsdg.expr.printers')._c_infix is not None\n"
              "assert _fastparse.__file__.endswith('.so') and importlib.import_module('rpsdg.expr.parse')._c_parse\n"
              f"sys.exit(pytest.main(['-p', 'no:cacheprovider', *{tests!r}]))")
    result = _run(compiled_tree, "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
