"""Erasure across services: HR erases a person through profiles; the communities they owned
pass to a colleague, their memberships end, and the feed keeps nothing for them."""

import pytest

from tests.e2e.client import Agora, Json, Person, until, word

pytestmark = pytest.mark.integration


async def test_an_erased_owner_leaves_their_community_to_a_colleague_and_the_feed_forgets_them(
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
        lambda: _nothing_left_for(agora, leaving),
        what="the feed forgets the erased person's home timeline and notifications",
    )
    later = await agora.publish(
        colleague, community_id=community, text=f"Encore @Bérénice {word()}", mentions=[leaving.id]
    )
    await until(
        lambda: agora.shows(f"/feed/communities/{community}/posts", colleague, later),
        what="the later post is in the community",
    )
    assert await agora.post_ids("/feed/me/timeline", leaving) == []
    assert await agora.notifications(leaving) == []


async def _members_once_erased(
    agora: Agora, community: str, viewer: Person, erased: Person
) -> dict[str, str] | None:
    page: Json = await agora.ok(f"/communities/communities/{community}/members", viewer)
    roles = {str(item["person_id"]): str(item["role"]) for item in page["items"]}
    return None if erased.id in roles else roles


async def _nothing_left_for(agora: Agora, erased: Person) -> bool | None:
    timeline = await agora.post_ids("/feed/me/timeline", erased)
    notifications = await agora.notifications(erased)
    return True if not timeline and not notifications else None
