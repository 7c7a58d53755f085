"""Live updates: a post in a community reaches its members' streams as a signal."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.e2e.client import Agora, Person, until, word
from tests.e2e.stack import Stack

pytestmark = pytest.mark.integration

SIGNAL_DEADLINE_SECONDS = 30.0


@dataclass
class Signals:
    """The events of one open stream, read in the background."""

    response: httpx.Response
    events: "asyncio.Queue[dict[str, Any]]" = field(default_factory=asyncio.Queue)
    raw: list[str] = field(default_factory=list)

    async def read(self) -> None:
        data: str | None = None
        async for line in self.response.aiter_lines():
            self.raw.append(line)
            if line.startswith("data:"):
                data = line.removeprefix("data:").strip()
            elif line == "" and data is not None:
                await self.events.put(json.loads(data))
                data = None

    async def until(self, kind: str, post_id: str) -> list[dict[str, Any]]:
        """Every signal up to the first of ``kind`` about ``post_id``."""
        seen: list[dict[str, Any]] = []
        async with asyncio.timeout(SIGNAL_DEADLINE_SECONDS):
            while not seen or seen[-1] != {"type": kind, "post_id": post_id}:
                seen.append(await self.events.get())
        return seen


@contextlib.asynccontextmanager
async def stream_of(stack: Stack, person: Person) -> AsyncIterator[Signals]:
    async with (
        httpx.AsyncClient(base_url=stack.url, timeout=httpx.Timeout(10.0)) as http,
        http.stream("GET", "/api/v1/stream", headers=person.headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"] == "text/event-stream"
        signals = Signals(response)
        reader = asyncio.create_task(signals.read())
        try:
            yield signals
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader


async def test_a_post_in_a_community_reaches_a_members_stream(agora: Agora, stack: Stack) -> None:
    author = await agora.person("Hélène")
    member = await agora.person("Karim")
    community = await agora.community(author, visibility="closed")
    await agora.invite(author, community, member)
    # Once the member's timeline shows a first post, the feed knows the membership and its
    # projection has caught up: the next post is checked by the gateway as soon as it lands.
    welcome = await agora.publish(author, community_id=community, text="Bienvenue")
    await until(
        lambda: agora.shows("/feed/me/timeline", member, welcome),
        what="the member's timeline shows the first post",
    )

    async with stream_of(stack, member) as signals:
        post = await agora.publish(
            author, community_id=community, text=f"Mise en production {word()} ce soir"
        )
        received = await signals.until("timeline", post)
        timeline = await agora.post_ids("/feed/me/timeline", member)

    assert received[-1] == {"type": "timeline", "post_id": post}
    assert post in timeline
