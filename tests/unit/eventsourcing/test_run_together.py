"""``run_together`` and ``gather_bounded``: a projection's parts applied concurrently fail as a
single part would."""

import asyncio
import inspect

import pytest
from pymongo.errors import AutoReconnect

from agora.eventsourcing.bounded import gather_bounded, run_together

pytestmark = pytest.mark.unit


async def test_every_part_runs_to_its_end() -> None:
    done: list[str] = []

    async def part(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        done.append(name)

    await run_together(part("slow", 0.02), part("fast", 0.0))

    assert done == ["fast", "slow"]


async def test_a_failure_is_raised_as_itself_after_the_other_part_stopped() -> None:
    """A runner retries an ``AutoReconnect`` and dead-letters other errors: the type must
    survive, and no part of the failed attempt may still run when the retry starts."""
    stopped = asyncio.Event()

    async def failing() -> None:
        await asyncio.sleep(0)
        raise AutoReconnect("the database went away")

    async def waiting() -> None:
        try:
            await asyncio.sleep(10)
        finally:
            stopped.set()

    with pytest.raises(AutoReconnect, match="went away"):
        await run_together(failing(), waiting())

    assert stopped.is_set()


async def test_gather_bounded_never_runs_more_than_its_limit_and_runs_everything() -> None:
    running = 0
    most = 0
    done: list[int] = []

    async def write(number: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001 * (number % 3))
        running -= 1
        done.append(number)

    await gather_bounded((write(number) for number in range(20)), limit=4)

    assert sorted(done) == list(range(20))
    assert most == 4


async def test_gather_bounded_stops_at_a_failure_and_leaves_no_write_unawaited() -> None:
    """The failure keeps its type; writes not yet started are never started (and closed, so
    Python has no never-awaited coroutine to warn about)."""
    started: list[int] = []

    async def write(number: int) -> None:
        started.append(number)
        await asyncio.sleep(0)
        if number == 1:
            raise AutoReconnect("the database went away")
        await asyncio.sleep(10)

    writes = [write(number) for number in range(10)]
    with pytest.raises(AutoReconnect):
        await gather_bounded(writes, limit=2)

    assert started == [0, 1]
    assert all(inspect.getcoroutinestate(left) == inspect.CORO_CLOSED for left in writes)
