"""Fast tests of live updates: replay buffers, the hub, a person's checks, reading feed events."""

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agora.eventsourcing import EventEnvelope
from agora.eventsourcing.envelope import dataschema_uri
from agora.gateway.live import (
    LiveHub,
    LiveLimits,
    NotificationSeen,
    ReplayBuffer,
    Signal,
    TooManyStreamsError,
)
from agora.gateway.livefeed import (
    ANSWER_ACCEPTED,
    COMMENT_ADDED,
    COMMENT_EDITED,
    POST_EDITED,
    POST_PUBLISHED,
    REACTION_SET,
    WATCHED_TYPES,
    dispatch,
    interests,
)
from agora.gateway.settings import GatewaySettings
from agora.gateway.stream import live_events, sse_event

pytestmark = pytest.mark.unit

FEED_SCHEMAS = Path(__file__).parents[2] / "docs" / "events" / "feed.schema.json"
HOUR = time.time() + 3600


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeFeed:
    """What the feed shows each person, changed by the test (``FeedChecks``)."""

    def __init__(self) -> None:
        self.timelines: dict[str, set[str]] = {}
        self.inboxes: dict[str, list[NotificationSeen]] = {}
        self.calls: list[tuple[str, str]] = []
        self.down = False

    async def timeline(self, token: str) -> set[str] | None:
        self.calls.append(("timeline", token))
        return None if self.down else set(self.timelines.get(token, set()))

    async def notifications(self, token: str) -> list[NotificationSeen] | None:
        self.calls.append(("notifications", token))
        return None if self.down else list(self.inboxes.get(token, []))


def signal(seq: int, at: float = 0.0) -> Signal:
    return Signal(seq=seq, kind="timeline", post_id=f"p{seq}", at=at)


def hub_with(feed: FakeFeed, **limits: Any) -> LiveHub:
    values: dict[str, Any] = {"check_delays": (0.01, 0.02, 0.04), "check_min_interval": 0.0}
    values.update(limits)
    return LiveHub(checks=feed, limits=LiveLimits(**values), boot="0badcafe")


async def next_signal(queue: "asyncio.Queue[Signal]") -> Signal:
    return await asyncio.wait_for(queue.get(), timeout=5)


def test_a_replay_buffer_gives_what_came_after_an_id_while_it_still_holds_it() -> None:
    buffer = ReplayBuffer(floor=3, max_signals=3, max_age=60)
    for seq in (4, 5, 6):
        buffer.add(signal(seq, at=10))

    assert [s.seq for s in buffer.after(4, now=10) or []] == [5, 6]
    assert buffer.after(6, now=10) == []
    assert buffer.after(2, now=10) is None  # before the buffer began: unknown

    buffer.add(signal(7, at=10))  # evicts 4
    assert buffer.after(3, now=10) is None
    assert [s.seq for s in buffer.after(4, now=10) or []] == [5, 6, 7]
    assert buffer.after(4, now=100) is None  # all of them aged out


async def test_a_stream_replays_the_signals_after_its_last_event_id() -> None:
    feed = FakeFeed()
    hub = hub_with(feed)
    first = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    hub.deliver("ana", "timeline", "p1")
    seen = await next_signal(first.subscription.queue)
    hub.close(first.subscription)
    hub.deliver("ana", "notifications", "p2")  # while reconnecting

    again = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=hub.event_id(seen))

    assert [(s.kind, s.post_id) for s in again.replay] == [("notifications", "p2")]
    assert hub.event_id(again.replay[0]) == f"0badcafe-{seen.seq + 1}"
    fresh = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    assert fresh.replay == []
    await hub.aclose()


@pytest.mark.parametrize(
    "last_event_id",
    [
        "12345678-1",  # another replica, or this one before a restart
        "garbage",
        "0badcafe-",
        "0badcafe-0",  # before this person's watch began: what came between is unknown
    ],
)
async def test_an_id_this_process_cannot_vouch_for_gets_a_resync(last_event_id: str) -> None:
    hub = hub_with(FakeFeed())
    hub.open(person_id="bob", token="t", expires_at=HOUR, last_event_id=None)
    hub.deliver("bob", "timeline", "p1")

    opened = hub.open(person_id="dana", token="t", expires_at=HOUR, last_event_id=last_event_id)

    assert [s.kind for s in opened.replay] == ["resync"]
    assert opened.replay[0].post_id is None
    await hub.aclose()


async def test_a_person_may_open_only_so_many_streams() -> None:
    hub = hub_with(FakeFeed(), max_streams_per_person=2, max_streams=3)
    first = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)

    with pytest.raises(TooManyStreamsError) as per_person:
        hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    hub.open(person_id="bob", token="t", expires_at=HOUR, last_event_id=None)
    with pytest.raises(TooManyStreamsError) as overall:
        hub.open(person_id="carl", token="t", expires_at=HOUR, last_event_id=None)
    hub.close(first.subscription)
    hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)

    assert per_person.value.per_person
    assert not overall.value.per_person
    await hub.aclose()


async def test_a_closed_stream_keeps_its_watch_only_for_the_grace_period() -> None:
    clock = Clock()
    hub = LiveHub(
        checks=FakeFeed(),
        limits=LiveLimits(reconnect_grace_seconds=60),
        clock=clock,
        boot="0badcafe",
    )
    opened = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    hub.close(opened.subscription)

    clock.now += 59
    assert "ana" in hub.watchers()
    clock.now += 1
    assert "ana" not in hub.watchers()
    await hub.aclose()


async def test_a_slow_client_is_told_to_resync_instead_of_growing_a_queue() -> None:
    hub = hub_with(FakeFeed())
    opened = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)

    for index in range(opened.subscription.queue.maxsize + 5):
        hub.deliver("ana", "timeline", f"p{index}")

    assert opened.subscription.queue.full()
    assert opened.subscription.overflowed
    await hub.aclose()


async def test_a_signal_is_sent_once_the_feed_shows_the_post_and_never_otherwise() -> None:
    feed = FakeFeed()
    hub = hub_with(feed, check_delays=(0.01, 0.05, 0.05))
    member = hub.open(person_id="member", token="member-token", expires_at=HOUR, last_event_id=None)
    outsider = hub.open(
        person_id="outsider", token="outsider-token", expires_at=HOUR, last_event_id=None
    )
    since = datetime.now(UTC)
    for watch in hub.watchers().values():
        watch.expect("timeline", "secret-post", since)

    await asyncio.sleep(0.03)  # the first check found nothing: the projection lags
    feed.timelines["member-token"] = {"secret-post"}

    received = await next_signal(member.subscription.queue)
    assert (received.kind, received.post_id) == ("timeline", "secret-post")
    for _ in range(100):
        if hub.watchers()["outsider"].pending == 0:
            break
        await asyncio.sleep(0.01)
    assert hub.watchers()["outsider"].pending == 0  # gave up after the last delay
    assert outsider.subscription.queue.empty()
    assert feed.calls.count(("timeline", "outsider-token")) == 3
    await hub.aclose()


async def test_events_pouring_in_cost_a_person_one_request_per_kind_per_interval() -> None:
    feed = FakeFeed()
    hub = hub_with(feed, check_delays=(0.01, 0.3), check_min_interval=0.2)
    opened = hub.open(person_id="ana", token="tok", expires_at=HOUR, last_event_id=None)
    watch = hub.watchers()["ana"]
    since = datetime.now(UTC)

    for index in range(20):
        watch.expect("timeline", f"p{index}", since)
        await asyncio.sleep(0.01)
    feed.timelines["tok"] = {f"p{index}" for index in range(20)}
    received = [await next_signal(opened.subscription.queue) for _ in range(20)]

    assert {s.post_id for s in received} == {f"p{index}" for index in range(20)}
    assert len(feed.calls) <= 3  # 20 events over 0.2 s: at most one request per 0.2 s (+1)
    await hub.aclose()


async def test_a_notification_signal_needs_a_notification_changed_by_that_event() -> None:
    feed = FakeFeed()
    hub = hub_with(feed, check_delays=(0.01, 0.01))
    opened = hub.open(person_id="ana", token="tok", expires_at=HOUR, last_event_id=None)
    event_time = datetime.now(UTC)
    feed.inboxes["tok"] = [
        NotificationSeen(post_id="p1", updated_at=event_time - timedelta(minutes=5)),  # older
        NotificationSeen(post_id="p2", updated_at=event_time),
    ]

    watch = hub.watchers()["ana"]
    watch.expect("notifications", "p1", event_time)
    watch.expect("notifications", "p2", event_time)

    received = await next_signal(opened.subscription.queue)
    assert (received.kind, received.post_id) == ("notifications", "p2")
    await asyncio.sleep(0.1)
    assert opened.subscription.queue.empty()
    await hub.aclose()


async def test_checks_of_an_unreachable_feed_give_up_without_a_signal() -> None:
    feed = FakeFeed()
    feed.down = True
    hub = hub_with(feed, check_delays=(0.01, 0.01))
    opened = hub.open(person_id="ana", token="tok", expires_at=HOUR, last_event_id=None)
    hub.watchers()["ana"].expect("timeline", "p1", datetime.now(UTC))

    await asyncio.sleep(0.1)

    assert hub.watchers()["ana"].pending == 0
    assert opened.subscription.queue.empty()
    await hub.aclose()


def envelope(event_type: str, data: dict[str, Any], *, actor: str = "author") -> EventEnvelope:
    return EventEnvelope(
        id=str(uuid.uuid4()),
        source="/agora/feed",
        type=event_type,
        subject="post-p1",
        time=datetime.now(UTC),
        dataschema=dataschema_uri(event_type, 1),
        data=data,
        streamid="post-p1",
        streamversion=1,
        schemaversion=1,
        actor=actor,
    )


PUBLISHED = {
    "post_id": "p1",
    "author_id": "author",
    "place": {"kind": "community", "id": "c1", "visibility": "secret"},
    "kind": "praise",
    "content": {"text": "Merci @bea", "mentions": ["bea", "author"]},
    "praise": {"person_ids": ["carl"]},
}


def test_a_new_post_is_checked_in_everyones_timeline_and_the_named_peoples_inbox() -> None:
    timeline, named = interests(envelope(POST_PUBLISHED, PUBLISHED))

    assert (timeline.kind, timeline.post_id, timeline.people) == ("timeline", "p1", None)
    assert timeline.concerns("author")  # their other devices
    assert named.kind == "notifications"
    assert named.people == frozenset({"bea", "carl", "author"})
    assert [p for p in ("bea", "carl", "author", "dan") if named.concerns(p)] == ["bea", "carl"]


def test_imported_history_and_inbox_events_are_not_live_updates() -> None:
    imported = {**PUBLISHED, "published_at": "2024-01-01T00:00:00Z"}
    inbox = envelope("agora.feed.notifications_read", {"notification_ids": []})

    assert interests(envelope(POST_PUBLISHED, imported)) == []
    assert interests(inbox) == []
    assert interests(envelope("agora.feed.post_deleted", {})) == []


def test_conversation_events_are_checked_in_inboxes() -> None:
    comment = envelope(
        COMMENT_ADDED,
        {"comment_id": "c1", "author_id": "bea", "content": {"text": "x"}},
        actor="bea",
    )
    (checked,) = interests(comment)
    assert (checked.kind, checked.people) == ("notifications", None)
    assert not checked.concerns("bea")  # nobody is notified of their own comment
    assert checked.concerns("anyone")

    (accepted,) = interests(
        envelope(
            ANSWER_ACCEPTED,
            {"comment_id": "c1", "answer_author_id": "bea", "accepted_by": "author"},
        )
    )
    assert accepted.people == frozenset({"bea"})
    assert interests(envelope(POST_EDITED, {"content": {"text": "x"}})) == []
    (edited,) = interests(
        envelope(COMMENT_EDITED, {"comment_id": "c1", "content": {"text": "@d", "mentions": ["d"]}})
    )
    assert edited.people == frozenset({"d"})
    (reacted,) = interests(envelope(REACTION_SET, {"person_id": "e", "reaction": "like"}))
    assert reacted.people is None


async def test_records_are_dropped_unread_when_nobody_is_connected() -> None:
    hub = hub_with(FakeFeed())
    record = envelope(POST_PUBLISHED, PUBLISHED).to_json_bytes()

    assert dispatch(hub, record) == 0
    hub.open(person_id="bea", token="t", expires_at=HOUR, last_event_id=None)
    assert dispatch(hub, b"not json") == 0
    assert dispatch(hub, record) == 2  # her timeline, and her mention
    await hub.aclose()


def test_the_feed_events_read_are_in_the_feeds_published_contract() -> None:
    schemas: dict[str, Any] = json.loads(FEED_SCHEMAS.read_text())
    read_fields = {
        POST_PUBLISHED: {"content", "praise", "published_at"},
        POST_EDITED: {"content"},
        COMMENT_ADDED: {"published_at"},
        COMMENT_EDITED: {"content"},
        ANSWER_ACCEPTED: {"answer_author_id"},
    }
    for event_type in WATCHED_TYPES:
        schema = schemas[f"{event_type}@v1"]
        assert read_fields.get(event_type, set()) <= set(schema["properties"]), event_type
    content = schemas[f"{POST_PUBLISHED}@v1"]["$defs"]["Content"]["properties"]
    praise = schemas[f"{POST_PUBLISHED}@v1"]["$defs"]["Praise"]["properties"]
    assert "mentions" in content
    assert "person_ids" in praise


def test_a_signal_is_one_sse_event_with_its_id_and_no_content() -> None:
    encoded = sse_event("0badcafe-7", Signal(seq=7, kind="timeline", post_id="p\n1", at=0))

    assert encoded == (
        b'id: 0badcafe-7\nevent: timeline\ndata: {"type":"timeline","post_id":"p\\n1"}\n\n'
    )


def test_no_service_may_be_named_after_the_gateways_own_stream() -> None:
    with pytest.raises(ValidationError, match="gateway's own path"):
        GatewaySettings(environment="test", services={"stream": "http://127.0.0.1:1"})


async def test_a_stream_ends_when_its_persons_access_ends() -> None:
    hub = hub_with(FakeFeed())
    opened = hub.open(person_id="ana", token="t", expires_at=HOUR, last_event_id=None)
    access = {"ana": True}
    events = live_events(
        hub, opened, heartbeat=0.05, expires_at=HOUR, allowed=lambda: access["ana"]
    )
    assert (await anext(events)).startswith(b"retry:")
    hub.deliver("ana", "timeline", "p1")
    assert b'"post_id":"p1"' in await anext(events)

    hub.deliver("ana", "timeline", "p2")
    access["ana"] = False  # the gateway learnt that Ana left

    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), timeout=5)
    assert hub.watchers()["ana"].subscriptions == set()  # the stream was closed
