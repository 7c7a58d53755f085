"""The generic pieces of a service's OpenAPI document: documented problems and successes."""

import httpx
import pytest
from fastapi import FastAPI

from agora.servicekit.commands import IdempotencyKey
from agora.servicekit.openapi import (
    PROBLEM_SCHEMA_REF,
    Problem,
    complete_openapi,
    merge,
    problem_responses,
    success,
    validation_failed,
)
from agora.servicekit.problems import ABOUT_BLANK, PROBLEM_MEDIA_TYPE, ProblemDetails

pytestmark = pytest.mark.unit


def test_every_route_documents_401_with_its_bearer_challenge() -> None:
    responses = problem_responses()

    assert list(responses) == [401]
    assert "WWW-Authenticate" in responses[401]["headers"]
    media = responses[401]["content"][PROBLEM_MEDIA_TYPE]
    assert media["schema"] == {"$ref": PROBLEM_SCHEMA_REF}
    ProblemDetails.model_validate(media["examples"]["unauthorized"]["value"])


def test_problems_of_one_status_share_a_response_with_the_service_s_description() -> None:
    responses = problem_responses(
        validation_failed("name"), validation_failed("text"), descriptions={422: "Not valid here"}
    )

    assert responses[422]["description"] == "Not valid here"
    examples = responses[422]["content"][PROBLEM_MEDIA_TYPE]["examples"]
    # Problems are named: the later one of a name is the one shown.
    assert examples["validation-failed"]["value"]["errors"][0]["location"] == ["body", "text"]


def test_a_status_the_service_does_not_describe_gets_its_reason_phrase() -> None:
    gone = Problem(
        name="gone",
        status=410,
        type_uri=ABOUT_BLANK,
        title="Gone",
        detail="the post was deleted",
        summary="A deleted post",
    )

    assert problem_responses(gone)[410]["description"] == "Gone"


def test_merging_combines_what_each_part_says_of_one_status() -> None:
    merged = merge(
        success(200, "Done", {"done": ("Done", {"id": "1"})}),
        {200: {"model": dict}},
        problem_responses(),
    )

    assert merged[200]["description"] == "Done"
    assert merged[200]["model"] is dict
    assert 401 in merged


async def test_every_operation_taking_a_body_documents_the_400_of_an_undecodable_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    """Found by fuzzing through the gateway: a body that is not UTF-8 gets FastAPI's 400,
    which the documents of the services taking bodies did not list."""
    complete_openapi(app)

    document = app.openapi()
    answer = await client.post(
        "/things", content=b"\xff\xfe{", headers={"Content-Type": "application/json"}
    )

    creating = document["paths"]["/things"]["post"]["responses"]
    assert list(creating) == sorted(creating)
    media = creating["400"]["content"][PROBLEM_MEDIA_TYPE]
    assert media["schema"] == {"$ref": PROBLEM_SCHEMA_REF}
    assert "400" not in document["paths"]["/things/{thing_id}"]["get"]["responses"]
    assert answer.status_code == 400
    assert answer.headers["content-type"] == PROBLEM_MEDIA_TYPE
    example = next(iter(media["examples"].values()))["value"]
    assert {key: answer.json()[key] for key in example} == example


def test_an_optional_header_is_documented_as_a_string_not_as_nullable(app: FastAPI) -> None:
    """Found by fuzzing: ``Idempotency-Key`` was documented as "string or null", a value no
    HTTP header can carry."""

    @app.post("/keyed", status_code=204)
    async def keyed(key: IdempotencyKey = None) -> None:
        return None

    complete_openapi(app)

    parameters = app.openapi()["paths"]["/keyed"]["post"]["parameters"]
    (header,) = [parameter for parameter in parameters if parameter["in"] == "header"]
    assert header["name"] == "Idempotency-Key"
    assert header["required"] is False
    assert header["schema"]["type"] == "string"
    assert header["schema"]["maxLength"] == 200
    assert "anyOf" not in header["schema"]
