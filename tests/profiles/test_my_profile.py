"""Editing one's own profile through HTTP: If-Match, validation, skills, topics, idempotency."""

import asyncio
from typing import Any

import pytest

from tests.profiles.harness import ProfilesClient, new_email

pytestmark = pytest.mark.integration


async def test_two_edits_of_the_same_version_let_one_win_and_refuse_the_other(
    profiles: ProfilesClient,
) -> None:
    me = (await profiles.provision("editor"))["id"]
    version = (await profiles.read_when(me, lambda p: True)).headers["etag"]

    headers = profiles.as_person(me, **{"If-Match": version})
    first, second = await asyncio.gather(
        profiles.http.patch("/people/me", json={"bio": "First"}, headers=headers),
        profiles.http.patch("/people/me", json={"bio": "Second"}, headers=headers),
    )

    assert sorted([first.status_code, second.status_code]) == [200, 412]
    winner, loser = (first, second) if first.status_code == 200 else (second, first)
    assert winner.headers["etag"] == '"2"'
    assert loser.json()["type"].endswith("/stale-version")
    seen = await profiles.read_when(me, lambda p: p["bio"] is not None)
    assert seen.json()["bio"] == winner.json()["bio"]


async def test_an_edit_without_if_match_is_refused_as_precondition_required(
    profiles: ProfilesClient,
) -> None:
    me = (await profiles.provision("hasty"))["id"]

    response = await profiles.http.patch(
        "/people/me", json={"bio": "Hi"}, headers=profiles.as_person(me)
    )

    assert response.status_code == 428


@pytest.mark.parametrize(
    "body",
    [{"bio": "x", "salary": 1}, {"bio": "x" * 2001}, {"job_title": "t" * 201}],
    ids=["unknown field", "over-long bio", "over-long title"],
)
async def test_invalid_edits_are_refused_with_a_validation_problem(
    profiles: ProfilesClient, body: dict[str, Any]
) -> None:
    me = (await profiles.provision("careless"))["id"]

    response = await profiles.http.patch(
        "/people/me", json=body, headers=profiles.as_person(me, **{"If-Match": '"1"'})
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/validation-failed")


async def test_skills_are_stored_under_their_normalised_name(profiles: ProfilesClient) -> None:
    me = (await profiles.provision("skilled"))["id"]
    headers = profiles.as_person(me)

    added = await profiles.http.put("/people/me/skills/K8s", json={"level": 3}, headers=headers)
    await profiles.http.put("/people/me/skills/Pyth%C3%B4n", json={"level": 2}, headers=headers)
    await profiles.http.put(
        "/people/me/skills/Machine%20%20Learning", json={"level": 1}, headers=headers
    )

    assert added.status_code == 200
    seen = await profiles.read_when(me, lambda p: len(p["skills"]) == 3)
    assert [(s["name"], s["level"]) for s in seen.json()["skills"]] == [
        ("kubernetes", 3),
        ("machine learning", 1),
        ("python", 2),
    ]
    removed = await profiles.http.delete("/people/me/skills/kubernetes", headers=headers)
    assert [s["name"] for s in removed.json()["skills"]] == ["machine learning", "python"]


async def test_a_skill_level_outside_one_to_four_is_refused(profiles: ProfilesClient) -> None:
    me = (await profiles.provision("modest"))["id"]

    response = await profiles.http.put(
        "/people/me/skills/go", json={"level": 5}, headers=profiles.as_person(me)
    )

    assert response.status_code == 422


async def test_interests_help_topics_and_completeness_belong_to_the_owner(
    profiles: ProfilesClient,
) -> None:
    me = (await profiles.provision("curious", job_title="Analyst", location="Lyon"))["id"]
    headers = profiles.as_person(me)

    await profiles.http.put("/people/me/interests", json={"topics": ["climbing"]}, headers=headers)
    await profiles.http.put("/people/me/help-topics", json={"topics": ["SQL"]}, headers=headers)

    mine = await profiles.read_when(me, lambda p: p["help_topics"] == ["SQL"])
    assert mine.json()["interests"] == ["climbing"]
    assert mine.json()["completeness"]["score"] == 50
    assert "bio" in mine.json()["completeness"]["missing"]
    completeness = await profiles.http.get("/people/me/completeness", headers=headers)
    assert completeness.json() == mine.json()["completeness"]
    theirs = await profiles.read(me, viewer="colleague")
    assert theirs.json()["completeness"] is None


async def test_a_retried_command_with_the_same_idempotency_key_returns_the_first_answer(
    profiles: ProfilesClient,
) -> None:
    me = (await profiles.provision("retrier"))["id"]
    headers = profiles.as_person(me, **{"Idempotency-Key": "set-topics-1"})

    first = await profiles.http.put("/people/me/interests", json={"topics": ["a"]}, headers=headers)
    await profiles.http.put(
        "/people/me/interests", json={"topics": ["b"]}, headers=profiles.as_person(me)
    )
    retry = await profiles.http.put("/people/me/interests", json={"topics": ["a"]}, headers=headers)

    assert retry.status_code == first.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["etag"] == first.headers["etag"]
    reused = await profiles.http.put(
        "/people/me/interests", json={"topics": ["c"]}, headers=headers
    )
    assert reused.status_code == 422


async def test_a_retried_provisioning_returns_the_first_created_answer(
    profiles: ProfilesClient,
) -> None:
    body = {"display_name": "Once", "email": new_email("once")}
    headers = profiles.as_admin(**{"Idempotency-Key": f"import-{body['email']}"})

    first = await profiles.http.post("/people", json=body, headers=headers)
    retry = await profiles.http.post("/people", json=body, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
