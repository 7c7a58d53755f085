"""Packed year buckets: the dashboards' scopes keep each series as one string.

FerretDB turns every stored value into a document field when it reads a document, and a year
of daily figures as nested fields (``d.11.23.posts``...) is thousands of them: reading one such
organisation bucket took about 28 ms on this machine, the same figures packed as one string per
series 3 ms. The buckets of the organisation, departments, locations and communities (the
scopes every dashboard reads) are therefore *packed*::

    {"d": {"posts": "0,0,3,1"},        # daily series, index = day of the year
     "w": {"active": "12,15"},         # weekly series, index = ISO week - 1 (weeks of this year)
     "m": {"active": "40,38"},         # monthly series, index = month - 1
     "l": {"first_answer_seconds": {"11-23": [3600]}}}   # lists of durations, per day

Trailing zeros are left out and an all-zero series is removed, so equal figures are equal
documents. The projection keeps packed buckets in memory (one writer) and writes whole series;
people's and department-in-community buckets, many and small, stay nested and incremented.
"""

from array import array
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any, TypeAlias

LENGTHS = {"d": 366, "w": 53, "m": 12}
LISTS = "l"
PACKED_PREFIXES = ("org|", "dept|", "loc|", "community|")

Document = dict[str, Any]
Series: TypeAlias = "array[int]"
"""A series in memory: 64-bit integers."""


@lru_cache(maxsize=200_000)
def packed(doc_id: str) -> bool:
    """Whether a bucket is packed (a dashboard scope's year, not its levels or current counts)."""
    return doc_id.startswith(PACKED_PREFIXES) and doc_id[-4:].isdigit()


@lru_cache(maxsize=200_000)
def locate(path: str, year: int) -> tuple[str, str, int]:
    """The section, series and index of a nested path (``d.11.23.posts``, ``w.2026-W48.active``,
    ``m.11.active``) in a packed year bucket."""
    parts = path.split(".")
    if parts[0] == "d" and len(parts) == 4:
        day = date(year, int(parts[1]), int(parts[2]))
        return "d", parts[3], (day - date(year, 1, 1)).days
    if parts[0] == "w" and len(parts) == 3:
        return "w", parts[2], int(parts[1].split("-W")[1]) - 1
    if parts[0] == "m" and len(parts) == 3:
        return "m", parts[2], int(parts[1]) - 1
    raise ValueError(f"{path!r} is not a path of a packed bucket")


def list_path(path: str) -> str:
    """Where a day's list (``d.11.23.first_answer_seconds``) lives: ``l.<name>.11-23``."""
    _, month, day, name = path.split(".")
    return f"{LISTS}.{name}.{month}-{day}"


def encode(series: Iterable[int]) -> str:
    """A series as stored: comma-separated, without trailing zeros ('' when all zero)."""
    values = list(series)
    while values and values[-1] == 0:
        values.pop()
    return ",".join(map(str, values))


def decode(text: str, length: int) -> Series:
    """A stored series, padded with zeros to ``length``."""
    values = array("q", (int(value) for value in text.split(",")) if text else ())
    values.extend([0] * (length - len(values)))
    return values


def unpack(doc: Document, year: int) -> Document:
    """A packed year bucket in the nested shape of the other year buckets (for readers)."""
    nested: Document = {"d": {}, "w": {}, "m": {}}
    start = date(year, 1, 1).toordinal()
    for name, text in doc.get("d", {}).items():
        for index, value in enumerate(decode(text, 0)):
            if value:
                day = date.fromordinal(start + index)
                days = nested["d"].setdefault(f"{day.month:02d}", {})
                days.setdefault(f"{day.day:02d}", {})[name] = value
    for name, text in doc.get("w", {}).items():
        for index, value in enumerate(decode(text, 0)):
            if value:
                nested["w"].setdefault(f"{year:04d}-W{index + 1:02d}", {})[name] = value
    for name, text in doc.get("m", {}).items():
        for index, value in enumerate(decode(text, 0)):
            if value:
                nested["m"].setdefault(f"{index + 1:02d}", {})[name] = value
    for name, by_day in doc.get(LISTS, {}).items():
        for month_day, values in by_day.items():
            month, day_number = month_day.split("-")
            days = nested["d"].setdefault(month, {})
            days.setdefault(day_number, {})[name] = values
    return nested
