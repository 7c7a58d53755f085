"""Redelivered and replayed events change nothing, and a rebuild fills a new generation that
readers switch to without a gap.

The organisation below publishes every event type search consumes; then every record of every
topic is delivered again (a consumer group replaying from an old offset looks exactly like
this): the side model and every document, with its version, stay as they were.
"""

import asyncio
import uuid
from typing import Any

import pytest

from agora.communities.domain import events as community_events
from agora.eventsourcing import ProjectionCatalog
from agora.feed.domain import events as feed_events
from agora.profiles.domain import events as profile_events
from agora.search.app import elasticsearch_client, search_indices
from agora.search.indexing.projection import SearchProjection
from agora.search.rebuild import rebuild_search
from tests.search.harness import Organisation, SearchApi
from tests.search.kafka import read_records

pytestmark = pytest.mark.integration

Snapshot = dict[str, dict[str, Any]]


async def every_kind_of_event(org: Organisation) -> str:
    """An organisation's life touching every consumed event type; returns a search marker."""
    mark = f"m{uuid.uuid4().hex[:8]}"
    alice = await org.person("Alice", skills={"kubernetes": 3, "go": 2}, interests=["devops"])
    bob = await org.person("Bob", skills={"kubernetes": 1}, help_topics=["cert rotation"])
    carol = await org.person("Carol")
    dave = await org.person("Dave")
    await org.endorse(bob, alice, "kubernetes")
    await org.endorse(carol, alice, "go")
    await org.endorse(alice, bob, "kubernetes")
    await org.profile(alice, profile_events.SkillLevelChanged(skill="kubernetes", level=4))
    await org.profile(alice, profile_events.EndorsementWithdrawn(skill="go", endorser_id=carol))
    await org.profile(bob, profile_events.PersonFollowed(followee_id=alice))
    await org.profile(carol, profile_events.PersonFollowed(followee_id=alice))
    await org.profile(carol, profile_events.PersonUnfollowed(followee_id=alice))
    await org.profile(dave, profile_events.PersonDeactivated(left_on="2026-11-01"))
    open_c = await org.community(alice, members=[bob, carol], name=f"Ouverte {mark}")
    secret = await org.community(alice, visibility="secret", members=[bob], name=f"Secrète {mark}")
    await org.community_events(
        open_c,
        community_events.CommunityRenamed(name=f"Renommée {mark}"),
        community_events.CommunityEdited(description="Réseau", tags=("reseau",), end_date=None),
        community_events.CommunityArchived(reason="owners_decided"),
        community_events.CommunityUnarchived(),
        community_events.MemberLeft(person_id=carol),
        community_events.JoinRequested(person_id=dave),
        community_events.JoinRequestApproved(person_id=dave),
    )
    await org.remove(secret, bob)
    question = await org.post(
        alice, f"{mark} question réseau", community=open_c, kind="question", tags=["kubernetes"]
    )
    answer = await org.comment(question, bob, f"{mark} réponse")
    await org.comment(question, carol, "reply", parent=answer)
    deleted = await org.comment(question, dave, "deleted soon")
    await org.post_events(
        question,
        feed_events.AnswerAccepted(comment_id=answer, answer_author_id=bob, accepted_by=alice),
        feed_events.CommentEdited(comment_id=answer, content=feed_events.Content(text="edited")),
        feed_events.CommentDeleted(comment_id=deleted),
        feed_events.AnswerUnaccepted(comment_id=answer, by=alice),
        feed_events.AnswerAccepted(comment_id=answer, answer_author_id=bob, accepted_by=alice),
    )
    hidden = await org.comment(question, carol, "hidden then restored")
    await org.post_events(
        question,
        feed_events.CommentHidden(comment_id=hidden, moderator_id=alice, reason="r"),
        feed_events.CommentRestored(comment_id=hidden, moderator_id=alice),
    )
    post = await org.post(bob, f"{mark} notes", tags=["go"], community=secret, visibility="secret")
    await org.post_events(
        post,
        feed_events.PostEdited(content=feed_events.Content(text=f"{mark} notes v2"), tags=("go",)),
        feed_events.PostHidden(moderator_id=alice, reason="r"),
        feed_events.PostRestored(moderator_id=alice),
    )
    gone = await org.post(carol, f"{mark} gone")
    await org.post_events(gone, feed_events.PostDeleted())
    await org.post(
        alice,
        "Merci Bob",
        kind="praise",
        praise=feed_events.Praise(person_ids=(bob,), skill="Kubernetes"),
    )
    await org.erase(dave)
    return mark


async def snapshot(api: SearchApi) -> Snapshot:
    """Every side-model record and every document (source and version)."""
    taken: Snapshot = {}
    prefix = f"{api.settings.projection_prefix}_"
    for name in sorted(await api.database.list_collection_names()):
        if name.startswith(prefix):
            taken[name] = {str(d["_id"]): d async for d in api.database[name].find({})}
    for kind in ("people", "posts", "communities"):
        taken[kind] = await api.documents(kind)
    return taken


async def test_every_event_delivered_again_changes_nothing(
    api: SearchApi, org: Organisation
) -> None:
    mark = await every_kind_of_event(org)
    await api.settled()
    before = await snapshot(api)
    assert (await api.ok("/posts", person="anyone", q=mark))["total"] == 1

    for topic, key, envelope in await read_records(
        org.settings.kafka_bootstrap_servers, *api.topics()
    ):
        await org.send(topic, envelope, key=key.decode())
    await api.settled()

    assert await snapshot(api) == before


async def test_a_rebuild_fills_a_new_generation_then_switches_the_aliases(
    api: SearchApi, org: Organisation
) -> None:
    settings = api.settings
    catalog = ProjectionCatalog(database=api.database)
    generation = await catalog.active_generation(settings.projection_prefix)
    before = {kind: await api.documents(kind) for kind in ("people", "posts", "communities")}
    known = next(
        post_id
        for post_id, document in before["posts"].items()
        if document["source"]["state"] == "visible" and document["source"]["visibility"] == "open"
    )
    elasticsearch = elasticsearch_client(settings)
    try:
        rebuild = asyncio.create_task(
            rebuild_search(
                projection=SearchProjection.from_settings(
                    settings, search_indices(settings, elasticsearch)
                ),
                database=api.database,
                bootstrap_servers=settings.kafka_bootstrap_servers,
            )
        )
        answered = 0
        while not rebuild.done():  # readers are served all along
            page = await api.ok("/posts", person="anyone", limit=50)
            assert known in {r["post_id"] for r in page["results"]}
            answered += 1
            await asyncio.sleep(0.05)
        rebuilt = await rebuild
    finally:
        await elasticsearch.close()
    assert answered > 0

    assert rebuilt == generation + 1
    aliases = await api.elasticsearch.indices.get_alias(name=f"{settings.index_prefix}-*")
    assert {index: list(found["aliases"]) for index, found in aliases.items()} == {
        f"{settings.index_prefix}-{kind}-g{rebuilt}": [f"{settings.index_prefix}-{kind}"]
        for kind in ("people", "posts", "communities")
    }
    for kind, documents in before.items():
        after = await api.documents(kind)
        assert {i: d["source"] for i, d in after.items()} == {
            i: d["source"] for i, d in documents.items()
        }, kind

    # The live indexer follows the new generation: what is published now is found.
    author = await org.person()
    post = await org.post(author, "publié après la reconstruction")
    await api.settled()
    page = await api.ok("/posts", person=author, q="reconstruction")
    assert [r["post_id"] for r in page["results"]] == [post]
    assert post in await api.documents("posts")
