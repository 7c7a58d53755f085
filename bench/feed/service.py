"""The feed service under test: its settings, and the real uvicorn process that serves it.

The service runs as ``python -m agora.feed`` does (uvicorn, its outbox relay and its projection
in one process and one event loop), in a subprocess of its own, so the load generator and the
service never share an event loop; the bench talks to it over HTTP on loopback.
"""

import contextlib
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from agora.eventsourcing.topics import dead_letter_topic_name
from agora.feed.settings import FeedSettings
from agora.testing.identity import TestIdentityProvider
from bench.infra import BenchEndpoints
from bench.processes import service_process

TOKEN_LIFETIME_SECONDS = 3 * 3600


@dataclass(frozen=True)
class FeedRunNames:
    """The database, topics and projection of one run, unique so runs never meet."""

    run_id: str

    @property
    def database(self) -> str:
        """The feed's database: its event store and read model."""
        return f"bench_feed_{self.run_id}"

    @property
    def projection(self) -> str:
        """The feed's projection prefix (its collections and consumer group derive from it)."""
        return f"benchfeed_{self.run_id}"

    def topic(self, name: str) -> str:
        """One of the run's topics."""
        return f"agora.benchfeed{self.run_id}.{name}"

    @property
    def topics(self) -> list[str]:
        """Every topic the run creates, the projection's dead-letter topic included."""
        return [
            self.topic("feed.events"),
            self.topic("profiles.events"),
            self.topic("profiles.cards"),
            self.topic("communities.events"),
            dead_letter_topic_name(self.projection),
        ]


class Tokens:
    """Bearer tokens the service accepts, signed once per person (signing costs a millisecond
    or two, which must not land inside a measurement)."""

    def __init__(self) -> None:
        self.identity = TestIdentityProvider()
        self._headers: dict[str, dict[str, str]] = {}

    def headers(self, person_id: str) -> dict[str, str]:
        """``Authorization`` headers for ``person_id`` (valid for three hours)."""
        found = self._headers.get(person_id)
        if found is None:
            token = self.identity.token(person_id, exp=int(time.time()) + TOKEN_LIFETIME_SECONDS)
            found = self._headers[person_id] = {"Authorization": f"Bearer {token}"}
        return found

    def prepare(self, person_ids: list[str]) -> None:
        """Sign the tokens of these people now."""
        for person_id in person_ids:
            self.headers(person_id)


def feed_settings(
    *,
    endpoints: BenchEndpoints,
    names: FeedRunNames,
    tokens: Tokens,
    port: int,
    large_community_members: int,
) -> FeedSettings:
    """The service's settings for this run (its own database, topics and projection)."""
    return FeedSettings(
        port=port,
        kafka_bootstrap_servers=endpoints.kafka_bootstrap,
        mongo_url=endpoints.mongo_url,
        mongo_database=names.database,
        events_topic=names.topic("feed.events"),
        profiles_topic=names.topic("profiles.events"),
        profile_cards_topic=names.topic("profiles.cards"),
        communities_topic=names.topic("communities.events"),
        projection_prefix=names.projection,
        large_community_members=large_community_members,
        log_level="WARNING",
        environment="test",
        **tokens.identity.auth_settings(),
    )


@dataclass(frozen=True)
class RunningService:
    """A started feed process."""

    settings: FeedSettings
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base_url(self) -> str:
        """Where it serves HTTP."""
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def address(self) -> str:
        """Its listening address (for the CPU meter)."""
        return f"127.0.0.1:{self.settings.port}"


@contextlib.contextmanager
def feed_service(settings: FeedSettings, *, cpus: set[int]) -> Iterator[RunningService]:
    """Start ``python -m bench.feed.serve`` with these settings, wait until it is ready, and
    stop it (SIGTERM: its relay and projection stop cleanly) afterwards."""
    with service_process(
        name="feed", module="bench.feed.serve", settings=settings, cpus=cpus
    ) as running:
        yield RunningService(settings, running.process, running.log)
