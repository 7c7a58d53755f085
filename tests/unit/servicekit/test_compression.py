import gzip
import json

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from agora.servicekit import ServiceSettings, create_app
from agora.servicekit.compression import accepts_gzip

from .probe_service import CATALOGUE_SIZE, client_of, things_router

pytestmark = pytest.mark.unit

GZIP = {"accept-encoding": "gzip"}
IDENTITY = {"accept-encoding": "identity"}


def probe_app(
    settings: ServiceSettings, tracer_provider: TracerProvider, **options: object
) -> FastAPI:
    return create_app(
        settings=settings,
        routers=[things_router()],
        tracer_provider=tracer_provider,
        **options,  # type: ignore[arg-type]
    )


async def raw_answer(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent, before any decoding by the client."""
    async with client.stream("GET", path, headers=headers) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


async def test_a_large_answer_is_gzipped_for_a_client_that_accepts_it(
    client: httpx.AsyncClient,
) -> None:
    response, body = await raw_answer(client, "/catalogue", GZIP)

    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert int(response.headers["content-length"]) == len(body)
    catalogue = json.loads(gzip.decompress(body))
    assert len(catalogue) == CATALOGUE_SIZE
    assert catalogue[1] == {"id": "1", "name": "Chose numéro 1"}
    assert len(body) < len(json.dumps(catalogue, ensure_ascii=False).encode()) / 3


async def test_a_client_that_does_not_accept_gzip_gets_the_answer_as_it_is(
    client: httpx.AsyncClient,
) -> None:
    response, body = await raw_answer(client, "/catalogue", IDENTITY)

    assert "content-encoding" not in response.headers
    assert "accept-encoding" in response.headers["vary"].lower()  # caches keep both apart
    assert len(json.loads(body)) == CATALOGUE_SIZE


@pytest.mark.parametrize(
    ("accepted", "gzipped"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000, deflate", False),
        ("*;q=0", False),
        ("deflate", False),
    ],
)
async def test_gzip_is_used_only_where_the_clients_accept_encoding_allows_it(
    client: httpx.AsyncClient, accepted: str, gzipped: bool
) -> None:
    response, body = await raw_answer(client, "/catalogue", {"accept-encoding": accepted})

    assert ("content-encoding" in response.headers) is gzipped
    assert "accept-encoding" in response.headers["vary"].lower()
    assert len(json.loads(gzip.decompress(body) if gzipped else body)) == CATALOGUE_SIZE


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("GZIP;Q=0.3", True),
        ("x-gzip", True),
        ("identity, *;q=0.1", True),
        ("gzip;q=0, *", False),
        ("gzip;q=zero", False),
        ("", False),
        ("br", False),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


async def test_an_answer_that_fits_one_segment_is_not_compressed(
    client: httpx.AsyncClient,
) -> None:
    response, body = await raw_answer(client, "/things/1", GZIP)

    assert "content-encoding" not in response.headers
    assert json.loads(body) == {"id": 1}


async def test_an_event_stream_is_never_compressed(client: httpx.AsyncClient) -> None:
    response, body = await raw_answer(client, "/events", GZIP)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert "content-encoding" not in response.headers
    assert body.startswith(b"data: xxx")


async def test_a_problem_answer_passes_through_unharmed(
    client: httpx.AsyncClient,
) -> None:
    response, body = await raw_answer(client, "/boom", GZIP)

    assert response.status_code == 500
    assert "content-encoding" not in response.headers  # a problem is small
    assert json.loads(body)["status"] == 500


async def test_level_zero_turns_compression_off(
    settings: ServiceSettings, tracer_provider: TracerProvider
) -> None:
    app = probe_app(settings.model_copy(update={"response_compression_level": 0}), tracer_provider)
    async with client_of(app) as client:
        response, body = await raw_answer(client, "/catalogue", GZIP)

    assert "content-encoding" not in response.headers
    assert len(json.loads(body)) == CATALOGUE_SIZE


async def test_the_level_and_threshold_come_from_the_settings(
    settings: ServiceSettings, tracer_provider: TracerProvider
) -> None:
    small_threshold = settings.model_copy(update={"response_compression_min_bytes": 5})
    async with client_of(probe_app(small_threshold, tracer_provider)) as client:
        small, _ = await raw_answer(client, "/things/1", GZIP)
        fast, fast_body = await raw_answer(client, "/catalogue", GZIP)
    thorough = settings.model_copy(update={"response_compression_level": 9})
    async with client_of(probe_app(thorough, tracer_provider)) as client:
        _, thorough_body = await raw_answer(client, "/catalogue", GZIP)

    assert small.headers["content-encoding"] == "gzip"
    assert fast.headers["content-encoding"] == "gzip"
    assert gzip.decompress(thorough_body) == gzip.decompress(fast_body)
    assert len(thorough_body) < len(fast_body)


async def test_paths_left_uncompressed_are_sent_as_they_are(
    settings: ServiceSettings, tracer_provider: TracerProvider
) -> None:
    app = probe_app(settings, tracer_provider, uncompressed_path_prefixes=("/catalogue",))
    async with client_of(app) as client:
        exempt, body = await raw_answer(client, "/catalogue", GZIP)
        other, _ = await raw_answer(client, "/metrics", GZIP)

    assert "content-encoding" not in exempt.headers
    assert "vary" not in exempt.headers
    assert len(json.loads(body)) == CATALOGUE_SIZE
    assert other.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("level", [-1, 10])
def test_a_level_outside_zlibs_range_is_refused(level: int) -> None:
    with pytest.raises(ValueError, match="response_compression_level"):
        ServiceSettings(service_name="probe", response_compression_level=level)
