"""Checks that hold after every test in the suite.

``quicktions.Fraction("1")`` overwrites CPython's cached one-byte ``b'\\x00'`` (see ``rpsdg/expr/rational.py``),
and the damage showed up only much later, in another file's Ray test, as a msgpack error. A test after which a
cached one-byte ``bytes`` object no longer holds its own byte fails here, by name; the damage lasts for the rest
of the process, so only the test that did it is blamed.
"""

from __future__ import annotations

import pytest


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
