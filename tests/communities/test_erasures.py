"""An erased person leaves every community, through the communities' own events.

The erasure arrives as the profiles service publishes it (``person_erased`` on the profiles
topic); the app's erasure follower runs ``erase_person`` on each community its own index lists
the person in (and on any community taking them in afterwards), and the result is read back
through the API and from the communities topic.
"""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from agora.communities.erasures import ERASURE_ACTOR, PERSON_ERASED
from agora.communities.settings import CommunitiesSettings
from agora.eventsourcing import EventEnvelope, ProjectionCatalog
from agora.profiles.domain.events import PersonErased
from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually, read_topic
from tests.support.service_api import projection_committed_to_end
from tests.support.stream_publisher import StreamPublisher

pytestmark = pytest.mark.integration

Document = dict[str, Any]
PROFILES_SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "events" / "profiles.schema.json"


@pytest.fixture
async def profiles(settings: CommunitiesSettings) -> AsyncIterator[StreamPublisher]:
    publisher = StreamPublisher(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="test-profiles"
    )
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()


async def _ok(api: Api, method: str, path: str, caller: str, **body: object) -> None:
    response = await api.call(method, path, person=caller, json=body or None)
    assert response.status_code in (200, 201, 202), response.text


async def _erasures_applied(settings: CommunitiesSettings) -> None:
    """Wait until the erasure follower committed every erasure published so far (it commits
    after its commands were appended)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_url.get_secret_value())
    try:

        async def committed() -> bool:
            return await projection_committed_to_end(
                client[settings.mongo_database],
                bootstrap=settings.kafka_bootstrap_servers,
                projection=settings.erasure_consumer,
                topics=[settings.profiles_topic],
            )

        await eventually(committed)
    finally:
        await client.close()


async def _stored_commits(settings: CommunitiesSettings) -> int:
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_url.get_secret_value())
    try:
        return await client[settings.mongo_database]["event_commits"].count_documents({})
    finally:
        await client.close()


async def _erasure_events(settings: CommunitiesSettings, expected: int) -> list[EventEnvelope]:
    """The events the erasure follower appended, once ``expected`` of them are published."""
    found: list[EventEnvelope] = []

    async def published() -> bool:
        records = await read_topic(
            settings.kafka_bootstrap_servers, settings.events_topic, expected=1
        )
        envelopes = [EventEnvelope.from_json_bytes(record.value or b"") for record in records]
        found[:] = [envelope for envelope in envelopes if envelope.actor == ERASURE_ACTOR]
        return len(found) >= expected

    await eventually(published)
    return found


def test_the_profiles_service_publishes_the_erasure_this_worker_reads() -> None:
    published = json.loads(PROFILES_SCHEMAS.read_text(encoding="utf-8"))
    assert PersonErased.event_type == PERSON_ERASED
    assert any(key.startswith(f"{PERSON_ERASED}@v") for key in published)


async def test_an_erased_person_leaves_every_community_and_ownership_passes_on(
    api: Api, settings: CommunitiesSettings, profiles: StreamPublisher
) -> None:
    leaving, manager, member = person(), person(), person()
    stranger_owner = person()
    owned = await api.create(leaving)
    await _ok(api, "POST", f"/communities/{owned}/members/me", member)
    await _ok(api, "POST", f"/communities/{owned}/members/me", manager)
    await _ok(api, "PUT", f"/communities/{owned}/members/{manager}/role", leaving, role="manager")
    joined = await api.create(stranger_owner)
    await _ok(api, "POST", f"/communities/{joined}/members/me", leaving)
    requested = await api.create(stranger_owner, visibility="closed")
    await _ok(api, "POST", f"/communities/{requested}/members/me", leaving)
    invited = await api.create(stranger_owner, visibility="secret")
    await _ok(api, "POST", f"/communities/{invited}/invitations", stranger_owner, person_id=leaving)
    await api.wait_for_members(owned, manager, {leaving, manager, member})
    await api.wait_for_members(joined, stranger_owner, {stranger_owner, leaving})

    async def invitation_listed() -> bool:
        answer = await api.call("GET", "/me/invitations", person=leaving)
        return [c["id"] for c in answer.json()["items"]] == [invited]

    await eventually(invitation_listed)

    await profiles.publish(
        settings.profiles_topic, f"profile-{leaving}", [PersonErased()], actor=leaving
    )

    await api.wait_for_members(owned, manager, {manager, member})
    await api.wait_for_members(joined, stranger_owner, {stranger_owner})
    members = await api.call("GET", f"/communities/{owned}/members", person=manager)
    roles = {item["person_id"]: item["role"] for item in members.json()["items"]}
    assert roles == {manager: "owner", member: "member"}
    request = await api.call("GET", f"/communities/{requested}/requests", person=stranger_owner)
    assert request.status_code == 200, request.text
    assert leaving not in {item["person_id"] for item in request.json()["items"]}
    mine = await api.call("GET", "/me/invitations", person=leaving)
    assert mine.json()["items"] == []
    erasures = await _erasure_events(settings, expected=5)
    assert sorted(e.type.rsplit(".", 1)[1] for e in erasures) == [
        "invitation_declined",
        "join_request_rejected",
        "member_removed",
        "member_removed",
        "member_role_changed",
    ]
    ownership = next(e for e in erasures if e.streamid == f"community-{owned}")
    assert ownership.type.endswith("member_role_changed")  # before the owner's removal

    # The same erasure again (a redelivery, or profiles erasing twice) decides nothing new.
    await _erasures_applied(settings)
    stored = await _stored_commits(settings)
    await profiles.publish(
        settings.profiles_topic, f"profile-{leaving}", [PersonErased()], actor=leaving
    )
    await _erasures_applied(settings)
    assert await _stored_commits(settings) == stored


async def _index_document(settings: CommunitiesSettings, person_id: str) -> Document | None:
    """The erasure follower's own index entry for a person."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(settings.mongo_url.get_secret_value())
    try:
        catalog = ProjectionCatalog(database=client[settings.mongo_database])
        index = await catalog.active_collection(settings.erasure_consumer)
        return await index.find_one({"_id": person_id})
    finally:
        await client.close()


async def test_what_the_follower_keeps_about_an_erased_person_is_that_they_were_erased(
    api: Api, settings: CommunitiesSettings, profiles: StreamPublisher
) -> None:
    leaving, owner = person(), person()
    community = await api.create(owner)
    await _ok(api, "POST", f"/communities/{community}/members/me", leaving)

    async def indexed() -> bool:
        found = await _index_document(settings, leaving)
        return found is not None and found.get("communities") == [community]

    await eventually(indexed)
    await profiles.publish(
        settings.profiles_topic, f"profile-{leaving}", [PersonErased()], actor=leaving
    )
    await api.wait_for_members(community, owner, {owner})
    await _erasures_applied(settings)
    assert await _index_document(settings, leaving) == {"_id": leaving, "erased": True}


async def test_a_community_taking_in_an_erased_person_lets_them_go_at_once(
    api: Api, settings: CommunitiesSettings, profiles: StreamPublisher
) -> None:
    """The membership reaches the follower after the erasure (here it is also appended after
    it; a membership appended before but read after is the same case for the follower)."""
    leaving, owner = person(), person()
    secret = await api.create(owner, visibility="secret")
    open_one = await api.create(owner)
    await profiles.publish(
        settings.profiles_topic, f"profile-{leaving}", [PersonErased()], actor=leaving
    )
    await _erasures_applied(settings)

    # Someone invites them; they join with a token the service still accepts (the gateway
    # would refuse it; a service called directly does not know yet).
    await _ok(api, "POST", f"/communities/{secret}/invitations", owner, person_id=leaving)
    await _ok(api, "POST", f"/communities/{open_one}/members/me", leaving)

    await api.wait_for_members(open_one, owner, {owner})

    async def invitation_closed() -> bool:
        answer = await api.call("GET", "/me/invitations", person=leaving)
        items: list[Document] = answer.json()["items"]
        return items == []

    await eventually(invitation_closed)
    streams = {f"community-{secret}", f"community-{open_one}"}
    erasures: list[EventEnvelope] = []

    async def both_answered() -> bool:
        found = await _erasure_events(settings, expected=1)
        erasures[:] = [e for e in found if e.streamid in streams]
        return len(erasures) >= 2

    await eventually(both_answered)
    assert sorted((e.streamid, e.type.rsplit(".", 1)[1]) for e in erasures) == sorted(
        [
            (f"community-{secret}", "invitation_declined"),
            (f"community-{open_one}", "member_removed"),
        ]
    )
    assert await _index_document(settings, leaving) == {"_id": leaving, "erased": True}
