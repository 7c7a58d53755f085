"""Who may see what (README, "Who sees what").

* Organisation-wide figures (``/org/...``): people with an analyst role (``analyst`` or
  ``platform-admin`` by default).
* A community's health: its current owners and managers; analysts too, unless the community
  is secret. A secret community is answered 404 to everyone else, exactly like a missing one.
* The personal view: only ever the caller's own.
"""

from agora.metrics.api.errors import (
    CommunityNotFoundError,
    NotACommunityManagerError,
    OrganisationFiguresForbiddenError,
)
from agora.metrics.engine.keys import community_entity
from agora.metrics.readside.store import Document, ReadStore
from agora.servicekit.identity import Identity


def is_analyst(identity: Identity, analyst_roles: tuple[str, ...]) -> bool:
    """Whether the caller may read organisation-wide figures."""
    return any(identity.has_role(role) for role in analyst_roles)


def require_analyst(identity: Identity, analyst_roles: tuple[str, ...]) -> None:
    """Refuse organisation-wide figures to anyone but analysts."""
    if not is_analyst(identity, analyst_roles):
        raise OrganisationFiguresForbiddenError(
            "organisation-wide figures need one of the roles " + ", ".join(analyst_roles)
        )


async def known_community(store: ReadStore, community_id: str) -> Document:
    """A community that exists and is not secret, for organisation filters and groups."""
    community = await store.entity(community_entity(community_id))
    if community is None or community.get("created") is None:
        raise CommunityNotFoundError(f"community {community_id!r} does not exist")
    if community.get("visibility") == "secret":
        raise CommunityNotFoundError(f"community {community_id!r} does not exist")
    return community


async def community_for_health(
    store: ReadStore, community_id: str, identity: Identity, analyst_roles: tuple[str, ...]
) -> Document:
    """The community whose health the caller may read, or the refusal."""
    community = await store.entity(community_entity(community_id))
    if community is None or community.get("created") is None:
        raise CommunityNotFoundError(f"community {community_id!r} does not exist")
    manager = identity.person_id in community.get("managers", [])
    if community.get("visibility") == "secret":
        if not manager:
            raise CommunityNotFoundError(f"community {community_id!r} does not exist")
        return community
    if not manager and not is_analyst(identity, analyst_roles):
        raise NotACommunityManagerError(
            "a community's health is for its owners and managers, and analysts"
        )
    return community
