"""Why a community command is refused; each error names the problem type clients receive."""

from typing import ClassVar


class CommunityError(Exception):
    """Base of the refusals of the community rules."""

    status: ClassVar[int]
    slug: ClassVar[str]
    title: ClassVar[str]


class CommunityNotFoundError(CommunityError):
    """No such community, or a secret one the caller may not know about."""

    status, slug, title = 404, "community-not-found", "No such community"

    def __init__(self, community_id: str) -> None:
        super().__init__(f"community {community_id!r} does not exist")


class CommunityAlreadyExistsError(CommunityError):
    """The community id is taken."""

    status, slug, title = 409, "community-exists", "The community already exists"


class NotAllowedError(CommunityError):
    """The caller's role in the community does not allow the action."""

    status, slug, title = 403, "not-allowed", "Your role in this community does not allow this"


class InvalidCommunityError(CommunityError):
    """The community's details break a rule (e.g. a project without a future end date)."""

    status, slug, title = 422, "invalid-community", "The community's details are not valid"


class MembershipConflictError(CommunityError):
    """The person's membership is not in a state that allows the action."""

    status, slug, title = 409, "membership-conflict", "The membership does not allow this now"


class NoChangeError(CommunityError):
    """The command would change nothing."""

    status, slug, title = 409, "no-change", "The request changes nothing"


class MembershipNotFoundError(CommunityError):
    """The caller has no membership (or join request) to show."""

    status, slug, title = 404, "membership-not-found", "You have no such membership or request"


class RequestNotPendingError(CommunityError):
    """The join request was already decided (or never made)."""

    status, slug, title = 409, "request-not-pending", "The join request is not pending"


class InvitationNotPendingError(CommunityError):
    """There is no pending invitation to answer."""

    status, slug, title = 409, "invitation-not-pending", "There is no pending invitation"


class LastOwnerError(CommunityError):
    """A community always keeps at least one owner."""

    status, slug, title = 409, "last-owner", "A community must keep at least one owner"


class PersonBlockedError(CommunityError):
    """The person is blocked from this community."""

    status, slug, title = 403, "person-blocked", "You are blocked from this community"


class CommunityArchivedError(CommunityError):
    """Archived communities are closed to changes and new members."""

    status, slug, title = 409, "community-archived", "The community is archived"


class CommunityEndedError(CommunityError):
    """A project community is past its end date."""

    status, slug, title = 409, "community-ended", "The project community has ended"


class CharterAcceptanceRequiredError(CommunityError):
    """Joining (or staying active) needs the current charter version to be accepted."""

    status, slug, title = 409, "charter-acceptance-required", "The charter must be accepted"


ALL_ERRORS: tuple[type[CommunityError], ...] = (
    CommunityNotFoundError,
    CommunityAlreadyExistsError,
    NotAllowedError,
    InvalidCommunityError,
    MembershipConflictError,
    MembershipNotFoundError,
    NoChangeError,
    RequestNotPendingError,
    InvitationNotPendingError,
    LastOwnerError,
    PersonBlockedError,
    CommunityArchivedError,
    CommunityEndedError,
    CharterAcceptanceRequiredError,
)
