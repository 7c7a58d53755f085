"""How the profiles service's errors are shown to clients (RFC 9457 problem types)."""

from agora.profiles.domain.errors import (
    NotAllowedError,
    PersonDeactivatedError,
    PersonNotFoundError,
    SelfActionError,
    SkillNotDeclaredError,
)
from agora.profiles.service import StaleVersionError
from agora.servicekit import PROBLEM_TYPE_BASE, ProblemRegistry, default_problem_registry


class PreconditionRequiredError(Exception):
    """An update was sent without ``If-Match`` (HTTP 428)."""


def profiles_problems() -> ProblemRegistry:
    """The kit's problem types plus the profiles service's own."""
    problems = default_problem_registry()
    problems.register(
        PersonNotFoundError,
        status=404,
        type_uri=f"{PROBLEM_TYPE_BASE}person-not-found",
        title="No such person",
    )
    problems.register(
        NotAllowedError,
        status=403,
        type_uri=f"{PROBLEM_TYPE_BASE}not-allowed",
        title="You are not allowed to do this",
    )
    problems.register(
        SelfActionError,
        status=422,
        type_uri=f"{PROBLEM_TYPE_BASE}self-action",
        title="This cannot be done to oneself",
    )
    problems.register(
        SkillNotDeclaredError,
        status=409,
        type_uri=f"{PROBLEM_TYPE_BASE}skill-not-declared",
        title="The person has not declared this skill",
    )
    problems.register(
        PersonDeactivatedError,
        status=409,
        type_uri=f"{PROBLEM_TYPE_BASE}person-deactivated",
        title="The person has left the company",
    )
    problems.register(
        StaleVersionError,
        status=412,
        type_uri=f"{PROBLEM_TYPE_BASE}stale-version",
        title="The profile changed since the version in If-Match",
    )
    problems.register(
        PreconditionRequiredError,
        status=428,
        type_uri=f"{PROBLEM_TYPE_BASE}if-match-required",
        title="This update needs an If-Match header",
    )
    return problems
