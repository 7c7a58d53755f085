"""A post with its conversation, edits, deletion, moderation, polls, shares and work items."""

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.feed.harness import FeedApi, MovableClock, Organisation
from tests.feed.reading import PROFILE, command, ids, place, publish, read_post

pytestmark = pytest.mark.integration

XSS = (
    "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> "
    '[click](javascript:alert(3)) <a href="javascript:alert(4)">x</a> **bold**'
)


def _elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """The elements of an HTML fragment, with their attributes."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(html)
    return found


async def test_a_post_shows_its_conversation(api: FeedApi, org: Organisation) -> None:
    asker = await org.person("Chloé")
    helper = await org.person("Karim")
    community = await org.community(asker, members=[helper], name="Ops")
    await api.settled()
    question = await publish(api, asker, place(community), kind="question", text="Comment ?")
    comment = await command(api, "POST", f"/posts/{question}/comments", helper, text="Ainsi.")
    reply = await command(
        api,
        "POST",
        f"/posts/{question}/comments",
        asker,
        text="Merci @Karim",
        parent_comment_id=comment["id"],
        mentions=[helper],
    )
    path = f"/posts/{question}/comments/{comment['id']}/reactions/me"
    await command(api, "PUT", path, asker, reaction="celebrate")
    await command(api, "PUT", f"/posts/{question}/accepted-answer", asker, comment_id=comment["id"])
    await api.settled()

    response = await api.call("GET", f"/posts/{question}", person=asker)
    post = response.json()

    assert response.headers["ETag"] == '"5"'
    assert post["answered"] is True
    assert post["accepted_comment_id"] == comment["id"]
    assert post["counts"]["comments"] == 2
    assert post["subscribed"] is True
    assert post["reports"] == []  # the asker created the community: they moderate it
    first, second = post["comments"]
    assert first["comment_id"] == comment["id"]
    assert first["author"] == {"person_id": helper, "display_name": "Karim"}
    assert first["accepted"] is True
    assert first["reactions"]["celebrate"] == 1
    assert first["my_reaction"] == "celebrate"
    assert first["html"] == "<p>Ainsi.</p>\n"
    assert second["comment_id"] == reply["id"]
    assert second["parent_comment_id"] == comment["id"]
    assert second["mentions"] == [{"person_id": helper, "display_name": "Karim"}]
    for_helper = await read_post(api, question, helper)
    assert for_helper["comments"][0]["my_reaction"] is None
    assert for_helper["subscribed"] is True
    assert for_helper["reports"] is None


async def test_an_edit_shows_edited_with_history_and_renders_text_inert(
    api: FeedApi, org: Organisation
) -> None:
    author, reader = await org.person(), await org.person()
    await api.settled()
    post = await publish(api, author, PROFILE, text="Première version", tags=["draft"])
    await command(api, "PATCH", f"/posts/{post}", author, text=XSS, tags=["final"])
    await api.settled()

    item = (await api.call("GET", f"/people/{author}/posts", person=reader)).json()["items"][0]
    detail = await read_post(api, post, reader)

    assert item["edited"] is True
    assert item["edited_at"] is not None
    assert item["text"] == XSS
    html = item["html"]
    elements = _elements(html)
    assert {tag for tag, _ in elements} <= {"p", "strong"}
    assert all(not attributes for _, attributes in elements)
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in html
    assert detail["history"] == [
        {
            "text": "Première version",
            "html": "<p>Première version</p>\n",
            "tags": ["draft"],
            "edited_at": None,
        }
    ]
    assert await ids(api, "/tags/final/posts", reader) == [post]
    assert await ids(api, "/tags/draft/posts", reader) == []


async def test_a_deleted_post_disappears_everywhere_with_its_content(
    api: FeedApi, org: Organisation
) -> None:
    author, member, praised = await org.person(), await org.person(), await org.person()
    topic = "deletiontopic"
    await org.expertise(member, skills=[topic])
    community = await org.community(author, members=[member, praised])
    await api.settled()
    question = await publish(
        api, author, place(community), kind="question", text="Secret sauce?", tags=[topic]
    )
    praise = await publish(
        api,
        author,
        place(community),
        kind="praise",
        text="Bravo",
        praise={"person_ids": [praised]},
    )
    await command(api, "POST", f"/posts/{question}/comments", member, text="Un commentaire")
    await api.settled()
    paths = (
        "/me/timeline",
        f"/communities/{community}/posts",
        f"/people/{author}/posts",
        f"/tags/{topic}/posts",
        "/me/questions",
        f"/people/{praised}/praise",
    )
    before = {path: await ids(api, path, member) for path in paths}
    assert question in before["/me/questions"]
    assert praise in before[f"/people/{praised}/praise"]

    await command(api, "DELETE", f"/posts/{question}", author)
    await command(api, "DELETE", f"/posts/{praise}", author)
    await api.settled()

    for path in paths:
        remaining = await ids(api, path, member)
        assert question not in remaining, path
        assert praise not in remaining, path
    for reader in (author, member):
        assert (await api.call("GET", f"/posts/{question}", person=reader)).status_code == 404
    posts = api.database[f"{api.settings.projection_prefix}_posts__g1"]
    tombstone = await posts.find_one({"_id": question})
    assert tombstone is not None
    assert tombstone["deleted"] is True
    assert tombstone["text"] == tombstone["html"] == ""
    assert tombstone["comments"][0]["text"] == ""
    assert "Secret sauce" not in str(tombstone)


async def test_a_hidden_post_leaves_members_and_stays_for_managers_and_its_author(
    api: FeedApi, org: Organisation
) -> None:
    owner, manager, author, member = [await org.person() for _ in range(4)]
    community = await org.community(
        owner, visibility="closed", members=[author, member], managers=[manager]
    )
    await api.settled()
    post = await publish(api, author, place(community), text="Hors charte")
    await command(api, "POST", f"/posts/{post}:hide", manager, reason="Publicité")
    await api.settled()

    assert post not in await ids(api, f"/communities/{community}/posts", member)
    assert post not in await ids(api, "/me/timeline", member)
    assert (await api.call("GET", f"/posts/{post}", person=member)).status_code == 404
    for reader in (manager, owner, author):
        items = (await api.call("GET", f"/communities/{community}/posts", person=reader)).json()
        shown = [item for item in items["items"] if item["post_id"] == post]
        assert shown, reader
        assert shown[0]["hidden"]["reason"] == "Publicité"
        assert shown[0]["hidden"]["moderator_id"] == manager

    await command(api, "POST", f"/posts/{post}:restore", manager)
    await api.settled()

    assert post in await ids(api, f"/communities/{community}/posts", member)
    assert (await read_post(api, post, member))["hidden"] is None


async def test_hidden_comments_and_reports_are_for_moderators(
    api: FeedApi, org: Organisation
) -> None:
    owner, commenter, reader = [await org.person() for _ in range(3)]
    community = await org.community(owner, members=[commenter, reader])
    await api.settled()
    post = await publish(api, owner, place(community), text="Sujet")
    comment = await command(api, "POST", f"/posts/{post}/comments", commenter, text="Spam")
    await command(
        api,
        "POST",
        f"/posts/{post}/comments/{comment['id']}/reports",
        reader,
        reason="C'est du spam",
    )
    await command(api, "POST", f"/posts/{post}/comments/{comment['id']}:hide", owner, reason="Spam")
    await api.settled()

    as_reader = await read_post(api, post, reader)
    as_commenter = await read_post(api, post, commenter)
    as_owner = await read_post(api, post, owner)

    hidden = as_reader["comments"][0]
    assert hidden["hidden"] is True
    assert hidden["text"] is None
    assert hidden["html"] is None
    assert hidden["notice"] == "hidden by a moderator"
    assert hidden["moderation"] is None
    assert as_reader["reports"] is None
    assert as_reader["counts"]["comments"] == 0
    assert as_commenter["comments"][0]["text"] == "Spam"
    assert as_commenter["comments"][0]["moderation"]["reason"] == "Spam"
    assert as_owner["comments"][0]["text"] == "Spam"
    assert [r["reason"] for r in as_owner["reports"]] == ["C'est du spam"]
    assert as_owner["reports"][0]["reporter"]["person_id"] == reader
    assert as_owner["reports"][0]["comment_id"] == comment["id"]


@pytest.mark.parametrize(
    ("results_visibility", "before_vote", "after_vote", "after_closing"),
    [
        ("always", True, True, True),
        ("after_voting", False, True, True),
        ("after_closing", False, False, True),
    ],
)
async def test_poll_results_follow_the_poll_setting(
    api: FeedApi,
    org: Organisation,
    clock: MovableClock,
    results_visibility: str,
    before_vote: bool,
    after_vote: bool,
    after_closing: bool,
) -> None:
    owner, voter = await org.person(), await org.person()
    community = await org.community(owner, members=[voter])
    await api.settled()
    closes_at = clock() + timedelta(hours=1)
    poll = await publish(
        api,
        owner,
        place(community),
        kind="poll",
        text="Quel jour ?",
        poll={
            "options": ["Mardi", "Jeudi"],
            "closes_at": closes_at.isoformat(),
            "results_visibility": results_visibility,
        },
    )
    await api.settled()

    async def shown() -> dict[str, Any]:
        return dict((await read_post(api, poll, voter))["poll"])

    first = await shown()
    assert first["results_visible"] is before_vote
    assert first["my_vote"] is None
    assert [o["label"] for o in first["options"]] == ["Mardi", "Jeudi"]
    await command(api, "PUT", f"/posts/{poll}/votes/me", voter, option_id="o2")
    await api.settled()
    voted = await shown()
    assert voted["results_visible"] is after_vote
    assert voted["my_vote"] == "o2"
    expected_votes = [0, 1] if after_vote else [None, None]
    assert [o["votes"] for o in voted["options"]] == expected_votes
    clock.offset += timedelta(hours=2)
    try:
        closed = await shown()
    finally:
        clock.offset -= timedelta(hours=2)
    assert closed["closed"] is True
    assert closed["results_visible"] is after_closing
    assert closed["total_votes"] == (1 if after_closing else None)
    shown_closing = datetime.fromisoformat(str(closed["closes_at"]))
    assert abs(shown_closing - closes_at.astimezone(UTC)) < timedelta(milliseconds=1)


async def test_a_share_counts_and_embeds_the_shared_post(api: FeedApi, org: Organisation) -> None:
    author, sharer, reader = [await org.person() for _ in range(3)]
    await api.settled()
    original = await publish(api, author, PROFILE, text="À lire")
    shared = await command(
        api, "POST", f"/posts/{original}/shares", sharer, place=PROFILE, text="Très bien"
    )
    await api.settled()

    item = (await api.call("GET", f"/people/{sharer}/posts", person=reader)).json()["items"][0]
    source = await read_post(api, original, reader)

    assert item["post_id"] == shared["id"]
    assert item["shared_post_id"] == original
    assert item["shared_post"]["text"] == "À lire"
    assert item["shared_post"]["author"]["person_id"] == author
    assert source["counts"]["shares"] == 1

    await command(api, "DELETE", f"/posts/{original}", author)
    await api.settled()
    item = (await api.call("GET", f"/people/{sharer}/posts", person=reader)).json()["items"][0]
    assert item["shared_post_id"] == original
    assert item["shared_post"] is None


async def test_a_work_item_thread_is_found_by_its_item(api: FeedApi, org: Organisation) -> None:
    owner, member, outsider = [await org.person() for _ in range(3)]
    community = await org.community(owner, visibility="closed", members=[member])
    await api.settled()
    path = f"/communities/{community}/work-items/github/agora/feed%2342"
    opened = await command(
        api, "PUT", path, owner, text="Discutons-en ici", title="Flaky test", tags=["ci"]
    )
    await api.settled()

    found = await api.call("GET", path, person=member)
    unknown = await api.call(
        "GET", f"/communities/{community}/work-items/github/agora/feed%2343", person=member
    )
    not_member = await api.call("GET", path, person=outsider)

    assert found.status_code == 200, found.text
    assert found.json()["post_id"] == opened["id"]
    assert found.json()["work_item"] == {
        "system": "github",
        "item_id": "agora/feed#42",
        "url": None,
        "title": "Flaky test",
    }
    assert found.headers["ETag"] == '"1"'
    assert unknown.status_code == 404
    assert not_member.status_code == 404
    assert not_member.json()["type"].endswith("/feed/community-not-found")
