"""The engagement rules: profiles of the Lecko grid, regular contributors, complete profiles.

Pure functions of a person's weekly figures; thresholds come from the settings. The README's
"Engagement profiles" section states the same rules in words.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Profile = Literal["initiated", "assiduous", "loyal", "compulsive", "occasional"]
"""A person's profile for one week; ``inactive`` is never stored: it is everyone else."""
PROFILES: tuple[Profile, ...] = ("initiated", "assiduous", "loyal", "compulsive", "occasional")
ALL_PROFILES = (*PROFILES, "inactive")
PROFILE_CODES: dict[Profile, str] = {
    "initiated": "i",
    "assiduous": "a",
    "loyal": "l",
    "compulsive": "c",
    "occasional": "o",
}
PROFILE_OF_CODE: dict[str, Profile] = {code: name for name, code in PROFILE_CODES.items()}
COMPLETENESS_ITEMS = 6
MIN_SKILLS = 3


@dataclass(frozen=True)
class WeekFigures:
    """What one person did in one ISO week, outside secret communities."""

    contributions: int = 0
    """Posts (of every kind), comments (answers included) and reactions."""
    significant: int = 0
    """Answers to others' questions, own answers accepted, own posts others reacted to."""
    active_days: int = 0
    """Days with a visit (the gateway's signal) or a contribution."""


@dataclass(frozen=True)
class EngagementRules:
    """The configurable thresholds of every person-level rule."""

    profile_window_weeks: int = 8
    loyal_min_weeks: int = 6
    assiduous_min_significant: int = 3
    compulsive_min_contributions: int = 15
    regular_window_weeks: int = 6
    regular_min_weeks: int = 4
    complete_profile_min_items: int = 5

    @property
    def reach_weeks(self) -> int:
        """How many weeks after a change of one week's figures a rule's outcome can change."""
        return max(self.profile_window_weeks, self.regular_window_weeks)

    def profile(self, window: Sequence[WeekFigures], *, animator: bool) -> Profile | None:
        """The profile for the last week of ``window`` (oldest first); ``None``: inactive.

        In order: *initiated* animates a community that week and contributed in the window;
        *assiduous* contributed in at least ``loyal_min_weeks`` weeks with at least
        ``assiduous_min_significant`` significant contributions; *loyal* contributed in at least
        ``loyal_min_weeks`` weeks; *compulsive* made at least ``compulsive_min_contributions``
        contributions in fewer weeks; *occasional* visited or contributed at least once.
        """
        weeks = window[-self.profile_window_weeks :]
        contributions = sum(week.contributions for week in weeks)
        contributing_weeks = sum(1 for week in weeks if week.contributions > 0)
        significant = sum(week.significant for week in weeks)
        if animator and contributions > 0:
            return "initiated"
        if contributing_weeks >= self.loyal_min_weeks:
            if significant >= self.assiduous_min_significant:
                return "assiduous"
            return "loyal"
        if contributions >= self.compulsive_min_contributions:
            return "compulsive"
        if any(week.active_days > 0 or week.contributions > 0 for week in weeks):
            return "occasional"
        return None

    def regular(self, window: Sequence[WeekFigures]) -> bool:
        """Whether the last week of ``window`` closes ``regular_min_weeks`` contributing weeks
        out of the last ``regular_window_weeks``."""
        weeks = window[-self.regular_window_weeks :]
        return sum(1 for week in weeks if week.contributions > 0) >= self.regular_min_weeks

    def complete(
        self,
        *,
        has_job_title: bool,
        has_department: bool,
        has_photo: bool,
        skills: int,
        has_interests: bool,
        has_help_topics: bool,
    ) -> bool:
        """Whether enough of the six public profile items are filled in (sealed personal
        fields such as the biography or location cannot be seen here, so they do not count)."""
        items = (
            has_job_title,
            has_department,
            has_photo,
            skills >= MIN_SKILLS,
            has_interests,
            has_help_topics,
        )
        return sum(items) >= self.complete_profile_min_items
