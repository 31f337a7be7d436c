"""Exact rational numbers: the one ``Fraction`` type every rpsdg module uses.

Why: canonical forms, the equation generator and solver, and the domain reasoning do most of their exact
arithmetic in ``Fraction``; the standard library's is pure Python (about 15% of an equation's and 10% of an
integral's time in the compiled build). ``quicktions`` (Stefan Behnel's Cython port of ``fractions.Fraction``, a
dependency) gives the same values, hashes, text and operation results (the same types, the same float rounding)
about ten times faster, so corpora are the same bytes with either; ``tests/test_rational.py`` builds every kind
both ways and compares the bytes. Where ``quicktions`` is missing (a platform without a wheel), the standard
library's type is used.

Import ``Fraction`` from here, never from ``fractions``: hot paths test ``type(x) is Fraction`` (an ``isinstance``
against an ABC is slow), so two fraction types in one process would be a bug; :func:`exact` turns a caller's
rational (say a ``fractions.Fraction`` passed to the Python API) into ours. ``tests/test_rational.py`` checks that
no other module imports ``fractions``. For type checkers ``Fraction`` is ``fractions.Fraction`` (``quicktions``
ships no stubs; its class has the same interface).

Read a number's text with :func:`from_text`, never ``Fraction(text)``: ``quicktions`` (every release to 1.24 at
least) parses a string into a scratch buffer ``b'\\0' * len(text)``, and for a one-character text that is
CPython's cached one-byte ``b'\\x00'`` itself, which it then overwrites. After ``Fraction("1")`` the whole process
has ``bytes([0]) == b'1'``: msgpack, and with it every Ray object holding a tuple, was broken for the rest of the
run. ``tests/conftest.py`` checks those cached bytes after every test.
"""

from __future__ import annotations

import fractions
import numbers
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from fractions import Fraction
else:
    try:
        from quicktions import Fraction
    except ImportError:  # no wheel for this platform: the standard library's, the same values and text
        from fractions import Fraction

IMPLEMENTATION = "quicktions" if Fraction is not fractions.Fraction else "fractions"
"""Which ``Fraction`` this process uses (``rpsdg version`` shows it beside the compiled modules)."""


def exact(value: Union[int, numbers.Rational]) -> Union[int, Fraction]:
    """``value`` as an ``int`` or as our ``Fraction`` (the same number): a caller's integer (``bool``, a numpy
    integer) becomes an ``int``, any other rational (a ``fractions.Fraction``) our ``Fraction``."""
    if type(value) is int or type(value) is Fraction:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    raise TypeError(f"not a rational number: {value!r}")


def from_text(text: str) -> Fraction:
    """The number a decimal or ``p/q`` text names (``"-0.25"``, ``"3/4"``, ``"7"``), as our ``Fraction``. The text
    is read by the standard library, whatever ``Fraction`` is (see the module docstring for why)."""
    value = fractions.Fraction(text)
    return Fraction(value.numerator, value.denominator)
