"""``run_together``: a projection's parts applied concurrently fail as a single part would."""

import asyncio

import pytest
from pymongo.errors import AutoReconnect

from agora.eventsourcing.bounded import run_together

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
