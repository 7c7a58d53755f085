"""The small organisation the measurements read and write: people who follow each other, one
open community, and a few hundred posts, so every home timeline has a page of content.

People and the community reach the feed as the profiles and communities services' events (the
feed has no API for them), published as ``bench.feed`` does; tokens come from the gateway's
development identity provider; the posts are imported through the feed's real
``POST /imports/posts`` (a migration account with ``platform-admin``), each dated in the past.
"""

import asyncio
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import aiohttp

from agora.eventsourcing.kafka import create_producer
from agora.feed.settings import FeedSettings
from bench.feed.events import PostMaker, fact_messages, send_all
from bench.feed.organisation import (
    DEPARTMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    TOPICS,
    Community,
    Organisation,
    Person,
    person_id,
)
from bench.feed.progress import ProjectionProgress
from bench.gateway.config import GatewayBenchConfig

Report = Callable[[str], None]
COMMUNITY_ID = "benchgatewaycommunity"
IMPORTER_ID = "person-bench-importer"
PLATFORM_ADMIN = "platform-admin"
IMPORT_SPAN = timedelta(days=30)


def generate(config: GatewayBenchConfig) -> Organisation:
    """People following ``follows_per_person`` others each, and one open community of the
    first ``community_members`` people (the same for the same seed)."""
    rng = random.Random(config.seed)
    people = [
        Person(
            person_id=person_id(number),
            display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            department=rng.choice(DEPARTMENTS),
            skills=tuple(rng.sample(TOPICS, k=rng.randint(0, 2))),
        )
        for number in range(config.people)
    ]
    ids = [person.person_id for person in people]
    following = {
        person: rng.sample([other for other in ids if other != person], k=config.follows_per_person)
        for person in ids
    }
    members = tuple(ids[: config.community_members])
    community = Community(
        community_id=COMMUNITY_ID,
        name="Platform guild",
        visibility="open",
        members=members,
        managers=members[:2],
    )
    return Organisation(people=people, following=following, communities=[community])


async def publish_facts(
    *, organisation: Organisation, settings: FeedSettings, progress: ProjectionProgress
) -> int:
    """Publish every person's card, follows and skills and the community, as the profiles and
    communities services would, and wait until the feed has applied them; returns how many."""
    producer = create_producer(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="bench-gateway-facts"
    )
    await producer.start()
    try:
        sent = await send_all(producer, fact_messages(organisation, settings))
    finally:
        await producer.stop()
    await progress.wait_caught_up(what="organisation", stall_seconds=60.0)
    return sent


class Tokens:
    """``Authorization`` headers of every person, issued once by the development provider."""

    def __init__(self, headers: dict[str, dict[str, str]]) -> None:
        self._headers = headers

    @classmethod
    async def issue(
        cls, session: aiohttp.ClientSession, gateway_url: str, people: list[str]
    ) -> "Tokens":
        """Ask the gateway's ``POST /dev-idp/token`` for each person's token (and the
        importer's, with ``platform-admin``)."""

        async def one(person: str, roles: list[str]) -> tuple[str, dict[str, str]]:
            async with session.post(
                f"{gateway_url}/dev-idp/token", json={"person_id": person, "roles": roles}
            ) as response:
                response.raise_for_status()
                token = (await response.json())["access_token"]
            return person, {"Authorization": f"Bearer {token}"}

        pairs = await asyncio.gather(
            one(IMPORTER_ID, [PLATFORM_ADMIN]), *(one(person, []) for person in people)
        )
        return cls(dict(pairs))

    def headers(self, person: str) -> dict[str, str]:
        """The person's ``Authorization`` header."""
        return self._headers[person]

    @property
    def importer(self) -> dict[str, str]:
        """The migration account's header (``platform-admin``)."""
        return self._headers[IMPORTER_ID]


@dataclass(frozen=True)
class ImportResult:
    """Posts imported before the measurements."""

    posts: int
    community_posts: int
    seconds: float


async def import_posts(
    *,
    session: aiohttp.ClientSession,
    feed_url: str,
    tokens: Tokens,
    organisation: Organisation,
    config: GatewayBenchConfig,
    progress: ProjectionProgress,
    report: Report,
) -> ImportResult:
    """Import ``config.posts`` posts (two in three in the community) dated over the last 30
    days, then wait until the feed's projection has put them in the timelines."""
    rng = random.Random(config.seed + 1)
    maker = PostMaker(organisation, rng)
    now = datetime.now(UTC)
    specs = [maker.any_post() for _ in range(config.posts)]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(len(specs)):
        queue.put_nowait(number)
    loop = asyncio.get_running_loop()
    started = loop.time()

    async def importer() -> None:
        while not queue.empty():
            number = queue.get_nowait()
            spec = specs[number]
            published = now - IMPORT_SPAN * (1 - number / len(specs)) - timedelta(minutes=1)
            body = {
                **spec.request_body(),
                "author_id": spec.author_id,
                "published_at": published.isoformat(),
            }
            headers = {**tokens.importer, "Idempotency-Key": f"bench-import-{number}"}
            async with session.post(
                f"{feed_url}/imports/posts", json=body, headers=headers
            ) as response:
                if response.status != 201:
                    text = await response.text()
                    raise RuntimeError(f"import refused ({response.status}): {text[:300]}")

    await asyncio.gather(*(importer() for _ in range(config.import_concurrency)))
    report(f"{len(specs)} posts imported; waiting for the feed's projection to fan them out")
    await progress.wait_caught_up(what="imported posts", stall_seconds=config.stall_seconds)
    return ImportResult(
        posts=len(specs),
        community_posts=sum(1 for spec in specs if spec.place_kind == "community"),
        seconds=loop.time() - started,
    )


def idempotency_key() -> str:
    """A fresh ``Idempotency-Key``, as a client sends with each new command."""
    return uuid.uuid4().hex
