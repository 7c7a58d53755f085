"""Redelivered events change nothing: every topic applied a second time, and crashes mid-way.

The projection applies each event at most once per document (posts: the version applied per
stream; timelines: a delivery record per post and one per membership's late copy, written
last, and entries keyed by timeline, time and post, so appending one again finds it there), so
replaying whole topics leaves every document of the read model exactly as it was.
"""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition

from agora.eventsourcing import EventEnvelope, ProjectionCatalog, ReadModel
from agora.feed.projection import FeedProjection
from agora.feed.readside.pages import append, append_all, close, entry_id, newest_entries
from tests.feed.harness import FeedApi, Organisation
from tests.feed.reading import PROFILE, command, every_id, place, publish

pytestmark = pytest.mark.integration

Document = dict[str, Any]


async def _topic_envelopes(bootstrap: str, topics: list[str]) -> list[EventEnvelope]:
    """Every event of ``topics``, partition by partition, in each partition's order."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in sorted(described, key=lambda t: str(t["topic"]))
        for partition in sorted(topic["partitions"], key=lambda p: int(p["partition"]))
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        envelopes: list[EventEnvelope] = []
        for partition in partitions:
            while await consumer.position(partition) < ends[partition]:
                batch = await consumer.getmany(partition, timeout_ms=1000)
                for record in batch.get(partition, []):
                    envelopes.append(EventEnvelope.from_json_bytes(record.value or b""))
    finally:
        await consumer.stop()
    return envelopes


async def snapshot(api: FeedApi) -> dict[str, dict[str, Document]]:
    """Every document of every collection of the feed's read model."""
    prefix = f"{api.settings.projection_prefix}_"
    documents: dict[str, dict[str, Document]] = {}
    for name in sorted(await api.database.list_collection_names()):
        if name.startswith(prefix):
            found = api.database[name].find({})
            documents[name] = {str(document["_id"]): document async for document in found}
    return documents


def changed_documents(
    before: dict[str, dict[str, Document]], after: dict[str, dict[str, Document]]
) -> list[tuple[str, str, Document | None, Document | None]]:
    """(collection, _id, before, after) of every document that differs: pytest truncates the
    comparison of whole read models to their first keys."""
    return [
        (name, key, before.get(name, {}).get(key), after.get(name, {}).get(key))
        for name in sorted(set(before) | set(after))
        for key in sorted(set(before.get(name, {})) | set(after.get(name, {})))
        if before.get(name, {}).get(key) != after.get(name, {}).get(key)
    ]


async def _every_kind_of_event(api: FeedApi, org: Organisation) -> None:
    """A conversation that stores every event type of the feed, upstream facts around it."""
    owner, member, reader, voter = [await org.person() for _ in range(4)]
    await org.follow(reader, owner)
    await org.expertise(member, skills=["kubernetes"], help_topics=["cert rotation"])
    community = await org.community(owner, visibility="closed", members=[member, reader, voter])
    await api.settled()
    question = await publish(
        api,
        owner,
        place(community),
        kind="question",
        text="How do we do cert rotation on kubernetes?",
        tags=["tls"],
        mentions=[member],
    )
    answer = await command(api, "POST", f"/posts/{question}/comments", member, text="Like so")
    reply = await command(
        api,
        "POST",
        f"/posts/{question}/comments",
        owner,
        text="Thanks",
        parent_comment_id=answer["id"],
    )
    await command(api, "PATCH", f"/posts/{question}/comments/{reply['id']}", owner, text="Merci")
    await command(api, "PATCH", f"/posts/{question}", owner, text="Edited", tags=["tls", "ops"])
    await command(api, "PUT", f"/posts/{question}/reactions/me", reader, reaction="like")
    await command(api, "PUT", f"/posts/{question}/reactions/me", voter, reaction="support")
    await command(api, "DELETE", f"/posts/{question}/reactions/me", voter)
    comment_reaction = f"/posts/{question}/comments/{answer['id']}/reactions/me"
    await command(api, "PUT", comment_reaction, reader, reaction="insightful")
    await command(api, "PUT", comment_reaction, voter, reaction="like")
    await command(api, "DELETE", comment_reaction, voter)
    accepted = f"/posts/{question}/accepted-answer"
    await command(api, "PUT", accepted, owner, comment_id=answer["id"])
    await command(api, "DELETE", accepted, owner)
    await command(api, "PUT", accepted, owner, comment_id=answer["id"])
    await command(api, "PUT", f"/posts/{question}/subscription", reader)
    await command(api, "DELETE", f"/posts/{question}/subscription", member)
    spam = await command(api, "POST", f"/posts/{question}/comments", voter, text="Spam")
    await command(
        api, "POST", f"/posts/{question}/comments/{spam['id']}/reports", reader, reason="Spam"
    )
    await command(api, "POST", f"/posts/{question}/comments/{spam['id']}:hide", owner, reason="x")
    await command(api, "POST", f"/posts/{question}/comments/{spam['id']}:restore", owner)
    await command(api, "DELETE", f"/posts/{question}/comments/{spam['id']}", voter)
    poll = await publish(
        api,
        owner,
        place(community),
        kind="poll",
        text="Quand ?",
        poll={
            "options": ["Lundi", "Mardi"],
            "closes_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
        },
    )
    await command(api, "PUT", f"/posts/{poll}/votes/me", voter, option_id="o1")
    await command(api, "PUT", f"/posts/{poll}/votes/me", voter, option_id="o2")
    await command(api, "POST", f"/posts/{poll}/reports", reader, reason="Hors sujet")
    await command(api, "POST", f"/posts/{poll}:hide", owner, reason="Doublon")
    await command(api, "POST", f"/posts/{poll}:restore", owner)
    praise = await publish(
        api, member, PROFILE, kind="praise", text="Bravo", praise={"person_ids": [owner]}
    )
    shared = await publish(api, reader, PROFILE, text="Original")
    await command(api, "POST", f"/posts/{shared}/shares", member, place=PROFILE, text="Vu")
    await command(api, "DELETE", f"/posts/{praise}", member)
    thread = f"/communities/{community}/work-items/jira/OPS-1"
    await command(api, "PUT", thread, member, text="Le ticket", title="Ticket")
    await command(api, "PUT", "/me/notification-preferences", reader, disabled_kinds=["reaction"])
    await command(api, "PUT", f"/me/muted-communities/{community}", voter)
    await command(api, "DELETE", f"/me/muted-communities/{community}", voter)
    await command(
        api, "POST", "/me/notifications/read", member, up_to=datetime.now(UTC).isoformat()
    )
    for n in range(5):
        await publish(api, reader, PROFILE, text=f"Timeline filler {n}")
    await org.leave(community, voter)
    await api.settled()


async def replay_every_topic(api: FeedApi, *, first: str | None = None) -> list[EventEnvelope]:
    """Apply every event of the feed's topics again, each topic whole, one after the other
    (by name, or ``first`` first), which is not the order they were applied in; then the
    second half once more. Returns the events."""
    settings = api.settings
    topics = [
        settings.communities_topic,
        settings.profiles_topic,
        settings.profile_cards_topic,
        settings.events_topic,
    ]
    bootstrap = settings.kafka_bootstrap_servers
    envelopes = [] if first is None else await _topic_envelopes(bootstrap, [first])
    others = [topic for topic in topics if topic != first]
    envelopes += await _topic_envelopes(bootstrap, others)
    projection = FeedProjection.from_settings(settings)
    catalog = ProjectionCatalog(database=api.database)
    read_model = ReadModel(catalog=catalog, name=projection.name, generation=1)
    for envelope in envelopes:
        await projection.apply(envelope, read_model)
    for envelope in envelopes[len(envelopes) // 2 :]:
        await projection.apply(envelope, read_model)
    return envelopes


async def test_applying_every_topic_again_changes_no_document(
    api: FeedApi, org: Organisation
) -> None:
    await _every_kind_of_event(api, org)
    before = await snapshot(api)

    envelopes = await replay_every_topic(api)

    after = await snapshot(api)
    assert after == before, changed_documents(before, after)
    stored_types = {e.type.rsplit(".", 1)[-1] for e in envelopes if e.type.startswith("agora.f")}
    assert stored_types >= {
        "post_published",
        "post_edited",
        "post_deleted",
        "post_hidden",
        "post_restored",
        "post_reported",
        "comment_added",
        "comment_edited",
        "comment_deleted",
        "comment_hidden",
        "comment_restored",
        "reaction_set",
        "reaction_removed",
        "answer_accepted",
        "answer_unaccepted",
        "poll_voted",
        "post_subscribed",
        "post_unsubscribed",
        "notification_preferences_set",
        "community_muted",
        "community_unmuted",
        "notifications_read",
    }


async def test_a_fan_out_interrupted_by_a_crash_is_completed_without_duplicates(
    api: FeedApi, org: Organisation
) -> None:
    author, follower = await org.person(), await org.person()
    await org.follow(follower, author)
    await api.settled()
    posts = [await publish(api, author, PROFILE, text=f"Post {n}") for n in range(3)]
    await api.settled()
    settings = api.settings
    projection = FeedProjection.from_settings(settings)
    read_model = ReadModel(
        catalog=ProjectionCatalog(database=api.database), name=projection.name, generation=1
    )
    timelines = read_model.collection("timelines")
    envelopes = await _topic_envelopes(settings.kafka_bootstrap_servers, [settings.events_topic])
    published = [e for e in envelopes if e.streamid == f"post-{posts[-1]}"]

    # The fan-out ran, but the crash came before its delivery record was written.
    await timelines.delete_one({"_id": f"~post:{posts[-1]}"})
    profile = await newest_entries(timelines, f"profile:{author}", 10)
    assert [entry["post_id"] for entry in profile] == list(reversed(posts))
    await timelines.delete_one({"_id": entry_id(f"profile:{author}", profile[0])})
    for envelope in published:
        await projection.apply(envelope, read_model)

    newest_first = list(reversed(posts))
    assert await every_id(api, "/me/timeline", follower, limit=2) == newest_first
    assert await every_id(api, f"/people/{author}/posts", follower, limit=2) == newest_first
    assert await timelines.find_one({"_id": f"~post:{posts[-1]}"}) is not None


def _entry(n: int, *, minutes: int | None = None) -> Document:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n if minutes is None else minutes)
    return {"post_id": f"p{n:04d}", "at": at, "community_id": None}


async def _stored_order(timelines: Any, key: str) -> list[str]:
    """The post ids of a timeline in reading order (newest first)."""
    return [entry["post_id"] for entry in await newest_entries(timelines, key, 10_000)]


async def test_appends_replayed_after_crashes_keep_one_entry_each_in_order(api: FeedApi) -> None:
    timelines = api.database[f"append_test_{uuid.uuid4().hex[:8]}"]
    key = "tag:replayed"
    entries = [_entry(n) for n in range(230)]
    late = [entries.pop(n) for n in (110, 97, 40)]
    for entry in entries:
        await append(timelines, key, entry)
    for entry in late:  # applied after newer posts (they came from a slower partition)
        await append(timelines, key, entry)

    expected = [e["post_id"] for e in sorted(entries + late, key=lambda e: e["at"], reverse=True)]
    assert await _stored_order(timelines, key) == expected
    before = [document async for document in timelines.find({})]

    # A fan-out replayed after a crash part-way: some entries stored, the others not yet.
    await timelines.delete_many({"_id": {"$in": [entry_id(key, e) for e in late]}})
    await append_all(timelines, [(key, entry) for entry in [*entries, *late]])
    assert [document async for document in timelines.find({})] == before
    assert await _stored_order(timelines, key) == expected

    # Another timeline whose key starts like this one's stays apart.
    await append(timelines, "tag:replayed2", _entry(5_000))
    assert await _stored_order(timelines, key) == expected
    await timelines.drop()


async def test_a_closed_timeline_is_emptied_and_takes_no_more_entries(api: FeedApi) -> None:
    timelines = api.database[f"append_test_{uuid.uuid4().hex[:8]}"]
    await append_all(timelines, [("home:gone", _entry(n)) for n in range(5)])
    await append(timelines, "home:stays", _entry(1))

    await close(timelines, "home:gone")
    await close(timelines, "home:gone")  # redelivered
    await append_all(timelines, [("home:gone", _entry(9)), ("home:stays", _entry(9))])

    assert await _stored_order(timelines, "home:gone") == []
    assert await _stored_order(timelines, "home:stays") == ["p0009", "p0001"]
    await timelines.drop()


async def _apply_in_order(read_model: ReadModel, envelopes: list[EventEnvelope]) -> None:
    projection = FeedProjection(name=read_model.name, topics=(), large_community_members=100)
    for envelope in envelopes:
        await projection.apply(envelope, read_model)


@pytest.mark.parametrize("leave_applied", ["before the post", "after the post"])
async def test_a_membership_redelivered_after_its_end_copies_nothing(
    api: FeedApi, org: Organisation, leave_applied: str
) -> None:
    """The communities topic is not ordered against the feed's: live, a member's leave can be
    applied before a post written while they were a member. Redelivering the membership later
    (a rebuild, a consumer restart) must not copy that post into their home: the projection
    applies its late-membership copy once per membership."""
    owner, member = await org.person(), await org.person()
    community = await org.community(owner, members=[member])
    await api.settled()
    post = await publish(api, owner, place(community), text="Pendant l'adhésion")
    await org.leave(community, member)
    await api.settled()
    settings = api.settings
    topics = [settings.communities_topic, settings.profile_cards_topic, settings.events_topic]
    envelopes = await _topic_envelopes(settings.kafka_bootstrap_servers, topics)
    streams = {f"community-{community}", f"profile-{owner}", f"profile-{member}"}
    facts = [e for e in envelopes if e.streamid in streams]
    left = [e for e in facts if e.type == "agora.communities.member_left"]
    before_leave = [e for e in facts if e not in left]
    published = [e for e in envelopes if e.streamid == f"post-{post}"]
    assert len(left) == 1
    assert published
    if leave_applied == "before the post":
        live_order = [*before_leave, *left, *published]
    else:
        live_order = [*before_leave, *published, *left]
    name = f"late_membership_{uuid.uuid4().hex[:8]}"
    read_model = ReadModel(
        catalog=ProjectionCatalog(database=api.database), name=name, generation=1
    )
    await _apply_in_order(read_model, live_order)
    timelines = read_model.collection("timelines")
    home = await newest_entries(timelines, f"home:{member}", 10)
    delivered = [entry["post_id"] for entry in home]
    assert delivered == ([] if leave_applied == "before the post" else [post])
    before = [document async for document in timelines.find({})]

    await _apply_in_order(read_model, [*facts, *published, *facts])

    after = [document async for document in timelines.find({})]
    assert after == before
    for collection_name in await api.database.list_collection_names():
        if collection_name.startswith(name):
            await api.database.drop_collection(collection_name)
