"""Importing posts and comments of another network with their authors and original times.

Through HTTP against the real stack: only platform administrators import, the author must be
allowed to publish as for a post of their own, and the original time is what timelines, the
post's view and notifications show, in order.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from agora.testing.identity import TestIdentityProvider
from tests.feed.commands_support import PROFILE, community, place, problem_type, stored
from tests.feed.harness import FeedApi, Organisation, new_id
from tests.feed.reading import page, publish, read_post

pytestmark = pytest.mark.integration

IMPORTER = "migration-bot"


def days_ago(days: float) -> datetime:
    """A past time, to the second (as an importer would send it)."""
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """A time as the API writes it."""
    return moment.isoformat().replace("+00:00", "Z")


class Importer:
    """Sends imports as a platform administrator (or, to be refused, as someone else)."""

    def __init__(self, api: FeedApi, identity: TestIdentityProvider) -> None:
        self.api = api
        self.identity = identity

    async def send(
        self,
        path: str,
        body: dict[str, Any],
        *,
        person: str = IMPORTER,
        roles: tuple[str, ...] = ("platform-admin",),
        key: str | None = None,
    ) -> httpx.Response:
        headers = self.identity.headers(person, roles=roles)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.api.client.post(path, json=body, headers=headers)

    async def post(self, author: str, where: dict[str, Any], at: datetime, **fields: Any) -> str:
        body = {"place": where, "text": "Bonjour à tous", **fields}
        response = await self.send(
            "/imports/posts", body | {"author_id": author, "published_at": iso(at)}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def comment(
        self, author: str, post_id: str, at: datetime, *, key: str | None = None
    ) -> httpx.Response:
        body = {"text": "Bien reçu, merci !", "author_id": author, "published_at": iso(at)}
        return await self.send(f"/imports/posts/{post_id}/comments", body, key=key)


@pytest.fixture
def importer(api: FeedApi, identity: TestIdentityProvider) -> Importer:
    return Importer(api, identity)


async def test_only_platform_administrators_import(importer: Importer) -> None:
    author = new_id()
    body = {"place": PROFILE, "text": "Old news", "author_id": author}
    body["published_at"] = iso(days_ago(3))

    as_author = await importer.send("/imports/posts", body, person=author, roles=())
    as_employee = await importer.send("/imports/posts", body, roles=())
    as_admin = await importer.send("/imports/posts", body)

    assert as_author.status_code == as_employee.status_code == 403, as_employee.text
    assert problem_type(as_employee) == "not-allowed"
    assert as_admin.status_code == 201, as_admin.text
    post_id = as_admin.json()["id"]
    comment = {"text": "Old reply", "author_id": new_id(), "published_at": iso(days_ago(2))}
    refused = await importer.send(f"/imports/posts/{post_id}/comments", comment, roles=())
    assert refused.status_code == 403, refused.text
    events = await stored(importer.api, post_id)
    assert [event.type for event in events] == ["agora.feed.post_published"]
    assert events[0].actor == IMPORTER
    assert events[0].data["author_id"] == author
    assert events[0].data["published_at"] == body["published_at"]


async def test_the_author_must_be_allowed_to_publish_it(
    importer: Importer, api: FeedApi, org: Organisation
) -> None:
    owner, member, outsider = new_id(), new_id(), new_id()
    closed = await community(api, org, owner, visibility="closed", members=[member])
    at = iso(days_ago(5))

    def body(author: str, where: dict[str, Any]) -> dict[str, Any]:
        return {"place": where, "text": "Ancien message", "author_id": author, "published_at": at}

    outsider_post = await importer.send("/imports/posts", body(outsider, place(closed)))
    other_profile = await importer.send(
        "/imports/posts", body(member, {"kind": "profile", "id": owner})
    )
    member_post = await importer.send("/imports/posts", body(member, place(closed)))

    assert outsider_post.status_code == 403, outsider_post.text
    assert problem_type(outsider_post) == "not-a-member"
    assert other_profile.status_code == 403, other_profile.text
    assert member_post.status_code == 201, member_post.text
    outsider_comment = await importer.comment(outsider, member_post.json()["id"], days_ago(4))
    assert outsider_comment.status_code == 404, outsider_comment.text


async def test_the_time_must_be_past_after_2000_and_not_before_the_post(
    importer: Importer,
) -> None:
    body = {"place": PROFILE, "text": "When?", "author_id": new_id()}

    answers = [
        await importer.send("/imports/posts", body | {"published_at": iso(days_ago(-1))}),
        await importer.send("/imports/posts", body | {"published_at": "1999-12-31T23:59:59Z"}),
        await importer.send("/imports/posts", body | {"published_at": "2026-01-01T10:00:00"}),
        await importer.send("/imports/posts", body),
    ]

    assert [answer.status_code for answer in answers] == [422, 422, 422, 422]
    assert problem_type(answers[0]) == "invalid-post"
    assert problem_type(answers[1]) == "invalid-post"
    post_id = await importer.post(new_id(), PROFILE, days_ago(3))
    before_the_post = await importer.comment(new_id(), post_id, days_ago(4))
    assert before_the_post.status_code == 422, before_the_post.text
    assert problem_type(before_the_post) == "invalid-comment"


async def test_a_work_item_post_becomes_the_items_conversation(
    importer: Importer, api: FeedApi, org: Organisation
) -> None:
    owner = new_id()
    team = await community(api, org, owner)
    work_item = {"system": "tickets", "item_id": "OPS-1234", "title": "Rotate certificates"}

    post_id = await importer.post(owner, place(team), days_ago(6), work_item=work_item)
    opened_again = await importer.send(
        "/imports/posts",
        {"place": place(team), "text": "Again", "work_item": work_item, "author_id": owner}
        | {"published_at": iso(days_ago(5))},
    )
    found = await api.call(
        "PUT",
        f"/communities/{team}/work-items/tickets/OPS-1234",
        person=owner,
        json={"text": "Let's talk here"},
    )

    assert opened_again.status_code == 409, opened_again.text
    assert found.status_code == 200, found.text
    assert found.json()["id"] == post_id


async def test_imported_times_order_timelines_views_and_notifications(
    importer: Importer, api: FeedApi, org: Organisation
) -> None:
    author, reader, commenter = [await org.person(n) for n in ("Zoë", "Élodie", "François")]
    team = await community(api, org, author, members=[reader, commenter])
    oldest, middle, newest, commented = days_ago(30), days_ago(10), days_ago(2), days_ago(29)

    first = await importer.post(author, place(team), oldest, text="Il y a un mois")
    last = await importer.post(author, place(team), newest, text="Avant-hier")
    between = await importer.post(
        author, place(team), middle, text="La semaine dernière @Élodie", mentions=[reader]
    )
    live = await publish(api, author, place(team), text="À l'instant")
    reply = await importer.comment(commenter, first, commented, key="import-comment-1")
    retried = await importer.comment(commenter, first, commented, key="import-comment-1")
    await api.settled()

    assert reply.status_code == retried.status_code == 201, reply.text
    assert retried.json() == reply.json()
    for path in ("/me/timeline", f"/communities/{team}/posts"):
        items, _ = await page(api, path, reader)
        assert [item["post_id"] for item in items] == [live, last, between, first], path
        published = {item["post_id"]: item["published_at"] for item in items}
        assert published[first] == iso(oldest)
        assert published[between] == iso(middle)
    conversation = await read_post(api, first, reader)
    assert [(c["author"]["person_id"], c["created_at"]) for c in conversation["comments"]] == [
        (commenter, iso(commented))
    ]
    mentions = [
        item
        for item in (await api.call("GET", "/me/notifications", person=reader)).json()["items"]
        if item["kind"] == "mention"
    ]
    assert [item["created_at"] for item in mentions] == [iso(middle)]
    comments = [
        item
        for item in (await api.call("GET", "/me/notifications", person=author)).json()["items"]
        if item["kind"] == "comment"
    ]
    assert [item["created_at"] for item in comments] == [iso(commented)]


async def test_an_imported_share_keeps_its_time(importer: Importer, api: FeedApi) -> None:
    author, sharer, shared_at = new_id(), new_id(), days_ago(8)
    shared = await importer.post(author, PROFILE, days_ago(10), text="Notre guide d'astreinte")
    body = {"place": PROFILE, "text": "À lire !", "author_id": sharer}

    too_early = await importer.send(
        f"/imports/posts/{shared}/shares", body | {"published_at": iso(days_ago(11))}
    )
    as_employee = await importer.send(
        f"/imports/posts/{shared}/shares", body | {"published_at": iso(shared_at)}, roles=()
    )
    share = await importer.send(
        f"/imports/posts/{shared}/shares", body | {"published_at": iso(shared_at)}
    )
    await api.settled()

    assert too_early.status_code == 422, too_early.text
    assert as_employee.status_code == 403, as_employee.text
    assert share.status_code == 201, share.text
    items, _ = await page(api, f"/people/{sharer}/posts", author)
    assert [(item["post_id"], item["published_at"]) for item in items] == [
        (share.json()["id"], iso(shared_at))
    ]
    assert items[0]["shared_post"]["post_id"] == shared
