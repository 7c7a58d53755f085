"""Document ids and field names of the read model.

Every hot read is a lookup by ``_id`` (the only filter FerretDB answers from an index), so ids
are computed, never searched:

* entities (``entities`` collection): ``person|<id>``, ``community|<id>``, ``post|<id>``;
* buckets (``buckets`` collection): ``<scope>|<yyyy>`` (a year of daily, weekly and monthly
  figures: ``d.<mm>.<dd>``, ``w.<yyyy-Www>``, ``m.<mm>``; ``tags|<yyyy-mm>`` for the tag
  tables), ``<scope>|~levels`` (day-by-day changes of levels such as registered people
  or members, summed when read) and ``<scope>|~now`` (current counts);
* scopes: ``org``, ``dept|<department>``, ``loc|<location>``, ``community|<id>``,
  ``dc|<department>|<community>``, ``person|<id>`` and ``tags``.

Ids of people, communities, departments and locations are escaped (``%``, ``|``, ``.``,
``$``) wherever they become part of an id or a field name, so no value can forge another scope
or a nested field.
"""

from datetime import date

from agora.metrics.calendar import month_key, week_month

ORG = "org"
TAGS = "tags"
LEVELS = "~levels"
NOW = "~now"
PROFILE_PLACE = "~profile"
"""The place of posts on their author's profile (no community)."""

_ESCAPES = {"%": "%25", "|": "%7C", ".": "%2E", "$": "%24"}


_ESCAPE_TABLE = str.maketrans(_ESCAPES)


def escape(text: str) -> str:
    """``text`` safe as a part of an id or a field name."""
    if "%" in text or "|" in text or "." in text or "$" in text:
        return text.translate(_ESCAPE_TABLE)
    return text


def unescape(escaped: str) -> str:
    """The text ``escape`` made ``escaped`` from."""
    for code, raw in _ESCAPES.items():
        if code != "%":
            escaped = escaped.replace(raw, code)
    return escaped.replace("%25", "%")


def person_entity(person_id: str) -> str:
    """The entity document of a person."""
    return f"person|{escape(person_id)}"


def community_entity(community_id: str) -> str:
    """The entity document of a community."""
    return f"community|{escape(community_id)}"


def post_entity(post_id: str) -> str:
    """The entity document of a post and its conversation."""
    return f"post|{escape(post_id)}"


def dept_scope(department: str) -> str:
    """The scope of a department."""
    return f"dept|{escape(department)}"


def location_scope(location: str) -> str:
    """The scope of a location (as people show it to everyone on their cards)."""
    return f"loc|{escape(location)}"


def community_scope(community_id: str) -> str:
    """The scope of a community."""
    return f"community|{escape(community_id)}"


def dc_scope(department: str, community_id: str) -> str:
    """The scope of one department's members inside one community."""
    return f"dc|{escape(department)}|{escape(community_id)}"


def person_scope(person_id: str) -> str:
    """The scope of one person's own figures (their personal view)."""
    return f"person|{escape(person_id)}"


def yearly(scope: str) -> bool:
    """Whether a scope's buckets hold a year each (all but the monthly tag tables): a
    dashboard for a year then reads one document per group, and a flush writes one."""
    return scope != TAGS


def day_target(scope: str, day: date) -> tuple[str, str]:
    """The bucket and the field prefix of a day's figures: ``d.23`` in a month bucket,
    ``d.11.23`` in a year bucket."""
    if yearly(scope):
        return f"{scope}|{day.year:04d}", f"d.{day.month:02d}.{day.day:02d}"
    return f"{scope}|{month_key(day)}", f"d.{day.day:02d}"


def week_target(scope: str, week: str) -> tuple[str, str]:
    """The bucket and the field prefix of a week's figures (filed under its Thursday)."""
    month = week_month(week)
    return (f"{scope}|{month[:4]}" if yearly(scope) else f"{scope}|{month}"), f"w.{week}"


def month_target(scope: str, month: str) -> tuple[str, str]:
    """The bucket and the field prefix of a month's figures: ``m``, or ``m.11`` in a year."""
    if yearly(scope):
        return f"{scope}|{month[:4]}", f"m.{month[5:]}"
    return f"{scope}|{month}", "m"


def bucket_of(scope: str, month: str) -> str:
    """The bucket holding a month of a scope (its year's, for yearly scopes)."""
    return f"{scope}|{month[:4]}" if yearly(scope) else f"{scope}|{month}"


def month_doc(scope: str, month: str) -> str:
    """The bucket of one month of a scope."""
    return f"{scope}|{month}"


def day_counter(scope: str, day: date, counter: str) -> tuple[str, str]:
    """The bucket and the field of one counter of one day."""
    doc_id, prefix = day_target(scope, day)
    return doc_id, f"{prefix}.{counter}"


def levels_doc(scope: str) -> str:
    """The day-by-day level changes of a scope."""
    return f"{scope}|{LEVELS}"


def now_doc(scope: str) -> str:
    """The current counts of a scope."""
    return f"{scope}|{NOW}"


def place_key(community_id: str | None) -> str:
    """A place as a field name: the escaped community id, or the profile place."""
    return PROFILE_PLACE if community_id is None else escape(community_id)
