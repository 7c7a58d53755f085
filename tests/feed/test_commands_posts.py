"""Publishing, editing, deleting and sharing posts through HTTP, against the real stack."""

import uuid
from typing import Any

import httpx
import pytest

from agora.feed.domain import decisions
from tests.feed.commands_support import (
    PROFILE,
    commit_count,
    community,
    known,
    place,
    problem_type,
    publish,
    stored,
    stored_outcomes,
)
from tests.feed.harness import FeedApi, Organisation, new_id

pytestmark = pytest.mark.integration


async def test_a_request_without_a_token_is_401(api: FeedApi) -> None:
    response = await api.client.post("/posts", json={"place": PROFILE, "text": "Hi"})

    assert response.status_code == 401


async def test_members_publish_in_their_community_and_anyone_on_their_profile(
    api: FeedApi, org: Organisation
) -> None:
    owner, member = new_id(), new_id()
    closed = await community(api, org, owner, visibility="closed", members=[member])

    response = await api.call(
        "POST",
        "/posts",
        person=member,
        json={
            "place": place(closed),
            "kind": "question",
            "text": "Comment migrer vers https://k8s.example.com/1.31 ?",
            "tags": ["#Kubernetes", "kubernetes", "ops"],
            "mentions": [owner, owner],
            "work_item": {"system": "jira", "item_id": "OPS-1"},
        },
    )
    profile_post = await publish(api, new_id(), PROFILE)

    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    assert response.json() == {"id": post_id, "post_id": post_id, "version": 1}
    assert response.headers["Location"] == f"/posts/{post_id}"
    assert response.headers["ETag"] == '"1"'
    data = (await stored(api, post_id))[0].data
    assert data["place"] == {"kind": "community", "id": closed, "visibility": "closed"}
    assert data["tags"] == ["kubernetes", "ops"]
    assert data["content"]["mentions"] == [owner]
    assert data["content"]["links"] == ["https://k8s.example.com/1.31"]
    assert data["author_id"] == member
    assert await stored_outcomes(api, profile_post) == ["post_published"]


async def test_strangers_get_403_in_a_known_community_and_404_in_a_secret_or_unknown_one(
    api: FeedApi, org: Organisation
) -> None:
    owner, stranger = new_id(), new_id()
    open_community = await community(api, org, owner)
    secret = await community(api, org, owner, visibility="secret")

    in_open = await api.call(
        "POST", "/posts", person=stranger, json={"place": place(open_community), "text": "Hi"}
    )
    in_secret = await api.call(
        "POST", "/posts", person=stranger, json={"place": place(secret), "text": "Hi"}
    )
    unknown = await api.call(
        "POST", "/posts", person=stranger, json={"place": place(uuid.uuid4().hex), "text": "Hi"}
    )
    other_profile = await api.call(
        "POST",
        "/posts",
        person=stranger,
        json={"place": {"kind": "profile", "id": owner}, "text": "Hi"},
    )

    assert (in_open.status_code, problem_type(in_open)) == (403, "not-a-member")
    assert (in_secret.status_code, problem_type(in_secret)) == (404, "community-not-found")
    assert (unknown.status_code, problem_type(unknown)) == (404, "community-not-found")
    assert in_secret.json()["detail"] == f"community {secret!r} does not exist"
    assert (other_profile.status_code, problem_type(other_profile)) == (403, "not-allowed")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"place": PROFILE, "text": "Hi", "colour": "red"}, "validation-failed"),
        ({"place": PROFILE, "text": ""}, "validation-failed"),
        ({"place": PROFILE, "text": "   \n "}, "validation-failed"),
        ({"place": PROFILE, "text": "x" * 10_001}, "validation-failed"),
        (
            {"place": PROFILE, "text": "Hi", "tags": [f"t{n}" for n in range(11)]},
            "validation-failed",
        ),
        ({"place": PROFILE, "text": "Hi", "tags": ["!!"]}, "validation-failed"),
        (
            {"place": PROFILE, "text": "Hi", "mentions": [f"p{n}" for n in range(51)]},
            "validation-failed",
        ),
        ({"place": {"kind": "community"}, "text": "Hi"}, "validation-failed"),
        ({"place": PROFILE, "text": "Hi", "kind": "praise"}, "validation-failed"),
        ({"place": PROFILE, "text": "Hi", "kind": "poll"}, "validation-failed"),
        (
            {
                "place": PROFILE,
                "text": "Hi",
                "kind": "poll",
                "poll": {"options": ["Only"], "closes_at": "2099-01-01T00:00:00Z"},
            },
            "validation-failed",
        ),
        (
            {
                "place": PROFILE,
                "text": "Hi",
                "kind": "poll",
                "poll": {"options": ["A", "B"], "closes_at": "2020-01-01T00:00:00Z"},
            },
            "invalid-post",
        ),
        (
            {
                "place": PROFILE,
                "text": "Hi",
                "kind": "poll",
                "poll": {"options": ["A", "B"], "closes_at": "2020-01-01T00:00:00"},
            },
            "validation-failed",
        ),
        (
            {"place": PROFILE, "text": "Hi", "work_item": {"system": "JIRA", "item_id": "1"}},
            "validation-failed",
        ),
        (
            {
                "place": PROFILE,
                "text": "Hi",
                "work_item": {"system": "jira", "item_id": "1", "url": "javascript:alert(1)"},
            },
            "validation-failed",
        ),
        (
            {"place": PROFILE, "text": "Hi", "kind": "praise", "praise": {"person_ids": []}},
            "validation-failed",
        ),
    ],
)
async def test_a_request_breaking_a_rule_is_a_422_problem_and_stores_nothing(
    api: FeedApi, body: dict[str, Any], expected: str
) -> None:
    before = await commit_count(api)

    response = await api.call("POST", "/posts", person=new_id(), json=body)

    assert response.status_code == 422, response.text
    assert problem_type(response) == expected
    assert await commit_count(api) == before


async def test_praising_oneself_is_refused(api: FeedApi) -> None:
    person = new_id()
    body = {"place": PROFILE, "kind": "praise", "text": "Me!", "praise": {"person_ids": [person]}}

    response = await api.call("POST", "/posts", person=person, json=body)

    assert (response.status_code, problem_type(response)) == (422, "invalid-post")


async def test_a_retried_publication_answers_the_first_outcome(api: FeedApi) -> None:
    person = new_id()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"place": PROFILE, "text": "Once only"}

    first = await api.call("POST", "/posts", person=person, json=body, headers=key)
    second = await api.call("POST", "/posts", person=person, json=body, headers=key)
    other = await api.call(
        "POST", "/posts", person=person, json={**body, "text": "Another"}, headers=key
    )

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert first.headers["Location"] == second.headers["Location"]
    assert other.status_code == 422
    assert problem_type(other) == "idempotency-key-reused"
    assert await stored_outcomes(api, first.json()["id"]) == ["post_published"]


async def test_the_author_edits_and_if_match_refuses_a_stale_version(api: FeedApi) -> None:
    author = new_id()
    post_id = await publish(api, author, PROFILE, tags=["a"])

    edited = await api.call(
        "PATCH",
        f"/posts/{post_id}",
        person=author,
        json={"text": "Corrigé"},
        headers={"If-Match": '"1"'},
    )
    stale = await api.call(
        "PATCH",
        f"/posts/{post_id}",
        person=author,
        json={"text": "Again"},
        headers={"If-Match": '"1"'},
    )
    same = await api.call("PATCH", f"/posts/{post_id}", person=author, json={"text": "Corrigé"})
    stranger = await api.call("PATCH", f"/posts/{post_id}", person=new_id(), json={"text": "Mine"})

    assert edited.status_code == 200, edited.text
    assert edited.json() == {"id": post_id, "version": 2, "outcome": "post_edited"}
    assert edited.headers["ETag"] == '"2"'
    assert (stale.status_code, problem_type(stale)) == (412, "stale-version")
    assert same.json() == {"id": post_id, "version": 2, "outcome": "unchanged"}
    assert (stranger.status_code, problem_type(stranger)) == (403, "not-allowed")
    assert (await stored(api, post_id))[1].data["tags"] == ["a"]


async def test_a_deleted_post_answers_404_to_every_later_command(api: FeedApi) -> None:
    author, reader = new_id(), new_id()
    post_id = await publish(api, author, PROFILE)

    not_author = await api.call("DELETE", f"/posts/{post_id}", person=reader)
    deleted = await api.call("DELETE", f"/posts/{post_id}", person=author)
    later = [
        await api.call("DELETE", f"/posts/{post_id}", person=author),
        await api.call("POST", f"/posts/{post_id}/comments", person=reader, json={"text": "?"}),
        await api.call(
            "PUT", f"/posts/{post_id}/reactions/me", person=reader, json={"reaction": "like"}
        ),
        await api.call("PATCH", f"/posts/{post_id}", person=author, json={"text": "Back"}),
        await api.call("POST", f"/posts/{post_id}/shares", person=reader, json={"place": PROFILE}),
    ]

    assert (not_author.status_code, problem_type(not_author)) == (403, "not-allowed")
    assert deleted.json()["outcome"] == "post_deleted"
    assert [(r.status_code, problem_type(r)) for r in later] == [(404, "post-not-found")] * 5


async def test_a_work_item_has_one_conversation_per_community(
    api: FeedApi, org: Organisation
) -> None:
    owner, member, stranger = new_id(), new_id(), new_id()
    first_community = await community(api, org, owner, visibility="closed", members=[member])
    second_community = await community(api, org, owner)
    path = f"/communities/{first_community}/work-items/github/agora%2Ffeed%2342"
    body = {"text": "Discussion du ticket", "title": "Fix the feed", "tags": ["feed"]}

    opened = await api.call("PUT", path, person=owner, json=body)
    found = await api.call("PUT", path, person=member, json={"text": "Ignored"})
    elsewhere = await api.call(
        "PUT",
        f"/communities/{second_community}/work-items/github/agora%2Ffeed%2342",
        person=owner,
        json=body,
    )
    outsider = await api.call("PUT", path, person=stranger, json=body)
    bad_system = await api.call(
        "PUT", f"/communities/{first_community}/work-items/Jira/OPS-1", person=owner, json=body
    )

    post_id = decisions.work_item_post_id(first_community, "github", "agora/feed#42")
    assert opened.status_code == 201, opened.text
    assert opened.json() == {"id": post_id, "post_id": post_id, "version": 1}
    assert found.status_code == 200, found.text
    assert found.json() == opened.json()
    assert found.headers["Location"] == f"/posts/{post_id}"
    assert elsewhere.status_code == 201
    assert elsewhere.json()["id"] != post_id
    assert (outsider.status_code, problem_type(outsider)) == (403, "not-a-member")
    assert bad_system.status_code == 422
    events = await stored(api, post_id)
    assert [e.type.rsplit(".", 1)[-1] for e in events] == ["post_published"]
    assert events[0].data["work_item"] == {
        "system": "github",
        "item_id": "agora/feed#42",
        "url": None,
        "title": "Fix the feed",
    }
    assert events[0].data["content"]["text"] == "Discussion du ticket"


async def test_a_deleted_work_item_conversation_is_not_opened_again(
    api: FeedApi, org: Organisation
) -> None:
    owner = new_id()
    community_id = await community(api, org, owner)
    path = f"/communities/{community_id}/work-items/jira/OPS-9"
    opened = await api.call("PUT", path, person=owner, json={"text": "Talk"})
    await api.call("DELETE", f"/posts/{opened.json()['id']}", person=owner)

    again = await api.call("PUT", path, person=owner, json={"text": "Talk again"})

    assert (again.status_code, problem_type(again)) == (409, "thread-deleted")


async def test_an_open_post_is_shared_anywhere_and_a_closed_one_only_inside(
    api: FeedApi, org: Organisation
) -> None:
    owner, member, stranger = new_id(), new_id(), new_id()
    open_community = await community(api, org, owner, members=[member])
    closed = await community(api, org, owner, visibility="closed", members=[member])
    open_post = await publish(api, owner, place(open_community))
    closed_post = await publish(api, owner, place(closed))

    to_profile = await api.call(
        "POST",
        f"/posts/{open_post}/shares",
        person=stranger,
        json={"place": PROFILE, "text": "À lire"},
    )
    leak = await api.call(
        "POST", f"/posts/{closed_post}/shares", person=member, json={"place": PROFILE, "text": ""}
    )
    leak_to_open = await api.call(
        "POST",
        f"/posts/{closed_post}/shares",
        person=member,
        json={"place": place(open_community)},
    )
    inside = await api.call(
        "POST", f"/posts/{closed_post}/shares", person=member, json={"place": place(closed)}
    )
    by_stranger = await api.call(
        "POST", f"/posts/{closed_post}/shares", person=stranger, json={"place": PROFILE}
    )

    assert to_profile.status_code == 201, to_profile.text
    share = (await stored(api, to_profile.json()["id"]))[0].data
    assert share["shared_post_id"] == open_post
    assert share["kind"] == "post"
    assert share["place"]["kind"] == "profile"
    assert share["content"]["text"] == "À lire"
    assert (leak.status_code, problem_type(leak)) == (403, "share-restricted")
    assert (leak_to_open.status_code, problem_type(leak_to_open)) == (403, "share-restricted")
    assert inside.status_code == 201, inside.text
    assert (by_stranger.status_code, problem_type(by_stranger)) == (404, "post-not-found")


async def test_an_archived_community_is_read_only(api: FeedApi, org: Organisation) -> None:
    owner, member = new_id(), new_id()
    community_id = await community(api, org, owner, members=[member])
    post_id = await publish(api, member, place(community_id))
    await org.archive(community_id)
    await known(api, community_id, lambda facts: facts.archived)

    writes = [
        await api.call(
            "POST", "/posts", person=member, json={"place": place(community_id), "text": "Hi"}
        ),
        await api.call("POST", f"/posts/{post_id}/comments", person=owner, json={"text": "Hi"}),
        await api.call(
            "PUT", f"/posts/{post_id}/reactions/me", person=owner, json={"reaction": "like"}
        ),
        await api.call("PATCH", f"/posts/{post_id}", person=member, json={"text": "Edited"}),
        await api.call("POST", f"/posts/{post_id}:hide", person=owner, json={"reason": "Old"}),
        await api.call(
            "PUT",
            f"/communities/{community_id}/work-items/jira/OPS-1",
            person=owner,
            json={"text": "Hi"},
        ),
    ]

    assert [(r.status_code, problem_type(r)) for r in writes] == [(409, "read-only")] * len(writes)
    assert await stored_outcomes(api, post_id) == ["post_published"]


@pytest.mark.parametrize("visibility", ["secret", "closed"])
async def test_a_non_members_view_of_a_private_post_is_exactly_a_missing_post(
    api: FeedApi, org: Organisation, visibility: str
) -> None:
    owner, stranger = new_id(), new_id()
    community_id = await community(api, org, owner, visibility=visibility)
    post_id = await publish(api, owner, place(community_id))
    missing_id = uuid.uuid4().hex

    def strip(response: httpx.Response) -> dict[str, Any]:
        body = dict(response.json())
        body.pop("instance", None)
        body.pop("request_id", None)
        return body

    for method, suffix, body in [
        ("POST", "/comments", {"text": "Hello?"}),
        ("PUT", "/reactions/me", {"reaction": "like"}),
        ("POST", "/reports", {"reason": "curious"}),
        ("PUT", "/subscription", None),
        ("POST", "/shares", {"place": PROFILE}),
    ]:
        hidden = await api.call(method, f"/posts/{post_id}{suffix}", person=stranger, json=body)
        missing = await api.call(method, f"/posts/{missing_id}{suffix}", person=stranger, json=body)
        assert hidden.status_code == missing.status_code == 404
        assert strip(hidden) == strip(missing)
    assert await stored_outcomes(api, post_id) == ["post_published"]
