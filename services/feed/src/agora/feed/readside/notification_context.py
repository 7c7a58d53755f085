"""What notifications need to know about a post, kept in one document per post.

The document lives in the ``notifications`` collection under ``#post|<post id>`` (``#`` never
starts a person id, so it cannot collide with a notification key). It holds who wrote the post
and each comment, where the post lives, who is subscribed, what each text mentions (so an edit
notifies only people newly mentioned), the state of the post and of each comment (visible,
hidden, deleted) and a short plain excerpt of each text for previews. Excerpts are the only
content stored for notifications, and they are removed when the post or comment is deleted or
hidden, so deleted content leaves this read model too.

The projection updates it with ``apply_once`` as the last write of every post event, so its
``_applied`` version also tells whether a redelivered post event was already handled.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Document = dict[str, Any]
ContentState = Literal["visible", "hidden", "deleted"]
EXCERPT_LENGTH = 140
CONTEXT_PREFIX = "#post|"


def context_key(post_id: str) -> str:
    """The ``_id`` of a post's notification context."""
    return f"{CONTEXT_PREFIX}{post_id}"


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """The text on one line, cut at ``limit`` characters (with an ellipsis when cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


class CommentContext(BaseModel):
    """One comment as notifications know it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    author_id: str
    parent_id: str | None = None
    state: ContentState = "visible"
    excerpt: str = ""
    mentioned: list[str] = Field(default_factory=list)


class PostContext(BaseModel):
    """One post as notifications know it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    post_id: str
    author_id: str
    place_kind: Literal["community", "profile"]
    place_id: str
    kind: str = "post"
    state: ContentState = "visible"
    excerpt: str = ""
    mentioned: list[str] = Field(default_factory=list)
    subscribers: list[str] = Field(default_factory=list)
    """Authors, commenters (unless they unsubscribed) and people who subscribed."""
    unsubscribed: list[str] = Field(default_factory=list)
    """People who asked for no more notifications about the post (comments and reactions)."""
    comments: list[CommentContext] = Field(default_factory=list)

    @classmethod
    def from_document(cls, document: Document | None) -> "PostContext | None":
        """The context stored in ``document`` (``None`` before the post's first event)."""
        if document is None or "author_id" not in document:
            return None
        return cls.model_validate(document)

    @property
    def community_id(self) -> str | None:
        """The post's community, or ``None`` for a profile post (readable by everyone)."""
        return self.place_id if self.place_kind == "community" else None

    def comment(self, comment_id: str | None) -> CommentContext | None:
        """One comment of the post."""
        if comment_id is None:
            return None
        return next((comment for comment in self.comments if comment.id == comment_id), None)

    def follows(self, person_id: str) -> bool:
        """Whether the person gets comment notifications about the post."""
        return person_id in self.subscribers and person_id not in self.unsubscribed

    def muted_by(self, person_id: str) -> bool:
        """Whether the person unsubscribed (no comment or reaction notifications then)."""
        return person_id in self.unsubscribed

    def shows(self, comment_id: str | None, *, moderated_too: bool = False) -> bool:
        """Whether the post (and the comment, if any) can be shown in a notification.

        Deleted content never is; hidden content only where ``moderated_too`` (reports).
        """
        allowed = {"visible", "hidden"} if moderated_too else {"visible"}
        if self.state not in allowed:
            return False
        if comment_id is None:
            return True
        comment = self.comment(comment_id)
        return comment is not None and comment.state in allowed

    def preview(self, comment_id: str | None) -> str | None:
        """The excerpt of the comment (or of the post), unless it is hidden or deleted."""
        if not self.shows(comment_id):
            return None
        comment = self.comment(comment_id)
        return (comment.excerpt if comment is not None else self.excerpt) or None

    def with_comment(self, comment_id: str, **changes: Any) -> list[Document]:
        """The comments (as stored) with one comment changed."""
        return [
            (
                comment.model_copy(update=changes) if comment.id == comment_id else comment
            ).model_dump()
            for comment in self.comments
        ]
