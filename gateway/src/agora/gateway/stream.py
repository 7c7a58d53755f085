"""``GET /api/v1/stream``: a person's live updates as Server-Sent Events, served by the gateway.

The stream carries signals only (``{"type": "timeline" | "notifications", "post_id": …}`` or
``{"type": "resync"}``), each with an ``id`` to send back as ``Last-Event-ID`` on reconnect;
the client then reads the timeline or notifications through the normal API. A comment line
every ``AGORA_LIVE_HEARTBEAT_SECONDS`` keeps proxies from closing an idle connection. The stream
ends when the token expires (reconnect with a fresh one). See ``live`` for the rest.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request, Response
from starlette.responses import StreamingResponse

from agora.gateway.live import LiveHub, Opened, Signal, TooManyStreamsError
from agora.gateway.problems import LIVE_UPDATES_OFF_TYPE, TOO_MANY_STREAMS_TYPE, gateway_problem
from agora.gateway.routes import STREAM_NAME, CurrentGateway, admit
from agora.gateway.upstream import API_PREFIX

STREAM_PATH = f"{API_PREFIX}/{STREAM_NAME}"
RECONNECT_MILLISECONDS = 3000
STREAM_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    # nginx (and ingress-nginx) buffer answers unless told not to: signals would sit there.
    "X-Accel-Buffering": "no",
}
HEARTBEAT = b": keepalive\n\n"

router = APIRouter(include_in_schema=False)


def sse_event(event_id: str, signal: Signal) -> bytes:
    """One signal as an SSE event (``id``, ``event`` and a one-line JSON ``data``)."""
    data: dict[str, str] = {"type": signal.kind}
    if signal.post_id is not None:
        data["post_id"] = signal.post_id
    payload = json.dumps(data, separators=(",", ":"))  # escapes line breaks: one data line
    return f"id: {event_id}\nevent: {signal.kind}\ndata: {payload}\n\n".encode()


@router.get(STREAM_PATH)
async def stream(request: Request, gateway: CurrentGateway) -> Response:
    """The caller's live updates: signals to refetch their timeline or notifications."""
    instance = request.url.path
    caller = await admit(request, gateway)
    if isinstance(caller, Response):
        return caller
    if gateway.live is None:
        return gateway_problem(
            status=404,
            type_uri=LIVE_UPDATES_OFF_TYPE,
            title="Live updates are off",
            detail="This gateway serves no live updates; read the timeline and notifications "
            "through the API.",
            instance=instance,
        )
    authorization = request.headers.get("authorization", "")
    token = authorization.partition(" ")[2].strip()
    expires_at = float(caller.claims.get("exp", time.time()))
    try:
        opened = gateway.live.open(
            person_id=caller.person_id,
            token=token,
            expires_at=expires_at,
            last_event_id=request.headers.get("last-event-id"),
        )
    except TooManyStreamsError as error:
        limit = "per person" if error.per_person else "in this gateway"
        return gateway_problem(
            status=429 if error.per_person else 503,
            type_uri=TOO_MANY_STREAMS_TYPE,
            title="Too many live-update streams",
            detail=f"The most streams open at once {limit} are already open; close one "
            "(every tab can share one stream).",
            instance=instance,
            headers={"Retry-After": "30"},
        )
    if gateway.activity is not None:
        gateway.activity.seen(caller.person_id)
    heartbeat = gateway.live.limits.heartbeat_seconds
    person_id = caller.person_id
    return StreamingResponse(
        live_events(
            gateway.live,
            opened,
            heartbeat=heartbeat,
            expires_at=expires_at,
            allowed=lambda: gateway.authenticator.has_access(person_id),
        ),
        headers=STREAM_HEADERS,
    )


async def live_events(
    hub: LiveHub,
    opened: Opened,
    *,
    heartbeat: float,
    expires_at: float,
    allowed: Callable[[], bool],
) -> AsyncIterator[bytes]:
    """The stream's bytes until its token expires or its person's access ends (``allowed``
    is asked before every signal and heartbeat: a person who left gets nothing more)."""
    subscription = opened.subscription
    try:
        yield f"retry: {RECONNECT_MILLISECONDS}\n\n".encode()
        for signal in opened.replay:
            yield sse_event(hub.event_id(signal), signal)
        while allowed() and (remaining := expires_at - time.time()) > 0:
            try:
                signal = await asyncio.wait_for(
                    subscription.queue.get(), timeout=min(heartbeat, remaining)
                )
            except TimeoutError:
                yield HEARTBEAT
                continue
            if not allowed():
                break
            yield sse_event(hub.event_id(signal), signal)
            if subscription.overflowed and subscription.queue.empty():
                subscription.overflowed = False
                resync = hub.resync()
                yield sse_event(hub.event_id(resync), resync)
    finally:
        # Also when the client went away: Starlette cancels this generator on disconnect.
        hub.close(subscription)
