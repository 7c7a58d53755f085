"""The pure rules: engagement profiles, regularity, completeness, merging groups, calendars."""

from datetime import date

import pytest

from agora.metrics.calendar import periods, week_key, week_month
from agora.metrics.engine.activity import (
    CONTRIBUTED,
    PERSON_FLAGS,
    VISITED,
    changes_of_day,
    set_bits,
    whole_share,
)
from agora.metrics.readside.trust import (
    GroupFigures,
    nested_allowed,
    partition_view,
    unassigned_group,
)
from agora.metrics.rules import EngagementRules, WeekFigures

pytestmark = pytest.mark.unit

RULES = EngagementRules()
QUIET = WeekFigures()


def weeks(*contributions: int, significant: int = 0, visits: int = 0) -> list[WeekFigures]:
    figures = [WeekFigures(contributions=c, active_days=visits) for c in contributions]
    figures[-1] = WeekFigures(
        contributions=contributions[-1], significant=significant, active_days=visits
    )
    return figures


def test_loyal_needs_six_contributing_weeks_of_eight() -> None:
    assert RULES.profile(weeks(0, 0, 1, 1, 1, 1, 1, 1), animator=False) == "loyal"
    assert RULES.profile(weeks(0, 0, 0, 1, 1, 1, 1, 1), animator=False) == "occasional"


def test_assiduous_is_loyal_with_significant_contributions() -> None:
    assert RULES.profile(weeks(0, 0, 1, 1, 1, 1, 1, 1, significant=3), animator=False) == (
        "assiduous"
    )
    assert RULES.profile(weeks(0, 0, 0, 1, 1, 1, 1, 2, significant=3), animator=False) == (
        "occasional"
    )


def test_compulsive_is_heavy_and_irregular() -> None:
    assert RULES.profile(weeks(0, 0, 0, 0, 0, 0, 0, 15), animator=False) == "compulsive"
    assert RULES.profile(weeks(0, 0, 0, 0, 0, 0, 0, 14), animator=False) == "occasional"


def test_initiated_animates_and_contributes() -> None:
    assert RULES.profile(weeks(0, 0, 0, 0, 0, 0, 0, 1), animator=True) == "initiated"
    assert RULES.profile([QUIET] * 7 + [WeekFigures(active_days=2)], animator=True) == (
        "occasional"
    )


def test_nothing_in_the_window_is_inactive() -> None:
    assert RULES.profile([QUIET] * 8, animator=True) is None
    assert RULES.profile([WeekFigures(contributions=9)] + [QUIET] * 8, animator=False) is None


def test_regular_contributors_four_weeks_of_six() -> None:
    assert RULES.regular(weeks(1, 0, 1, 0, 1, 1))
    assert not RULES.regular(weeks(1, 1, 1, 0, 0, 0, 1))


def test_complete_profiles_count_the_public_items() -> None:
    assert RULES.complete(
        has_job_title=True,
        has_department=True,
        has_photo=True,
        skills=3,
        has_interests=True,
        has_help_topics=False,
    )
    assert not RULES.complete(
        has_job_title=True,
        has_department=True,
        has_photo=True,
        skills=2,
        has_interests=True,
        has_help_topics=False,
    )


def test_weeks_belong_to_the_month_of_their_thursday() -> None:
    assert week_key(date(2026, 11, 30)) == "2026-W49"
    assert week_month("2026-W49") == "2026-12"
    assert week_month("2026-W53") == "2026-12"
    assert [p.key for p in periods(date(2026, 11, 28), date(2026, 12, 2), "week")] == [
        "2026-W48",
        "2026-W49",
    ]


def test_a_day_s_change_moves_its_day_week_and_month_counts_once() -> None:
    days: dict[str, str] = {}
    set_bits(days, date(2026, 11, 16), VISITED)
    set_bits(days, date(2026, 11, 17), VISITED)
    changes = changes_of_day(days, date(2026, 11, 17), 0, VISITED, PERSON_FLAGS)
    set_bits(days, date(2026, 11, 17), VISITED | CONTRIBUTED)
    upgrade = changes_of_day(days, date(2026, 11, 17), VISITED, VISITED | CONTRIBUTED, PERSON_FLAGS)

    assert {(c.level, c.flag, c.delta) for c in changes} == {
        ("day", "visitors", 1),
        ("day", "active", 1),
    }
    assert {(c.level, c.flag, c.delta) for c in upgrade} == {
        ("day", "contributors", 1),
        ("week", "contributors", 1),
        ("month", "contributors", 1),
    }
    share = whole_share(days, PERSON_FLAGS)
    assert sum(1 for c in share if c.level == "week") == 3


def test_departments_under_k_merge_and_complements_stay_large() -> None:
    groups = [
        GroupFigures("A", [9], {"x": [9]}),
        GroupFigures("B", [6], {"x": [6]}),
        GroupFigures("C", [2], {"x": [2]}),
    ]

    shown = {group.name: group for group in partition_view(groups, [17], 5)}

    assert set(shown) == {"A", "other"}
    assert shown["other"].sizes == [8]
    assert shown["other"].values["x"] == [8]


def test_people_in_no_group_are_the_organisation_minus_the_groups() -> None:
    shares = {"active_share": ("active", "registered")}
    organisation = GroupFigures(
        "organisation", [20], {"registered": [20], "active": [9], "active_share": [0.45]}
    )
    groups = [
        GroupFigures("Lyon", [9], {"registered": [9], "active": [3], "active_share": [0.3333]}),
        GroupFigures("Nantes", [3], {"registered": [3], "active": [3], "active_share": [1.0]}),
        GroupFigures("Lille", [6], {"registered": [6], "active": [1], "active_share": [0.1667]}),
    ]

    nobody = unassigned_group(organisation, groups, "(no location)", shares)
    shown = {
        group.name: group
        for group in partition_view([*groups, nobody], organisation.sizes, 5, ratios=shares)
    }

    assert nobody.sizes == [2]
    assert nobody.values == {"registered": [2], "active": [2], "active_share": [1.0]}
    assert set(shown) == {"Lyon", "Lille", "other"}
    assert shown["other"].sizes == [5]
    assert shown["other"].values["active"] == [5], "nothing left to compute by difference"
    assert shown["other"].values["active_share"] == [1.0], "a share is not a sum of shares"


def test_nested_filters_refuse_small_differences() -> None:
    assert nested_allowed(9, [12], 5) is not None
    assert nested_allowed(9, [14, 9], 5) is None
    assert nested_allowed(4, [40], 5) is not None
