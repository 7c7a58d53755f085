"""The application layer: runs community decisions against the event store."""

from dataclasses import dataclass
from datetime import date

from agora.communities.clock import Clock
from agora.communities.domain.errors import CommunityError, CommunityNotFoundError
from agora.communities.domain.state import CommunityState
from agora.communities.queries import DirectoryQueries
from agora.eventsourcing import AggregateRepository, CommandOutcome, ConcurrencyError, Loaded
from agora.eventsourcing.aggregate import Decide


class StaleVersionError(CommunityError):
    """``If-Match`` named a version that is no longer current."""

    status, slug, title = 412, "stale-version", "The community changed since you read it"


@dataclass(frozen=True)
class CommandContext:
    """Who sends a command, and the idempotency key and fingerprint that identify it."""

    actor: str
    idempotency_key: str | None
    fingerprint: str


class CommunityService:
    """Loads communities and executes decisions on them."""

    def __init__(
        self,
        *,
        repository: AggregateRepository[CommunityState],
        queries: DirectoryQueries,
        clock: Clock,
    ) -> None:
        self._repository = repository
        self.queries = queries
        self._clock = clock

    def today(self) -> date:
        """Today's date (UTC) by the service's clock."""
        return self._clock().date()

    async def execute(
        self,
        *,
        community_id: str,
        decide: Decide[CommunityState],
        context: CommandContext,
        expected_version: int | None = None,
    ) -> CommandOutcome[CommunityState]:
        """Run one decision; a retried idempotency key returns the first outcome."""
        try:
            return await self._repository.execute(
                stream_id=self._repository.stream_id(community_id),
                decide=decide,
                expected_version=expected_version,
                actor=context.actor,
                command_id=context.idempotency_key,
                command_fingerprint=context.fingerprint,
            )
        except ConcurrencyError as error:
            if expected_version is None:
                raise
            raise StaleVersionError(str(error)) from error

    async def load_visible(self, *, community_id: str, viewer: str) -> Loaded[CommunityState]:
        """The community if ``viewer`` may know it exists; secret ones are not found otherwise."""
        loaded = await self._repository.load(self._repository.stream_id(community_id))
        if not loaded.state.can_see(viewer):
            raise CommunityNotFoundError(community_id)
        return loaded
