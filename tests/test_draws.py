"""``rpsdg.draws`` draws what ``random.Random``'s methods draw and leaves the generator in the same state: the
generators call these functions instead of the methods, so any difference would change every corpus."""

from __future__ import annotations

import random
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rpsdg import draws

SEEDS = st.integers(0, 2 ** 64)
BOUNDS = st.one_of(st.integers(-50, 50), st.integers(-2 ** 80, 2 ** 80))


def _pair(seed: int) -> tuple[random.Random, random.Random]:
    return random.Random(seed), random.Random(seed)


@given(SEEDS, BOUNDS, BOUNDS, st.integers(1, 5))
@settings(max_examples=300, deadline=None)
def test_randint_and_randrange_draw_what_the_methods_draw(seed, a, b, repeats):
    low, high = min(a, b), max(a, b)
    ours, theirs = _pair(seed)
    for _ in range(repeats):
        assert draws.randint(ours, low, high) == theirs.randint(low, high)
        assert draws.randrange(ours, low, high + 1) == theirs.randrange(low, high + 1)
        if high > 0:
            assert draws.randrange(ours, 0, high) == theirs.randrange(high)
        assert draws.below(ours, high - low + 1) == theirs._randbelow(high - low + 1)
    assert ours.getstate() == theirs.getstate()


@given(SEEDS, st.lists(st.integers(), min_size=1, max_size=70), st.integers(1, 5))
@settings(max_examples=300, deadline=None)
def test_choice_draws_what_the_method_draws(seed, items, repeats):
    ours, theirs = _pair(seed)
    for sequence in (items, tuple(items), "".join(chr(65 + i % 26) for i in items)):
        for _ in range(repeats):
            assert draws.choice(ours, sequence) == theirs.choice(sequence)
    assert ours.getstate() == theirs.getstate()


@given(SEEDS, st.one_of(st.integers(-100, 100), st.floats(-1e6, 1e6)),
       st.one_of(st.integers(-100, 100), st.floats(-1e6, 1e6)))
@settings(max_examples=300, deadline=None)
def test_uniform_computes_what_the_method_computes(seed, a, b):
    ours, theirs = _pair(seed)
    value = draws.uniform(ours, a, b)
    expected = theirs.uniform(a, b)
    assert value == expected and type(value) is type(expected)
    assert ours.getstate() == theirs.getstate()


@given(SEEDS, st.lists(st.one_of(st.integers(1, 10 ** 30), st.floats(1e-3, 1e6)), min_size=1, max_size=40),
       st.integers(1, 5))
@settings(max_examples=300, deadline=None)
def test_weighted_index_picks_what_choices_picks(seed, weights, repeats):
    """The samplers build the running sums once per tree (``choices`` rebuilds them from the weights at every
    call); the index must be the one ``choices`` picks, ints and floats alike."""
    ours, theirs = _pair(seed)
    cumulative = list(accumulate(weights))
    for _ in range(repeats):
        assert draws.weighted_index(ours, cumulative) == theirs.choices(range(len(weights)), weights=weights)[0]
    assert ours.getstate() == theirs.getstate()


@given(SEEDS, st.lists(st.integers(), max_size=200), st.data())
@settings(max_examples=300, deadline=None)
def test_sample_draws_what_the_method_draws(seed, items, data):
    """Both of ``Random.sample``'s branches: a pool for a population up to the set size (21, more for k > 5), and
    redrawn positions above it; a range, a tuple and a list alike."""
    k = data.draw(st.integers(0, len(items)))
    ours, theirs = _pair(seed)
    for population in (items, tuple(items), range(len(items))):
        assert draws.sample(ours, population, k) == theirs.sample(population, k)
    assert ours.getstate() == theirs.getstate()


def test_empty_ranges_and_sequences_fail_as_the_methods_fail():
    rng = random.Random(0)
    with pytest.raises(IndexError, match="empty sequence"):
        draws.choice(rng, [])
    with pytest.raises(ValueError, match=r"empty range for randrange\(\) \(3, 3, 0\)"):
        draws.randrange(rng, 3, 3)
    with pytest.raises(ValueError, match="empty range"):
        draws.randint(rng, 2, 1)
    with pytest.raises(TypeError):
        draws.randint(rng, 1.5, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="larger than population"):
        draws.sample(rng, range(3), 4)
    with pytest.raises(ValueError, match="larger than population"):
        draws.sample(rng, range(3), -1)
    with pytest.raises(ValueError, match="greater than zero"):
        draws.weighted_index(rng, [0, 0])
    with pytest.raises(ValueError, match="finite"):
        draws.weighted_index(rng, [1.0, float("inf")])
