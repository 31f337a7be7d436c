"""One ``Fraction`` type (``rpsdg/expr/rational.py``): ``quicktions`` where installed, the standard library's
otherwise, and the same corpus bytes with either.

Builds every kind with ``quicktions`` hidden (the standard library's ``Fraction``) and with it, and compares the
shard bytes; checks that the two types agree on the operations rpsdg performs (values, result types, hashes,
text) and that no module imports ``fractions`` but ``rational.py`` (two fraction types in one process would break
the ``type(x) is Fraction`` tests on the hot paths).
"""

from __future__ import annotations

import ast
import fractions
import importlib.util
import math
import operator
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rpsdg.expr.rational import IMPLEMENTATION, Fraction, exact, from_text
from rpsdg.expr.tree import num
from rpsdg.kinds import KIND_MODULES

ROOT = Path(__file__).resolve().parents[1]
HAS_QUICKTIONS = importlib.util.find_spec("quicktions") is not None
needs_quicktions = pytest.mark.skipif(not HAS_QUICKTIONS, reason="quicktions is not installed (a dependency: "
                                                                 "`pip install -e .`); only one Fraction to compare")

WITHOUT_QUICKTIONS = ("import runpy, sys\nsys.modules['quicktions'] = None  # an import of it fails\n"
                      "sys.argv = ['rpsdg', *sys.argv[1:]]\nrunpy.run_module('rpsdg', run_name='__main__')")


def test_only_the_rational_module_imports_fractions() -> None:
    importers = []
    for path in sorted((ROOT / "python" / "rpsdg").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) else []
            if "fractions" in names:
                importers.append(str(path.relative_to(ROOT)))
    assert set(importers) == {"python/rpsdg/expr/rational.py"}


def _text_handed_to_fraction(call: ast.Call) -> bool:
    """``Fraction("…")``, ``Fraction(f"…")``, ``Fraction(str(…))``, ``Fraction(text)``: a call that reads a text."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "Fraction" and call.args):
        return False
    first = call.args[0]
    return (isinstance(first, ast.Constant) and isinstance(first.value, str)) or isinstance(first, ast.JoinedStr) \
        or (isinstance(first, ast.Call) and isinstance(first.func, ast.Name) and first.func.id == "str") \
        or (isinstance(first, ast.Name) and first.id in {"text", "token", "string"})


def test_no_module_hands_a_text_to_fraction() -> None:
    """quicktions overwrites CPython's cached ``b'\\x00'`` when it reads a one-character text (rational.py); the
    tests and benchmarks run in the same processes, so they are walked too."""
    offenders = []
    sources = [path for folder in ("python/rpsdg", "tests", "bench") for path in sorted((ROOT / folder).rglob("*.py"))]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and _text_handed_to_fraction(node):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_from_text_reads_numbers_without_touching_the_cached_bytes() -> None:
    for text, value in (("7", Fraction(7)), ("0", Fraction(0)), ("-0.25", Fraction(-1, 4)), ("3/4", Fraction(3, 4)),
                        ("1e3", Fraction(1000)), (" 12 ", Fraction(12))):
        assert from_text(text) == value and type(from_text(text)) is Fraction, text
    assert [code for code in range(256) if bytes([code])[0] != code] == []
    with pytest.raises(ValueError):
        from_text("x")


@needs_quicktions
def test_the_fast_fraction_is_used_where_installed() -> None:
    import quicktions

    assert Fraction is quicktions.Fraction and IMPLEMENTATION == "quicktions"


def test_a_callers_rational_becomes_ours() -> None:
    assert type(exact(fractions.Fraction(3, 6))) is Fraction and exact(fractions.Fraction(3, 6)) == Fraction(1, 2)
    assert type(exact(fractions.Fraction(4, 2))) is Fraction and exact(True) == 1 and type(exact(True)) is int
    assert num(fractions.Fraction(1, 2)) == num(Fraction(1, 2)) != num(0)
    assert num(fractions.Fraction(6, 3)) == num(2)
    with pytest.raises(TypeError, match="not a rational"):
        exact(0.5)  # type: ignore[arg-type]


@needs_quicktions
@pytest.mark.parametrize("kind", sorted(KIND_MODULES))
def test_a_build_is_the_same_bytes_with_either_fraction(kind: str, tmp_path: Path) -> None:
    shards = {}
    for name, prefix in (("standard", ["-c", WITHOUT_QUICKTIONS]), ("quicktions", ["-m", "rpsdg"])):
        out = tmp_path / name
        result = subprocess.run([sys.executable, *prefix, "build", "--kind", kind, "--count", "150", "--levels",
                                 "1-5", "--seed", "5", "--format", "jsonl", "--workers", "1", "--out", str(out)],
                                capture_output=True, text=True, timeout=900, env=dict(os.environ))
        assert result.returncode == 0, result.stderr[-3000:]
        shards[name] = [shard.read_bytes() for shard in sorted(out.rglob("*.jsonl"))]
    assert shards["standard"] and shards["standard"] == shards["quicktions"]
    assert sum(len(shard.splitlines()) for shard in shards["standard"]) == 150


@needs_quicktions
def test_without_quicktions_the_standard_fraction_is_used() -> None:
    result = subprocess.run([sys.executable, "-c", WITHOUT_QUICKTIONS, "version"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "fractions: fractions" in result.stdout


NUMBERS = st.one_of(
    st.integers(-10**30, 10**30),
    st.fractions(max_denominator=10**12),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0, 1, -1, 2, 0.5, -0.0]),
)
OPERATIONS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod, divmod,
              operator.lt, operator.le, operator.eq, operator.ne, operator.gt, operator.ge, operator.pow]


def _as(value: object, fraction_type: type) -> object:
    return fraction_type(value.numerator, value.denominator) if isinstance(value, fractions.Fraction) else value


def _outcome(call) -> object:
    """What a call gives, comparable across the two types: value, type name (a fraction is 'fraction'), or the
    exception's type."""
    try:
        value = call()
    except (ArithmeticError, ValueError, TypeError) as error:
        return ("raises", type(error).__name__)
    if isinstance(value, tuple):
        return tuple(_outcome(lambda part=part: part) for part in value)
    if isinstance(value, float):
        return ("float", repr(value))
    if type(value).__name__ == "Fraction":
        return ("fraction", value.numerator, value.denominator, type(value.numerator).__name__, hash(value),
                str(value), repr(value))
    return (type(value).__name__, value)


@needs_quicktions
@settings(max_examples=400, deadline=None)
@given(NUMBERS, NUMBERS, st.sampled_from(OPERATIONS))
def test_both_fractions_compute_the_same(a: object, b: object, operation) -> None:
    import quicktions

    if not isinstance(b, fractions.Fraction):
        assume(isinstance(a, (int, fractions.Fraction)))
        a = fractions.Fraction(a)  # one operand at least is a fraction
    if operation is operator.pow and isinstance(b, (int, fractions.Fraction)) and abs(b) > 64:
        return  # a huge exact power: slow in both, and rpsdg refuses it before computing (canonical.py)
    standard = _outcome(lambda: operation(_as(a, fractions.Fraction), _as(b, fractions.Fraction)))
    fast = _outcome(lambda: operation(_as(a, quicktions.Fraction), _as(b, quicktions.Fraction)))
    assert standard == fast, (a, b, operation.__name__)


@needs_quicktions
@settings(max_examples=200, deadline=None)
@given(st.fractions(max_denominator=10**15))
def test_both_fractions_convert_and_print_the_same(value: fractions.Fraction) -> None:
    import quicktions

    fast = quicktions.Fraction(value.numerator, value.denominator)
    for convert in (float, int, abs, operator.neg, round, math.floor, math.ceil, hash, str, repr,
                    lambda v: round(v, 3), lambda v: v.limit_denominator(100), lambda v: v.as_integer_ratio()):
        assert _outcome(lambda: convert(value)) == _outcome(lambda: convert(fast)), convert
