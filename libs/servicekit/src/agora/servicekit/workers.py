"""Background workers (outbox relays, projection runners) that live as long as a process."""

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Protocol

logger = logging.getLogger(__name__)

STOP_TIMEOUT_SECONDS = 30.0


class Worker(Protocol):
    """Something that runs until asked to stop: ``OutboxRelay``, ``ProjectionRunner``."""

    async def run(self) -> None:
        """Work until ``stop()``."""
        ...

    def stop(self) -> None:
        """Ask ``run()`` to finish its current step and return."""
        ...


@asynccontextmanager
async def running(workers: Sequence[Worker]) -> AsyncIterator[None]:
    """Run ``workers`` in the background inside the block; stop them cleanly on the way out.

    A worker that crashes is logged and the process keeps serving; its health shows in the
    lag and backlog metrics, and the orchestrator restarts the process when readiness fails.
    """
    tasks = [asyncio.create_task(worker.run(), name=type(worker).__name__) for worker in workers]
    for task in tasks:
        task.add_done_callback(_log_crash)
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT_SECONDS)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


def _log_crash(task: "asyncio.Task[None]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("worker %s stopped with an error", task.get_name(), exc_info=task.exception())


async def run_until_signalled(workers: Sequence[Worker]) -> None:
    """Run ``workers`` until SIGTERM or SIGINT (a worker-only process's main)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for received in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(received, stop.set)
    async with running(workers):
        await stop.wait()
