"""Calling Elasticsearch from the query side: failures worth retrying become a 503 problem."""

from typing import Any

from elasticsearch import AsyncElasticsearch
from elasticsearch.exceptions import TransportError

from agora.search.indexing.bulk import is_transient
from agora.search.indexing.indices import IndexNames, Kind

Document = dict[str, Any]


class SearchUnavailableError(Exception):
    """Elasticsearch did not answer: the client may retry shortly (HTTP 503)."""

    slug = "search-unavailable"
    status = 503
    title = "Search is unavailable"


class SearchBackend:
    """The aliases readers query, with failures translated."""

    def __init__(self, *, client: AsyncElasticsearch, names: IndexNames) -> None:
        self.client = client
        self.names = names

    def alias(self, kind: Kind) -> str:
        """The alias of the active generation of ``kind``."""
        return self.names.alias(kind)

    async def search(self, kind: Kind, body: Document) -> Document:
        """One search request."""
        try:
            response: Document = await self.client.search(index=self.alias(kind), body=body)
        except TransportError as error:
            raise _translated(error) from error
        return response

    async def msearch(self, requests: list[tuple[Kind, Document]]) -> list[Document]:
        """Several searches in one round trip; a failed one raises."""
        body: list[Document] = []
        for kind, request in requests:
            body += [{"index": self.alias(kind)}, request]
        try:
            response = await self.client.msearch(body=body)
        except TransportError as error:
            raise _translated(error) from error
        answers: list[Document] = response["responses"]
        for answer in answers:
            if "error" in answer:
                raise SearchUnavailableError(str(answer["error"].get("reason", "error")))
        return answers

    async def sources(self, kind: Kind, ids: list[str], fields: list[str]) -> dict[str, Document]:
        """The ``_source`` (``fields`` only) of the documents with these ids that exist."""
        if not ids:
            return {}
        try:
            response = await self.client.mget(
                index=self.alias(kind), body={"ids": ids}, _source_includes=fields
            )
        except TransportError as error:
            raise _translated(error) from error
        return {doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")}


def _translated(error: TransportError) -> Exception:
    if is_transient(error) or error.status_code == 404:
        # 404: no index behind the alias yet (the indexer has not started).
        return SearchUnavailableError(str(error))
    return error
