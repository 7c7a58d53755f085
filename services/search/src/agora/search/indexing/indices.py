"""Index generations behind aliases: readers query ``<prefix>-<kind>``, an alias of the active
generation's index ``<prefix>-<kind>-g<N>``; writers write to a generation's index directly.

The generation numbers are the projection catalog's (``agora.eventsourcing``): generation N of
the Mongo side model, of the consumer group and of the indices go together. A rebuild fills
generation N+1 while N serves, then moves the three aliases in one atomic ``_aliases`` call.
"""

import logging
from dataclasses import dataclass
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch

from agora.search.indexing.analysis import index_body
from agora.search.indexing.bulk import unavailable_as_transient

logger = logging.getLogger(__name__)

Kind = Literal["people", "posts", "communities"]
KINDS: tuple[Kind, ...] = ("people", "posts", "communities")


@dataclass(frozen=True)
class IndexNames:
    """The aliases and indices of one deployment (tests use a prefix of their own)."""

    prefix: str

    def alias(self, kind: Kind) -> str:
        """What readers query."""
        return f"{self.prefix}-{kind}"

    def index(self, kind: Kind, generation: int) -> str:
        """The index of one generation."""
        return f"{self.prefix}-{kind}-g{generation}"

    def generation_of(self, index: str) -> int | None:
        """The generation an index of this prefix belongs to, if it is one."""
        for kind in KINDS:
            stem = f"{self.prefix}-{kind}-g"
            if index.startswith(stem) and index[len(stem) :].isdigit():
                return int(index[len(stem) :])
        return None


class SearchIndices:
    """Creates, points aliases at, and drops index generations."""

    def __init__(
        self, *, client: AsyncElasticsearch, names: IndexNames, shards: int = 1, replicas: int = 0
    ) -> None:
        self.client = client
        self.names = names
        self._shards = shards
        self._replicas = replicas

    async def create_generation(self, generation: int) -> None:
        """Create the generation's indices that do not exist yet."""
        with unavailable_as_transient():
            await self._create_generation(generation)

    async def _create_generation(self, generation: int) -> None:
        for kind in KINDS:
            index = self.names.index(kind, generation)
            body = index_body(kind, shards=self._shards, replicas=self._replicas)
            if await self.client.indices.exists(index=index):
                # Fields added since the index was created (e.g. after an upgrade) are added
                # to it; a changed field fails here, and needs `python -m agora.search.rebuild`.
                await self.client.indices.put_mapping(index=index, body=body["mappings"])
                continue
            # Another process may create it between the check and the call.
            await self.client.indices.create(index=index, body=body, ignore=[400])
            logger.info("created index %s", index)

    async def aliased_generations(self) -> dict[Kind, int | None]:
        """The generation each alias points at now (``None``: no alias yet)."""
        found: dict[Kind, int | None] = dict.fromkeys(KINDS)
        for kind in KINDS:
            holders = await self._holders(self.names.alias(kind))
            generations = [g for index in holders if (g := self.names.generation_of(index))]
            found[kind] = max(generations) if generations else None
        return found

    async def point_aliases(self, generation: int) -> bool:
        """Make every alias point at ``generation`` alone, in one atomic call. Returns whether
        anything moved."""
        with unavailable_as_transient():
            return await self._point_aliases(generation)

    async def _point_aliases(self, generation: int) -> bool:
        actions: list[dict[str, Any]] = []
        for kind in KINDS:
            alias = self.names.alias(kind)
            target = self.names.index(kind, generation)
            holders = await self._holders(alias)
            if holders == [target]:
                continue
            actions += [{"remove": {"index": index, "alias": alias}} for index in holders]
            actions.append({"add": {"index": target, "alias": alias}})
        if not actions:
            return False
        await self.client.indices.update_aliases(body={"actions": actions})
        logger.info("aliases of %s now point at generation %d", self.names.prefix, generation)
        return True

    async def refresh_generation(self, generation: int) -> None:
        """Make everything written to the generation searchable now (before readers switch)."""
        with unavailable_as_transient():
            await self.client.indices.refresh(
                index=",".join(self.names.index(kind, generation) for kind in KINDS)
            )

    async def drop_generation(self, generation: int) -> None:
        """Delete the generation's indices (those that exist)."""
        for kind in KINDS:
            await self.client.indices.delete(index=self.names.index(kind, generation), ignore=[404])

    async def _holders(self, alias: str) -> list[str]:
        response = await self.client.indices.get_alias(name=alias, ignore=[404])
        return sorted(index for index in response if index not in {"error", "status"})
