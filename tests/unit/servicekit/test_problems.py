import logging

import httpx
import pytest

from agora.servicekit import ProblemRegistry, default_problem_registry
from agora.servicekit.problems import (
    CONCURRENCY_PROBLEM_TYPE,
    GENERIC_SERVER_ERROR_DETAIL,
    IDEMPOTENCY_PROBLEM_TYPE,
    MAX_REPORTED_VALIDATION_ERRORS,
    PROBLEM_TYPE_BASE,
    VALIDATION_PROBLEM_TYPE,
    validation_problem,
)

from .probe_service import LEAKED_SECRET, problem_of

pytestmark = pytest.mark.unit


async def test_an_invalid_body_is_a_422_problem_listing_each_error(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "", "count": "many"})

    assert response.status_code == 422
    problem = problem_of(response)
    assert problem["type"] == VALIDATION_PROBLEM_TYPE
    assert problem["instance"] == "/things"
    errors = {tuple(error["location"]): error for error in problem["errors"]}
    assert errors.keys() == {("body", "name"), ("body", "count")}
    assert errors[("body", "count")]["type"] == "int_parsing"
    assert errors[("body", "name")]["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/things", {"name": ""}, 422),
        ("GET", "/nowhere", None, 404),
        ("POST", "/conflict", None, 409),
    ],
)
async def test_behind_the_gateway_a_problem_names_the_path_the_client_used(
    client: httpx.AsyncClient, method: str, path: str, body: object, status: int
) -> None:
    """Found by fuzzing through the gateway: ``instance`` was the service's own path, which
    the client never sent; the gateway says under which prefix it serves the service."""
    response = await client.request(
        method, path, json=body, headers={"X-Forwarded-Prefix": "/api/v1/things-service"}
    )

    assert response.status_code == status
    assert problem_of(response)["instance"] == f"/api/v1/things-service{path}"


@pytest.mark.parametrize("prefix", ["api/v1", "/api/../admin", "https://evil.example/x", "/a b"])
async def test_a_forwarded_prefix_that_is_not_a_plain_path_is_ignored(
    client: httpx.AsyncClient, prefix: str
) -> None:
    response = await client.get("/nowhere", headers={"X-Forwarded-Prefix": prefix})

    assert problem_of(response)["instance"] == "/nowhere"


async def test_a_validation_problem_never_echoes_the_input(client: httpx.AsyncClient) -> None:
    huge_name = "n" * 900

    response = await client.post("/things", json={"name": huge_name, "count": 1})

    assert response.status_code == 422
    assert huge_name not in response.text
    assert all(set(error) == {"location", "message", "type"} for error in response.json()["errors"])


async def test_an_unknown_field_is_a_422_problem_not_silently_dropped(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/things", json={"name": "a", "count": 1, "colour": "red"})

    assert response.status_code == 422
    [error] = problem_of(response)["errors"]
    assert error["location"] == ["body", "colour"]
    assert error["type"] == "extra_forbidden"


async def test_malformed_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b'{"name": ', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    assert problem_of(response)["errors"][0]["type"] == "json_invalid"


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")

    assert response.status_code == 404
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/nowhere",
        "request_id": response.headers["x-request-id"],
    }


async def test_a_wrong_method_is_a_405_problem_that_keeps_the_allow_header(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/things")

    assert response.status_code == 405
    assert problem_of(response)["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "POST"


async def test_a_concurrency_error_raised_in_a_route_is_a_409_problem(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/conflict")

    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"] == CONCURRENCY_PROBLEM_TYPE
    assert problem["type"].startswith(PROBLEM_TYPE_BASE)
    assert "expected version 3" in problem["detail"]
    assert problem["request_id"] == response.headers["x-request-id"]


async def test_a_reused_idempotency_key_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post("/idempotency")

    assert response.status_code == 422
    assert problem_of(response)["type"] == IDEMPOTENCY_PROBLEM_TYPE


async def test_a_service_registered_domain_error_gets_its_own_status_and_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/quota")

    assert response.status_code == 429
    problem = problem_of(response)
    assert problem["type"] == "https://agora.example/problems/quota-exceeded"
    assert problem["title"] == "Too many things today"
    assert problem["detail"] == "you have made 100 things today"


async def test_an_unexpected_exception_is_a_generic_500_problem_without_internals(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        response = await client.get("/boom")

    assert response.status_code == 500
    problem = problem_of(response)
    assert problem["title"] == "Internal Server Error"
    assert problem["detail"] == GENERIC_SERVER_ERROR_DETAIL
    for internal in (LEAKED_SECRET, "RuntimeError", "Traceback", "mongodb"):
        assert internal not in response.text
    [record] = [r for r in caplog.records if r.name == "agora.servicekit.middleware"]
    assert record.exc_info is not None
    assert LEAKED_SECRET in str(record.exc_info[1])


async def test_a_mapped_5xx_error_hides_its_message_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/unknown-event")

    assert response.status_code == 500
    assert problem_of(response)["detail"] == GENERIC_SERVER_ERROR_DETAIL
    assert "ThingRenamed" not in response.text


def test_the_most_specific_registered_class_wins() -> None:
    class BaseError(Exception):
        pass

    class SpecificError(BaseError):
        pass

    class MoreSpecificError(SpecificError):
        pass

    registry = ProblemRegistry()
    registry.register(BaseError, status=400, type_uri="urn:base", title="base")
    registry.register(SpecificError, status=404, type_uri="urn:specific", title="specific")

    resolved = registry.resolve(MoreSpecificError())

    assert resolved is not None
    assert resolved.type_uri == "urn:specific"
    assert registry.resolve(ValueError()) is None


def test_registering_a_class_twice_or_a_non_error_status_is_refused() -> None:
    registry = default_problem_registry()
    registry.register(KeyError, status=404, type_uri="urn:a", title="a")

    with pytest.raises(ValueError, match="already registered"):
        registry.register(KeyError, status=410, type_uri="urn:b", title="b")
    with pytest.raises(ValueError, match="4xx or 5xx"):
        registry.register(LookupError, status=302, type_uri="urn:c", title="c")


def test_a_flood_of_validation_errors_is_reported_only_in_part() -> None:
    flood = [
        {"loc": ("body", n), "msg": "Input should be a valid integer", "type": "int_parsing"}
        for n in range(MAX_REPORTED_VALIDATION_ERRORS + 50)
    ]

    problem = validation_problem(errors=flood, instance="/things")

    assert problem.errors is not None
    assert len(problem.errors) == MAX_REPORTED_VALIDATION_ERRORS
    assert problem.detail is not None
    assert str(len(flood)) in problem.detail
