"""Optional compiled build of the hot expression modules (issue 15, speed per core).

``pip install .`` (and every editable install) is pure Python, as before. With ``RPSDG_COMPILE=1`` the modules of
``compiled_sources()`` (those that carry ``rpsdg.compiled.MARKER``) are compiled to C extensions with mypyc
(mypy's compiler, which reads our type annotations):

    pip install mypy 'setuptools>=70.1' && RPSDG_COMPILE=1 pip install --no-build-isolation .

The compiled modules compute exactly what the Python ones compute (same integer, Fraction and float operations
in the same order), so corpora are byte-identical: ``tests/test_compiled.py`` compiles them and compares builds of
every kind. Not with ``-e``: an editable tree would keep running the compiled copy after its ``.py`` changed.
To compile another module, see ``python/rpsdg/compiled.py``.

The same build adds five hand-written C modules (``rpsdg.compiled.C_MODULES``; each source says why and how to
extend it): ``rpsdg.expr._fasteval`` (numeric evaluation of a tree in one C call per point), which
``rpsdg/expr/evaluate.py`` uses when present, ``rpsdg.expr._fastparse`` (the parser's fast path), which
``rpsdg/expr/parse.py`` asks first when present, ``rpsdg.expr._fastnode`` (``tuple.__new__`` for tree nodes in
one C call), which ``rpsdg/expr/tree.py`` uses when present, and ``rpsdg.expr._fastprint`` (the infix printer's
fast path), which ``rpsdg/expr/printers.py`` asks first when present, and ``rpsdg.expr._fastmatch`` (every
application of a table of rewrite patterns in a tree), which a rule index uses when present. The three that make
tree nodes share ``python/rpsdg/expr/_nodes.h``, which leaves acyclic nodes out of the garbage collector's walks.
"""

import importlib.util
import os
from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent


def _compiled_module():
    """``python/rpsdg/compiled.py``, loaded by path: nothing of ours is installed yet when this runs."""
    spec = importlib.util.spec_from_file_location("rpsdg_compiled", ROOT / "python" / "rpsdg" / "compiled.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compiled_sources() -> list[str]:
    """The files that carry ``rpsdg.compiled.MARKER``, found by that module itself."""
    return [str(path.relative_to(ROOT)) for path in _compiled_module().compilable_files(ROOT / "python" / "rpsdg")]


def compiled_extensions() -> list:
    if os.environ.get("RPSDG_COMPILE") != "1":
        return []
    try:
        from mypyc.build import mypycify
    except ImportError as error:
        raise SystemExit("RPSDG_COMPILE=1 needs mypyc: `pip install mypy`, then install with "
                         "`RPSDG_COMPILE=1 pip install --no-build-isolation .`") from error
    try:
        import setuptools.command.bdist_wheel  # noqa: F401 (setuptools >= 70.1 builds wheels itself)
    except ImportError:
        try:
            import wheel  # noqa: F401
        except ImportError:
            raise SystemExit("RPSDG_COMPILE=1 with --no-build-isolation builds a wheel with this environment's "
                             "setuptools, which is too old to do it alone: `pip install 'setuptools>=70.1'`") from None
    return mypycify(compiled_sources(), opt_level="3") + [c_extension(name) for name in _compiled_module().C_MODULES]


def c_extension(name: str) -> Extension:
    """The hand-written C module ``name`` (one of ``rpsdg.compiled.C_MODULES``; its source is ``python/`` + the
    dotted name as a path + ``.c``), built to compute what CPython computes (the tests build it this way too):
    ``-ffp-contract=off``: no fused multiply-add, so each ``+``, ``*`` rounds as Python's does (GCC fuses by
    default on some targets); ``-lm``: the module links libm itself, so ``exp``, ``log`` and ``pow`` bind to the
    symbol versions CPython's math module and float power use (glibc binds an unversioned reference, which a module
    linked without libm has, to its oldest version: the SVID-compatible wrappers). Both are harmless to a module
    without floating point, such as the parser."""
    source = "python/" + name.replace(".", "/") + ".c"
    headers = [str(header) for header in sorted(Path(source).parent.glob("*.h"))]  # _nodes.h: rebuilt on change
    if os.name == "nt":
        return Extension(name, [source], depends=headers)
    return Extension(name, [source], depends=headers, libraries=["m"], extra_compile_args=["-ffp-contract=off"])


if __name__ == "__main__":  # setuptools runs this file as __main__; the tests import compiled_sources
    setup(ext_modules=compiled_extensions())
