"""Turning aggregate states, read-model documents and outcomes into response bodies."""

from datetime import date
from typing import Any

from agora.communities.api.schemas import CommandResult, CommunitySummary, CommunityView
from agora.communities.domain.state import CommunityState
from agora.eventsourcing import CommandOutcome


def community_view(state: CommunityState, *, viewer: str) -> CommunityView:
    """A community as ``viewer`` sees it (callers have checked that they may)."""
    return CommunityView(
        id=state.community_id or "",
        name=state.name,
        description=state.description,
        tags=list(state.tags),
        kind=state.kind,
        visibility=state.visibility,
        end_date=state.end_date,
        archived=state.archived,
        member_count=len(state.members),
        charter_version=state.charter_version,
        charter_text=state.charter_text,
        my_role=state.role_of(viewer),
    )


def community_summary(document: dict[str, Any]) -> CommunitySummary:
    """A directory document as a list item."""
    end_date = document.get("end_date")
    return CommunitySummary(
        id=str(document["_id"]),
        name=document["name"],
        description=document["description"],
        tags=list(document["tags"]),
        kind=document["kind"],
        visibility=document["visibility"],
        end_date=date.fromisoformat(end_date) if end_date else None,
        archived=document["archived"],
        member_count=document.get("member_count", 0),
    )


def command_result(community_id: str, outcome: CommandOutcome[CommunityState]) -> CommandResult:
    """The answer to a command, derived only from what it stored (so retries get the same)."""
    return CommandResult(
        community_id=community_id,
        version=outcome.events[-1].streamversion,
        outcome=last_event_name(outcome),
    )


def last_event_name(outcome: CommandOutcome[CommunityState]) -> str:
    """The short name of the command's last event, e.g. ``member_joined``."""
    return outcome.events[-1].type.rsplit(".", 1)[-1]
