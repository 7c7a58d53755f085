"""Routes that read the caller's own notification inbox (marking read is a command).

Every route answers about the bearer of the token only: there is no way to name another
person's inbox. What the caller may no longer read (a community they left, a deleted post) is
filtered out of the list and of the unread count.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from agora.feed.api.notification_schemas import (
    MutedCommunityView,
    Notification,
    NotificationActor,
    NotificationList,
    NotificationSettings,
    NotificationTarget,
    UnreadNotifications,
)
from agora.feed.api.openapi import VALIDATION_FAILED, problems
from agora.feed.readside.notification_queries import (
    CURSOR_PATTERN,
    UNREAD_CAP,
    NotificationQueries,
    NotificationView,
)
from agora.servicekit.identity import CurrentIdentity

router = APIRouter(tags=["notifications"])


async def _queries(request: Request) -> NotificationQueries:
    queries: NotificationQueries = request.app.state.notifications
    return queries


Queries = Annotated[NotificationQueries, Depends(_queries)]
Cursor = Annotated[
    str | None,
    Query(
        pattern=CURSOR_PATTERN,
        max_length=14,
        description="The `next_cursor` of the previous page (absent: the newest notifications).",
        openapi_examples={"next": {"summary": "An older page", "value": "3:58"}},
    ),
]
Limit = Annotated[int, Query(ge=1, le=100, description="At most this many notifications.")]


@router.get(
    "/me/notifications",
    summary="List the caller's notifications",
    responses=problems(VALIDATION_FAILED),
)
async def list_notifications(
    *, identity: CurrentIdentity, queries: Queries, cursor: Cursor = None, limit: Limit = 20
) -> NotificationList:
    """The caller's notifications, newest first, with who did what, on what, and whether read."""
    page = await queries.page(identity.person_id, cursor=cursor, limit=limit)
    return NotificationList(
        items=[_notification(view) for view in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/me/notifications/unread-count",
    summary="Count the caller's unread notifications",
    responses=problems(),
)
async def unread_count(*, identity: CurrentIdentity, queries: Queries) -> UnreadNotifications:
    """How many notifications the caller has not read yet ("99+" past 99)."""
    unread = await queries.unread_count(identity.person_id)
    label = f"{UNREAD_CAP}+" if unread.capped else str(unread.count)
    return UnreadNotifications(count=unread.count, capped=unread.capped, label=label)


@router.get(
    "/me/notification-preferences",
    summary="Read the caller's notification preferences",
    responses=problems(),
)
async def notification_preferences(
    *, identity: CurrentIdentity, queries: Queries
) -> NotificationSettings:
    """The notification kinds the caller turned off and the communities they muted."""
    preferences = await queries.preferences(identity.person_id)
    return NotificationSettings(
        disabled_kinds=preferences.disabled_kinds,
        muted_communities=[
            MutedCommunityView(id=muted.community_id, name=muted.name)
            for muted in preferences.muted_communities
        ],
    )


def _notification(view: NotificationView) -> Notification:
    return Notification(
        id=view.id,
        kind=view.kind,
        created_at=view.created_at,
        updated_at=view.updated_at,
        read=view.read,
        actors=[
            NotificationActor(person_id=actor.person_id, display_name=actor.display_name)
            for actor in view.actors
        ],
        actor_count=view.actor_count,
        target=NotificationTarget(
            post_id=view.post_id, comment_id=view.comment_id, community_id=view.community_id
        ),
        text=view.text,
        preview=view.preview,
        resolution=view.resolution,
    )
