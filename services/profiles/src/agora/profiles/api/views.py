"""What a reader may see of a profile: visibility settings applied, owner extras added."""

from agora.profiles.api.schemas import CompletenessOut, PersonOut, SkillOut
from agora.profiles.domain.completeness import completeness
from agora.profiles.domain.events import Audience
from agora.profiles.domain.state import Profile


def may_see(profile: Profile, audience: Audience, *, viewer_id: str) -> bool:
    """Whether ``viewer_id`` belongs to ``audience`` of this profile's owner."""
    if viewer_id == profile.person_id or audience is Audience.EVERYONE:
        return True
    return audience is Audience.FOLLOWED and viewer_id in profile.following


def completeness_out(profile: Profile) -> CompletenessOut:
    """The profile's completeness as an API body."""
    result = completeness(profile)
    return CompletenessOut(score=result.score, missing=list(result.missing))


def person_view(profile: Profile, *, viewer_id: str) -> PersonOut:
    """The profile as ``viewer_id`` may see it."""
    owner = viewer_id == profile.person_id
    rules = profile.visibility
    return PersonOut(
        id=profile.person_id,
        display_name=profile.display_name,
        left_company=profile.left_on is not None,
        left_on=profile.left_on,
        job_title=profile.job_title,
        department=profile.department,
        email=profile.email if may_see(profile, rules.email, viewer_id=viewer_id) else None,
        location=profile.location
        if may_see(profile, rules.location, viewer_id=viewer_id)
        else None,
        languages=profile.languages
        if may_see(profile, rules.languages, viewer_id=viewer_id)
        else None,
        manager_id=profile.manager_id
        if may_see(profile, rules.manager, viewer_id=viewer_id)
        else None,
        start_date=profile.start_date
        if may_see(profile, rules.start_date, viewer_id=viewer_id)
        else None,
        bio=profile.bio,
        photo_url=profile.photo_url,
        skills=[
            SkillOut(
                name=skill.name,
                level=skill.level,
                endorsement_count=len(skill.endorsers),
                endorsed_by_me=viewer_id in skill.endorsers,
            )
            for skill in profile.skills
        ],
        interests=profile.interests,
        help_topics=profile.help_topics,
        visibility=rules if owner else None,
        completeness=completeness_out(profile) if owner else None,
    )
