"""Optional compiled build of the hot expression modules (issue 15, speed per core).

``pip install .`` (and every editable install) is pure Python, as before. With ``RPSDG_COMPILE=1`` the modules in
``COMPILED`` (the files of ``rpsdg.compiled.COMPILABLE``) are compiled to C extensions with mypyc (mypy's compiler, which reads our type annotations):

    pip install mypy 'setuptools>=70.1' && RPSDG_COMPILE=1 pip install --no-build-isolation .

The compiled modules compute exactly what the Python ones compute (same integer, Fraction and float operations
in the same order), so corpora are byte-identical: ``tests/test_compiled.py`` compiles them and compares builds of
every kind. Not with ``-e``: an editable tree would keep running the compiled copy after its ``.py`` changed.
To compile another module, see ``python/rpsdg/compiled.py``.
"""

import os

from setuptools import setup

COMPILED = [
    "python/rpsdg/expr/tree.py",
    "python/rpsdg/expr/parse.py",
    "python/rpsdg/expr/printers.py",
    "python/rpsdg/expr/canonical.py",
    "python/rpsdg/expr/evaluate.py",
    "python/rpsdg/maths/calculus.py",
    "python/rpsdg/maths/numeric.py",
    "python/rpsdg/maths/domain.py",
]


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
    return mypycify(COMPILED, opt_level="3")


setup(ext_modules=compiled_extensions())
