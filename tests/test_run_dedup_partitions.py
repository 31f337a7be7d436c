"""Partitioned dedup (``run/dedup.py``, ``--dedup-partitions P``): the answers of one ``set`` fed in index order for
any partition count, in-memory share and batch split; builds give the same bytes for P = 0 (today), 1 and 3, locally
and with Ray owners (skipped when Ray is not installed)."""

from __future__ import annotations

import hashlib
import importlib.util
import time

import pytest
from hypothesis import given, settings, strategies as st

from rpsdg.errors import ConfigError
from rpsdg.run.dedup import PartitionedUidSet, UidOwner, UidSet, pack, partition_of, unpack_answers
from rpsdg.run.pipeline import BuildConfig, build
from test_run_executors import _cli, assert_same_corpus


def _uid(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 50), max_size=40), max_size=12), st.integers(1, 6), st.integers(1, 9),
       st.integers(2, 4))
def test_partitioned_answers_are_those_of_a_set_fed_in_index_order(batches, partitions, in_memory, max_runs):
    reference: set[bytes] = set()
    with PartitionedUidSet(partitions, in_memory=in_memory, max_runs=max_runs) as uids:
        for batch in batches:
            keys = [_uid(n) for n in batch]
            expected_known = [key in reference for key in keys]
            assert uids.contains_batch(keys) == expected_known
            expected_new = []
            for key in keys:
                expected_new.append(key not in reference)
                reference.add(key)
            assert uids.add_batch(keys) == expected_new
            assert uids.size() == len(reference)
        probes = [_uid(n) for n in range(60)]
        assert uids.contains_batch(probes) == [probe in reference for probe in probes]


def test_partitions_cover_uid_space_in_order():
    uids = sorted(_uid(n) for n in range(2000))
    for partitions in (1, 3, 7, 256):
        owners = [partition_of(uid, partitions) for uid in uids]
        assert owners == sorted(owners) and set(owners) == set(range(partitions))  # contiguous ranges, all used
    assert partition_of(b"\xff" * 32, 5) == 4 and partition_of(b"\x00" * 32, 5) == 0


def test_a_uid_owner_answers_packed_batches_like_a_uidset():
    owner = UidOwner(in_memory=2)
    keys = [_uid(n) for n in (1, 2, 1, 3, 2, 4)]
    assert unpack_answers(owner.add_packed(pack(keys))) == [True, True, False, True, False, True]
    assert unpack_answers(owner.contains_packed(pack([_uid(4), _uid(5)]))) == [True, False]
    assert owner.size() == 4 and owner.uids.runs >= 1  # it spilled (2 uids in memory)
    owner.close()
    with pytest.raises(ValueError, match="whole number"):
        owner.add_packed(b"short")


def test_uidset_batches_agree_with_single_adds():
    with UidSet(in_memory=3) as one, UidSet(in_memory=3) as batched:
        keys = [_uid(n % 7) for n in range(40)]
        assert batched.add_batch(keys) == [one.add(key) for key in keys]
        assert batched.contains_batch(keys[:5]) == [True] * 5


def test_a_bad_partition_count_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="--dedup-partitions"):
        BuildConfig(kind="equation", count=5, out=tmp_path / "x", dedup_partitions=-1)


@pytest.mark.parametrize("kind, levels, count", [("equation", (1,), 120), ("integral", (1, 2), 40)])
def test_partitioned_builds_are_byte_identical(tmp_path, kind, levels, count):
    """Level 1 equations repeat a lot (duplicates decided across partitions and batches); tiny in-memory shares
    make every owner spill."""
    base = dict(kind=kind, count=count, levels=levels, seed=2, shard_size=25, format="jsonl")
    reference = build(BuildConfig(**base, out=tmp_path / "reference"))
    assert reference["duplicates"] > 0, "the test needs duplicates"
    for partitions in (1, 3):
        out = tmp_path / f"p{partitions}"
        build(BuildConfig(**base, out=out, dedup_partitions=partitions, uids_in_memory=4))
        assert_same_corpus(out, tmp_path / "reference")


@pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                    reason="ray is not installed (pip install 'rpsdg[ray]'); Ray dedup owners are untested")
def test_ray_dedup_owners_give_the_same_bytes(tmp_path):
    common = ["--kind", "equation", "--levels", "1", "--count", "120", "--seed", "2", "--format", "jsonl",
              "--shard-size", "25"]
    done = _cli(*common, "--out", str(tmp_path / "reference"))
    assert done.returncode == 0, done.stderr[-2000:]
    done = _cli(*common, "--out", str(tmp_path / "ray"), "--executor", "ray", "--dedup-partitions", "3")
    assert done.returncode == 0, done.stderr[-2000:]
    assert_same_corpus(tmp_path / "ray", tmp_path / "reference")


def test_a_partitioned_build_resumes_to_the_same_bytes(tmp_path):
    """Killed after its second shard, resumed with the owners rebuilt from the written shards (and another P)."""
    base = dict(kind="equation", count=120, levels=(1,), seed=2, shard_size=25, format="jsonl")
    out = tmp_path / "resumed"

    class Killed(Exception):
        pass

    def kill_at_60(n: int) -> None:
        kill_at_60.accepted += n
        if kill_at_60.accepted == 60:
            raise Killed()

    kill_at_60.accepted = 0
    with pytest.raises(Killed):
        build(BuildConfig(**base, out=out, dedup_partitions=3, uids_in_memory=4), kill_at_60)
    build(BuildConfig(**base, out=out, dedup_partitions=2, uids_in_memory=4, resume=True))
    build(BuildConfig(**base, out=tmp_path / "reference"))
    assert_same_corpus(out, tmp_path / "reference")


@pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                    reason="ray is not installed (pip install 'rpsdg[ray]'); Ray dedup owners are untested")
def test_ray_dedup_owners_resume_after_a_failed_build_and_a_dead_owner_stops_the_build(tmp_path):
    from rpsdg.run.executors import FAULT_ENV, ExecutorError, RayExecutor

    common = ["--kind", "equation", "--levels", "1", "--count", "200", "--seed", "2", "--format", "jsonl",
              "--shard-size", "25", "--executor", "ray", "--dedup-partitions", "2"]
    out = tmp_path / "ray"
    done = _cli(*common, "--out", str(out), env={FAULT_ENV: "210"})  # 223 candidates; batch 2
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert list(tmp_path.glob(".ray*/data/shard-*")), "the failed build should have written shards to resume from"
    done = _cli(*common, "--out", str(out), "--resume")
    assert done.returncode == 0, done.stderr[-2000:]
    build(BuildConfig(kind="equation", count=200, levels=(1,), seed=2, shard_size=25, format="jsonl",
                      out=tmp_path / "reference"))
    assert_same_corpus(out, tmp_path / "reference")

    executor = RayExecutor(num_cpus=2)
    try:
        owners = executor.dedup(2, 100, None)
        assert owners.add_batch([_uid(1), _uid(2), _uid(1)]) == [True, True, False]
        ray = executor.start()
        ray.kill(owners.actors[0])
        for _ in range(600):  # ray.kill is asynchronous: wait (boundedly) until the actor is gone
            try:
                ray.get(owners.actors[0].size.remote(), timeout=30)
            except ray.exceptions.RayError:
                break
            time.sleep(0.1)
        with pytest.raises(ExecutorError, match=r"--dedup-partitions 2: a dedup owner .*--resume"):
            owners.add_batch([_uid(n) for n in range(20)])  # 20 uids: both owners are asked
        owners.close()
    finally:
        executor.close()
