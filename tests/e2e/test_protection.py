"""Rate and size limits answer as the gateway's README documents them.

These run against the stack's second gateway, configured with small limits (five requests at
once per person, then one every two seconds; 4 KiB bodies) in front of the same services.
"""

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.e2e.client import Agora
from tests.e2e.stack import LIMITED_MAX_BODY_BYTES, LIMITED_PERSON_BURST, Stack

pytestmark = pytest.mark.integration

RATE_LIMITED = "https://agora.example/problems/gateway/rate-limited"
TOO_LARGE = "about:blank"
"""RFC 9457's type for a problem that is just its status code's meaning."""


@pytest.fixture(scope="module")
async def limited(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.limited_url, timeout=30.0) as http:
        yield http


def assert_problem(response: httpx.Response, status: int, type_uri: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["type"] == type_uri
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_a_person_over_their_rate_gets_429_with_retry_after(
    agora: Agora, limited: httpx.AsyncClient
) -> None:
    person = await agora.person("Zoë")
    other = await agora.person("Seán")

    answers = [
        await limited.get("/api/v1/feed/me/timeline", headers=person.headers)
        for _ in range(LIMITED_PERSON_BURST + 1)
    ]
    someone_else = await limited.get("/api/v1/feed/me/timeline", headers=other.headers)

    assert [a.status_code for a in answers[:-1]] == [200] * LIMITED_PERSON_BURST
    assert_problem(answers[-1], 429, RATE_LIMITED)
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert someone_else.status_code == 200, someone_else.text


async def test_a_body_over_the_limit_gets_413_before_reaching_the_service(
    agora: Agora, limited: httpx.AsyncClient
) -> None:
    declared = await agora.person("Karim")
    chunked = await agora.person("Noémie")
    text = "x" * (LIMITED_MAX_BODY_BYTES + 1)
    body = ('{"place": {"kind": "profile"}, "text": "' + text + '"}').encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 1024):
            yield body[start : start + 1024]

    too_long = await limited.post(
        "/api/v1/feed/posts",
        content=body,
        headers={**declared.headers, "Content-Type": "application/json"},
    )
    streamed = await limited.post(
        "/api/v1/feed/posts",
        content=chunks(),
        headers={**chunked.headers, "Content-Type": "application/json"},
    )
    posts = [
        await limited.get(f"/api/v1/feed/people/{who.id}/posts", headers=who.headers)
        for who in (declared, chunked)
    ]

    assert_problem(too_long, 413, TOO_LARGE)
    assert_problem(streamed, 413, TOO_LARGE)
    assert [page.json()["items"] for page in posts] == [[], []]
