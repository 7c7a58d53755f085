import gzip

import httpx
import pytest

from bench.gateway.stub import StubService

pytestmark = pytest.mark.unit

PAGE = (
    b'{"items":[' + b",".join(b'{"post_id":"%d","body":"du texte"}' % n for n in range(200)) + b"]}"
)


async def get_page(stub: StubService, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    transport = httpx.ASGITransport(app=stub)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://stub") as client,
        client.stream("GET", "/me/timeline", headers=headers) as response,
    ):
        return response, b"".join([chunk async for chunk in response.aiter_raw()])


async def test_the_stub_gzips_the_page_as_a_service_would_when_asked() -> None:
    response, body = await get_page(
        StubService(PAGE, compression_level=1), {"accept-encoding": "gzip"}
    )

    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(body) < len(PAGE)
    assert gzip.decompress(body) == PAGE


@pytest.mark.parametrize(
    ("level", "accepted"),
    [(1, "identity"), (1, "gzip;q=0"), (0, "gzip")],
    ids=["not-accepted", "refused", "level-0"],
)
async def test_the_stub_sends_the_page_as_it_is_otherwise(level: int, accepted: str) -> None:
    response, body = await get_page(
        StubService(PAGE, compression_level=level), {"accept-encoding": accepted}
    )

    assert "content-encoding" not in response.headers
    assert body == PAGE
