"""Who acts and what they ask for: the inputs of the feed's decisions, already validated.

The API turns request bodies into these; ids the server assigns (posts, comments, reports) are
chosen before deciding, so a decision stays a pure function of its inputs.
"""

from dataclasses import dataclass
from datetime import datetime

from agora.feed.domain.events import PlaceKind, PostKind, Praise, ResultsVisibility, WorkItem

PLATFORM_ADMIN = "platform-admin"
"""The platform role that moderates profile posts."""


@dataclass(frozen=True)
class Actor:
    """The verified caller: their person id and platform roles."""

    person_id: str
    roles: frozenset[str] = frozenset()

    @property
    def is_platform_admin(self) -> bool:
        """Whether the identity provider made the caller a platform administrator."""
        return PLATFORM_ADMIN in self.roles


@dataclass(frozen=True)
class PlaceRef:
    """Where a post should go: a community by id, or the author's own profile."""

    kind: PlaceKind
    id: str


@dataclass(frozen=True)
class PollSpec:
    """The options (labels, in order) and closing of a new poll."""

    labels: tuple[str, ...]
    closes_at: datetime
    results_visibility: ResultsVisibility = "always"


@dataclass(frozen=True)
class PublishPost:
    """Publish a post of any kind."""

    post_id: str
    place: PlaceRef
    kind: PostKind
    text: str
    tags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    work_item: WorkItem | None = None
    praise: Praise | None = None
    poll: PollSpec | None = None


@dataclass(frozen=True)
class OpenWorkItemThread:
    """Find or open the conversation about one work item in one community."""

    post_id: str
    """Derived from the community and the work item (``work_item_post_id``)."""
    community_id: str
    work_item: WorkItem
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SharePost:
    """Share an existing post as a new post, with the sharer's comment."""

    post_id: str
    """The new post's id."""
    place: PlaceRef
    text: str


@dataclass(frozen=True)
class EditPost:
    """Change a post's text; ``None`` keeps the tags or mentions as they are."""

    text: str
    tags: tuple[str, ...] | None = None
    mentions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class AddComment:
    """Comment on a post, or reply to one of its top-level comments."""

    comment_id: str
    text: str
    mentions: tuple[str, ...] = ()
    parent_comment_id: str | None = None


@dataclass(frozen=True)
class EditComment:
    """Change a comment's text; ``None`` keeps its mentions."""

    comment_id: str
    text: str
    mentions: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Report:
    """Report a post (``comment_id`` unset) or one of its comments to the moderators."""

    report_id: str
    reason: str
    comment_id: str | None = None
