"""The refusals of the metrics API, each shown as an RFC 9457 problem type."""

from typing import ClassVar

from agora.servicekit import PROBLEM_TYPE_BASE, ProblemRegistry, default_problem_registry


class MetricsError(Exception):
    """A refusal; ``status``, ``slug`` and ``title`` make its problem type."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "metrics-error"
    title: ClassVar[str] = "The request was refused"


class OrganisationFiguresForbiddenError(MetricsError):
    """Organisation-wide figures are for analysts and platform administrators."""

    status = 403
    slug = "organisation-figures-forbidden"
    title = "Organisation-wide figures are for analysts"


class CommunityNotFoundError(MetricsError):
    """No such community, or a secret one the caller does not manage (the same answer)."""

    status = 404
    slug = "community-not-found"
    title = "No such community"


class NotACommunityManagerError(MetricsError):
    """A community's health is for its owners and managers (and analysts)."""

    status = 403
    slug = "not-a-community-manager"
    title = "Only the community's owners and managers see its health"


class InvalidQueryError(MetricsError):
    """The grouping or the combination of filters asked for cannot be answered."""

    status = 422
    slug = "invalid-query"
    title = "The query cannot be answered"


class InvalidDateRangeError(MetricsError):
    """``from`` or ``to`` is not a day, the range is backwards, or it is too long."""

    status = 400
    slug = "invalid-date-range"
    title = "The date range is not valid"


ALL_ERRORS: tuple[type[MetricsError], ...] = (
    OrganisationFiguresForbiddenError,
    CommunityNotFoundError,
    NotACommunityManagerError,
    InvalidQueryError,
    InvalidDateRangeError,
)


def problem_type_uri(error: type[MetricsError]) -> str:
    """The problem type URI clients receive for ``error``."""
    return f"{PROBLEM_TYPE_BASE}metrics/{error.slug}"


def metrics_problems() -> ProblemRegistry:
    """The default problems plus one problem type per metrics refusal."""
    registry = default_problem_registry()
    for error in ALL_ERRORS:
        registry.register(
            error, status=error.status, type_uri=problem_type_uri(error), title=error.title
        )
    return registry
