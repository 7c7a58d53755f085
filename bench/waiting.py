"""Waiting for asynchronous work to finish, with a guard against a hung server."""

import asyncio
import time
from collections.abc import Callable


class StalledError(RuntimeError):
    """A phase made no progress for too long (a hung broker or database, or a lost event)."""


async def wait_for_count(
    count: Callable[[], int],
    target: int,
    *,
    what: str,
    stall_seconds: float,
    give_up_at: float | None = None,
    interval: float = 0.02,
) -> bool:
    """Wait until ``count()`` reaches ``target``; raise when it stops moving for too long.

    Returns ``False`` instead when ``give_up_at`` (a ``perf_counter`` time) passes first.
    Only completion is detected here: the moment work finished is recorded by whoever did it,
    so the polling interval does not blur the measurement.
    """
    last = count()
    last_progress = time.perf_counter()
    while last < target:
        await asyncio.sleep(interval)
        if give_up_at is not None and time.perf_counter() >= give_up_at:
            return count() >= target
        current = count()
        if current != last:
            last, last_progress = current, time.perf_counter()
        elif time.perf_counter() - last_progress > stall_seconds:
            raise StalledError(f"{what}: stuck at {current} of {target} for {stall_seconds:.0f} s")
    return True
