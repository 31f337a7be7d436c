"""Which modules an optimised install compiles, and which of them this process runs compiled.

Why: ``setup.py`` can compile the hottest pure-Python modules with mypyc (``RPSDG_COMPILE=1``; issue 15, speed
per core). The compiled modules compute exactly what the ``.py`` files compute, so corpora are byte-identical
(``tests/test_compiled.py``), but a user comparing speeds must know which build ran: ``rpsdg version`` prints it.

A module asks to be compiled with a line of its own that starts with :data:`MARKER` (above its imports), so a
kind's modules say it inside ``kinds/<kind>/`` and nothing here names a kind; ``setup.py`` loads this file by path
and compiles exactly :func:`compilable_files`. To compile another module: it must pass ``mypy`` with annotations
that hold at run time (a compiled function checks the types of what it is given and of what it assigns), and raise
only exceptions defined in modules that are not compiled when they derive from a builtin other than
``Exception``/``ValueError`` (see ``rpsdg/expr/exceptions.py``), and define no class that is pickled (a kind's
config travels to every worker: a compiled frozen dataclass cannot be unpickled, so configs live in a
``config.py`` that is never compiled); then add the marker line and run
``tests/test_compiled.py``, which compiles the checkout and compares builds and test runs with the pure modules.
This file imports nothing of ours, so ``setup.py`` can run it before anything is installed.

The same build adds the hand-written C modules of :data:`C_MODULES` (``setup.py`` builds them); the code that
imports one falls back to Python where it is missing, and ``rpsdg version`` says which were loaded.

Module-level constants of a compiled module are ``Final`` (``MAX_TEXT: Final = 200_000``): compiled code reads a
``Final`` name directly, and any other global through a dictionary lookup at every use (the parser took half the
time with its tables ``Final``). Tuple-valued constants stay plain: mypyc keeps a ``Final`` tuple unboxed, and one
of floats (``numeric.DIFFERENCE_STEPS``) failed at run time with ``value for final name ... was not set``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

MARKER = "# rpsdg: compiled with mypyc"
PACKAGE = Path(__file__).resolve().parent
C_MODULES = ("rpsdg.expr._fasteval", "rpsdg.expr._fastparse", "rpsdg.expr._fastnode", "rpsdg.expr._fastprint",
             "rpsdg.expr._fastmatch")
"""Hand-written C modules of the compiled build: the numeric evaluator (used by ``rpsdg.expr.evaluate``), the
parser's fast path (used by ``rpsdg.expr.parse``), the node constructor (``rpsdg.expr.tree.new_node``), the
infix printer's fast path (used by ``rpsdg.expr.printers``; with ``ac_text``, the renderer of AC keys a kind
may use) and the rewrite-pattern matcher (used by the rule indexes of a kind that rewrites by rules)."""


def compilable_files(package: Path = PACKAGE) -> list[Path]:
    """The ``.py`` files under ``package`` that carry :data:`MARKER`, in path order."""
    return [path for path in sorted(package.rglob("*.py"))
            if any(line.startswith(MARKER) for line in path.read_text(encoding="utf-8").splitlines())]


def compilable_modules(package: Path = PACKAGE) -> list[str]:
    """Dotted names of :func:`compilable_files` (``rpsdg.expr.tree`` ...)."""
    return [".".join((package.name, *path.relative_to(package).with_suffix("").parts))
            for path in compilable_files(package)]


def compiled_modules() -> list[str]:
    """The modules of :func:`compilable_modules` that were loaded from compiled extensions, not ``.py`` files."""
    loaded = (importlib.import_module(name) for name in compilable_modules())
    return [module.__name__ for module in loaded if not (module.__file__ or "").endswith(".py")]


def loaded_c_modules() -> list[str]:
    """The modules of :data:`C_MODULES` this process imports (a compiled build's; none in a pure install)."""
    found = []
    for name in C_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue
        found.append(name)
    return found
