"""Response bodies of the feed's reads: posts, conversations and pages, shaped for front-ends.

Every name is resolved (people, communities) so a client renders an item without another call;
``display_name`` is ``null`` for a person whose data was erased (show "former colleague").
Text comes twice: ``text`` as written (Markdown) and ``html``, sanitised and safe to insert.
"""

from datetime import datetime

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from agora.feed.api import examples
from agora.feed.domain.events import PlaceKind, PostKind, Reaction, ResultsVisibility
from agora.servicekit import ApiModel

_CHLOE: JsonDict = {"person_id": examples.PERSON_ID, "display_name": "Chloé Martin"}
_KARIM: JsonDict = {"person_id": examples.OTHER_PERSON_ID, "display_name": "Karim Benali"}
_ERASED: JsonDict = {"person_id": "jean.dupont", "display_name": None}
_REACTIONS: JsonDict = {"like": 4, "celebrate": 1, "insightful": 2, "support": 0}
_COUNTS: JsonDict = {"comments": 3, "reactions": _REACTIONS, "shares": 1}
_COMMUNITY_PLACE: JsonDict = {
    "kind": "community",
    "id": examples.COMMUNITY_ID,
    "name": "Communauté Kubernetes",
    "archived": False,
}
_PROFILE_PLACE: JsonDict = {
    "kind": "profile",
    "id": examples.OTHER_PERSON_ID,
    "name": "Karim Benali",
    "archived": False,
}
_WORK_ITEM: JsonDict = {
    "system": "jira",
    "item_id": "OPS-1234",
    "url": "https://jira.example.com/browse/OPS-1234",
    "title": "Rotate ingress certificates",
}
_POLL: JsonDict = {
    "options": [
        {"option_id": "o1", "label": "Tuesday", "votes": 4},
        {"option_id": "o2", "label": "Wednesday", "votes": 9},
        {"option_id": "o3", "label": "Thursday", "votes": 2},
    ],
    "closes_at": "2026-12-15T17:00:00Z",
    "results_visibility": "after_voting",
    "closed": False,
    "results_visible": True,
    "total_votes": 15,
    "my_vote": "o2",
}
_HIDDEN_POLL: JsonDict = {
    **_POLL,
    "options": [
        {"option_id": "o1", "label": "Tuesday", "votes": None},
        {"option_id": "o2", "label": "Wednesday", "votes": None},
    ],
    "results_visible": False,
    "total_votes": None,
    "my_vote": None,
}
_MODERATION: JsonDict = {
    "reason": "Shares a customer's contract details",
    "moderator_id": examples.PERSON_ID,
    "at": "2026-11-23T10:05:00Z",
}
_VERSION: JsonDict = {
    "text": "How do we rotate the ingress certificates?",
    "html": "<p>How do we rotate the ingress certificates?</p>\n",
    "tags": ["kubernetes"],
    "edited_at": None,
}
_REPORT: JsonDict = {
    "report_id": examples.REPORT_ID,
    "reporter": _KARIM,
    "reason": "Shares a customer's contract details",
    "comment_id": None,
    "at": "2026-11-23T09:58:00Z",
}
_ITEM: JsonDict = {
    "post_id": examples.POST_ID,
    "kind": "question",
    "author": _CHLOE,
    "place": _COMMUNITY_PLACE,
    "text": "How do we rotate the **ingress certificates** without downtime?",
    "html": "<p>How do we rotate the <strong>ingress certificates</strong> without downtime?</p>\n",
    "tags": ["kubernetes", "tls"],
    "mentions": [],
    "links": [],
    "work_item": _WORK_ITEM,
    "praise": None,
    "poll": None,
    "shared_post_id": None,
    "shared_post": None,
    "published_at": "2026-11-23T09:12:00Z",
    "edited": True,
    "edited_at": "2026-11-23T09:20:00Z",
    "counts": _COUNTS,
    "my_reaction": "insightful",
    "answered": True,
    "accepted_comment_id": examples.COMMENT_ID,
    "hidden": None,
}
_POLL_ITEM: JsonDict = {
    **_ITEM,
    "kind": "poll",
    "text": "Which day suits the next meetup best?",
    "html": "<p>Which day suits the next meetup best?</p>\n",
    "tags": [],
    "work_item": None,
    "edited": False,
    "edited_at": None,
    "my_reaction": None,
    "answered": None,
    "accepted_comment_id": None,
    "poll": _POLL,
}
_SUMMARY: JsonDict = {
    key: value for key, value in _ITEM.items() if key not in ("shared_post_id", "shared_post")
}
_SHARE_ITEM: JsonDict = {
    **_ITEM,
    "post_id": examples.SHARED_POST_ID,
    "kind": "post",
    "author": _KARIM,
    "place": _PROFILE_PLACE,
    "text": "À lire si vous migrez vos clusters.",
    "html": "<p>À lire si vous migrez vos clusters.</p>\n",
    "tags": [],
    "work_item": None,
    "edited": False,
    "edited_at": None,
    "counts": {**_COUNTS, "comments": 0, "shares": 0},
    "my_reaction": None,
    "answered": None,
    "accepted_comment_id": None,
    "shared_post_id": examples.POST_ID,
    "shared_post": _SUMMARY,
}

_COMMENT: JsonDict = {
    "comment_id": examples.COMMENT_ID,
    "author": _KARIM,
    "parent_comment_id": None,
    "text": "We used cert-manager with a staged rollout.",
    "html": "<p>We used cert-manager with a staged rollout.</p>\n",
    "mentions": [],
    "created_at": "2026-11-23T09:30:00Z",
    "edited": False,
    "edited_at": None,
    "deleted": False,
    "hidden": False,
    "moderation": None,
    "notice": None,
    "reactions": {"like": 2, "celebrate": 0, "insightful": 1, "support": 0},
    "my_reaction": None,
    "accepted": True,
}
_HIDDEN_COMMENT: JsonDict = {
    **_COMMENT,
    "comment_id": examples.REPLY_ID,
    "parent_comment_id": examples.COMMENT_ID,
    "text": None,
    "html": None,
    "hidden": True,
    "notice": "hidden by a moderator",
    "reactions": {"like": 0, "celebrate": 0, "insightful": 0, "support": 0},
    "accepted": False,
}


class PersonRef(ApiModel):
    """A person, with the name to show (``null`` once erased: show "former colleague")."""

    model_config = ConfigDict(json_schema_extra={"examples": [_CHLOE, _ERASED]})

    person_id: str
    display_name: str | None


class PlaceView(ApiModel):
    """Where a post lives; a profile post's place is named after its author."""

    model_config = ConfigDict(json_schema_extra={"examples": [_COMMUNITY_PLACE, _PROFILE_PLACE]})

    kind: PlaceKind
    id: str
    name: str | None
    archived: bool = Field(description="An archived community is read-only.")


class WorkItemView(ApiModel):
    """The item in another business tool the conversation is about."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WORK_ITEM]})

    system: str
    item_id: str
    url: str | None
    title: str | None


class PraiseView(ApiModel):
    """Who a praise thanks, and for which skill."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"people": [_KARIM], "skill": "kubernetes"}]}
    )

    people: list[PersonRef]
    skill: str | None


class PollOptionView(ApiModel):
    """One option of a poll; ``votes`` is ``null`` while the results are not visible."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"option_id": "o1", "label": "Tuesday", "votes": 4}]}
    )

    option_id: str
    label: str
    votes: int | None


class PollView(ApiModel):
    """A poll, with its results when the poll's setting shows them to the reader.

    ``always``: to everyone; ``after_voting``: to those who voted (and to all once closed);
    ``after_closing``: to everyone once ``closes_at`` has passed.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [_POLL, _HIDDEN_POLL]})

    options: list[PollOptionView]
    closes_at: datetime
    results_visibility: ResultsVisibility
    closed: bool
    results_visible: bool
    total_votes: int | None
    my_vote: str | None


class ReactionCounts(ApiModel):
    """How many people reacted, by reaction."""

    model_config = ConfigDict(json_schema_extra={"examples": [_REACTIONS]})

    like: int = 0
    celebrate: int = 0
    insightful: int = 0
    support: int = 0


class Counts(ApiModel):
    """Counts shown under a post (comments the reader can see, reactions, shares)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_COUNTS]})

    comments: int
    reactions: ReactionCounts
    shares: int


class ModerationView(ApiModel):
    """Why and when a moderator hid a post or comment (shown to its author and moderators)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_MODERATION]})

    reason: str
    moderator_id: str
    at: datetime


class PostSummary(ApiModel):
    """A post without the post it shares: how a shared post is embedded in its share."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY]})

    post_id: str
    kind: PostKind
    author: PersonRef
    place: PlaceView
    text: str = Field(description="As written (Markdown).")
    html: str = Field(description="The text rendered as sanitised HTML, safe to insert.")
    tags: list[str]
    mentions: list[PersonRef]
    links: list[str]
    work_item: WorkItemView | None
    praise: PraiseView | None
    poll: PollView | None
    published_at: datetime
    edited: bool
    edited_at: datetime | None
    counts: Counts
    my_reaction: Reaction | None
    answered: bool | None = Field(description="For questions: whether an answer was accepted.")
    accepted_comment_id: str | None
    hidden: ModerationView | None = Field(
        description="Set when a moderator hid the post (only its author and moderators see it)."
    )


class PostItem(PostSummary):
    """A post as a timeline shows it to its reader."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ITEM, _POLL_ITEM, _SHARE_ITEM]})

    shared_post_id: str | None = Field(description="Set when this post shares another one.")
    shared_post: PostSummary | None = Field(
        description="The shared post, when the reader may read it (null once it is deleted)."
    )


class PostVersion(ApiModel):
    """An earlier version of an edited post."""

    model_config = ConfigDict(json_schema_extra={"examples": [_VERSION]})

    text: str
    html: str
    tags: list[str]
    edited_at: datetime | None = Field(description="When this version was written by an edit.")


class CommentView(ApiModel):
    """A comment or reply; a hidden one shows only ``notice`` to readers who don't moderate."""

    model_config = ConfigDict(json_schema_extra={"examples": [_COMMENT, _HIDDEN_COMMENT]})

    comment_id: str
    author: PersonRef
    parent_comment_id: str | None
    text: str | None
    html: str | None
    mentions: list[PersonRef]
    created_at: datetime
    edited: bool
    edited_at: datetime | None
    deleted: bool
    hidden: bool
    moderation: ModerationView | None
    notice: str | None
    reactions: ReactionCounts
    my_reaction: Reaction | None
    accepted: bool


class ReportView(ApiModel):
    """A report on the post or one of its comments (shown to moderators only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_REPORT]})

    report_id: str
    reporter: PersonRef
    reason: str
    comment_id: str | None
    at: datetime


class PostDetail(PostItem):
    """A post with its conversation, its earlier versions and (for moderators) its reports."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_ITEM,
                    "comments": [_COMMENT, _HIDDEN_COMMENT],
                    "history": [_VERSION],
                    "reports": None,
                    "subscribed": True,
                }
            ]
        }
    )

    comments: list[CommentView]
    history: list[PostVersion]
    reports: list[ReportView] | None = Field(description="For moderators only; else null.")
    subscribed: bool = Field(description="Whether the reader is notified of new comments.")


class PostPage(ApiModel):
    """One page of a timeline, newest first; pass ``next_cursor`` back for the next one."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"items": [_ITEM], "next_cursor": "eyJ2IjoxLCJwIjp7fSwibCI6bnVsbH0"},
                {"items": [], "next_cursor": None},
            ]
        }
    )

    items: list[PostItem]
    next_cursor: str | None = Field(description="Opaque; ``null`` on the last page.")
