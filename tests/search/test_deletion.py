"""Deleted, hidden and erased content leaves the index, and redelivery cannot bring it back."""

import uuid
from typing import Any

import pytest

from agora.eventsourcing import EventEnvelope
from agora.feed.domain import events as feed_events
from tests.search.harness import Organisation, SearchApi
from tests.search.kafka import read_topic

pytestmark = pytest.mark.integration


def marker() -> str:
    return f"m{uuid.uuid4().hex[:8]}"


async def test_a_deleted_post_leaves_the_index_and_a_redelivery_does_not_restore_it(
    api: SearchApi, org: Organisation
) -> None:
    mark = marker()
    author = await org.person()
    post = await org.post(author, f"{mark} à supprimer")
    await api.settled()
    assert (await api.ok("/posts", person=author, q=mark))["total"] == 1

    await org.post_events(post, feed_events.PostDeleted(), actor=author)
    await api.settled()
    assert (await api.ok("/posts", person=author, q=mark))["total"] == 0
    document = (await api.documents("posts"))[post]
    assert document["source"]["state"] == "deleted"
    assert "text" not in document["source"]

    # The publication is delivered again, long after the deletion: the tombstone's version
    # refuses it.
    await org.send(org.settings.feed_topic, await _first_envelope(org, post))
    await api.settled()
    assert (await api.ok("/posts", person=author, q=mark))["total"] == 0
    assert (await api.documents("posts"))[post] == document


async def test_a_hidden_post_disappears_until_it_is_restored(
    api: SearchApi, org: Organisation
) -> None:
    mark = marker()
    author = await org.person()
    post = await org.post(author, f"{mark} contenu modéré")
    await org.post_events(post, feed_events.PostHidden(moderator_id=author, reason="spam"))
    await api.settled()
    assert (await api.ok("/posts", person=author, q=mark))["total"] == 0

    await org.post_events(post, feed_events.PostRestored(moderator_id=author))
    await api.settled()
    assert [r["post_id"] for r in (await api.ok("/posts", person=author, q=mark))["results"]] == [
        post
    ]


async def test_deleted_and_hidden_answers_stop_counting_as_evidence(
    api: SearchApi, org: Organisation
) -> None:
    mark = marker()
    asker = await org.person()
    answerer = await org.person()
    question = await org.answered_question(asker, answerer, mark)
    second = await org.post(asker, f"Encore {mark}", kind="question", tags=[mark])
    hidden = await org.comment(second, answerer, f"réponse cachée {mark}")
    await api.settled()
    page = await api.ok("/experts", person=asker, skills=mark)
    assert page["results"][0]["evidence"][0]["answers"] == 2
    found = await api.ok("/posts", person=asker, q=f"cachée {mark}")
    assert [r["post_id"] for r in found["results"]] == [second]
    assert found["results"][0]["comment_highlights"][0]["comment_id"] == hidden

    answer = _accepted(await api.documents("posts"), question)
    await org.post_events(question, feed_events.AnswerUnaccepted(comment_id=answer, by=asker))
    await org.post_events(
        second,
        feed_events.CommentHidden(comment_id=hidden, moderator_id=asker, reason="hors sujet"),
    )
    await api.settled()
    page = await api.ok("/experts", person=asker, skills=mark)
    assert page["results"][0]["evidence"] == [
        {"topic": mark, "accepted_answers": 0, "answers": 1, "praise": 0, "posts": 0}
    ]
    assert (await api.ok("/posts", person=asker, q=f"cachée {mark}"))["total"] == 0

    await org.post_events(question, feed_events.CommentDeleted(comment_id=answer))
    await api.settled()
    assert (await api.ok("/experts", person=asker, skills=mark))["total"] == 0


async def test_an_erased_person_is_unfindable(api: SearchApi, org: Organisation) -> None:
    mark = marker()
    name = f"Jean {mark}"
    colleague = await org.person(skills={mark: 1})
    erased = await org.person(name, skills={mark: 4}, help_topics=[mark])
    community = await org.community(colleague, members=[erased])
    post = await org.post(erased, f"{mark} mon dernier message", community=community)
    await org.answered_question(colleague, erased, mark)
    await api.settled()
    assert (await api.ok("/experts", person=colleague, skills=mark))["total"] == 2

    await org.erase(erased)
    await api.settled()

    assert [
        r["person"]["person_id"]
        for r in (await api.ok("/experts", person=colleague, skills=mark))["results"]
    ] == [colleague]
    assert (await api.ok("/experts", person=colleague, q=name))["total"] <= 1
    assert (await api.ok("/autocomplete", person=colleague, q=name))["people"] == []
    suggestions = await api.ok("/suggestions/people", person=colleague, limit=50)
    assert erased not in {s["person"]["person_id"] for s in suggestions["results"]}
    document = (await api.documents("people"))[erased]["source"]
    assert document == {"person_id": erased, "erased": True, "active": False, "searchable": False}
    # Their posts stay, without their name.
    (result,) = (await api.ok("/posts", person=colleague, q=mark, author=erased))["results"]
    assert result["post_id"] == post
    assert result["author"] == {
        "person_id": erased,
        "display_name": None,
        "job_title": None,
        "department": None,
        "location": None,
        "photo_url": None,
    }

    # An older card delivered again does not bring the name back.
    await org.send(org.settings.profile_cards_topic, await _first_card(org, erased), key=erased)
    await api.settled()
    assert (await api.documents("people"))[erased]["source"] == document


def _accepted(documents: dict[str, dict[str, Any]], post_id: str) -> str:
    comments = documents[post_id]["source"]["comments"]
    return str(next(c["comment_id"] for c in comments if c["accepted"]))


async def _first_envelope(org: Organisation, post_id: str) -> EventEnvelope:
    envelopes = await read_topic(org.settings.kafka_bootstrap_servers, org.settings.feed_topic)
    return next(e for e in envelopes if e.streamid == f"post-{post_id}")


async def _first_card(org: Organisation, person_id: str) -> EventEnvelope:
    envelopes = await read_topic(
        org.settings.kafka_bootstrap_servers, org.settings.profile_cards_topic
    )
    return next(e for e in envelopes if e.data.get("person_id") == person_id)
