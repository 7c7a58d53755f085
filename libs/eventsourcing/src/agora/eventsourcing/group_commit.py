"""Group commit: concurrent single-document writes into one collection go out as one command.

One command is in flight per collection at a time; the writes that arrive meanwhile form the
next one. On FerretDB's SQLite backend, which writes one transaction at a time anyway, a
command of ten documents costs about what two single ones do, so concurrent writers (API
requests, a runner applying several streams at once) stop queueing for the database one by
one. A write that finds nothing in flight waits one turn of the event loop (writes made ready
in the same turn join its group); still alone, it goes out from its caller's own task, since a
task of its own would cost a projection that applies one event at a time about 10 µs a write.
Groups of several go out from a writer task.

Subclasses say how a group is written and what each member learns (``_write_group``).
"""

import asyncio
from abc import ABC, abstractmethod
from typing import Any, Generic, TypeVar

from pymongo.errors import DuplicateKeyError, WriteError

Document = dict[str, Any]
DUPLICATE_KEY = 11000
MAX_GROUP = 100
"""Writes per command at most."""

Item = TypeVar("Item")
Member = tuple[Item, "asyncio.Future[None]"]
"""A write waiting in a group, and the future its caller awaits."""


class GroupCommit(ABC, Generic[Item]):
    """Writes of ``Item`` grouped with whatever other writes wait at the time."""

    def __init__(self, *, max_group: int = MAX_GROUP) -> None:
        self._max_group = max_group
        self._waiting: list[Member[Item]] = []
        self._writer: asyncio.Task[None] | None = None
        self._leading = False
        """A caller is writing a group from its own task."""

    async def _submit(self, item: Item) -> None:
        """Write ``item`` with the next group; returns once written, or raises its failure."""
        member: Member[Item] = (item, asyncio.get_running_loop().create_future())
        self._waiting.append(member)
        try:
            if self._writer is None and not self._leading:
                # Nothing in flight: the writes made ready in this turn of the event loop join
                # this one. Alone, it goes out from this caller's task; with others, from a
                # writer task, so that cancelling this caller cannot cut their command short.
                self._leading = True
                try:
                    await asyncio.sleep(0)
                    if len(self._waiting) == 1:
                        await self._write_next_group()
                finally:
                    self._leading = False
        finally:
            # Writes that came meanwhile (or this one, when its command did not reach it) go
            # out from a task of their own, even when this caller was cancelled.
            if self._waiting and self._writer is None and not self._leading:
                # The group's database span goes to the trace of the write that started it.
                self._writer = asyncio.create_task(self._write())
        await member[1]

    async def _write(self) -> None:
        try:
            while self._waiting:
                await self._write_next_group()
        finally:
            self._writer = None
            # Only when this task was cancelled (the loop is closing): nobody may wait forever.
            for _, written in self._waiting:
                if not written.done():
                    written.cancel()
            self._waiting.clear()

    async def _write_next_group(self) -> None:
        """Write the first writes waiting, up to a group's size; members its command did not
        reach go first in the next group, in order."""
        group = self._waiting[: self._max_group]
        del self._waiting[: self._max_group]
        try:
            not_run = await self._write_group(group)
        except asyncio.CancelledError:
            for _, written in group:
                if not written.done():
                    written.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - every waiter learns the group's failure
            for _, written in group:
                settle(written, error)
            return
        self._waiting[0:0] = [member for member in not_run if not member[1].done()]

    @abstractmethod
    async def _write_group(self, group: list[Member[Item]]) -> list[Member[Item]]:
        """Write ``group`` and settle its members' futures (``settle``); return the members
        the command did not reach, to be written with the next group. A failure it raises
        is every member's."""


def settle(written: asyncio.Future[None], failure: BaseException | None) -> None:
    """Tell one member its outcome, unless its caller stopped waiting (was cancelled)."""
    if written.done():
        return
    if failure is None:
        written.set_result(None)
    else:
        written.set_exception(failure)


def single_write_error(write_error: dict[str, Any]) -> WriteError:
    """The error a single-document write would have raised for this entry of ``writeErrors``."""
    code = int(write_error.get("code", 0))
    message = str(write_error.get("errmsg", "write error"))
    if code == DUPLICATE_KEY:
        return DuplicateKeyError(message, code, write_error)
    return WriteError(message, code, write_error)
