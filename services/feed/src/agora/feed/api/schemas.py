"""Request and response bodies of the feed's commands.

Every body refuses unknown fields and bounds every size; user text is kept exactly as sent
(only a text of nothing but white space is refused). Tags are normalised (``#Kubernetes`` →
``kubernetes``) and checked here, so the rules receive clean values.
"""

from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, ConfigDict, Field, model_validator
from pydantic import StringConstraints as Text

from agora.feed.api import examples
from agora.feed.content import is_valid_tag, normalise_tag
from agora.feed.domain.decisions import (
    MAX_MENTIONS,
    MAX_POLL_OPTIONS,
    MAX_PRAISED,
    MAX_READ_MARKS,
    MAX_TAGS,
    MIN_POLL_OPTIONS,
)
from agora.feed.domain.events import (
    NotificationKind,
    PlaceKind,
    PostKind,
    Reaction,
    ResultsVisibility,
)
from agora.servicekit import ApiModel

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
PERSON_ID_PATTERN = r"^[A-Za-z0-9_.@:-]{1,128}$"
SYSTEM_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,39}$"
ITEM_ID_PATTERN = r"^[^\x00-\x1f\x7f]{1,200}$"
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+[^\s]*$"
MAX_POST_TEXT = 10_000
MAX_COMMENT_TEXT = 5_000


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("the text must not be blank")
    return text


def _tag(tag: str) -> str:
    normalised = normalise_tag(tag)
    if not is_valid_tag(normalised):
        raise ValueError(
            "a tag is 1 to 50 of a-z, 0-9, '_' and '-', starting with a letter or a digit"
        )
    return normalised


Id = Annotated[str, Text(pattern=ID_PATTERN)]
PersonId = Annotated[str, Text(pattern=PERSON_ID_PATTERN)]
PostText = Annotated[str, Text(min_length=1, max_length=MAX_POST_TEXT), AfterValidator(_not_blank)]
ShareText = Annotated[str, Text(max_length=MAX_POST_TEXT)]
CommentText = Annotated[
    str, Text(min_length=1, max_length=MAX_COMMENT_TEXT), AfterValidator(_not_blank)
]
Reason = Annotated[str, Text(min_length=1, max_length=1000), AfterValidator(_not_blank)]
Tag = Annotated[str, Text(min_length=1, max_length=60), AfterValidator(_tag)]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS)]
Mentions = Annotated[
    list[PersonId],
    Field(max_length=MAX_MENTIONS, description="Ids of the people mentioned (duplicates merged)."),
]
Url = Annotated[str, Text(max_length=2000, pattern=URL_PATTERN)]
OptionLabel = Annotated[str, Text(min_length=1, max_length=200), AfterValidator(_not_blank)]


class PostPlace(ApiModel):
    """Where a post goes: a community (by id) or the caller's own profile."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [examples.COMMUNITY_PLACE, examples.PROFILE_PLACE]}
    )

    kind: PlaceKind
    id: Annotated[str, Text(pattern=PERSON_ID_PATTERN)] | None = Field(
        default=None,
        description="The community's id; for a profile post, omitted (or the caller's own id).",
    )

    @model_validator(mode="after")
    def _community_named(self) -> Self:
        if self.kind == "community" and self.id is None:
            raise ValueError("a community post names its community's id")
        return self


class WorkItemRef(ApiModel):
    """The item in another business tool the conversation is about."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "system": "jira",
                    "item_id": "OPS-1234",
                    "url": "https://jira.example.com/browse/OPS-1234",
                    "title": "Rotate ingress certificates",
                },
                {"system": "github", "item_id": "agora/feed#42"},
            ]
        }
    )

    system: Annotated[str, Text(pattern=SYSTEM_PATTERN)] = Field(
        description="The tool, in lower case: `jira`, `github`, `salesforce`..."
    )
    item_id: Annotated[str, Text(pattern=ITEM_ID_PATTERN)]
    url: Url | None = None
    title: Annotated[str, Text(min_length=1, max_length=300)] | None = None


class PraiseDetails(ApiModel):
    """Who a praise thanks (not its author) and, optionally, for which skill."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"person_ids": [examples.OTHER_PERSON_ID], "skill": "kubernetes"}]
        }
    )

    person_ids: Annotated[list[PersonId], Field(min_length=1, max_length=MAX_PRAISED)]
    skill: Annotated[str, Text(min_length=1, max_length=100)] | None = None


class PollDetails(ApiModel):
    """A poll's options (ids are assigned in order: ``o1``, ``o2``...) and when it closes."""

    model_config = ConfigDict(json_schema_extra={"examples": [examples.POLL_POST["poll"]]})

    options: Annotated[
        list[OptionLabel], Field(min_length=MIN_POLL_OPTIONS, max_length=MAX_POLL_OPTIONS)
    ]
    closes_at: AwareDatetime = Field(description="In the future, and within a year.")
    results_visibility: ResultsVisibility = "always"


class NewPost(ApiModel):
    """A post, question, praise (needs ``praise``) or poll (needs ``poll``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                examples.KUBERNETES_POST,
                examples.QUESTION_POST,
                examples.PRAISE_POST,
                examples.POLL_POST,
            ]
        }
    )

    place: PostPlace
    kind: PostKind = "post"
    text: PostText = Field(description="Markdown, stored exactly as written.")
    tags: Tags = Field(default_factory=list)
    mentions: Mentions = Field(default_factory=list)
    work_item: WorkItemRef | None = None
    praise: PraiseDetails | None = None
    poll: PollDetails | None = None

    @model_validator(mode="after")
    def _kind_details(self) -> Self:
        if (self.kind == "praise") != (self.praise is not None):
            raise ValueError("a praise, and only a praise, has `praise` details")
        if (self.kind == "poll") != (self.poll is not None):
            raise ValueError("a poll, and only a poll, has `poll` details")
        return self


ImportedTime = Annotated[
    AwareDatetime,
    Field(
        description=(
            "When it was originally published, with its time zone: in the past, and not before "
            "2000-01-01. Timelines, the post's view and notifications show this time."
        )
    ),
]
ImportedAuthor = Annotated[
    PersonId, Field(description="The author's person id (they must be allowed to post it now).")
]


class ImportedPost(NewPost):
    """A post of another network, imported with its author and original time (platform admins)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **examples.KUBERNETES_POST,
                    "author_id": examples.PERSON_ID,
                    "published_at": "2026-09-14T08:30:00Z",
                }
            ]
        }
    )

    author_id: ImportedAuthor
    published_at: ImportedTime


class PostEdit(ApiModel):
    """A post's new text; absent ``tags`` or ``mentions`` are kept."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Retour d'expérience : migration vers Kubernetes 1.31 terminée.",
                    "tags": ["kubernetes"],
                },
                {"text": "How do we rotate the ingress certificates with zero downtime?"},
            ]
        }
    )

    text: PostText
    tags: Tags | None = None
    mentions: Mentions | None = None


class WorkItemThread(ApiModel):
    """The opening post of a work item's conversation (ignored when it already exists)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "Let's discuss the certificate rotation here.",
                    "title": "Rotate ingress certificates",
                    "url": "https://jira.example.com/browse/OPS-1234",
                    "tags": ["tls"],
                }
            ]
        }
    )

    text: PostText
    title: Annotated[str, Text(min_length=1, max_length=300)] | None = None
    url: Url | None = None
    tags: Tags = Field(default_factory=list)


class NewShare(ApiModel):
    """Where to share a post, and the sharer's own words (may be empty)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"place": examples.PROFILE_PLACE, "text": "À lire si vous migrez vos clusters."},
                {"place": examples.COMMUNITY_PLACE, "text": ""},
            ]
        }
    )

    place: PostPlace
    text: ShareText = ""


class NewComment(ApiModel):
    """A comment, or a reply to a top-level comment."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "We used cert-manager with a staged rollout.", "mentions": []},
                {
                    "text": "Merci, ça marche aussi chez nous.",
                    "parent_comment_id": examples.COMMENT_ID,
                },
            ]
        }
    )

    text: CommentText
    mentions: Mentions = Field(default_factory=list)
    parent_comment_id: Id | None = None


class ImportedComment(NewComment):
    """A comment of another network, imported with its author and original time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "We used cert-manager with a staged rollout.",
                    "author_id": examples.OTHER_PERSON_ID,
                    "published_at": "2026-09-14T09:05:00Z",
                }
            ]
        }
    )

    author_id: ImportedAuthor
    published_at: ImportedTime


class ImportedShare(NewShare):
    """A share of another network, imported with its author and original time."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "place": examples.PROFILE_PLACE,
                    "text": "À lire si vous migrez vos clusters.",
                    "author_id": examples.OTHER_PERSON_ID,
                    "published_at": "2026-09-15T07:45:00Z",
                }
            ]
        }
    )

    author_id: ImportedAuthor
    published_at: ImportedTime


class CommentEdit(ApiModel):
    """A comment's new text; absent ``mentions`` are kept."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "We used cert-manager (v1.15) in stages."}]}
    )

    text: CommentText
    mentions: Mentions | None = None


class Moderation(ApiModel):
    """Why a moderator hides a post or comment (shown to its author)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Contenu publicitaire, hors charte."}]}
    )

    reason: Reason


class NewReport(ApiModel):
    """Why a reader reports a post or comment to its moderators."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "This shares a customer's personal data."}]}
    )

    reason: Reason


class ReactionChoice(ApiModel):
    """The caller's reaction."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reaction": "insightful"}, {"reaction": "like"}]}
    )

    reaction: Reaction


class AnswerChoice(ApiModel):
    """The comment accepted as the question's answer."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"comment_id": examples.COMMENT_ID}]})

    comment_id: Id


class VoteChoice(ApiModel):
    """The poll option the caller votes for."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"option_id": "o2"}]})

    option_id: Annotated[str, Text(min_length=1, max_length=20)]


class NotificationPreferences(ApiModel):
    """The notification kinds the caller does not want (every other kind stays on)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"disabled_kinds": ["reaction", "praise"]}]}
    )

    disabled_kinds: Annotated[list[NotificationKind], Field(max_length=20)]


class ReadMark(ApiModel):
    """Notifications to mark read: listed by id, or every one up to a time (exactly one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"notification_ids": ["n-9c1d7e2a-3", "n-9c1d7e2a-4"]},
                {"up_to": "2026-11-23T18:30:00Z"},
            ]
        }
    )

    notification_ids: Annotated[
        list[Annotated[str, Text(min_length=1, max_length=200)]],
        Field(max_length=MAX_READ_MARKS),
    ] = Field(default_factory=list)
    up_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if bool(self.notification_ids) == (self.up_to is not None):
            raise ValueError("give either notification_ids or up_to, exactly one of them")
        return self


class Created(ApiModel):
    """What a creation stored: the new thing's id, its post and the post's new version."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": examples.POST_ID, "post_id": examples.POST_ID, "version": 1},
                {"id": examples.COMMENT_ID, "post_id": examples.POST_ID, "version": 5},
            ]
        }
    )

    id: str
    post_id: str
    version: int


class CommandResult(ApiModel):
    """What a command changed: the post (or the caller's inbox), its version and what happened.

    ``outcome`` is the short name of the last event stored, or ``unchanged`` when the request
    asked for what already was (no event is stored then).
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": examples.POST_ID, "version": 7, "outcome": "reaction_set"},
                {"id": examples.POST_ID, "version": 7, "outcome": "unchanged"},
            ]
        }
    )

    id: str
    version: int
    outcome: str
