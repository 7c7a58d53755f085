"""How the search service's refusals are shown to clients (RFC 9457 problem types)."""

from agora.search.queries.elastic import SearchUnavailableError
from agora.servicekit import PROBLEM_TYPE_BASE, ProblemRegistry, default_problem_registry

SEARCH_UNAVAILABLE_TYPE = f"{PROBLEM_TYPE_BASE}search/{SearchUnavailableError.slug}"


def search_problems() -> ProblemRegistry:
    """The default problems plus "search is unavailable" (503)."""
    registry = default_problem_registry()
    registry.register(
        SearchUnavailableError,
        status=SearchUnavailableError.status,
        type_uri=SEARCH_UNAVAILABLE_TYPE,
        title=SearchUnavailableError.title,
    )
    return registry
