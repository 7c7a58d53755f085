"""``/api/v1/<service>/<path>``: authenticate, limit, note the activity, forward."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.convertors import Convertor, register_url_convertor
from starlette.routing import BaseRoute, Route

from agora.gateway.activity import ActivityRecorder
from agora.gateway.auth import Authenticator, Refusal
from agora.gateway.live import LiveHub
from agora.gateway.problems import (
    IDENTITY_PROVIDER_UNAVAILABLE_TYPE,
    ROLE_REQUIRED_TYPE,
    UNKNOWN_SERVICE_TYPE,
    gateway_problem,
    rate_limited,
    unauthorized,
)
from agora.gateway.ratelimit import RATE_LIMITED, TokenBuckets
from agora.gateway.upstream import API_PREFIX, METHODS, Forwarder
from agora.servicekit.identity import Identity

STREAM_NAME = "stream"
"""``/api/v1/stream`` is the gateway's own (live updates), never a service's path."""


class ServiceNameConvertor(Convertor[str]):
    """The ``<service>`` of ``/api/v1/<service>/...``: any segment but the gateway's own paths
    there, so the service routes can be matched first and still leave those to their routes."""

    regex = f"(?!{STREAM_NAME}$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("agora_service", ServiceNameConvertor())


@dataclass(frozen=True, slots=True, kw_only=True)
class Gateway:
    """What a routed request needs, built once per process by the app's lifespan."""

    authenticator: Authenticator
    forwarder: Forwarder
    person_limits: TokenBuckets
    activity: ActivityRecorder | None
    live: LiveHub | None = None
    """Live updates (``GET /api/v1/stream``); ``None`` when they are off."""


async def _gateway(request: Request) -> Gateway:
    # Async, though it awaits nothing: FastAPI runs a plain `def` dependency in a worker
    # thread, a thread hop on every request for an attribute lookup.
    gateway: Gateway = request.app.state.gateway
    return gateway


CurrentGateway = Annotated[Gateway, Depends(_gateway)]


async def admit(request: Request, gateway: Gateway) -> Identity | Response:
    """The authenticated caller within their rate limit, or the problem answering them."""
    caller = await gateway.authenticator.authenticate(request.headers.get("authorization"))
    if isinstance(caller, Refusal):
        if caller.status == 503:
            return gateway_problem(
                status=503,
                type_uri=IDENTITY_PROVIDER_UNAVAILABLE_TYPE,
                title="The identity provider is unavailable",
                detail=caller.detail,
                instance=request.url.path,
                headers={"Retry-After": "5"},
            )
        return unauthorized(detail=caller.detail, instance=request.url.path)
    wait = gateway.person_limits.take(caller.person_id)
    if wait > 0:
        RATE_LIMITED.labels("person").inc()
        return rate_limited(
            detail=f"At most {gateway.person_limits.rate:g} requests per second per person "
            f"(bursts of {gateway.person_limits.burst}).",
            instance=request.url.path,
            retry_after_seconds=wait,
        )
    return caller


async def route_to_service(request: Request) -> Response:
    """Forward an authenticated caller's request to the service its path names."""
    gateway: Gateway = request.app.state.gateway
    service: str = request.path_params["service"]
    caller = await admit(request, gateway)
    if isinstance(caller, Response):
        return caller
    route = gateway.forwarder.route(service)
    prefix = f"{API_PREFIX}/{service}".encode()
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    if route is None or not raw_path.startswith(prefix):
        return gateway_problem(
            status=404,
            type_uri=UNKNOWN_SERVICE_TYPE,
            title="No such service",
            detail=f"There is no service named {service!r}; the services are "
            f"{', '.join(sorted(gateway.forwarder.services))}.",
            instance=request.url.path,
        )
    if not gateway.authenticator.may_use(caller, service):
        roles = sorted(gateway.authenticator.required_roles(service))
        return gateway_problem(
            status=403,
            type_uri=ROLE_REQUIRED_TYPE,
            title="A platform role is required",
            detail=f"The {service} service is open to the roles {', '.join(roles)} only.",
            instance=request.url.path,
            service=service,
        )
    if gateway.activity is not None:
        gateway.activity.seen(caller.person_id)
    remainder = raw_path[len(prefix) :]
    return await gateway.forwarder.forward(request, route=route, remainder=remainder)


def service_routes() -> list[BaseRoute]:
    """The routes of ``/api/v1/<service>[/<path>]``, to put before every other route.

    Plain Starlette routes: the hot path of the gateway needs none of FastAPI's dependency
    solving or validation (it reads the path's service itself), which cost about a tenth of
    its CPU a request. First, so that a forwarded request is not matched against the health,
    metrics, docs and live-update routes before (a twentieth of its CPU); their paths are not
    of this shape, and ``/api/v1/stream`` is left out by the convertor.
    """
    return [
        Route(API_PREFIX + "/{service:agora_service}", route_to_service, methods=METHODS),
        Route(
            API_PREFIX + "/{service:agora_service}/{path:path}", route_to_service, methods=METHODS
        ),
    ]
