"""Why a feed command is refused; each error names the problem type clients receive."""

from typing import ClassVar


class FeedError(Exception):
    """Base of the refusals of the feed's rules."""

    status: ClassVar[int]
    slug: ClassVar[str]
    title: ClassVar[str]


class PostNotFoundError(FeedError):
    """No such post, a deleted one, or one the caller may not read (never revealed)."""

    status, slug, title = 404, "post-not-found", "No such post"

    def __init__(self) -> None:
        # The same words whether the post is missing or merely unreadable: nothing leaks.
        super().__init__("the post does not exist")


class CommentNotFoundError(FeedError):
    """No such comment on the post (or a deleted one)."""

    status, slug, title = 404, "comment-not-found", "No such comment"

    def __init__(self, comment_id: str) -> None:
        super().__init__(f"comment {comment_id!r} does not exist on this post")


class CommunityNotFoundError(FeedError):
    """No such community, or a secret one the caller is not a member of."""

    status, slug, title = 404, "community-not-found", "No such community"

    def __init__(self, community_id: str) -> None:
        super().__init__(f"community {community_id!r} does not exist")


class NotAllowedError(FeedError):
    """The caller's role does not allow the action (not the author, not a moderator)."""

    status, slug, title = 403, "not-allowed", "You may not do this"


class NotAMemberError(FeedError):
    """Only a community's current members post in it."""

    status, slug, title = 403, "not-a-member", "Only the community's members may post in it"


class ShareRestrictedError(FeedError):
    """A post of a closed or secret community may be shared only inside that community."""

    status, slug, title = (
        403,
        "share-restricted",
        "A post of a closed or secret community can only be shared inside it",
    )


class CommunityReadOnlyError(FeedError):
    """An archived community is read-only: no post, comment, reaction or moderation."""

    status, slug, title = 409, "read-only", "The community is archived and read-only"


class PostHiddenError(FeedError):
    """A moderator hid the post: nobody takes part in it until it is restored."""

    status, slug, title = 409, "post-hidden", "The post is hidden by a moderator"


class CommentHiddenError(FeedError):
    """A moderator hid the comment."""

    status, slug, title = 409, "comment-hidden", "The comment is hidden by a moderator"


class NotAQuestionError(FeedError):
    """Only questions have an accepted answer."""

    status, slug, title = 409, "not-a-question", "The post is not a question"


class NotAPollError(FeedError):
    """Only polls take votes."""

    status, slug, title = 409, "not-a-poll", "The post is not a poll"


class PollClosedError(FeedError):
    """The poll's closing time has passed."""

    status, slug, title = 409, "poll-closed", "The poll is closed"


class ThreadDeletedError(FeedError):
    """The work item's conversation was deleted by its author and cannot be opened again."""

    status, slug, title = 409, "thread-deleted", "The work item's conversation was deleted"


class PostExistsError(FeedError):
    """A post with this id already exists."""

    status, slug, title = 409, "post-exists", "The post already exists"


class InvalidPostError(FeedError):
    """The post's details break a rule (a praise of oneself, a poll closing in the past...)."""

    status, slug, title = 422, "invalid-post", "The post's details are not valid"


class InvalidCommentError(FeedError):
    """The comment breaks a rule (a reply to a reply)."""

    status, slug, title = 422, "invalid-comment", "The comment is not valid"


class UnknownPollOptionError(FeedError):
    """The vote names an option the poll does not offer."""

    status, slug, title = 422, "unknown-poll-option", "The poll has no such option"


class InvalidReadMarkError(FeedError):
    """A read mark names either notifications or a time, exactly one of them."""

    status, slug, title = 422, "invalid-read-mark", "Name notifications or a time, not both"


ALL_ERRORS: tuple[type[FeedError], ...] = (
    PostNotFoundError,
    CommentNotFoundError,
    CommunityNotFoundError,
    NotAllowedError,
    NotAMemberError,
    ShareRestrictedError,
    CommunityReadOnlyError,
    PostHiddenError,
    CommentHiddenError,
    NotAQuestionError,
    NotAPollError,
    PollClosedError,
    ThreadDeletedError,
    PostExistsError,
    InvalidPostError,
    InvalidCommentError,
    UnknownPollOptionError,
    InvalidReadMarkError,
)
