"""The id of the request being served, shared by log records and problem bodies."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("agora_request_id", default=None)


def current_request_id() -> str | None:
    """Return the id of the request being served, or None outside a request."""
    return _request_id.get()


@contextmanager
def bound_request_id(*, request_id: str) -> Iterator[None]:
    """Make `request_id` the current request id for the duration of the block."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)
