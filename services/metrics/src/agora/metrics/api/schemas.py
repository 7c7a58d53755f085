"""Response bodies of the dashboards: series of indicators per group, and current figures."""

from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field
from pydantic.config import JsonDict

from agora.servicekit import ApiModel

_WEEK: JsonDict = {
    "period": "2026-W47",
    "start": "2026-11-16",
    "end": "2026-11-22",
    "group_size": 412,
    "suppressed": None,
    "values": {"active": 287, "contributors": 96, "readers_only": 191, "posts": 58},
}
_SUPPRESSED_WEEK: JsonDict = {
    "period": "2026-W47",
    "start": "2026-11-16",
    "end": "2026-11-22",
    "group_size": None,
    "suppressed": "fewer than 5 people in this group",
    "values": {"active": None, "contributors": None, "readers_only": None, "posts": None},
}
_DASHBOARD: JsonDict = {
    "indicators": ["active", "contributors", "readers_only", "posts"],
    "from": "2026-11-16",
    "to": "2026-11-22",
    "granularity": "week",
    "k": 5,
    "groups": [
        {"group": "R&D", "periods": [_WEEK]},
        {"group": "other", "periods": [_SUPPRESSED_WEEK]},
    ],
    "current": {},
    "tables": {},
}


class PeriodValues(ApiModel):
    """One period of one group: its size, its values, or why they are not shown."""

    model_config = ConfigDict(json_schema_extra={"examples": [_WEEK, _SUPPRESSED_WEEK]})

    period: str = Field(description="`2026-11-23`, `2026-W48` or `2026-11`.")
    start: date = Field(description="First day of the period inside the asked range.")
    end: date = Field(description="Last day of the period inside the asked range.")
    group_size: int | None = Field(
        description="People in the group at the end of the period (registered people of a "
        "department, members of a community); `null` when suppressed or not a group of people."
    )
    suppressed: str | None = Field(
        description="Why the values are `null`: a trust rule (too few people, or a difference "
        "with a larger group that would single someone out)."
    )
    values: dict[str, int | float | None] = Field(
        description="Each indicator of the dashboard; `null` when suppressed or undefined."
    )


class GroupSeries(ApiModel):
    """The series of one group: the organisation, a department, `other`, a community, you."""

    group: str
    periods: list[PeriodValues]


class Dashboard(ApiModel):
    """Indicator series by group, current figures and tables (tags, skills, profiles)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_DASHBOARD]}, populate_by_name=True)

    indicators: list[str] = Field(description="The indicators, in column order.")
    from_: date = Field(alias="from", description="First day of the range.")
    to: date = Field(description="Last day of the range.")
    granularity: Literal["day", "week", "month"]
    k: int = Field(description="The smallest group whose figures are shown.")
    groups: list[GroupSeries]
    current: dict[str, Any] = Field(
        default_factory=dict, description="Figures of now (complete profiles, pending requests)."
    )
    tables: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="Tables that are not series: tags and skills (shown only with at least k "
        "people involved), your weekly engagement profiles.",
    )
