"""How the community rules' refusals are shown to clients (RFC 9457 problem types)."""

from agora.communities.domain.errors import ALL_ERRORS, CommunityError
from agora.communities.service import StaleVersionError
from agora.servicekit import PROBLEM_TYPE_BASE, ProblemRegistry, default_problem_registry


def community_problems() -> ProblemRegistry:
    """The default problems plus one problem type per community error."""
    registry = default_problem_registry()
    errors: tuple[type[CommunityError], ...] = (*ALL_ERRORS, StaleVersionError)
    for error in errors:
        registry.register(
            error,
            status=error.status,
            type_uri=f"{PROBLEM_TYPE_BASE}communities/{error.slug}",
            title=error.title,
        )
    return registry
