"""Running many independent writes of a projection together, a bounded number at a time."""

import asyncio
from collections.abc import Awaitable, Iterable


async def gather_bounded(awaitables: Iterable[Awaitable[object]], *, limit: int) -> None:
    """Await every one of ``awaitables``, at most ``limit`` at once (each must write a different
    document: FerretDB's updates of one document are not atomic against each other)."""
    slots = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[object]) -> None:
        async with slots:
            await awaitable

    await asyncio.gather(*(one(awaitable) for awaitable in awaitables))
