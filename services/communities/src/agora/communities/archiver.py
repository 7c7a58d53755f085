"""The worker that archives project communities once their end date has passed."""

import asyncio
import contextlib
import logging

from agora.communities.clock import Clock
from agora.communities.domain.decisions import archive_if_ended
from agora.communities.domain.state import CommunityState
from agora.communities.queries import DirectoryQueries
from agora.eventsourcing import AggregateRepository

logger = logging.getLogger(__name__)
ARCHIVER_ACTOR = "system:archiver"


class ProjectArchiver:
    """Appends ``community_archived`` to every project community past its end date."""

    def __init__(
        self,
        *,
        repository: AggregateRepository[CommunityState],
        queries: DirectoryQueries,
        clock: Clock,
        interval_seconds: float,
    ) -> None:
        self._repository = repository
        self._queries = queries
        self._clock = clock
        self._interval = interval_seconds
        self._stopping = asyncio.Event()

    async def archive_ended(self) -> list[str]:
        """Archive the ended projects the read model lists; returns the ids archived now."""
        today = self._clock().date()
        archived = []
        for community_id in await self._queries.communities_to_archive(today_iso=today.isoformat()):
            # The decision re-checks the aggregate, so a stale read model archives nothing.
            outcome = await self._repository.execute(
                stream_id=self._repository.stream_id(community_id),
                decide=archive_if_ended(today=today),
                actor=ARCHIVER_ACTOR,
            )
            if outcome.events:
                archived.append(community_id)
        return archived

    async def run(self) -> None:
        """Archive ended projects every interval until ``stop()``."""
        while not self._stopping.is_set():
            try:
                archived = await self.archive_ended()
            except Exception:
                logger.exception("archiving ended projects failed; retrying next round")
            else:
                if archived:
                    logger.info("archived ended project communities %s", archived)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=self._interval)

    def stop(self) -> None:
        """Ask ``run()`` to return."""
        self._stopping.set()
