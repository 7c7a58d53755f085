"""Domain errors of the profiles service; the API maps each to a problem type."""


class ProfileError(Exception):
    """Base of every refusal the profile rules make."""


class PersonNotFoundError(ProfileError):
    """No person has this id."""

    def __init__(self, person_id: str) -> None:
        super().__init__(f"no person has the id {person_id!r}")


class NotAllowedError(ProfileError):
    """The caller lacks the role or ownership the command needs."""


class SelfActionError(ProfileError):
    """A person tried to endorse or follow themselves."""


class SkillNotDeclaredError(ProfileError):
    """The person has not declared the skill the command is about."""

    def __init__(self, skill: str) -> None:
        super().__init__(f"the person has not declared the skill {skill!r}")


class PersonDeactivatedError(ProfileError):
    """The person left the company: their profile no longer changes."""

    def __init__(self, person_id: str) -> None:
        super().__init__(f"person {person_id!r} has left the company")
