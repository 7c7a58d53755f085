"""How complete a profile is: a score from 0 to 100 and what is missing."""

from dataclasses import dataclass

from agora.profiles.domain.state import Profile

MIN_SKILLS = 3


@dataclass(frozen=True)
class Completeness:
    """A completeness score and the items still missing."""

    score: int
    missing: tuple[str, ...]


def completeness(profile: Profile) -> Completeness:
    """Score the profile by the share of recommended items it has filled in."""
    checks = {
        "bio": bool(profile.bio),
        "photo": bool(profile.photo_url),
        "job_title": bool(profile.job_title),
        "location": bool(profile.location),
        "languages": bool(profile.languages),
        "skills": len(profile.skills) >= MIN_SKILLS,
        "interests": bool(profile.interests),
        "help_topics": bool(profile.help_topics),
    }
    missing = tuple(item for item, done in checks.items() if not done)
    return Completeness(
        score=round(100 * (len(checks) - len(missing)) / len(checks)), missing=missing
    )
