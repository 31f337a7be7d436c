"""Items are made with fewer and smaller garbage-collector passes (``run/collector.py``), and the caller's setting
comes back."""

from __future__ import annotations

import gc

import pytest

from rpsdg.env.dataset import create_dataset
from rpsdg.kinds import get_kind
from rpsdg.run.collector import YOUNG_THRESHOLD, fewer_collections
from rpsdg.run.items import ItemTask, produce


@pytest.fixture
def default_thresholds():
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


def test_the_block_runs_with_the_larger_young_threshold_and_the_old_ones_return(default_thresholds):
    with fewer_collections():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(KeyError), fewer_collections():
        raise KeyError("x")
    assert gc.get_threshold() == (700, 10, 10)


def test_what_was_alive_before_the_block_is_frozen_for_it_and_a_cycle_is_still_freed(default_thresholds):
    import weakref

    class Node:
        pass

    assert gc.get_freeze_count() == 0
    before = Node()
    with fewer_collections():
        frozen = gc.get_freeze_count()
        assert frozen > 0 and not any(o is before for o in gc.get_objects())  # out of every pass's walk
        made = Node()
        made.self = made  # a cycle made inside the block is collected inside it
        gone = weakref.ref(made)
        del made
        gc.collect()
        assert gone() is None
        with fewer_collections():  # an enclosing block's freeze is left as it is
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0 and any(o is before for o in gc.get_objects())


def test_a_callers_own_freeze_is_left_as_it_is(default_thresholds):
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with fewer_collections():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_a_caller_that_turned_collection_off_or_collects_less_often_keeps_it(default_thresholds):
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold() == (0, 10, 10)
    gc.set_threshold(10 * YOUNG_THRESHOLD, 3, 4)
    with fewer_collections():
        assert gc.get_threshold() == (10 * YOUNG_THRESHOLD, 3, 4)


def test_executors_make_items_under_it_and_the_same_items_as_without(default_thresholds):
    task = ItemTask("equation", get_kind("equation").config_type(), (1, 2, 3), 5)
    seen = []
    for outcome in task.produce_each(0, 12, frozenset(), 12):
        seen.append(gc.get_threshold()[0])
    assert seen == [YOUNG_THRESHOLD] * 12
    assert gc.get_threshold() == (700, 10, 10)
    spec = get_kind("equation")
    plain = [produce(spec, task.kind_config, task.levels, task.seed, index) for index in range(12)]
    assert task.produce_range(0, 12) == plain
    assert sum(outcome.row is not None for outcome in plain) >= 6


def test_a_dataset_makes_its_items_under_it_and_gives_the_setting_back(default_thresholds, monkeypatch):
    import rpsdg.run.pipeline as pipeline

    thresholds = []
    real = pipeline.produce

    def watched(*args, **kwargs):
        thresholds.append(gc.get_threshold()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "produce", watched)
    dataset = create_dataset("equation", 3, seed=2, levels=[1])
    assert len(list(dataset)) == 3
    assert thresholds and set(thresholds) == {YOUNG_THRESHOLD}
    assert gc.get_threshold() == (700, 10, 10)
