"""Python's cyclic garbage collector in a long-running service: measured, and tuned.

CPython starts a young collection every 700 net allocations of container objects; serving a
page of posts (pydantic models, documents, JSON) crosses that many times, and every tenth
young collection scans the middle generation too. The service's long-lived objects (modules,
settings, the app, its caches at start) are frozen after start-up, so full collections
never walk them again. ``agora_python_gc_pause_seconds`` shows what the collector still costs.
"""

import gc
import time
from typing import Any

from prometheus_client import Histogram

YOUNG_THRESHOLD = 10_000
"""Net allocations between young collections (CPython's default: 700)."""
OLDER_THRESHOLDS = (10, 10)
"""Young collections per middle one, middle ones per full one (CPython's defaults)."""

GC_PAUSE = Histogram(
    "agora_python_gc_pause_seconds",
    "Time the process stood still in a collection of Python's cyclic garbage collector.",
    ["generation"],
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


class _CollectionTimer:
    """A ``gc.callbacks`` entry: observes each collection's duration in ``GC_PAUSE``."""

    def __init__(self) -> None:
        self._started_at: float | None = None

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started_at = time.perf_counter()
        elif self._started_at is not None:
            elapsed = time.perf_counter() - self._started_at
            GC_PAUSE.labels(str(info["generation"])).observe(elapsed)
            self._started_at = None


_time_collection = _CollectionTimer()


def tune_garbage_collector() -> None:
    """Space young collections further apart and time every collection (idempotent)."""
    gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


def freeze_long_lived_objects() -> None:
    """Collect once, then leave everything alive now out of every later collection."""
    gc.collect()
    gc.freeze()
