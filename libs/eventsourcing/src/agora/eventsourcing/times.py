"""Datetimes read back from MongoDB."""

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """PyMongo returns naive UTC datetimes unless the client is tz-aware; make them aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
