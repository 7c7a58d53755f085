"""Authentication, permissions, validation, idempotency and optimistic concurrency."""

import uuid

import pytest

from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def test_a_request_without_a_token_is_401(api: Api) -> None:
    response = await api.client.get("/communities")

    assert response.status_code == 401


async def test_a_member_trying_manager_actions_gets_403(api: Api) -> None:
    owner, member = person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=member)

    invite = await api.call(
        "POST", f"/communities/{community}/invitations", person=member, json={"person_id": "x"}
    )
    charter = await api.call(
        "PUT", f"/communities/{community}/charter", person=member, json={"text": "Mine"}
    )
    rename = await api.call(
        "PATCH", f"/communities/{community}", person=member, json={"name": "Taken over"}
    )
    requests = await api.call("GET", f"/communities/{community}/requests", person=member)
    promote = await api.call(
        "PUT",
        f"/communities/{community}/members/{member}/role",
        person=member,
        json={"role": "owner"},
    )

    for response in (invite, charter, rename, requests, promote):
        assert response.status_code == 403
        assert response.json()["type"].endswith("/communities/not-allowed")


async def test_unknown_fields_and_over_long_text_are_422(api: Api) -> None:
    owner = person()

    unknown = await api.call(
        "POST", "/communities", person=owner, json={"name": "A", "colour": "red"}
    )
    too_long = await api.call("POST", "/communities", person=owner, json={"name": "x" * 121})

    assert unknown.status_code == 422
    assert too_long.status_code == 422


async def test_a_project_needs_an_end_date_in_the_future(api: Api) -> None:
    response = await api.call(
        "POST",
        "/communities",
        person=person(),
        json={"name": "Launch", "kind": "project", "end_date": "2020-01-01"},
    )

    assert response.status_code == 422
    assert response.json()["type"].endswith("/communities/invalid-community")


async def test_retrying_a_command_with_its_idempotency_key_returns_the_first_answer(
    api: Api,
) -> None:
    owner, joiner = person(), person()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Retry club"}

    first = await api.call("POST", "/communities", person=owner, json=body, headers=key)
    second = await api.call("POST", "/communities", person=owner, json=body, headers=key)
    community = first.json()["id"]
    join_key = {"Idempotency-Key": str(uuid.uuid4())}
    joined = await api.call(
        "POST", f"/communities/{community}/members/me", person=joiner, headers=join_key
    )
    rejoined = await api.call(
        "POST", f"/communities/{community}/members/me", person=joiner, headers=join_key
    )

    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert (rejoined.status_code, rejoined.json()) == (joined.status_code, joined.json())
    detail = await api.call("GET", f"/communities/{community}", person=owner)
    assert detail.json()["member_count"] == 2


async def test_an_edit_with_a_stale_if_match_is_412(api: Api) -> None:
    owner = person()
    community = await api.create(owner)
    read = await api.call("GET", f"/communities/{community}", person=owner)
    etag = read.headers["etag"]

    renamed = await api.call(
        "PATCH",
        f"/communities/{community}",
        person=owner,
        json={"name": "Renamed"},
        headers={"If-Match": etag},
    )
    stale = await api.call(
        "PATCH",
        f"/communities/{community}",
        person=owner,
        json={"description": "Late"},
        headers={"If-Match": etag},
    )

    assert renamed.status_code == 200
    assert renamed.headers["etag"] == '"2"'
    assert stale.status_code == 412
    detail = await api.call("GET", f"/communities/{community}", person=owner)
    assert detail.json()["name"] == "Renamed"
    assert detail.json()["id"] == community


async def test_an_archived_community_stays_readable_but_takes_no_new_members(api: Api) -> None:
    owner, member, latecomer = person(), person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=member)

    archived = await api.call("POST", f"/communities/{community}:archive", person=owner)
    join = await api.call("POST", f"/communities/{community}/members/me", person=latecomer)
    read = await api.call("GET", f"/communities/{community}", person=member)
    unarchived = await api.call("POST", f"/communities/{community}:unarchive", person=owner)

    assert archived.status_code == 200
    assert join.status_code == 409
    assert join.json()["type"].endswith("/communities/community-archived")
    assert read.json()["archived"] is True
    assert unarchived.json()["outcome"] == "community_unarchived"


async def test_the_directory_filters_by_text_tag_and_kind_and_pages(api: Api) -> None:
    owner, viewer = person(), person()
    tag = f"t{uuid.uuid4().hex[:8]}"
    for index in range(3):
        await api.create(owner, name=f"Chess {index}", tags=[tag], kind="practice")
    await api.create(owner, name="Chess interest", tags=[tag])

    async def all_listed() -> bool:
        response = await api.call("GET", f"/communities?tag={tag}", person=viewer)
        return bool(response.json()["total"] == 4)

    await eventually(all_listed)
    page = await api.call(
        "GET", f"/communities?tag={tag}&kind=practice&q=CHESS&limit=2", person=viewer
    )
    assert page.json()["total"] == 3
    assert [c["name"] for c in page.json()["items"]] == ["Chess 0", "Chess 1"]
