"""The garbage collector's tuning and its pause histogram."""

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from agora.servicekit.gc_tuning import YOUNG_THRESHOLD, tune_garbage_collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    callbacks = list(gc.callbacks)
    enabled = gc.isenabled()
    gc.disable()  # only the test's own collections run, so it can count them
    yield
    gc.set_threshold(*thresholds)
    gc.callbacks[:] = callbacks
    if enabled:
        gc.enable()


def pauses(generation: int) -> float:
    value = REGISTRY.get_sample_value(
        "agora_python_gc_pause_seconds_count", {"generation": str(generation)}
    )
    return value or 0.0


def test_collections_are_spaced_and_every_one_is_timed(restored_collector: None) -> None:
    tune_garbage_collector()
    tune_garbage_collector()  # idempotent: one callback, one observation a collection
    before = pauses(2), pauses(0)

    gc.collect()
    gc.collect(0)

    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert (pauses(2), pauses(0)) == (before[0] + 1, before[1] + 1)
