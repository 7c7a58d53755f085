"""Helpers of the feed's command tests: communities the feed knows of, posts, stored events."""

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from agora.eventsourcing import EventEnvelope, MongoEventStore, ProjectionCatalog
from agora.feed.facts import CommunityFacts, FactsQueries
from agora.feed.readmodel import FeedCollections
from agora.servicekit.problems import PROBLEM_MEDIA_TYPE
from tests.feed.harness import FeedApi, Organisation
from tests.support.kafka_reading import eventually

PROFILE = {"kind": "profile"}


def place(community_id: str) -> dict[str, str]:
    """The body of a community place."""
    return {"kind": "community", "id": community_id}


async def known(
    api: FeedApi, community_id: str, check: Callable[[CommunityFacts], bool] = bool
) -> None:
    """Wait until the feed's facts show the community (and pass ``check``)."""
    facts = FactsQueries(
        FeedCollections(
            catalog=ProjectionCatalog(database=api.database),
            projection_name=api.settings.projection_prefix,
        )
    )

    async def ready() -> bool:
        found = await facts.community(community_id)
        return found is not None and check(found)

    await eventually(ready)


async def community(
    api: FeedApi,
    org: Organisation,
    owner: str,
    *,
    members: Sequence[str] = (),
    managers: Sequence[str] = (),
    **fields: Any,
) -> str:
    """A community the feed already knows of, with its members and managers."""
    community_id = await org.community(owner, members=members, managers=managers, **fields)
    await known(
        api,
        community_id,
        lambda facts: (
            {*members, *managers} <= set(facts.members) and set(managers) <= set(facts.managers)
        ),
    )
    return community_id


async def publish(api: FeedApi, person: str, where: dict[str, str], **fields: Any) -> str:
    """Publish a post as ``person``; returns its id."""
    body = {"place": where, "text": "Bonjour à tous", **fields}
    response = await api.call("POST", "/posts", person=person, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def stored(api: FeedApi, post_id: str) -> list[EventEnvelope]:
    """The events stored in the post's stream."""
    return await MongoEventStore(database=api.database, source="/test").load(f"post-{post_id}")


async def stored_outcomes(api: FeedApi, post_id: str) -> list[str]:
    """The short names of the events stored in the post's stream."""
    return [envelope.type.rsplit(".", 1)[-1] for envelope in await stored(api, post_id)]


async def commit_count(api: FeedApi) -> int:
    """How many commits the event store holds."""
    return int(await api.database["event_commits"].count_documents({}))


def problem_type(response: httpx.Response) -> str:
    """The last segment of a problem response's type (after checking its media type)."""
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE), response.text
    return str(response.json()["type"]).rsplit("/", 1)[-1]
