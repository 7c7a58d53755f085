"""Taking part in a post's conversation, moderating it, and the caller's inbox, through HTTP."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from agora.testing.identity import TestIdentityProvider
from tests.feed.commands_support import (
    PROFILE,
    community,
    place,
    problem_type,
    publish,
    stored,
    stored_outcomes,
)
from tests.feed.harness import FeedApi, MovableClock, Organisation, new_id

pytestmark = pytest.mark.integration


async def comment(api: FeedApi, post_id: str, person: str, **fields: Any) -> str:
    body = {"text": "Voici ma réponse", **fields}
    response = await api.call("POST", f"/posts/{post_id}/comments", person=person, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def outcome(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(response.json()["outcome"])


# --- comments ----------------------------------------------------------------------------------


async def test_comments_and_one_level_of_replies(api: FeedApi) -> None:
    author, reader = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)

    added = await api.call(
        "POST",
        f"/posts/{post_id}/comments",
        person=reader,
        json={"text": "Voir https://docs.example.com/tls", "mentions": [author, author]},
    )
    comment_id = added.json()["id"]
    reply = await comment(api, post_id, author, parent_comment_id=comment_id)
    too_deep = await api.call(
        "POST",
        f"/posts/{post_id}/comments",
        person=reader,
        json={"text": "Deeper", "parent_comment_id": reply},
    )
    too_long = await api.call(
        "POST", f"/posts/{post_id}/comments", person=reader, json={"text": "x" * 5001}
    )

    assert added.status_code == 201, added.text
    assert added.json() == {"id": comment_id, "post_id": post_id, "version": 2}
    assert added.headers["Location"] == f"/posts/{post_id}/comments/{comment_id}"
    assert (too_deep.status_code, problem_type(too_deep)) == (422, "invalid-comment")
    assert (too_long.status_code, problem_type(too_long)) == (422, "validation-failed")
    events = await stored(api, post_id)
    assert events[1].data["content"] == {
        "text": "Voir https://docs.example.com/tls",
        "mentions": [author],
        "links": ["https://docs.example.com/tls"],
    }
    assert events[2].data["parent_comment_id"] == comment_id


async def test_only_a_comments_author_edits_or_deletes_it(api: FeedApi) -> None:
    author, reader = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)
    comment_id = await comment(api, post_id, reader)
    path = f"/posts/{post_id}/comments/{comment_id}"

    by_post_author = await api.call("PATCH", path, person=author, json={"text": "Censored"})
    edited = await api.call("PATCH", path, person=reader, json={"text": "Mieux dit"})
    unchanged = await api.call("PATCH", path, person=reader, json={"text": "Mieux dit"})
    deleted = await api.call("DELETE", path, person=reader)
    again = await api.call("DELETE", path, person=reader)

    assert (by_post_author.status_code, problem_type(by_post_author)) == (403, "not-allowed")
    assert outcome(edited) == "comment_edited"
    assert outcome(unchanged) == "unchanged"
    assert outcome(deleted) == "comment_deleted"
    assert (again.status_code, problem_type(again)) == (404, "comment-not-found")


# --- moderation --------------------------------------------------------------------------------


async def test_managers_hide_and_restore_posts_and_comments(
    api: FeedApi, org: Organisation
) -> None:
    owner, manager, author, reader = new_id(), new_id(), new_id(), new_id()
    community_id = await community(api, org, owner, members=[author, reader], managers=[manager])
    post_id = await publish(api, author, place(community_id))
    comment_id = await comment(api, post_id, reader)

    by_member = await api.call(
        "POST", f"/posts/{post_id}:hide", person=reader, json={"reason": "I disagree"}
    )
    no_reason = await api.call("POST", f"/posts/{post_id}:hide", person=manager, json={})
    hidden = await api.call(
        "POST", f"/posts/{post_id}:hide", person=manager, json={"reason": "Hors charte"}
    )
    hidden_again = await api.call(
        "POST", f"/posts/{post_id}:hide", person=manager, json={"reason": "Still"}
    )
    reader_reacts = await api.call(
        "PUT", f"/posts/{post_id}/reactions/me", person=reader, json={"reaction": "like"}
    )
    author_comments = await api.call(
        "POST", f"/posts/{post_id}/comments", person=author, json={"text": "Pourquoi ?"}
    )
    author_edits = await api.call(
        "PATCH", f"/posts/{post_id}", person=author, json={"text": "Version corrigée"}
    )
    restored = await api.call("POST", f"/posts/{post_id}:restore", person=manager)
    reader_reacts_again = await api.call(
        "PUT", f"/posts/{post_id}/reactions/me", person=reader, json={"reaction": "like"}
    )
    comment_hidden = await api.call(
        "POST",
        f"/posts/{post_id}/comments/{comment_id}:hide",
        person=owner,
        json={"reason": "Propos déplacés"},
    )
    react_hidden_comment = await api.call(
        "PUT",
        f"/posts/{post_id}/comments/{comment_id}/reactions/me",
        person=author,
        json={"reaction": "like"},
    )
    comment_restored = await api.call(
        "POST", f"/posts/{post_id}/comments/{comment_id}:restore", person=manager
    )

    assert (by_member.status_code, problem_type(by_member)) == (403, "not-allowed")
    assert (no_reason.status_code, problem_type(no_reason)) == (422, "validation-failed")
    assert outcome(hidden) == "post_hidden"
    assert outcome(hidden_again) == "unchanged"
    assert (reader_reacts.status_code, problem_type(reader_reacts)) == (404, "post-not-found")
    assert (author_comments.status_code, problem_type(author_comments)) == (409, "post-hidden")
    assert outcome(author_edits) == "post_edited"
    assert outcome(restored) == "post_restored"
    assert outcome(reader_reacts_again) == "reaction_set"
    assert outcome(comment_hidden) == "comment_hidden"
    assert (react_hidden_comment.status_code, problem_type(react_hidden_comment)) == (
        409,
        "comment-hidden",
    )
    assert outcome(comment_restored) == "comment_restored"
    hide_event = (await stored(api, post_id))[2].data
    assert hide_event == {"moderator_id": manager, "reason": "Hors charte"}


async def test_platform_admins_moderate_profile_posts(
    api: FeedApi, identity: TestIdentityProvider
) -> None:
    author, admin = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)

    by_anyone = await api.call(
        "POST", f"/posts/{post_id}:hide", person=new_id(), json={"reason": "Spam"}
    )
    by_admin = await api.client.post(
        f"/posts/{post_id}:hide",
        json={"reason": "Spam"},
        headers=identity.headers(admin, roles=("platform-admin",)),
    )

    assert (by_anyone.status_code, problem_type(by_anyone)) == (403, "not-allowed")
    assert outcome(by_admin) == "post_hidden"


async def test_reporting_twice_answers_the_first_report(api: FeedApi, org: Organisation) -> None:
    owner, member, stranger = new_id(), new_id(), new_id()
    community_id = await community(api, org, owner, visibility="closed", members=[member])
    post_id = await publish(api, owner, place(community_id))
    comment_id = await comment(api, post_id, owner)

    first = await api.call(
        "POST", f"/posts/{post_id}/reports", person=member, json={"reason": "Données client"}
    )
    second = await api.call(
        "POST", f"/posts/{post_id}/reports", person=member, json={"reason": "Encore"}
    )
    on_comment = await api.call(
        "POST",
        f"/posts/{post_id}/comments/{comment_id}/reports",
        person=member,
        json={"reason": "Insultant"},
    )
    outsider = await api.call(
        "POST", f"/posts/{post_id}/reports", person=stranger, json={"reason": "Curious"}
    )

    assert first.status_code == 201, first.text
    assert second.status_code == 200, second.text
    assert second.json() == first.json()
    assert first.headers["Location"] == second.headers["Location"]
    assert on_comment.status_code == 201
    assert on_comment.json()["id"] != first.json()["id"]
    assert (outsider.status_code, problem_type(outsider)) == (404, "post-not-found")
    assert await stored_outcomes(api, post_id) == [
        "post_published",
        "comment_added",
        "post_reported",
        "post_reported",
    ]


# --- reactions, subscriptions ------------------------------------------------------------------


async def test_reactions_are_set_changed_and_removed_once(api: FeedApi) -> None:
    author, reader = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)
    comment_id = await comment(api, post_id, author)
    mine = f"/posts/{post_id}/reactions/me"
    on_comment = f"/posts/{post_id}/comments/{comment_id}/reactions/me"

    answers = [
        await api.call("PUT", mine, person=reader, json={"reaction": "like"}),
        await api.call("PUT", mine, person=reader, json={"reaction": "like"}),
        await api.call("PUT", mine, person=reader, json={"reaction": "celebrate"}),
        await api.call("DELETE", mine, person=reader),
        await api.call("DELETE", mine, person=reader),
        await api.call("PUT", on_comment, person=reader, json={"reaction": "insightful"}),
        await api.call("DELETE", on_comment, person=reader),
    ]
    unknown = await api.call("PUT", mine, person=reader, json={"reaction": "love"})

    assert [outcome(answer) for answer in answers] == [
        "reaction_set",
        "unchanged",
        "reaction_set",
        "reaction_removed",
        "unchanged",
        "reaction_set",
        "reaction_removed",
    ]
    assert [answer.json()["version"] for answer in answers] == [3, 3, 4, 5, 5, 6, 7]
    assert unknown.status_code == 422


async def test_subscriptions_change_only_when_they_differ(api: FeedApi) -> None:
    author, reader = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)
    path = f"/posts/{post_id}/subscription"

    answers = [
        await api.call("PUT", path, person=author),
        await api.call("DELETE", path, person=author),
        await api.call("PUT", path, person=reader),
        await api.call("PUT", path, person=reader),
        await api.call("DELETE", path, person=reader),
    ]

    assert [outcome(answer) for answer in answers] == [
        "unchanged",
        "post_unsubscribed",
        "post_subscribed",
        "unchanged",
        "post_unsubscribed",
    ]


# --- accepted answers --------------------------------------------------------------------------


async def test_the_asker_or_a_manager_accepts_changes_and_withdraws_an_answer(
    api: FeedApi, org: Organisation
) -> None:
    owner, manager, asker, helper = new_id(), new_id(), new_id(), new_id()
    community_id = await community(api, org, owner, members=[asker, helper], managers=[manager])
    question = await publish(api, asker, place(community_id), kind="question")
    first = await comment(api, question, helper)
    second = await comment(api, question, manager)
    answer = f"/posts/{question}/accepted-answer"

    by_helper = await api.call("PUT", answer, person=helper, json={"comment_id": first})
    accepted = await api.call("PUT", answer, person=asker, json={"comment_id": first})
    same = await api.call("PUT", answer, person=asker, json={"comment_id": first})
    changed = await api.call("PUT", answer, person=manager, json={"comment_id": second})
    unknown = await api.call("PUT", answer, person=asker, json={"comment_id": "nope"})
    withdrawn = await api.call("DELETE", answer, person=asker)
    withdrawn_again = await api.call("DELETE", answer, person=asker)
    reaccepted = await api.call("PUT", answer, person=asker, json={"comment_id": first})
    deleted = await api.call("DELETE", f"/posts/{question}/comments/{first}", person=helper)

    assert (by_helper.status_code, problem_type(by_helper)) == (403, "not-allowed")
    assert outcome(accepted) == "answer_accepted"
    assert outcome(same) == "unchanged"
    assert outcome(changed) == "answer_accepted"
    assert (unknown.status_code, problem_type(unknown)) == (404, "comment-not-found")
    assert outcome(withdrawn) == "answer_unaccepted"
    assert outcome(withdrawn_again) == "unchanged"
    assert outcome(reaccepted) == "answer_accepted"
    assert outcome(deleted) == "comment_deleted"
    events = await stored(api, question)
    accepted_events = [e.data for e in events if e.type.endswith("answer_accepted")]
    assert accepted_events[0] == {
        "comment_id": first,
        "answer_author_id": helper,
        "accepted_by": asker,
    }
    assert accepted_events[1]["comment_id"] == second
    assert [e.type.rsplit(".", 1)[-1] for e in events[-2:]] == [
        "answer_unaccepted",
        "comment_deleted",
    ]


async def test_only_questions_have_an_accepted_answer(api: FeedApi) -> None:
    author = new_id()
    post_id = await publish(api, author, PROFILE)
    comment_id = await comment(api, post_id, new_id())

    response = await api.call(
        "PUT", f"/posts/{post_id}/accepted-answer", person=author, json={"comment_id": comment_id}
    )

    assert (response.status_code, problem_type(response)) == (409, "not-a-question")


# --- polls -------------------------------------------------------------------------------------


async def test_votes_change_until_the_poll_closes(api: FeedApi, clock: MovableClock) -> None:
    author, voter = new_id(), new_id()
    closes_at = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    post_id = await publish(
        api,
        author,
        PROFILE,
        kind="poll",
        text="Quel jour pour le meetup ?",
        poll={"options": ["Mardi", "Jeudi"], "closes_at": closes_at},
    )
    vote = f"/posts/{post_id}/votes/me"

    voted = await api.call("PUT", vote, person=voter, json={"option_id": "o1"})
    same = await api.call("PUT", vote, person=voter, json={"option_id": "o1"})
    changed = await api.call("PUT", vote, person=voter, json={"option_id": "o2"})
    unknown = await api.call("PUT", vote, person=voter, json={"option_id": "o3"})
    clock.offset = timedelta(hours=3)
    try:
        closed = await api.call("PUT", vote, person=voter, json={"option_id": "o1"})
    finally:
        clock.offset = timedelta()
    not_a_poll = await api.call(
        "PUT",
        f"/posts/{await publish(api, author, PROFILE)}/votes/me",
        person=voter,
        json={"option_id": "o1"},
    )

    assert outcome(voted) == "poll_voted"
    assert outcome(same) == "unchanged"
    assert outcome(changed) == "poll_voted"
    assert (unknown.status_code, problem_type(unknown)) == (422, "unknown-poll-option")
    assert (closed.status_code, problem_type(closed)) == (409, "poll-closed")
    assert (not_a_poll.status_code, problem_type(not_a_poll)) == (409, "not-a-poll")
    options = (await stored(api, post_id))[0].data["poll"]["options"]
    assert options == [{"option_id": "o1", "label": "Mardi"}, {"option_id": "o2", "label": "Jeudi"}]


# --- the caller's inbox ------------------------------------------------------------------------


async def test_notification_preferences_are_stored_when_they_change(api: FeedApi) -> None:
    person = f"{new_id()}.martin@example.com"
    path = "/me/notification-preferences"

    first = await api.call("PUT", path, person=person, json={"disabled_kinds": ["reaction"]})
    same = await api.call("PUT", path, person=person, json={"disabled_kinds": ["reaction"]})
    unknown = await api.call("PUT", path, person=person, json={"disabled_kinds": ["gossip"]})

    assert first.json() == {"id": person, "version": 1, "outcome": "notification_preferences_set"}
    assert same.json() == {"id": person, "version": 1, "outcome": "unchanged"}
    assert unknown.status_code == 422


async def test_muting_knows_only_visible_communities(api: FeedApi, org: Organisation) -> None:
    owner, person = new_id(), new_id()
    visible = await community(api, org, owner, visibility="closed")
    secret = await community(api, org, owner, visibility="secret")

    muted = await api.call("PUT", f"/me/muted-communities/{visible}", person=person)
    again = await api.call("PUT", f"/me/muted-communities/{visible}", person=person)
    hidden = await api.call("PUT", f"/me/muted-communities/{secret}", person=person)
    missing = await api.call("PUT", f"/me/muted-communities/{uuid.uuid4().hex}", person=person)
    unmuted = await api.call("DELETE", f"/me/muted-communities/{visible}", person=person)
    unmuted_again = await api.call("DELETE", f"/me/muted-communities/{visible}", person=person)

    assert outcome(muted) == "community_muted"
    assert outcome(again) == "unchanged"
    assert (hidden.status_code, problem_type(hidden)) == (404, "community-not-found")
    assert (missing.status_code, problem_type(missing)) == (404, "community-not-found")
    assert outcome(unmuted) == "community_unmuted"
    assert outcome(unmuted_again) == "unchanged"


async def test_read_marks_name_notifications_or_a_time(api: FeedApi) -> None:
    person = new_id()
    path = "/me/notifications/read"

    by_ids = await api.call("POST", path, person=person, json={"notification_ids": ["n1", "n2"]})
    by_time = await api.call("POST", path, person=person, json={"up_to": "2026-01-01T00:00:00Z"})
    both = await api.call(
        "POST",
        path,
        person=person,
        json={"notification_ids": ["n1"], "up_to": "2026-01-01T00:00:00Z"},
    )
    neither = await api.call("POST", path, person=person, json={})
    too_many = await api.call(
        "POST", path, person=person, json={"notification_ids": [f"n{i}" for i in range(201)]}
    )

    assert outcome(by_ids) == "notifications_read"
    assert by_time.json()["version"] == 2
    assert [r.status_code for r in (both, neither, too_many)] == [422, 422, 422]
