"""Erasure across services: HR erases a person through profiles; the communities they owned
pass to a colleague, their memberships end, and their token no longer opens anything."""

import pytest

from tests.e2e.client import Agora, Json, Person, until, word

pytestmark = pytest.mark.integration


async def test_an_erased_owner_leaves_their_community_to_a_colleague_and_loses_access(
    agora: Agora,
) -> None:
    leaving = await agora.person("Berenice")
    colleague = await agora.person("Yann")
    community = await agora.community(leaving, visibility="open")
    await agora.command(
        "POST", f"/communities/communities/{community}/members/me", colleague, expect=(201,)
    )
    post = await agora.publish(
        colleague, community_id=community, text=f"Merci @Bérénice {word()}", mentions=[leaving.id]
    )
    await until(
        lambda: agora.shows("/feed/me/timeline", leaving, post),
        what="the post reaches the future erased person's home timeline",
    )

    await agora.command(
        "DELETE", f"/profiles/people/{leaving.id}/personal-data", await agora.hr(), expect=(204,)
    )

    members = await until(
        lambda: _members_once_erased(agora, community, colleague, leaving),
        what="the erased owner leaves the community",
    )
    assert members == {colleague.id: "owner"}
    await until(
        lambda: _refused(agora, leaving),
        what="the gateway refuses the erased person's still valid token",
    )
    notifications = await agora.call("GET", "/feed/me/notifications", leaving)
    assert notifications.status_code == 401
    assert "no longer has access" in notifications.json()["detail"]


async def _members_once_erased(
    agora: Agora, community: str, viewer: Person, erased: Person
) -> dict[str, str] | None:
    page: Json = await agora.ok(f"/communities/communities/{community}/members", viewer)
    roles = {str(item["person_id"]): str(item["role"]) for item in page["items"]}
    return None if erased.id in roles else roles


async def _refused(agora: Agora, erased: Person) -> bool | None:
    response = await agora.call("GET", "/feed/me/timeline", erased)
    return True if response.status_code == 401 else None
