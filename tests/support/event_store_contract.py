"""The contract every ``EventStore`` adapter passes, run unchanged against each of them."""

import asyncio
import uuid

import pytest

from agora.eventsourcing import ConcurrencyError, EventStore, IdempotencyKeyReusedError
from tests.support.tally import TallyIncremented, TallyOpened


def new_stream() -> str:
    return f"tally-{uuid.uuid4()}"


class EventStoreContract:
    """Subclasses provide a ``store`` fixture returning a fresh, empty store."""

    async def test_a_new_stream_is_at_version_zero_and_empty(self, store: EventStore) -> None:
        stream = new_stream()
        assert await store.stream_version(stream) == 0
        assert await store.load(stream) == []

    async def test_a_batch_is_appended_in_order_with_consecutive_versions(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        result = await store.append(
            stream_id=stream,
            expected_version=0,
            events=[TallyOpened(title="t"), TallyIncremented(by=1), TallyIncremented(by=2)],
            actor="person-1",
        )
        assert [e.streamversion for e in result.events] == [1, 2, 3]
        loaded = await store.load(stream)
        assert [(e.type, e.streamversion, e.data) for e in loaded] == [
            ("agora.test.tally_opened", 1, {"title": "t"}),
            ("agora.test.tally_incremented", 2, {"by": 1, "note": ""}),
            ("agora.test.tally_incremented", 3, {"by": 2, "note": ""}),
        ]
        assert all(e.actor == "person-1" and e.subject == stream for e in loaded)
        assert await store.stream_version(stream) == 3
        assert [e.streamversion for e in await store.load(stream, after_version=2)] == [3]

    async def test_appending_at_a_stale_version_raises_a_concurrency_error(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
        with pytest.raises(ConcurrencyError) as raised:
            await store.append(
                stream_id=stream, expected_version=0, events=[TallyIncremented(by=1)]
            )
        assert raised.value.actual_version == 1
        assert await store.stream_version(stream) == 1

    async def test_of_concurrent_appends_at_one_version_exactly_one_wins(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
        outcomes = await asyncio.gather(
            *(
                store.append(
                    stream_id=stream,
                    expected_version=1,
                    events=[TallyIncremented(by=n), TallyIncremented(by=n)],
                )
                for n in range(8)
            ),
            return_exceptions=True,
        )
        winners = [o for o in outcomes if not isinstance(o, BaseException)]
        losers = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(winners) == 1
        assert len(losers) == 7
        assert all(isinstance(o, ConcurrencyError) for o in losers)
        loaded = await store.load(stream)
        assert [e.streamversion for e in loaded] == [1, 2, 3]
        assert loaded[1].data == loaded[2].data  # both events of the single winning batch

    async def test_a_retried_command_returns_the_original_result_and_appends_nothing(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        first = await store.append(
            stream_id=stream,
            expected_version=0,
            events=[TallyOpened(title="t")],
            actor="person-1",
            command_id="cmd-1",
            command_fingerprint="f1",
        )
        retry = await store.append(
            stream_id=stream,
            expected_version=0,
            events=[TallyOpened(title="t")],
            actor="person-1",
            command_id="cmd-1",
            command_fingerprint="f1",
        )
        assert retry.deduplicated
        assert not first.deduplicated
        assert [e.id for e in retry.events] == [e.id for e in first.events]
        assert await store.stream_version(stream) == 1

    async def test_concurrent_retries_of_one_command_append_it_once(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        results = await asyncio.gather(
            *(
                store.append(
                    stream_id=stream,
                    expected_version=None,
                    events=[TallyIncremented(by=5)],
                    actor="person-1",
                    command_id="cmd-same",
                )
                for _ in range(5)
            )
        )
        assert len({r.events[0].id for r in results}) == 1
        assert sum(not r.deduplicated for r in results) == 1
        assert await store.stream_version(stream) == 1

    async def test_an_idempotency_id_reused_for_another_command_is_refused(
        self, store: EventStore
    ) -> None:
        stream = new_stream()
        await store.append(
            stream_id=stream,
            expected_version=0,
            events=[TallyOpened(title="t")],
            actor="person-1",
            command_id="cmd-1",
            command_fingerprint="f1",
        )
        with pytest.raises(IdempotencyKeyReusedError):
            await store.append(
                stream_id=stream,
                expected_version=1,
                events=[TallyIncremented(by=1)],
                actor="person-1",
                command_id="cmd-1",
                command_fingerprint="f2",
            )

    async def test_idempotency_ids_are_scoped_to_the_actor(self, store: EventStore) -> None:
        stream = new_stream()
        await store.append(
            stream_id=stream,
            expected_version=0,
            events=[TallyOpened(title="t")],
            actor="person-1",
            command_id="same-key",
        )
        other = await store.append(
            stream_id=stream,
            expected_version=1,
            events=[TallyIncremented(by=1)],
            actor="person-2",
            command_id="same-key",
        )
        assert not other.deduplicated
        assert await store.stream_version(stream) == 2

    async def test_any_version_appends_after_the_current_head(self, store: EventStore) -> None:
        stream = new_stream()
        await store.append(stream_id=stream, expected_version=0, events=[TallyOpened(title="t")])
        result = await store.append(
            stream_id=stream, expected_version=None, events=[TallyIncremented(by=1)]
        )
        assert result.last_version == 2

    @pytest.mark.parametrize("stream_id", ["", "tally", "Tally-1", "tally-a.b", "tally-$x"])
    async def test_malformed_stream_ids_are_refused(
        self, store: EventStore, stream_id: str
    ) -> None:
        with pytest.raises(ValueError, match=r"stream id|invalid"):
            await store.append(
                stream_id=stream_id, expected_version=0, events=[TallyOpened(title="t")]
            )
