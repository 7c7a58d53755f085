from collections.abc import AsyncIterator

import httpx
import pytest

from .probe_service import BODY_LIMIT, problem_of

pytestmark = pytest.mark.unit


class CountingBody:
    """A streamed request body that records how much of it the server pulled."""

    def __init__(self, *, chunks: int, chunk_size: int) -> None:
        self.chunks = chunks
        self.chunk_size = chunk_size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.chunks):
            self.sent += 1
            yield b" " * self.chunk_size


async def test_a_body_declared_over_the_limit_is_a_413_problem_without_being_read(
    client: httpx.AsyncClient,
) -> None:
    body = CountingBody(chunks=4, chunk_size=BODY_LIMIT)

    response = await client.post(
        "/things",
        content=body,
        headers={"content-type": "application/json", "content-length": str(4 * BODY_LIMIT)},
    )

    assert response.status_code == 413
    assert str(BODY_LIMIT) in problem_of(response)["detail"]
    assert body.sent == 0


async def test_a_chunked_body_over_the_limit_is_a_413_problem_once_the_limit_is_passed(
    client: httpx.AsyncClient,
) -> None:
    body = CountingBody(chunks=8, chunk_size=BODY_LIMIT // 4)

    response = await client.post(
        "/things", content=body, headers={"content-type": "application/json"}
    )

    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.status_code == 413
    assert problem_of(response)["instance"] == "/things"
    assert body.sent == 5


async def test_a_body_within_the_limit_is_served(client: httpx.AsyncClient) -> None:
    payload = {"name": "x" * 50, "count": 1}

    response = await client.post("/things", json=payload)

    assert response.status_code == 201
    assert response.json() == payload
