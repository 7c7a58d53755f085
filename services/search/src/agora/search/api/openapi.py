"""The search service's problems in the OpenAPI document (every read answers the same ones)."""

from agora.search.api.problems import SEARCH_UNAVAILABLE_TYPE
from agora.search.queries.elastic import SearchUnavailableError
from agora.servicekit.openapi import OpenApiResponses, Problem, problem_responses
from agora.servicekit.problems import VALIDATION_PROBLEM_TYPE

_STATUS_DESCRIPTIONS = {
    503: "The search cluster did not answer; retry shortly",
}
INVALID_QUERY = Problem(
    name="validation-failed",
    status=422,
    type_uri=VALIDATION_PROBLEM_TYPE,
    title="The request is not valid",
    detail="1 part(s) of the request are not valid.",
    summary="A query parameter is out of range or malformed",
    errors=[
        {
            "location": ["query", "limit"],
            "message": "Input should be less than or equal to 50",
            "type": "less_than_equal",
        }
    ],
)
SEARCH_UNAVAILABLE = Problem(
    name=SearchUnavailableError.slug,
    status=SearchUnavailableError.status,
    type_uri=SEARCH_UNAVAILABLE_TYPE,
    title=SearchUnavailableError.title,
    detail="the search cluster did not answer in time",
    summary="Elasticsearch is down or overloaded",
)


def read_problems() -> OpenApiResponses:
    """What every search can answer besides its result: 401, 422 and 503."""
    return problem_responses(INVALID_QUERY, SEARCH_UNAVAILABLE, descriptions=_STATUS_DESCRIPTIONS)
