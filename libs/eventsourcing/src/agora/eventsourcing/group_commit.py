"""Group commit: concurrent single-document writes into one collection go out as one command.

One command is in flight per collection at a time; the writes that arrive meanwhile form the
next one. On FerretDB's SQLite backend, which writes one transaction at a time anyway, a
command of ten documents costs about what two single ones do, so concurrent writers (API
requests, a runner applying several streams at once) stop queueing for the database one by
one. A lone write waits for nothing: it goes out at once.

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

    async def _submit(self, item: Item) -> None:
        """Write ``item`` with the next group; returns once written, or raises its failure."""
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, written))
        if self._writer is None:
            # The group's database span goes to the trace of the write that started it.
            self._writer = asyncio.create_task(self._write())
        await written

    async def _write(self) -> None:
        group: list[Member[Item]] = []
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                try:
                    not_run = await self._write_group(group)
                except Exception as error:  # noqa: BLE001 - every waiter learns the group's failure
                    for _, written in group:
                        settle(written, error)
                    not_run = []
                # Members the command never reached go first in the next group, in order.
                self._waiting[0:0] = [member for member in not_run if not member[1].done()]
        finally:
            self._writer = None
            # Only when this task was cancelled (the loop is closing): nobody may wait forever.
            for _, written in [*group, *self._waiting]:
                if not written.done():
                    written.cancel()
            self._waiting.clear()

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
