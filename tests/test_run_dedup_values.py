"""Value-fingerprint dedup (``--value-dedup``, ``KindSpec.value_key``; integrals: ``kinds/integral/fingerprint.py``):
numerically equal integrands share a key, different functions or domains do not, the key never comes from ``eval``;
a build drops value duplicates (first index wins), counts them in the manifest, resumes to the same bytes and gives
the same corpus for any dedup partition count; off by default (corpora unchanged)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from rpsdg.errors import ConfigError
from rpsdg.kinds import get_kind
from rpsdg.kinds.integral.fingerprint import value_key
from rpsdg.run.pipeline import BuildConfig, build
from test_run_executors import _partial_kept, assert_same_corpus


def _key(text: str) -> bytes | None:
    return value_key({"problem": text})


@pytest.mark.parametrize("a, b", [
    ("4*exp(4*x)", "4*exp(x)**4"), ("2*log(x)", "log(x**2) - log(x) + log(x)"), ("sin(x)**2 + cos(x)**2", "1"),
    ("(x**2 - 1)/(x - 1)", "x + 1"), ("sqrt(x)*sqrt(x)", "sqrt(x)**2"), ("x**(1/2)", "sqrt(x)"),
    ("cosh(x)**2 - sinh(x)**2", "1 + 0*x"), ("tan(x)", "sin(x)/cos(x)"), ("1/(1 + x**2)", "1/(x**2 + 1)"),
])
def test_numerically_equal_integrands_share_a_key(a, b):
    assert _key(a) is not None and _key(a) == _key(b)


@pytest.mark.parametrize("a, b", [
    ("x", "sqrt(x)**2"),          # equal where both are defined, but x is defined for x < 0 too
    ("2*log(x)", "log(x**2)"),    # likewise
    ("exp(x)", "exp(x) + 1/10**9"),
    ("sin(x)", "sin(x + 1/10**6)"),
    ("x**3", "x**3 + x/10**7"),
])
def test_different_functions_or_domains_get_different_keys(a, b):
    assert _key(a) is not None and _key(b) is not None and _key(a) != _key(b)


@pytest.mark.parametrize("text", ["log(x - 30)", "exp(exp(exp(exp(x))))", "x + y", "", "x +", "__import__('os')",
                                  "x**100000000"])
def test_no_key_where_it_cannot_be_trusted(text):
    """Defined at too few points, guarded out (it would overflow), a second variable, or not our grammar."""
    assert _key(text) is None


def test_keys_are_the_same_bits_everywhere():
    """Pinned bytes: mpmath's integer arithmetic makes the key platform independent; a change here changes which
    items a --value-dedup build drops (bump fingerprint.VERSION)."""
    assert _key("4*exp(4*x)") == (  # 4*exp(4*x) at POINTS to 40 bits: 4.6043657020e-06 at -3.4187, ...
        b"integral-values-1:0:165889757281:-55,0:127527844977:-51,0:222260840503:-45,0:1053588555671:-43,"
        b"0:241813934811:-39,0:678692780233:-39,0:320018831907:-35,0:758679819931:-35,0:885039842007:-34,"
        b"0:261227355375:-31,0:836637700157:-31,0:295436882589:-26,0:325533865103:-22,0:604304236693:-18,"
        b"0:233795665691:-11")


_ATOMS = st.sampled_from(["x", "exp(x)", "sin(x)", "log(x)", "sqrt(x)", "atan(x)", "x**2", "cosh(x)", "1/x",
                          "tan(x)", "3", "2/3"])


@st.composite
def _integrands(draw, depth=3):
    if depth == 0 or draw(st.booleans()):
        return draw(_ATOMS)
    op = draw(st.sampled_from(["+", "-", "*", "/"]))
    return f"({draw(_integrands(depth=depth - 1))}){op}({draw(_integrands(depth=depth - 1))})"


@settings(max_examples=150, deadline=None)
@given(_integrands(), st.fractions(min_value=-50, max_value=50, max_denominator=97).filter(lambda r: r != 0))
def test_rewriting_an_integrand_keeps_its_key(text, r):
    """Multiplying and dividing by the same rational, adding and subtracting it: the same function, the same key
    (the 128-bit values differ in their last bits; rounding to 40 bits absorbs that)."""
    key = _key(text)
    assert _key(f"(({text})*({r}))/({r})") == key
    assert _key(f"(({text})+({r}))-({r})") == key


def _integral(out: Path, **extra) -> BuildConfig:
    return BuildConfig(kind="integral", count=100, levels=(1,), seed=2, out=out, shard_size=30, format="jsonl",
                       **extra)


def _rows(corpus: Path) -> list[dict]:
    return [json.loads(line) for shard in sorted((corpus / "data").iterdir()) for line in shard.open()]


@pytest.fixture(scope="module")
def value_corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("values") / "value"
    return out, build(_integral(out, value_dedup=True))


def test_a_value_dedup_build_drops_and_counts_equal_integrands(value_corpus, tmp_path):
    out, manifest = value_corpus
    assert manifest["value_duplicates"] == manifest["dropped"]["value_duplicate"] > 0, "the test needs some"
    assert manifest["build"]["value_dedup"] is True and manifest["records"] == 100
    keys = [value_key(row) for row in _rows(out)]
    present = [key for key in keys if key is not None]
    assert len(set(present)) == len(present)  # no two kept items are numerically equal
    plain = build(_integral(tmp_path / "plain"))
    assert "value_duplicates" not in plain and "value_dedup" not in plain["build"]  # off: the manifest as before
    first_kept = {value_key(row): row["index"] for row in reversed(_rows(tmp_path / "plain"))}
    kept = {row["index"] for row in _rows(out)}
    for row in _rows(tmp_path / "plain"):  # first index wins: of equal items the plain build kept, the first stays
        if row["index"] <= max(kept):
            assert (row["index"] in kept) == (first_kept[value_key(row)] == row["index"]), row["problem"]


def test_value_dedup_is_the_same_for_any_partition_count(value_corpus, tmp_path):
    out, _ = value_corpus
    build(_integral(tmp_path / "p3", value_dedup=True, dedup_partitions=3, uids_in_memory=5))
    assert_same_corpus(tmp_path / "p3", out)


def test_a_value_dedup_build_resumes_to_the_same_bytes(value_corpus, tmp_path):
    out, _ = value_corpus
    resumed = tmp_path / "resumed"

    class Killed(Exception):
        pass

    def kill_at_75(n: int) -> None:
        kill_at_75.accepted += n
        if kill_at_75.accepted == 75:
            raise Killed()

    kill_at_75.accepted = 0
    with pytest.raises(Killed):
        build(_integral(resumed, value_dedup=True), kill_at_75)
    assert _partial_kept(resumed)
    with pytest.raises(Exception, match="value dedup"):  # the interrupted build's settings must match
        build(_integral(resumed, resume=True))
    build(_integral(resumed, value_dedup=True, resume=True))
    assert_same_corpus(resumed, out)


def test_value_dedup_for_a_kind_without_a_fingerprint_is_refused(tmp_path):
    assert get_kind("equation").value_key is None
    with pytest.raises(ConfigError, match="--value-dedup: kind 'equation' has no value fingerprint"):
        build(BuildConfig(kind="equation", count=5, out=tmp_path / "e", value_dedup=True))
    assert not (tmp_path / "e").exists()
