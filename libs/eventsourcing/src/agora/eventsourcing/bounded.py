"""Running independent writes of a projection together."""

import asyncio
import inspect
from collections.abc import Awaitable, Coroutine, Iterable
from typing import Any


async def gather_bounded(awaitables: Iterable[Awaitable[object]], *, limit: int) -> None:
    """Await every one of ``awaitables``, at most ``limit`` at once (each must write a different
    document: FerretDB's updates of one document are not atomic against each other).

    ``limit`` workers take the awaitables one by one, so a generator is consumed only as fast
    as they are awaited. A failure stops the others as ``run_together`` does; the awaitables no
    worker took are closed unawaited.
    """
    waiting = iter(awaitables)

    async def worker() -> None:
        for awaitable in waiting:
            await awaitable

    try:
        await run_together(*(worker() for _ in range(max(limit, 1))))
    finally:
        for left in waiting:
            if inspect.iscoroutine(left):
                left.close()


async def run_together(*parts: Coroutine[Any, Any, None]) -> None:
    """Run ``parts`` concurrently and return when all are done.

    When one fails, the others are cancelled and awaited before its exception is raised, as
    itself rather than in an ``ExceptionGroup``: a projection runner decides by the exception's
    type whether to retry the event (a database outage) or dead-letter it, and must not apply
    it again while a part of the previous attempt still runs.
    """
    try:
        async with asyncio.TaskGroup() as group:
            for part in parts:
                group.create_task(part)
    except BaseExceptionGroup as failures:
        raise failures.exceptions[0] from None
