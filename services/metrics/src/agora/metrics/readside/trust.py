"""The trust rules every aggregate passes before it is shown.

* **k people.** Figures of a group (a department, a location, a community, a department inside
  a community) for a period are shown only if the group counted at least ``k`` people at the
  end of that period: registered people for a department or a location, members for a
  community.
* **Small groups are merged.** Departments (or locations) under ``k`` are merged into
  ``other``; ``other`` is itself shown only with at least ``k`` people. Communities under ``k``
  members are left out (their members overlap, so they cannot be merged).
* **Differences.** The organisation's total minus the groups shown is itself a group: when it
  holds between 1 and ``k - 1`` people, the smallest shown department (or location) is merged
  into ``other`` too, until the rest holds none or at least ``k``. A filter nested in another
  (a department inside a community, against the department alone or the community alone; a
  department or a location against the organisation) is answered only if the people it leaves
  out of each enclosing group are none or at least ``k``; otherwise the period is suppressed.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from agora.metrics.readside.series import ratio

Value = int | float | None
OTHER = "other"
Ratios = Mapping[str, tuple[str, str]]
"""Indicators that are ratios of two others (``active_share``: ``active`` / ``registered``):
they do not add up, so merged groups compute them again from their merged parts."""


@dataclass
class GroupFigures:
    """One group's size and values per period."""

    name: str
    sizes: list[int]
    values: dict[str, list[Value]]


@dataclass
class ShownGroup:
    """A group as shown: values suppressed (``None``) where a rule says so, and why."""

    name: str
    sizes: list[int | None]
    values: dict[str, list[Value]]
    suppressed: list[str | None] = field(default_factory=list)


def small_group_reason(k: int) -> str:
    """Why a group's period is not shown."""
    return f"fewer than {k} people in this group"


def difference_reason(k: int) -> str:
    """Why a nested filter's period is not shown."""
    return f"it would single out fewer than {k} people by difference with a larger group"


def nested_allowed(size: int, enclosing: Sequence[int], k: int) -> str | None:
    """``None`` if a filtered group may be shown, else the reason it may not."""
    if size < k:
        return small_group_reason(k)
    for outer in enclosing:
        if 0 < outer - size < k:
            return difference_reason(k)
    return None


def suppress(group: GroupFigures, reasons: Sequence[str | None]) -> ShownGroup:
    """A group with the periods that have a reason blanked."""
    return ShownGroup(
        name=group.name,
        sizes=[None if reason else size for size, reason in zip(group.sizes, reasons, strict=True)],
        values={
            name: [None if reason else value for value, reason in zip(values, reasons, strict=True)]
            for name, values in group.values.items()
        },
        suppressed=list(reasons),
    )


def unassigned_group(
    organisation: GroupFigures, groups: Sequence[GroupFigures], name: str, ratios: Ratios
) -> GroupFigures:
    """The people of the organisation in none of ``groups`` (no department, no location shown),
    and what the organisation counts beyond the groups (erased people's content, say): the
    organisation minus the groups, so that merging it into ``other`` leaves nothing to
    compute by difference."""
    periods = len(organisation.sizes)
    sizes = [
        max(whole - sum(group.sizes[index] for group in groups), 0)
        for index, whole in enumerate(organisation.sizes)
    ]
    values: dict[str, list[Value]] = {}
    for indicator, whole_values in organisation.values.items():
        values[indicator] = [
            None
            if whole is None
            else _sum([whole, *(-_number(g.values.get(indicator), i) for g in groups)])
            for i, whole in enumerate(whole_values)
        ]
    _recompute_ratios(values, ratios, range(periods))
    return GroupFigures(name=name, sizes=sizes, values=values)


def partition_view(
    groups: Sequence[GroupFigures],
    organisation_sizes: Sequence[int],
    k: int,
    *,
    ratios: Ratios | None = None,
) -> list[ShownGroup]:
    """Departments (or locations) with the small ones merged into ``other`` and complementary
    suppression.

    Departments partition people, and so do locations (each person shows at most one), so
    every value (counters and distinct counts alike) of merged groups adds up; ``ratios`` are
    computed again from the merged values.
    """
    periods = len(organisation_sizes)
    indicators = sorted({name for group in groups for name in group.values})
    shown: dict[str, ShownGroup] = {
        group.name: ShownGroup(
            name=group.name,
            sizes=[None] * periods,
            values={name: [None] * periods for name in indicators},
            suppressed=[small_group_reason(k)] * periods,
        )
        for group in groups
    }
    other = ShownGroup(
        name=OTHER,
        sizes=[None] * periods,
        values={name: [None] * periods for name in indicators},
        suppressed=[small_group_reason(k)] * periods,
    )
    for index in range(periods):
        big = [group for group in groups if group.sizes[index] >= k]
        small = [group for group in groups if 0 < group.sizes[index] < k]
        while big and 0 < organisation_sizes[index] - sum(g.sizes[index] for g in big) < k:
            smallest = min(big, key=lambda g: (g.sizes[index], g.name))
            big.remove(smallest)
            small.append(smallest)
        for group in big:
            target = shown[group.name]
            target.sizes[index] = group.sizes[index]
            target.suppressed[index] = None
            for name in indicators:
                target.values[name][index] = group.values.get(name, [None] * periods)[index]
        merged_size = sum(group.sizes[index] for group in small)
        if merged_size >= k:
            other.sizes[index] = merged_size
            other.suppressed[index] = None
            for name in indicators:
                other.values[name][index] = _sum(
                    group.values.get(name, [None] * periods)[index] for group in small
                )
            _recompute_ratios(other.values, ratios or {}, [index])
    result = [group for group in shown.values() if any(r is None for r in group.suppressed)]
    if any(reason is None for reason in other.suppressed):
        result.append(other)
    return sorted(result, key=lambda group: (group.name == OTHER, group.name))


def communities_view(groups: Sequence[GroupFigures], k: int) -> list[ShownGroup]:
    """Communities with at least ``k`` members in a period; the others are left out."""
    result: list[ShownGroup] = []
    for group in groups:
        reasons = [None if size >= k else small_group_reason(k) for size in group.sizes]
        if any(reason is None for reason in reasons):
            result.append(suppress(group, reasons))
    return result


def _recompute_ratios(
    values: dict[str, list[Value]], ratios: Ratios, indices: Iterable[int]
) -> None:
    for name, (numerator, denominator) in ratios.items():
        if name in values and numerator in values and denominator in values:
            for index in indices:
                values[name][index] = ratio(values[numerator][index], values[denominator][index])


def _number(values: list[Value] | None, index: int) -> int | float:
    value = None if values is None else values[index]
    return 0 if value is None else value


def _sum(values: Iterable[Value]) -> Value:
    total: float = 0
    seen = False
    for value in values:
        if value is None:
            continue
        seen = True
        total += value
    if not seen:
        return None
    return int(total) if float(total).is_integer() else total
