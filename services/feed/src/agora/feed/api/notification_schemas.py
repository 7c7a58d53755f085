"""Response bodies of the caller's notification inbox."""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from agora.feed.api import examples
from agora.feed.domain.events import NotificationKind
from agora.servicekit import ApiModel

REACTIONS_ID = f"reactions:{examples.POST_ID}:-:1"
_KARIM: JsonDict = {"person_id": examples.OTHER_PERSON_ID, "display_name": "Karim Benali"}
_REACTION_NOTIFICATION: JsonDict = {
    "id": REACTIONS_ID,
    "kind": "reaction",
    "created_at": "2026-11-23T09:12:00Z",
    "updated_at": "2026-11-23T10:47:00Z",
    "read": False,
    "actors": [
        {"person_id": "ana.silva", "display_name": "Ana Silva"},
        _KARIM,
        {"person_id": "li.wei", "display_name": "Li Wei"},
    ],
    "actor_count": 12,
    "target": {"post_id": examples.POST_ID, "comment_id": None, "community_id": None},
    "text": "Ana Silva and 11 others reacted to your post",
    "preview": "Retour d'expérience : la migration vers Kubernetes 1.31 s'est bien passée.",
    "resolution": None,
}
_COMMENT_TARGET: JsonDict = {
    "post_id": examples.POST_ID,
    "comment_id": examples.COMMENT_ID,
    "community_id": examples.COMMUNITY_ID,
}
_KUBERNETES: JsonDict = {"id": examples.COMMUNITY_ID, "name": "Communauté Kubernetes"}
_COMMENT_NOTIFICATION: JsonDict = {
    "id": "0d4f3a6e-2b1c-4e8f-9a7d-5c3b2a1f0e9d",
    "kind": "comment",
    "created_at": "2026-11-23T08:30:00Z",
    "updated_at": "2026-11-23T08:30:00Z",
    "read": True,
    "actors": [_KARIM],
    "actor_count": 1,
    "target": _COMMENT_TARGET,
    "text": "Karim Benali commented on your post",
    "preview": "Same here: we drained the nodes one pool at a time.",
    "resolution": None,
}


class NotificationActor(ApiModel):
    """A person who did what the notification tells."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_KARIM, {"person_id": "jean.dupont", "display_name": None}]}
    )

    person_id: str
    display_name: str | None = Field(
        description="Their name as the directory shows it (absent for an erased person)."
    )


class NotificationTarget(ApiModel):
    """What the notification is about: a post, a comment of it, and/or a community."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_COMMENT_TARGET, _REACTION_NOTIFICATION["target"]]}
    )

    post_id: str | None
    comment_id: str | None
    community_id: str | None


class Notification(ApiModel):
    """One notification of the caller's inbox."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [_REACTION_NOTIFICATION, _COMMENT_NOTIFICATION]}
    )

    id: str = Field(description="The id to give `POST /me/notifications/read`.")
    kind: NotificationKind
    created_at: datetime
    updated_at: datetime = Field(
        description="When it last changed (a reaction group changes as people react)."
    )
    read: bool
    actors: list[NotificationActor] = Field(
        description="The most recent people (at most three); `actor_count` counts them all."
    )
    actor_count: int
    target: NotificationTarget
    text: str = Field(description='What happened, e.g. "Ana and 11 others reacted to your post".')
    preview: str | None = Field(
        description="The start of the post or comment; absent when it is gone or hidden."
    )
    resolution: Literal["approved", "rejected"] | None = Field(
        description="For a join request: what a manager decided (absent while pending)."
    )


class NotificationList(ApiModel):
    """A page of the caller's notifications, newest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [_REACTION_NOTIFICATION, _COMMENT_NOTIFICATION], "next_cursor": "3:58"},
                {"items": [], "next_cursor": None},
            ]
        }
    )

    items: list[Notification]
    next_cursor: str | None = Field(
        description="Give it as `cursor` for the next, older page; absent on the last page."
    )


class UnreadNotifications(ApiModel):
    """How many of the caller's notifications are unread."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"count": 4, "capped": False, "label": "4"},
                {"count": 99, "capped": True, "label": "99+"},
            ]
        }
    )

    count: int = Field(ge=0, le=99, description="Unread notifications, at most 99.")
    capped: bool = Field(description="Whether there are more than 99.")
    label: str = Field(description='What a badge shows: the count, or "99+".')


class MutedCommunityView(ApiModel):
    """A community whose notifications the caller muted."""

    model_config = ConfigDict(json_schema_extra={"examples": [_KUBERNETES]})

    id: str
    name: str


class NotificationSettings(ApiModel):
    """What the caller chose not to be notified of."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "disabled_kinds": ["reaction"],
                    "muted_communities": [_KUBERNETES],
                },
                {"disabled_kinds": [], "muted_communities": []},
            ]
        }
    )

    disabled_kinds: list[NotificationKind] = Field(
        description="Kinds that are not delivered (every other kind is)."
    )
    muted_communities: list[MutedCommunityView] = Field(
        description="Communities that deliver only mentions and praise to the caller."
    )
