"""The expression layer's control-flow exceptions, in a module that is never compiled.

Why a module of their own: ``setup.py`` can compile the hot expression modules with mypyc
(``RPSDG_COMPILE=1``), and a compiled class cannot derive from ``ArithmeticError``; these stay plain Python
classes that compiled and pure modules raise and catch alike. ``canonical`` and ``evaluate`` re-export them, so
callers import them from there. Add an exception here only when a compiled module must raise it.
"""

from __future__ import annotations


class CanonTooBig(ArithmeticError):
    """Expansion would exceed the canonical form's term limit; callers fall back to another check."""


class OutsideDomain(ArithmeticError):
    """The expression has no finite real value at this point."""
