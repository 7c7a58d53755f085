"""Joining a closed community: a request, a manager's approval, then its posts."""

import pytest

from tests.e2e.client import Agora, Json, Person, until, word

pytestmark = pytest.mark.integration


async def test_a_person_sees_a_closed_communitys_posts_only_once_their_request_is_approved(
    agora: Agora,
) -> None:
    owner = await agora.person("Hélène")
    newcomer = await agora.person("Karim")
    community = await agora.community(owner, visibility="closed")
    post = await agora.publish(owner, community_id=community, text=f"Feuille de route {word()}")
    await until(
        lambda: agora.shows(f"/feed/communities/{community}/posts", owner, post),
        what="the owner sees their post in the community",
    )

    before = await agora.call("GET", f"/feed/posts/{post}", newcomer)
    listing_before = await agora.call("GET", f"/feed/communities/{community}/posts", newcomer)
    timeline_before = await agora.post_ids("/feed/me/timeline", newcomer)
    requested = await agora.command(
        "POST", f"/communities/communities/{community}/members/me", newcomer, expect=(202,)
    )
    pending = await until(
        lambda: _pending_request(agora, community, owner, newcomer.id),
        what="the owner sees the join request",
    )
    await agora.command(
        "POST",
        f"/communities/communities/{community}/requests/{newcomer.id}:approve",
        owner,
        expect=(200,),
    )
    await until(
        lambda: agora.shows(f"/feed/communities/{community}/posts", newcomer, post),
        what="the new member sees the community's post",
    )
    after = await agora.call("GET", f"/feed/posts/{post}", newcomer)
    membership = await agora.ok(f"/communities/communities/{community}/members/me", newcomer)

    assert before.status_code == 404, before.text
    assert listing_before.status_code in (403, 404), listing_before.text
    assert post not in timeline_before
    assert requested["outcome"] == "join_requested"
    assert pending["person_id"] == newcomer.id
    assert after.status_code == 200, after.text
    assert after.json()["post_id"] == post
    assert membership["role"] == "member"


async def _pending_request(
    agora: Agora, community: str, manager: Person, person_id: str
) -> Json | None:
    page = await agora.ok(f"/communities/communities/{community}/requests", manager)
    return next((item for item in page["items"] if item["person_id"] == person_id), None)
