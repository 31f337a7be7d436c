"""Checks that hold after every test in the suite, and the fixture that builds our C modules for their tests.

``quicktions.Fraction("1")`` overwrites CPython's cached one-byte ``b'\\x00'`` (see ``rpsdg/expr/rational.py``),
and the damage showed up only much later, in another file's Ray test, as a msgpack error. A test after which a
cached one-byte ``bytes`` object no longer holds its own byte fails here, by name; the damage lasts for the rest
of the process, so only the test that did it is blamed.
"""

from __future__ import annotations

import importlib
import importlib.util
import runpy
import shutil
import types
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _damaged_byte_caches() -> set[int]:
    return {code for code in range(256) if bytes([code])[0] != code}


@pytest.fixture(autouse=True)
def _one_byte_bytes_stay_intact():
    before = _damaged_byte_caches()
    yield
    damaged = sorted(_damaged_byte_caches() - before)
    assert not damaged, (f"this test overwrote CPython's cached one-byte bytes {damaged} (bytes([{damaged[0]}]) is "
                         f"now {bytes([damaged[0]])!r}): something wrote into a bytes object it did not own, such as "
                         f"quicktions.Fraction(text) with a one-character text; read number texts with "
                         f"rpsdg.expr.rational.from_text")


def c_module_available(name: str) -> pytest.MarkDecorator:
    """The mark of a test file of the C module ``name``: it skips, with the reason, where the module is neither
    installed nor buildable here (no C compiler)."""
    installed = importlib.util.find_spec(name) is not None
    return pytest.mark.skipif(
        not installed and shutil.which("cc") is None and shutil.which("gcc") is None,
        reason=f"{name} is not installed (only RPSDG_COMPILE=1 builds it) and there is no C compiler on PATH to "
               f"build it for this test")


@pytest.fixture(scope="session")
def c_module(tmp_path_factory) -> Callable[[str], types.ModuleType]:
    """``c_module(name)``: the hand-written C module ``name`` (one of ``rpsdg.compiled.C_MODULES``). The installed
    one in a compiled build (``RPSDG_COMPILE=1``); in any other checkout it is built here with ``setup.py``'s own
    ``c_extension(name)`` into a temporary directory and loaded from there, not registered in ``sys.modules``, so
    the rest of the suite keeps running the Python code while the C code is still tested wherever a C compiler
    is (a test file that uses this skips, with the reason, where none is)."""
    built: dict[str, types.ModuleType] = {}

    def load(name: str) -> types.ModuleType:
        if importlib.util.find_spec(name) is not None:
            return importlib.import_module(name)
        if name not in built:
            built[name] = _build(name, tmp_path_factory.mktemp(name.rpartition(".")[2]))
        return built[name]

    return load


def _build(name: str, directory: Path) -> types.ModuleType:
    from setuptools import Distribution
    from setuptools.command.build_ext import build_ext

    extension = runpy.run_path(str(ROOT / "setup.py"), run_name="not_main")["c_extension"](name)
    extension.sources = [str(ROOT / source) for source in extension.sources]
    command = build_ext(Distribution({"ext_modules": [extension]}))
    command.build_lib, command.build_temp = str(directory), str(directory / "temp")
    command.ensure_finalized()
    command.run()
    spec = importlib.util.spec_from_file_location(extension.name, command.get_ext_fullpath(extension.name))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
