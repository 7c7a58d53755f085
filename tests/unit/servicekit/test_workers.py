import asyncio

import pytest

from agora.servicekit.workers import running

pytestmark = pytest.mark.unit


class CountingWorker:
    def __init__(self) -> None:
        self.steps = 0
        self.stopped_cleanly = False
        self._stop = asyncio.Event()

    async def run(self) -> None:
        while not self._stop.is_set():
            self.steps += 1
            await asyncio.sleep(0.01)
        self.stopped_cleanly = True

    def stop(self) -> None:
        self._stop.set()


class CrashingWorker:
    async def run(self) -> None:
        raise RuntimeError("boom")

    def stop(self) -> None:
        pass


async def test_workers_run_inside_the_block_and_stop_cleanly_after_it() -> None:
    worker = CountingWorker()
    async with running([worker]):
        await asyncio.sleep(0.05)
        assert worker.steps > 0
    assert worker.stopped_cleanly


async def test_a_crashing_worker_does_not_take_the_others_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    healthy = CountingWorker()
    async with running([CrashingWorker(), healthy]):
        await asyncio.sleep(0.05)
        steps = healthy.steps
        await asyncio.sleep(0.05)
        assert healthy.steps > steps
    assert healthy.stopped_cleanly
    assert "CrashingWorker stopped with an error" in caplog.text
