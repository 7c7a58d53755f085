import io
import json
import subprocess
import sys

import httpx
import pytest
from opentelemetry.sdk.resources import SERVICE_NAME
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from agora.servicekit import ServiceSettings
from agora.servicekit.logging import configure_logging
from agora.servicekit.tracing import build_tracer_provider

pytestmark = pytest.mark.unit

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


async def test_an_inbound_traceparent_is_continued_by_the_server_span(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.get("/things/1", headers={"traceparent": TRACEPARENT})

    [server_span] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert format(server_span.context.trace_id, "032x") == TRACE_ID
    assert server_span.parent is not None
    assert format(server_span.parent.span_id, "016x") == PARENT_SPAN_ID
    assert server_span.attributes is not None
    assert server_span.attributes["http.route"] == "/things/{thing_id}"
    assert server_span.name == "GET /things/{thing_id}"


async def test_the_server_span_carries_the_http_semantic_convention_attributes(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.get("/things/3?x=1")

    [server_span] = spans.get_finished_spans()
    attributes = dict(server_span.attributes or {})
    assert attributes["http.request.method"] == "GET"
    assert attributes["url.path"] == "/things/3"
    assert attributes["url.scheme"] == "http"
    assert attributes["http.route"] == "/things/{thing_id}"
    assert attributes["http.response.status_code"] == 200
    assert "server.address" in attributes
    assert server_span.status.status_code is StatusCode.UNSET


async def test_a_server_error_marks_the_span_as_an_error_and_a_client_error_does_not(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    assert (await client.get("/boom")).status_code == 500
    assert (await client.get("/things/not-a-number")).status_code == 422

    boom, invalid = spans.get_finished_spans()
    assert boom.name == "GET /boom"
    assert boom.status.status_code is StatusCode.ERROR
    assert dict(boom.attributes or {})["http.response.status_code"] == 500
    assert invalid.status.status_code is StatusCode.UNSET
    assert dict(invalid.attributes or {})["http.response.status_code"] == 422


async def test_a_request_matching_no_route_is_named_by_its_method_only(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.get("/nowhere/42")
    await client.request("BREW", "/things/1")

    unrouted, unknown_method = spans.get_finished_spans()
    assert unrouted.name == "GET"  # never the raw path: span names stay few
    assert "http.route" not in dict(unrouted.attributes or {})
    assert unknown_method.name.startswith("HTTP")
    assert dict(unknown_method.attributes or {})["http.request.method"] == "_OTHER"


async def test_the_trace_state_of_the_request_is_continued(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    response = await client.get(
        "/things/5", headers={"traceparent": TRACEPARENT, "tracestate": "vendor=abc"}
    )

    assert response.status_code == 200
    [server_span] = spans.get_finished_spans()
    assert server_span.context.trace_state.get("vendor") == "abc"


async def test_a_request_is_one_server_span_without_a_span_per_asgi_message(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.get("/things/1")

    assert [span.kind for span in spans.get_finished_spans()] == [SpanKind.SERVER]


async def test_a_request_without_traceparent_starts_a_new_trace(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    await client.get("/things/1")

    [server_span] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert server_span.parent is None
    assert server_span.context.trace_id != int(TRACE_ID, 16)


async def test_probes_and_scrapes_are_not_traced(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        await client.get(path)

    assert spans.get_finished_spans() == ()


@pytest.mark.usefixtures("restore_root_logger")
async def test_a_log_record_emitted_in_a_request_carries_its_trace_and_request_ids(
    client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    stream = io.StringIO()
    configure_logging(service_name="probe", level="INFO", stream=stream)

    response = await client.get(
        "/things/7", headers={"traceparent": TRACEPARENT, "x-request-id": "req-7"}
    )

    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [record] = [line for line in lines if line["message"] == "fetched thing 7"]
    [server_span] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert record["trace_id"] == TRACE_ID
    assert record["span_id"] == format(server_span.context.span_id, "016x")
    assert record["request_id"] == "req-7"
    assert record["service"] == "probe"


def test_the_tracer_provider_names_the_service_and_its_environment() -> None:
    settings = ServiceSettings(service_name="feed", environment="prod")

    provider = build_tracer_provider(settings=settings)

    attributes = provider.resource.attributes
    assert attributes[SERVICE_NAME] == "feed"
    assert attributes["deployment.environment.name"] == "prod"
    provider.shutdown()


# The global tracer provider can be set once per process, so this runs in a fresh one.
_INSTALL_TWICE = """
import asyncio
from agora.servicekit import ServiceSettings, create_app
from agora.servicekit.tracing import install_tracing
from opentelemetry import trace

async def main() -> None:
    app = create_app(settings=ServiceSettings(service_name="feed", revocation_enabled=False))
    async with app.router.lifespan_context(app):
        installed = trace.get_tracer_provider()
        print(installed.resource.attributes["service.name"])
        print(install_tracing(settings=ServiceSettings(service_name="other")))
    print(trace.get_tracer_provider() is installed)

asyncio.run(main())
"""


def test_the_lifespan_installs_the_global_provider_once_and_keeps_an_existing_one() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _INSTALL_TWICE],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    printed = [line for line in result.stdout.splitlines() if not line.startswith("{")]
    assert printed == ["feed", "None", "True"]
    assert "a tracer provider is already installed" in result.stdout
