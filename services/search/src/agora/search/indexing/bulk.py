"""Bulk writes with external versions, and which Elasticsearch failures are worth retrying.

Every document is indexed with ``version_type=external`` and the version of what it was built
from (a stream's version, or a person record's revision): Elasticsearch refuses a version that
is not newer (409), so a redelivered, replayed or reordered write never replaces newer content;
such refusals are expected and counted, not errors.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.exceptions import ConnectionError as EsConnectionError
from elasticsearch.exceptions import TransportError
from prometheus_client import Counter, Histogram

from agora.eventsourcing import TransientError

logger = logging.getLogger(__name__)

Document = dict[str, Any]
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""Statuses of an overloaded, restarting or unreachable cluster: the same write can succeed
later. Others (a 400 mapping error) would fail again."""
MAX_ACTIONS_PER_REQUEST = 500

WRITES = Counter(
    "agora_search_index_writes_total",
    "Documents sent to Elasticsearch, by index kind and outcome (written, stale, rejected)",
    ["kind", "outcome"],
)
BULK_SECONDS = Histogram(
    "agora_search_bulk_seconds",
    "Time of one bulk request",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


class ElasticsearchUnavailableError(TransientError):
    """Elasticsearch did not take a write now (down, overloaded, timed out): retry later."""


@dataclass(frozen=True)
class IndexAction:
    """One whole document to write at a version."""

    kind: str
    index: str
    document_id: str
    version: int
    document: Document


@dataclass
class BulkOutcome:
    """How many documents were written, refused as not newer, or rejected."""

    written: int = 0
    stale: int = 0
    rejected: list[str] = field(default_factory=list)


def is_transient(error: BaseException) -> bool:
    """Whether an Elasticsearch client error means "try again later"."""
    if isinstance(error, EsConnectionError):
        return True
    if isinstance(error, TransportError):
        return error.status_code in TRANSIENT_STATUSES
    return False


@contextmanager
def unavailable_as_transient() -> Iterator[None]:
    """Raise an Elasticsearch failure worth retrying as ``ElasticsearchUnavailableError`` (a
    ``TransientError``, which projections retry without limit)."""
    try:
        yield
    except TransportError as error:
        if is_transient(error):
            raise ElasticsearchUnavailableError(str(error)) from error
        raise


async def bulk_index(client: AsyncElasticsearch, actions: list[IndexAction]) -> BulkOutcome:
    """Write ``actions`` in bulk requests; raises ``ElasticsearchUnavailableError`` when any part
    should be retried (the whole call can be: every write is versioned)."""
    outcome = BulkOutcome()
    for start in range(0, len(actions), MAX_ACTIONS_PER_REQUEST):
        chunk = actions[start : start + MAX_ACTIONS_PER_REQUEST]
        body: list[Document] = []
        for action in chunk:
            body.append(
                {
                    "index": {
                        "_index": action.index,
                        "_id": action.document_id,
                        "version": action.version,
                        "version_type": "external",
                    }
                }
            )
            body.append(action.document)
        with unavailable_as_transient(), BULK_SECONDS.time():
            response = await client.bulk(body=body)
        _count(chunk, response, outcome)
    return outcome


def _count(chunk: list[IndexAction], response: Document, outcome: BulkOutcome) -> None:
    retry: list[str] = []
    for action, item in zip(chunk, response["items"], strict=True):
        result = item["index"]
        status = int(result["status"])
        if status in (200, 201):
            outcome.written += 1
            WRITES.labels(action.kind, "written").inc()
        elif status == 409:
            outcome.stale += 1
            WRITES.labels(action.kind, "stale").inc()
        elif status in TRANSIENT_STATUSES:
            retry.append(f"{action.index}/{action.document_id}: {status}")
        else:
            reason = result.get("error", {}).get("reason", status)
            logger.error("rejected %s/%s: %s", action.index, action.document_id, reason)
            outcome.rejected.append(action.document_id)
            WRITES.labels(action.kind, "rejected").inc()
    if retry:
        raise ElasticsearchUnavailableError(f"{len(retry)} writes to retry, e.g. {retry[0]}")
