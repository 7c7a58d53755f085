"""Joining, requests, invitations, roles, blocks and charters, through the HTTP API."""

import asyncio

import pytest

from tests.communities.harness import Api, person
from tests.support.kafka_reading import eventually

pytestmark = pytest.mark.integration


async def test_a_person_joins_an_open_community_at_once(api: Api) -> None:
    owner, joiner = person(), person()
    community = await api.create(owner, visibility="open", tags=["Python"])

    joined = await api.call("POST", f"/communities/{community}/members/me", person=joiner)

    assert joined.status_code == 201
    assert joined.json()["outcome"] == "member_joined"
    detail = await api.call("GET", f"/communities/{community}", person=joiner)
    assert detail.json()["member_count"] == 2
    assert detail.json()["my_role"] == "member"
    await api.wait_for_members(community, owner, {owner, joiner})
    members = await api.call("GET", f"/communities/{community}/members", person=owner)
    roles = {m["person_id"]: m["role"] for m in members.json()["items"]}
    assert roles == {owner: "owner", joiner: "member"}


async def test_creating_answers_201_with_location_and_etag(api: Api) -> None:
    owner = person()
    response = await api.call(
        "POST",
        "/communities",
        person=owner,
        json={"name": "Gardeners", "description": "Plants", "tags": ["green"], "kind": "practice"},
    )

    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/communities/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["my_role"] == "owner"
    assert body["member_count"] == 1


async def test_a_closed_community_turns_a_join_into_a_request_the_managers_approve(
    api: Api,
) -> None:
    owner, requester = person(), person()
    community = await api.create(owner, visibility="closed")

    asked = await api.call("POST", f"/communities/{community}/members/me", person=requester)
    assert asked.status_code == 202
    pending = await api.call("GET", f"/communities/{community}/requests", person=owner)
    assert pending.json()["items"] == [{"person_id": requester, "status": "pending"}]

    approved = await api.call(
        "POST", f"/communities/{community}/requests/{requester}:approve", person=owner
    )

    assert approved.status_code == 200
    mine = await api.call("GET", f"/communities/{community}/requests/me", person=requester)
    assert mine.json()["status"] == "approved"
    membership = await api.call("GET", f"/communities/{community}/members/me", person=requester)
    assert membership.json()["role"] == "member"


async def test_a_rejected_requester_sees_the_outcome_and_is_not_a_member(api: Api) -> None:
    owner, requester = person(), person()
    community = await api.create(owner, visibility="closed")
    await api.call("POST", f"/communities/{community}/members/me", person=requester)

    rejected = await api.call(
        "POST", f"/communities/{community}/requests/{requester}:reject", person=owner
    )

    assert rejected.status_code == 200
    mine = await api.call("GET", f"/communities/{community}/requests/me", person=requester)
    assert mine.json()["status"] == "rejected"
    membership = await api.call("GET", f"/communities/{community}/members/me", person=requester)
    assert membership.status_code == 404


async def test_two_managers_approving_one_request_at_once_get_one_approval_and_one_409(
    api: Api,
) -> None:
    owner, manager, requester = person(), person(), person()
    community = await api.create(owner, visibility="closed")
    await api.call("POST", f"/communities/{community}/members/me", person=manager)
    await api.call("POST", f"/communities/{community}/requests/{manager}:approve", person=owner)
    promoted = await api.call(
        "PUT",
        f"/communities/{community}/members/{manager}/role",
        person=owner,
        json={"role": "manager"},
    )
    assert promoted.status_code == 200
    await api.call("POST", f"/communities/{community}/members/me", person=requester)

    responses = await asyncio.gather(
        *(
            api.call(
                "POST", f"/communities/{community}/requests/{requester}:approve", person=approver
            )
            for approver in (owner, manager)
        )
    )

    assert sorted(r.status_code for r in responses) == [200, 409]
    conflict = next(r for r in responses if r.status_code == 409).json()
    assert conflict["type"].endswith("/communities/request-not-pending")
    assert "already approved" in conflict["detail"]
    detail = await api.call("GET", f"/communities/{community}", person=owner)
    assert detail.json()["member_count"] == 3


async def test_an_invited_person_accepts_and_becomes_a_member(api: Api) -> None:
    owner, guest = person(), person()
    community = await api.create(owner, visibility="closed")
    invited = await api.call(
        "POST", f"/communities/{community}/invitations", person=owner, json={"person_id": guest}
    )
    assert invited.status_code == 201

    async def invitation_listed() -> bool:
        response = await api.call("GET", "/me/invitations", person=guest)
        return [c["id"] for c in response.json()["items"]] == [community]

    await eventually(invitation_listed)
    accepted = await api.call(
        "POST", f"/communities/{community}/invitations/me:accept", person=guest
    )

    assert accepted.status_code == 200
    assert accepted.json()["outcome"] == "invitation_accepted"
    membership = await api.call("GET", f"/communities/{community}/members/me", person=guest)
    assert membership.json()["role"] == "member"


async def test_an_invited_person_declines_and_cannot_accept_afterwards(api: Api) -> None:
    owner, guest = person(), person()
    community = await api.create(owner, visibility="closed")
    await api.call(
        "POST", f"/communities/{community}/invitations", person=owner, json={"person_id": guest}
    )

    declined = await api.call(
        "POST", f"/communities/{community}/invitations/me:decline", person=guest
    )
    accepted = await api.call(
        "POST", f"/communities/{community}/invitations/me:accept", person=guest
    )

    assert declined.status_code == 200
    assert accepted.status_code == 409
    assert accepted.json()["type"].endswith("/communities/invitation-not-pending")


async def test_the_last_owner_can_neither_leave_nor_be_demoted(api: Api) -> None:
    owner, other = person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=other)

    left = await api.call("DELETE", f"/communities/{community}/members/me", person=owner)
    demoted = await api.call(
        "PUT",
        f"/communities/{community}/members/{owner}/role",
        person=owner,
        json={"role": "member"},
    )

    assert left.status_code == 409
    assert left.json()["type"].endswith("/communities/last-owner")
    assert demoted.status_code == 409
    assert demoted.json()["type"].endswith("/communities/last-owner")


async def test_an_owner_may_leave_once_another_owner_exists(api: Api) -> None:
    owner, other = person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=other)
    await api.call(
        "PUT",
        f"/communities/{community}/members/{other}/role",
        person=owner,
        json={"role": "owner"},
    )

    left = await api.call("DELETE", f"/communities/{community}/members/me", person=owner)

    assert left.status_code == 200
    assert left.json()["outcome"] == "member_left"


async def test_a_blocked_person_is_removed_and_cannot_ask_again(api: Api) -> None:
    owner, troll = person(), person()
    community = await api.create(owner, visibility="closed")
    await api.call("POST", f"/communities/{community}/members/me", person=troll)
    await api.call("POST", f"/communities/{community}/requests/{troll}:approve", person=owner)

    blocked = await api.call(
        "POST", f"/communities/{community}/blocked-people", person=owner, json={"person_id": troll}
    )
    again = await api.call("POST", f"/communities/{community}/members/me", person=troll)

    assert blocked.status_code == 201
    assert again.status_code == 403
    assert again.json()["type"].endswith("/communities/person-blocked")
    detail = await api.call("GET", f"/communities/{community}", person=owner)
    assert detail.json()["member_count"] == 1


async def test_a_manager_removes_a_member(api: Api) -> None:
    owner, member = person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=member)

    removed = await api.call("DELETE", f"/communities/{community}/members/{member}", person=owner)

    assert removed.json()["outcome"] == "member_removed"
    await api.wait_for_members(community, owner, {owner})


async def test_joining_requires_accepting_the_current_charter(api: Api) -> None:
    owner, joiner = person(), person()
    community = await api.create(owner)
    charter = await api.call(
        "PUT", f"/communities/{community}/charter", person=owner, json={"text": "Be kind."}
    )
    assert charter.status_code == 200

    refused = await api.call("POST", f"/communities/{community}/members/me", person=joiner)
    joined = await api.call(
        "POST",
        f"/communities/{community}/members/me",
        person=joiner,
        json={"accept_charter_version": 1},
    )

    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/communities/charter-acceptance-required")
    assert joined.status_code == 201
    membership = await api.call("GET", f"/communities/{community}/members/me", person=joiner)
    assert membership.json()["must_accept_charter"] is False


async def test_members_must_accept_a_new_charter_version(api: Api) -> None:
    owner, member = person(), person()
    community = await api.create(owner)
    await api.call("POST", f"/communities/{community}/members/me", person=member)
    await api.call("PUT", f"/communities/{community}/charter", person=owner, json={"text": "v1"})

    before = await api.call("GET", f"/communities/{community}/members/me", person=member)
    accepted = await api.call(
        "POST", f"/communities/{community}/charter/acceptances", person=member, json={"version": 1}
    )
    after = await api.call("GET", f"/communities/{community}/members/me", person=member)

    assert before.json()["must_accept_charter"] is True
    assert accepted.status_code == 201
    assert after.json() == {
        "community_id": community,
        "role": "member",
        "charter_version": 1,
        "accepted_charter_version": 1,
        "must_accept_charter": False,
    }
