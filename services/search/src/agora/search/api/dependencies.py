"""Route dependencies: the backend, the searcher (with their memberships), the clock, and the
query parameters several routes share."""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from agora.search.queries.elastic import SearchBackend
from agora.search.queries.searcher import Searcher, load_searcher
from agora.search.sidemodel.store import ActiveSideModel
from agora.servicekit.identity import CurrentIdentity

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PERSON_ID_PATTERN = r"^[A-Za-z0-9_.@:-]{1,128}$"
SYSTEM_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,39}$"
MAX_OFFSET = 500


async def _backend(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.backend
    return backend


async def _searcher(request: Request, identity: CurrentIdentity) -> Searcher:
    side_model: ActiveSideModel = request.app.state.side_model
    return await load_searcher(side_model, identity.person_id)


async def _now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


Backend = Annotated[SearchBackend, Depends(_backend)]
CurrentSearcher = Annotated[Searcher, Depends(_searcher)]
Now = Annotated[datetime, Depends(_now)]
SearchText = Annotated[
    str,
    Query(
        max_length=200,
        description="Free text, in French or English (accents, plurals and skill aliases such "
        "as `k8s` are understood).",
        openapi_examples={"fr": {"value": "réseau kubernetes"}, "en": {"value": "ingress tls"}},
    ),
]
Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="How many results to skip (paging).")
]
