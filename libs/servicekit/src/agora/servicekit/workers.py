"""Background workers (outbox relays, projection runners) that live as long as a process."""

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from agora.servicekit.health import ReadinessFailure
from agora.servicekit.settings import ProcessRole

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


@dataclass(frozen=True)
class ProcessWorkers:
    """A service's workers by kind; the process role decides which of them run.

    ``outbox`` (relays) run in every role: a relay publishes the commits its own process
    appended at once, from memory, so an API process without one would leave its appends to
    the catch-up scan (seconds later); that scan runs only in the holder of the relay's lease,
    so any number of relays is safe. ``background`` (projection runners, periodic jobs) run
    only in ``worker`` and ``all`` processes: adding API replicas never adds consumers, and
    projection workers scale on their own, up to what their read model allows.
    """

    outbox: Sequence[Worker] = ()
    background: Sequence[Worker] = ()

    def for_role(self, role: ProcessRole) -> list[Worker]:
        """The workers a process of ``role`` runs."""
        if role == "api":
            return list(self.outbox)
        return [*self.outbox, *self.background]


class RunningWorkers:
    """The workers ``running`` started; a liveness check fails once any of them has stopped."""

    def __init__(self, tasks: Sequence["asyncio.Task[None]"]) -> None:
        self._tasks = tuple(tasks)

    def stopped(self) -> list[str]:
        """Names of the workers that ended (crashed, or returned) while they should run."""
        return sorted(task.get_name() for task in self._tasks if task.done())

    async def check_alive(self) -> None:
        """Raise ``ReadinessFailure`` naming the stopped workers, so ``/healthz`` fails and the
        orchestrator restarts a process that would otherwise serve without its workers."""
        stopped = self.stopped()
        if stopped:
            raise ReadinessFailure(f"stopped: {', '.join(stopped)}")


@asynccontextmanager
async def running(workers: Sequence[Worker]) -> AsyncIterator[RunningWorkers]:
    """Run ``workers`` in the background inside the block; stop them cleanly on the way out.

    A worker that crashes is logged and the process keeps serving; its health shows in the
    lag and backlog metrics and in ``RunningWorkers.check_alive`` (a liveness check), so the
    orchestrator restarts the process.
    """
    tasks = [asyncio.create_task(worker.run(), name=type(worker).__name__) for worker in workers]
    for task in tasks:
        task.add_done_callback(_log_crash)
    try:
        yield RunningWorkers(tasks)
    finally:
        for worker in workers:
            worker.stop()
        if tasks:
            await _wait_for(tasks)


async def _wait_for(tasks: Sequence["asyncio.Task[None]"]) -> None:
    """Give stopping workers ``STOP_TIMEOUT_SECONDS`` to finish, then cancel the rest."""
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
