"""Datetimes read back from MongoDB."""

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """PyMongo returns naive UTC datetimes unless the client is tz-aware; make them aware."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the epoch: the precision MongoDB keeps of a datetime."""
    return (as_utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_millis(millis: int) -> datetime:
    """The aware UTC datetime ``millis`` milliseconds after the epoch."""
    return _EPOCH + timedelta(milliseconds=millis)
