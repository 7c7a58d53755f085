"""Agora's service kit: settings, app factory, problems, health, metrics, logs and traces."""

from agora.servicekit.app import ServiceLifespan, create_app
from agora.servicekit.health import ReadinessCheck, ReadinessFailure
from agora.servicekit.models import ApiModel
from agora.servicekit.problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPE_BASE,
    ProblemDetails,
    ProblemRegistry,
    default_problem_registry,
)
from agora.servicekit.serve import run
from agora.servicekit.settings import ServiceSettings

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPE_BASE",
    "ApiModel",
    "ProblemDetails",
    "ProblemRegistry",
    "ReadinessCheck",
    "ReadinessFailure",
    "ServiceLifespan",
    "ServiceSettings",
    "create_app",
    "default_problem_registry",
    "run",
]
