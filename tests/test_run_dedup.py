"""Global dedup in bounded memory (``run/dedup.py``): exactly a ``set``'s answers, the same corpus, files cleaned."""

from __future__ import annotations

import hashlib
import random

from hypothesis import given, settings, strategies as st

from rpsdg.run.dedup import UidSet
from rpsdg.run.pipeline import BuildConfig, build
from test_run_executors import assert_same_corpus


def _uid(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 60), max_size=300), st.integers(1, 7), st.integers(2, 4))
def test_uidset_answers_exactly_as_a_set(numbers, in_memory, max_runs):
    reference: set[bytes] = set()
    with UidSet(in_memory=in_memory, max_runs=max_runs) as uids:
        for n in numbers:
            uid = _uid(n)
            assert uids.add(uid) == (uid not in reference)
            reference.add(uid)
            assert len(uids) == len(reference)
        assert all((_uid(n) in uids) == (_uid(n) in reference) for n in range(70))


def test_uidset_spills_and_merges_and_removes_its_files(tmp_path):
    rng = random.Random(4)
    uids = UidSet(in_memory=50, max_runs=3, spill_dir=tmp_path)
    numbers = [rng.randrange(3000) for _ in range(5000)]
    new = [uids.add(_uid(n)) for n in numbers]
    seen: set[int] = set()
    assert new == [not (n in seen or seen.add(n)) for n in numbers]
    assert 1 <= uids.runs <= 3 and len(uids._memory) < 50  # most uids live on disk, not in memory
    assert any(tmp_path.iterdir())
    uids.close()
    assert not any(tmp_path.iterdir())


def test_a_build_that_spills_uids_gives_the_same_corpus(tmp_path):
    """A tiny in-memory share (3 uids) spills and merges runs all through the build: not one byte changes."""
    config = BuildConfig(kind="equation", count=120, levels=(1,), seed=2, out=tmp_path / "spilled", shard_size=50,
                         format="jsonl", uids_in_memory=3)
    manifest = build(config)
    assert manifest["duplicates"] > 0, "level 1 at this size should have duplicates: the test needs some"
    build(BuildConfig(**{**config.__dict__, "out": tmp_path / "reference", "uids_in_memory": 100_000}))
    assert_same_corpus(tmp_path / "spilled", tmp_path / "reference")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reference", "spilled"]  # no spill directory left
