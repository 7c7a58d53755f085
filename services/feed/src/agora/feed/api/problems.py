"""How the feed rules' refusals are shown to clients (RFC 9457 problem types)."""

from agora.feed.domain.errors import ALL_ERRORS, FeedError
from agora.feed.service import StaleVersionError
from agora.servicekit import PROBLEM_TYPE_BASE, ProblemRegistry, default_problem_registry


def problem_type_uri(error: type[FeedError]) -> str:
    """The problem type URI clients receive for ``error``."""
    return f"{PROBLEM_TYPE_BASE}feed/{error.slug}"


def feed_problems() -> ProblemRegistry:
    """The default problems plus one problem type per feed error."""
    registry = default_problem_registry()
    errors: tuple[type[FeedError], ...] = (*ALL_ERRORS, StaleVersionError)
    for error in errors:
        registry.register(
            error, status=error.status, type_uri=problem_type_uri(error), title=error.title
        )
    return registry
