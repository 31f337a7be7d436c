"""Which modules an optimised install compiles, and which of them this process runs compiled.

Why: ``setup.py`` can compile the hottest pure-Python modules with mypyc (``RPSDG_COMPILE=1``; issue 15, speed
per core). The compiled modules compute exactly what the ``.py`` files compute, so corpora are byte-identical
(``tests/test_compiled.py``), but a user comparing speeds must know which build ran: ``rpsdg version`` prints it.
To compile another module: it must pass ``mypy`` with annotations that hold at run time (a compiled function
checks the types of what it is given and of what it assigns), and raise only exceptions defined in modules that
are not compiled when they derive from a builtin other than ``Exception``/``ValueError`` (see
``rpsdg/expr/exceptions.py``); add it here and to ``setup.py``'s ``COMPILED`` (a test keeps the two equal).
"""

from __future__ import annotations

import importlib

COMPILABLE = (
    "rpsdg.expr.tree",
    "rpsdg.expr.parse",
    "rpsdg.expr.printers",
    "rpsdg.expr.canonical",
    "rpsdg.expr.evaluate",
    "rpsdg.maths.calculus",
    "rpsdg.maths.numeric",
    "rpsdg.maths.domain",
)


def compiled_modules() -> list[str]:
    """The modules of :data:`COMPILABLE` that were loaded from compiled extensions, not from ``.py`` files."""
    loaded = (importlib.import_module(name) for name in COMPILABLE)
    return [module.__name__ for module in loaded if not (module.__file__ or "").endswith(".py")]
