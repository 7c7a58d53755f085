"""The records of the side model, as stored in MongoDB (``_id`` is the person, post or
community id). Person ids may contain ``.`` and ``@``: they are never used as field names."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Visibility = Literal["open", "closed", "secret"]
EvidenceKind = Literal["accepted", "answer", "praise", "post"]
ContentState = Literal["visible", "hidden", "deleted"]


def stored_time(moment: datetime) -> datetime:
    """A time as MongoDB keeps it (UTC, milliseconds), so a record reads back as written."""
    return moment.astimezone(UTC).replace(microsecond=moment.microsecond // 1000 * 1000)


class Record(BaseModel):
    """A stored record: unknown fields are ignored, so an older generation still loads."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DeclaredSkill(Record):
    """A skill the person declared (canonical name) and its self-assessed level, 1 to 4."""

    skill: str
    level: int


class Endorsement(Record):
    """An endorsement this person received, weighted by the endorser's standing in the skill."""

    skill: str
    endorser_id: str
    weight: float = 1.0


class GivenEndorsement(Record):
    """An endorsement this person gave (or withdrew): whose skill, to re-weigh it when the
    giver's standing moves. ``version`` is the endorsed person's stream version that last
    changed it: a withdrawal keeps the entry (inactive), so a replay of the endorsed person's
    stream applies neither the endorsement nor its withdrawal again."""

    person_id: str
    skill: str
    version: int = 0
    active: bool = True


class EvidenceItem(Record):
    """One demonstrated contribution on a topic, where it was made and when."""

    kind: EvidenceKind
    topic: str
    community_id: str | None = None
    """``None`` for a post on a profile (which every employee may read)."""
    visibility: Visibility = "open"
    at: datetime


class Contribution(Record):
    """What one post currently proves about this person (replaced whole when the post changes)."""

    post_id: str
    items: list[EvidenceItem]


class PersonRecord(Record):
    """Everything search knows of a person; ``revision`` counts its changes (the version of
    its Elasticsearch document, which several streams feed)."""

    person_id: str = Field(alias="_id")
    revision: int = 0
    profile_version: int = 0
    """The last event of the person's profile stream applied."""
    card_version: int = 0
    """The profile stream version of the last card applied (cards share that numbering)."""
    display_name: str | None = None
    job_title: str | None = None
    department: str | None = None
    location: str | None = None
    languages: list[str] = Field(default_factory=list)
    photo_url: str | None = None
    has_card: bool = False
    active: bool = True
    erased: bool = False
    skills: list[DeclaredSkill] = Field(default_factory=list)
    endorsements: list[Endorsement] = Field(default_factory=list)
    endorsed: list[GivenEndorsement] = Field(default_factory=list)
    help_topics: list[str] = Field(default_factory=list)
    interests: list[str] = Field(default_factory=list)
    following: list[str] = Field(default_factory=list)
    communities: list[str] = Field(default_factory=list)
    """Every community the person is a member of (secret ones included: used only to filter
    what this person may see, never shown to anyone else)."""
    listed_communities: list[str] = Field(default_factory=list)
    """The open and closed ones among them (suggestions are made of these only)."""
    contributions: list[Contribution] = Field(default_factory=list)

    def level(self, skill: str) -> int:
        """The declared level of ``skill`` (0 when not declared)."""
        return next((entry.level for entry in self.skills if entry.skill == skill), 0)

    def endorsers(self, skill: str) -> int:
        """How many colleagues endorsed ``skill``."""
        return sum(1 for entry in self.endorsements if entry.skill == skill)


class WorkItemRecord(Record):
    """The business-tool item a conversation is about."""

    system: str
    item_id: str
    url: str | None = None
    title: str | None = None


class CommentRecord(Record):
    """A comment of a post; a deleted comment keeps no text."""

    comment_id: str
    author_id: str
    parent_id: str | None = None
    text: str = ""
    created_at: datetime
    state: ContentState = "visible"


class PostRecord(Record):
    """A post and its conversation as of ``version`` (its stream's version, also the version of
    its Elasticsearch document). A deleted post keeps no text."""

    post_id: str = Field(alias="_id")
    version: int = 0
    author_id: str
    community_id: str | None = None
    visibility: Visibility = "open"
    kind: str
    text: str = ""
    tags: list[str] = Field(default_factory=list)
    work_item: WorkItemRecord | None = None
    praised: list[str] = Field(default_factory=list)
    praise_skill: str | None = None
    shared_post_id: str | None = None
    created_at: datetime
    edited_at: datetime | None = None
    state: ContentState = "visible"
    comments: list[CommentRecord] = Field(default_factory=list)
    accepted_comment_id: str | None = None
    accepted_at: datetime | None = None
    contributors: list[str] = Field(default_factory=list)
    """The people whose records hold a contribution of this post (to withdraw it later)."""

    def comment(self, comment_id: str) -> CommentRecord | None:
        """The comment with that id, if any."""
        return next((c for c in self.comments if c.comment_id == comment_id), None)


class CommunityRecord(Record):
    """A community as of ``version`` (its stream's version and its document's version)."""

    community_id: str = Field(alias="_id")
    version: int = 0
    name: str = ""
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    kind: str = "interest"
    visibility: Visibility = "secret"
    """Secret until the creation event is seen: an unknown community leaks nothing."""
    created: bool = False
    archived: bool = False
    created_at: datetime | None = None
    members: list[str] = Field(default_factory=list)
