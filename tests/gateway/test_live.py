"""Live updates over Server-Sent Events, against the real feed (its Kafka, FerretDB, projection).

The feed runs under uvicorn in a thread with per-test topics; ``Organisation`` publishes the
people and communities it learns from. The gateway is served by uvicorn too (streams need real
streaming), reads the feed's topic and asks the feed, as each connected person, what it shows.
"""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from pymongo import AsyncMongoClient

from agora.feed.app import create_app as create_feed_app
from agora.feed.settings import FeedSettings
from agora.gateway.app import create_app
from agora.gateway.live import LiveHub
from agora.gateway.livefeed import FeedEventConsumer
from agora.localinfra import InfraEndpoints
from agora.testing.identity import TestIdentityProvider
from tests.feed.harness import FeedApi, Organisation, fresh_settings
from tests.gateway.harness import bearer, gateway_settings, problem_of, serving, signed

pytestmark = pytest.mark.integration

CHECK_DELAYS = (0.2, 0.4, 0.8, 1.6)
CHECKS_GIVE_UP_AFTER = sum(CHECK_DELAYS) + 1.0
"""By then the gateway has stopped asking the feed about a post (plus a margin)."""


@dataclass
class Feed:
    url: str
    settings: FeedSettings
    api: FeedApi
    org: Organisation


@dataclass
class LiveGateway:
    url: str
    app: FastAPI

    @property
    def hub(self) -> LiveHub:
        hub: LiveHub = self.app.state.gateway.live
        return hub


@pytest.fixture(scope="module")
def feed_settings(infra_endpoints: InfraEndpoints, identity: TestIdentityProvider) -> FeedSettings:
    return fresh_settings(infra_endpoints, identity)


@pytest.fixture(scope="module")
def feed_url(feed_settings: FeedSettings) -> Iterator[str]:
    tracer_provider = TracerProvider()
    app = create_feed_app(settings=feed_settings, tracer_provider=tracer_provider)
    with serving(app) as url:
        yield url
    tracer_provider.shutdown()


@pytest.fixture(scope="module")
async def feed(
    feed_url: str, feed_settings: FeedSettings, identity: TestIdentityProvider
) -> AsyncIterator[Feed]:
    organisation = Organisation(feed_settings)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        feed_settings.mongo_url.get_secret_value(), tz_aware=True
    )
    await organisation.start()
    try:
        async with httpx.AsyncClient(base_url=feed_url) as client:
            yield Feed(
                url=feed_url,
                settings=feed_settings,
                api=FeedApi(client, identity, feed_settings, mongo),
                org=organisation,
            )
    finally:
        await organisation.stop()
        await mongo.drop_database(feed_settings.mongo_database)
        await mongo.close()


@pytest.fixture(scope="module")
def live_gateway(
    infra_endpoints: InfraEndpoints,
    identity: TestIdentityProvider,
    key_file: Path,
    jwks_url: str,
    feed_url: str,
    feed_settings: FeedSettings,
) -> Iterator[LiveGateway]:
    settings = gateway_settings(
        infra=infra_endpoints,
        identity=identity,
        key_file=key_file,
        jwks_url=jwks_url,
        services={"feed": feed_url},
        activity_enabled=False,
        live_feed_topic=feed_settings.events_topic,
        live_check_delays_seconds=CHECK_DELAYS,
        live_check_min_interval_seconds=0.2,
        live_heartbeat_seconds=1.0,
        live_max_streams_per_person=2,
        read_timeout_seconds=10.0,
    )
    tracer_provider = TracerProvider()
    app = create_app(settings=settings, tracer_provider=tracer_provider)
    with serving(app) as url:
        consumer: FeedEventConsumer = app.state.live_consumer
        deadline = time.monotonic() + 30
        while not consumer.ready:  # positioned at the topic's end: later events are seen
            assert time.monotonic() < deadline, "the gateway never read the feed's topic"
            time.sleep(0.05)
        yield LiveGateway(url=url, app=app)
    tracer_provider.shutdown()


@dataclass
class Event:
    id: str | None
    event: str
    data: dict[str, Any]


@dataclass
class Stream:
    """One open SSE stream, read in the background into events, comments and raw text."""

    response: httpx.Response
    events: "asyncio.Queue[Event]" = field(default_factory=asyncio.Queue)
    comments: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    async def read(self) -> None:
        fields: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            self.raw.append(line)
            if line.startswith(":"):
                self.comments.append(line)
            elif line == "":
                if "data" in fields:
                    await self.events.put(
                        Event(
                            id=fields.get("id"),
                            event=fields.get("event", "message"),
                            data=json.loads(fields["data"]),
                        )
                    )
                fields = {}
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    async def next(self, timeout: float = 15.0) -> Event:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def until(self, wanted: set[tuple[str, str]], timeout: float = 15.0) -> list[Event]:
        """Events until every (type, post id) in ``wanted`` came; all of them are returned."""
        seen: list[Event] = []
        deadline = time.monotonic() + timeout
        while not wanted <= {(e.data["type"], e.data.get("post_id")) for e in seen}:
            seen.append(await self.next(max(0.01, deadline - time.monotonic())))
        return seen

    def drain(self) -> list[Event]:
        drained = []
        while not self.events.empty():
            drained.append(self.events.get_nowait())
        return drained


@contextlib.asynccontextmanager
async def open_stream(
    gateway: LiveGateway, token: str, last_event_id: str | None = None
) -> AsyncIterator[Stream]:
    headers = bearer(token)
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    async with (
        httpx.AsyncClient(base_url=gateway.url, timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", "/api/v1/stream", headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        stream = Stream(response)
        reader = asyncio.create_task(stream.read())
        try:
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader


def token_of(identity: TestIdentityProvider, person: str) -> str:
    return signed(identity.key, identity, person)


async def publish(
    gateway: LiveGateway, identity: TestIdentityProvider, author: str, **body: Any
) -> str:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10.0) as client:
        response = await client.post(
            "/api/v1/feed/posts",
            headers=bearer(token_of(identity, author)),
            json={"text": "Bonjour à tous", **body},
        )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def community_place(community_id: str) -> dict[str, str]:
    return {"kind": "community", "id": community_id}


async def test_a_stream_needs_a_token(live_gateway: LiveGateway) -> None:
    async with httpx.AsyncClient(base_url=live_gateway.url) as client:
        response = await client.get("/api/v1/stream")

    assert response.status_code == 401
    assert problem_of(response)["type"].endswith("/gateway/invalid-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_stream_is_an_unbuffered_event_stream_with_heartbeats(
    live_gateway: LiveGateway, identity: TestIdentityProvider
) -> None:
    async with open_stream(live_gateway, token_of(identity, "person-headers")) as stream:
        deadline = time.monotonic() + 10
        while not stream.comments:
            assert time.monotonic() < deadline, stream.raw
            await asyncio.sleep(0.05)

        headers = stream.response.headers
        assert headers["content-type"] == "text/event-stream"
        assert headers["cache-control"] == "no-cache"
        assert headers["x-accel-buffering"] == "no"
        assert "content-length" not in headers
        assert stream.raw[0] == "retry: 3000"
        assert stream.comments[0] == ": keepalive"


async def test_a_member_is_signalled_a_secret_communitys_post_and_an_outsider_is_not(
    live_gateway: LiveGateway, feed: Feed, identity: TestIdentityProvider
) -> None:
    org = feed.org
    author, member, outsider = [await org.person() for _ in range(3)]
    community = await org.community(author, visibility="secret", members=[member])
    await feed.api.settled()

    async with (
        open_stream(live_gateway, token_of(identity, member)) as member_stream,
        open_stream(live_gateway, token_of(identity, outsider)) as outsider_stream,
    ):
        secret = await publish(
            live_gateway,
            identity,
            author,
            place=community_place(community),
            text="Réorganisation @member @outsider",
            mentions=[member, outsider],
        )
        published = time.monotonic()

        received = await member_stream.until({("timeline", secret), ("notifications", secret)})
        # A profile post mentioning the outsider: they are signalled about it, and only it.
        marker = await publish(
            live_gateway,
            identity,
            author,
            place={"kind": "profile"},
            text="Merci @outsider",
            mentions=[outsider],
        )
        outsider_events = await outsider_stream.until(
            {("timeline", marker), ("notifications", marker)}
        )
        await asyncio.sleep(max(0.0, published + CHECKS_GIVE_UP_AFTER - time.monotonic()))
        outsider_events += outsider_stream.drain()

    for event in received:
        assert set(event.data) == {"type", "post_id"}  # a signal, never content
        assert event.event == event.data["type"]
        assert event.id is not None
    assert {e.data.get("post_id") for e in outsider_events} == {marker}
    assert not any(secret in line for line in outsider_stream.raw)


async def test_a_reconnect_with_last_event_id_replays_what_was_missed(
    live_gateway: LiveGateway, feed: Feed, identity: TestIdentityProvider
) -> None:
    org = feed.org
    author, member = [await org.person() for _ in range(2)]
    community = await org.community(author, visibility="closed", members=[member])
    await feed.api.settled()
    token = token_of(identity, member)

    async with open_stream(live_gateway, token) as first:
        before = await publish(live_gateway, identity, author, place=community_place(community))
        (seen,) = await first.until({("timeline", before)})
    missed = await publish(live_gateway, identity, author, place=community_place(community))
    deadline = time.monotonic() + CHECKS_GIVE_UP_AFTER + 10
    while live_gateway.hub.buffered(member) < 2:  # prepared while the member was away
        assert time.monotonic() < deadline, "the missed signal was never prepared"
        await asyncio.sleep(0.05)

    async with open_stream(live_gateway, token, last_event_id=seen.id) as again:
        replayed = await again.next(timeout=5)
    async with open_stream(live_gateway, token) as fresh:
        await asyncio.sleep(1.5)  # a heartbeat's time: a fresh stream replays nothing
        assert fresh.drain() == []
    async with open_stream(live_gateway, token, last_event_id="00000000-1") as elsewhere:
        resync = await elsewhere.next(timeout=5)

    assert replayed.data == {"type": "timeline", "post_id": missed}
    assert seen.id is not None
    assert replayed.id is not None
    boot, seq = seen.id.split("-")
    assert replayed.id.split("-")[0] == boot
    assert int(replayed.id.split("-")[1]) > int(seq)
    assert resync.data == {"type": "resync"}


async def test_a_person_may_not_open_more_streams_than_allowed(
    live_gateway: LiveGateway, identity: TestIdentityProvider
) -> None:
    token = token_of(identity, "person-many-tabs")
    async with (
        open_stream(live_gateway, token),
        open_stream(live_gateway, token),
        httpx.AsyncClient(base_url=live_gateway.url) as client,
    ):
        response = await client.get("/api/v1/stream", headers=bearer(token))

    assert response.status_code == 429
    assert problem_of(response)["type"].endswith("/gateway/too-many-streams")
    assert response.headers["retry-after"] == "30"
