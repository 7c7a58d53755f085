"""The ``timelines`` part: fan-out of posts into timelines, and the queries that read them.

Timelines (keys; every variable part is percent-encoded, so no key is a prefix of another's
archive): ``home:<person>``, ``community:<id>``, ``profile:<person>`` (their posts, any place),
``tag:<tag>``, ``questions:<topic>`` (questions by expertise topic, see ``questions``) and
``praise:<person>`` (praise naming them). Storage and paging are described in ``pages``.

Fan-out (on ``PostPublished``): the author's home; the author's followers who can read the post;
the community's members when it has at most ``large_community_members`` members (larger ones
are merged into their members' home timelines when read: fan-out on read); mentioned and
praised people who can read it; and the community, profile, tag, question and praise
timelines. An edit adds the post to the timelines of tags, topics and mentions it gained.

Idempotency: a per-post delivery document (``~post:<id>``) remembers, with ``apply_once``, the
last event of the post's stream whose fan-out completed, and is written last, so a redelivered
event whose fan-out completed does nothing. An event interrupted by a crash was the last one
applied: appending its entries again finds each of them stored already (an entry's ``_id`` is
its timeline, time and post: ``pages``), so a crash loses and duplicates nothing.

An erased person's home timeline is closed (``pages.close``): emptied and marked, it takes no
more entries, so nothing is delivered to them afterwards, whatever order the topics are applied
in.

Reads check every entry again against the post and the reader *now*: deleted posts, posts of a
community the reader can no longer read, and hidden posts (except for their author and the
community's managers) are skipped, and a home entry stays only while one of the reasons it was
delivered for still holds (the reader wrote it or was mentioned, still follows the author, or
is still a member of the community).
"""

from collections.abc import Callable, Iterable, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pymongo.asynchronous.collection import AsyncCollection

from agora.eventsourcing import DomainEvent, EventEnvelope, ReadModel, apply_once
from agora.eventsourcing.readmodel import APPLIED_FIELD, find_by_ids
from agora.eventsourcing.times import epoch_millis
from agora.feed import upstream
from agora.feed.clock import Clock
from agora.feed.domain.commands import Actor
from agora.feed.domain.errors import CommunityNotFoundError, PostNotFoundError
from agora.feed.domain.events import PostEdited, PostPublished
from agora.feed.facts import MEMBERSHIP_STARTS, CommunityFacts, FactsQueries, PersonFacts
from agora.feed.readmodel import CollectionSource, collection
from agora.feed.readside import posts as posts_part
from agora.feed.readside.pages import (
    Candidate,
    Cursor,
    InvalidCursorError,
    TimelineMerge,
    append_all,
    close,
    closed_id,
    entries_filter,
    read_entry,
)
from agora.feed.readside.questions import question_topics, reader_topics
from agora.feed.readside.reference_cache import ReferenceCache, RememberedDocument, name_cache

Document = dict[str, Any]
Reason = Literal["author", "follow", "member", "mention"]
FAN_OUT_ON_READ_ID = "~fan-out-on-read"
FAN_OUT_ON_READ_REMEMBER_SECONDS = 1.0
"""How long home reads reuse the list of communities merged when read. It only grows, when a
community's first post above the threshold is applied: for at most this long after, members'
home reads may not merge that community yet (a delay, never a leak: every post is still
checked against the reader's memberships). Reading it on every home read was one query of
six."""
"""The document listing the communities that ever had a post not copied to their members."""
DELIVERY_PREFIX = "~post:"
LATE_COPY_PREFIX = "~joined:"
DEFAULT_PAGE_SIZE = 30
MAX_PAGE_SIZE = 100
MAX_SCANNED_PER_PAGE = 1000
"""A page stops after this many entries were examined, even if not full (its cursor goes on)."""
LIST_PROJECTION = {
    "comments": 0,
    "history": 0,
    "reports": 0,
    "shares": 0,
    "subscribers": 0,
    "unsubscribed": 0,
    "_applied": 0,
}
PERSON_PROJECTION = {"followers": 0, "interests": 0}
COMMUNITY_PROJECTION = {"members": 0, "pending_requests": 0}
LATE_MEMBERSHIP_WINDOW = timedelta(minutes=15)
"""How long after a membership started its posts may have been applied before it."""

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "InvalidCursorError",
    "PostRead",
    "PostsPage",
    "TimelineQueries",
    "apply_event",
    "apply_fact",
]


# --- keys ------------------------------------------------------------------------------------


def _part(value: str) -> str:
    return quote(value, safe="")


def home_key(person_id: str) -> str:
    """A person's home timeline."""
    return f"home:{_part(person_id)}"


def community_key(community_id: str) -> str:
    """A community's timeline."""
    return f"community:{_part(community_id)}"


def profile_key(person_id: str) -> str:
    """The posts a person wrote, wherever."""
    return f"profile:{_part(person_id)}"


def tag_key(tag: str) -> str:
    """The posts with a tag."""
    return f"tag:{_part(tag)}"


def questions_key(topic: str) -> str:
    """The questions about an expertise topic."""
    return f"questions:{_part(topic)}"


def praise_key(person_id: str) -> str:
    """The praise posts naming a person."""
    return f"praise:{_part(person_id)}"


def delivery_id(post_id: str) -> str:
    """The document remembering a post's fan-out."""
    return f"{DELIVERY_PREFIX}{post_id}"


def late_copy_id(person_id: str, community_id: str) -> str:
    """The document remembering the last membership of a person in a community whose late
    posts were copied into their home."""
    return f"{LATE_COPY_PREFIX}{_part(person_id)}|{_part(community_id)}"


def late_copies_filter(person_id: str) -> Document:
    """The filter of every ``late_copy_id`` of a person (percent-encoded parts are ASCII below
    DEL, so DEL bounds the range)."""
    prefix = f"{LATE_COPY_PREFIX}{_part(person_id)}|"
    return {"_id": {"$gt": prefix, "$lt": f"{prefix}\x7f"}}


# --- fan-out ---------------------------------------------------------------------------------


@dataclass
class _Deliveries:
    """The entries one event adds, by timeline."""

    entries: dict[str, Document] = field(default_factory=dict)

    def add(self, key: str, entry: Document) -> None:
        self.entries.setdefault(key, entry)

    def home(self, person_id: str, base: Document, reasons: set[Reason]) -> None:
        self.entries[home_key(person_id)] = {**base, "reasons": sorted(reasons)}


async def apply_event(
    envelope: EventEnvelope,
    event: DomainEvent,
    read_model: ReadModel,
    *,
    facts: FactsQueries,
    closed_timelines: MutableMapping[str, bool] | None = None,
    large_community_members: int,
) -> None:
    """Fan a published or edited post out to its timelines (other events change none);
    ``facts`` looks up the generation's people and communities, ``closed_timelines``
    remembers which timelines are closed (see ``append_all``)."""
    post_id = posts_part.post_id_of(envelope)
    if post_id is None or not isinstance(event, PostPublished | PostEdited):
        return
    timelines = collection(read_model, "timelines")
    delivery = await timelines.find_one({"_id": delivery_id(post_id)})
    if posts_part.already_applied(delivery, envelope):
        return
    if isinstance(event, PostPublished):
        record, deliveries, fan_out_on_read = await _publication(
            event, posts_part.event_time(envelope, event), facts, large_community_members
        )
        if fan_out_on_read is not None:
            await timelines.update_one(
                {"_id": FAN_OUT_ON_READ_ID},
                {"$addToSet": {"communities": fan_out_on_read}},
                upsert=True,
            )
    elif delivery is None or "place" not in delivery:
        record, deliveries = {}, _Deliveries()  # an edit of a post never published here
    else:
        record, deliveries = await _edit(event, delivery, facts)
    await append_all(timelines, deliveries.entries.items(), closed=closed_timelines)
    await apply_once(
        timelines,
        document_id=delivery_id(post_id),
        envelope=envelope,
        update={"$set": record} if record else {},
    )


async def apply_fact(
    envelope: EventEnvelope, fact: upstream.UpstreamEvent, read_model: ReadModel
) -> None:
    """A membership started: copy into the member's home the posts of the community recorded
    since, which were fanned out before the membership reached the projection (Kafka does not
    order the communities topic against the feed's). Older posts are not copied: a newcomer
    reads them in the community. Only posts of the ``LATE_MEMBERSHIP_WINDOW`` after the
    membership are looked at (one range read of the community's timeline): a membership
    redelivered long after (a consumer restart) costs that read, not an append per newer post.

    The copy is made once per membership (a record per person and community, written after
    it, like a post's delivery record): a membership redelivered after the person left would
    otherwise copy posts the live projection had rightly not delivered (the leave was applied
    before them), so a replay would change the home timeline.

    A person erased: their home timeline is closed (emptied, and nothing reaches it any more),
    and the records of their memberships' copies are deleted (a membership redelivered later
    finds the home closed and records nothing). The posts they wrote stay in the other
    timelines, under a name no longer shown."""
    timelines = collection(read_model, "timelines")
    if isinstance(fact, upstream.PersonErased):
        person_id = upstream.aggregate_id(envelope)
        await close(timelines, home_key(person_id))
        await timelines.delete_many(late_copies_filter(person_id))
        return
    if envelope.type not in MEMBERSHIP_STARTS or not isinstance(fact, upstream.PersonEvent):
        return
    community_id = upstream.aggregate_id(envelope)
    home = home_key(fact.person_id)
    record_id = late_copy_id(fact.person_id, community_id)
    found = await find_by_ids(timelines, [record_id, closed_id(home)])
    if closed_id(home) in found or posts_part.already_applied(found.get(record_id), envelope):
        return
    key = community_key(community_id)
    since = (epoch_millis(envelope.time), "")
    until = (epoch_millis(envelope.time + LATE_MEMBERSHIP_WINDOW) + 1, "")
    window = entries_filter(key, at_least=since, below=until)
    copies: list[tuple[str, Document]] = []
    async for document in timelines.find(window):
        entry = read_entry(key, document)
        if entry.get("fanned_out", False):
            copy = {"post_id": entry["post_id"], "at": entry["at"], "community_id": community_id}
            copies.append((home, {**copy, "reasons": ["member"]}))
    await append_all(timelines, copies)
    await apply_once(timelines, document_id=record_id, envelope=envelope, update={})


async def _publication(
    event: PostPublished, at: datetime, facts: FactsQueries, large_community_members: int
) -> tuple[Document, _Deliveries, str | None]:
    place = event.place
    community = await facts.community(place.id) if place.kind == "community" else None
    author = await facts.person(event.author_id)
    readable = _reader_check(place.kind, place.visibility, community)
    community_id = place.id if place.kind == "community" else None
    base: Document = {"post_id": event.post_id, "at": at, "community_id": community_id}
    recipients: dict[str, set[Reason]] = {event.author_id: {"author"}}

    def reach(person_id: str, reason: Reason) -> None:
        if readable(person_id):
            recipients.setdefault(person_id, set()).add(reason)

    for follower in author.followers if author else []:
        reach(follower, "follow")
    members_fanned = False
    if community is not None and len(community.members) <= large_community_members:
        members_fanned = True
        for member in community.members:
            reach(member, "member")
    mentioned = [*event.content.mentions, *(event.praise.person_ids if event.praise else ())]
    for person_id in mentioned:
        reach(person_id, "mention")

    deliveries = _Deliveries()
    for person_id, reasons in recipients.items():
        deliveries.home(person_id, base, reasons)
    if community_id is not None:
        deliveries.add(community_key(community_id), {**base, "fanned_out": members_fanned})
    deliveries.add(profile_key(event.author_id), base)
    for tag in event.tags:
        deliveries.add(tag_key(tag), base)
    topics: list[str] = []
    if event.kind == "question":
        topics = question_topics(event.tags, event.content.text, await facts.known_topics())
        for topic in topics:
            deliveries.add(questions_key(topic), base)
    if event.praise is not None:
        for person_id in event.praise.person_ids:
            deliveries.add(praise_key(person_id), base)
    record: Document = {
        "place": event.place.model_dump(),
        "author_id": event.author_id,
        "kind": event.kind,
        "at": at,
        "tags": list(event.tags),
        "mentions": sorted(set(mentioned)),
        "topics": topics,
    }
    fan_out_on_read = community_id if not members_fanned else None
    return record, deliveries, fan_out_on_read


async def _edit(
    event: PostEdited, delivery: Document, facts: FactsQueries
) -> tuple[Document, _Deliveries]:
    place = delivery["place"]
    community_id = place["id"] if place["kind"] == "community" else None
    community = await facts.community(community_id) if community_id else None
    readable = _reader_check(place["kind"], place.get("visibility", "open"), community)
    base: Document = {"post_id": delivery["_id"].removeprefix(DELIVERY_PREFIX)}
    base |= {"at": delivery["at"], "community_id": community_id}
    deliveries = _Deliveries()
    known_tags, known_mentions = set(delivery.get("tags", [])), set(delivery.get("mentions", []))
    for tag in event.tags:
        if tag not in known_tags:
            deliveries.add(tag_key(tag), base)
    new_mentions = [p for p in event.content.mentions if p not in known_mentions]
    for person_id in new_mentions:
        if readable(person_id):
            deliveries.home(person_id, base, {"mention"})
    topics = list(delivery.get("topics", []))
    if delivery.get("kind") == "question":
        edited = question_topics(event.tags, event.content.text, await facts.known_topics())
        for topic in edited:
            if topic not in topics:
                topics.append(topic)
                deliveries.add(questions_key(topic), base)
    record = {
        "tags": sorted(known_tags | set(event.tags)),
        "mentions": sorted(known_mentions | set(new_mentions)),
        "topics": topics,
    }
    return record, deliveries


def _reader_check(
    place_kind: str, visibility: str, community: CommunityFacts | None
) -> Callable[[str], bool]:
    """Who may read a post now, as known while applying it."""
    if place_kind == "profile":
        return lambda _person: True
    if community is None:
        return lambda _person: visibility == "open"
    return lambda person: (
        (visibility == "open" or community.is_member(person)) and (community.can_read(person))
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceInfo:
    """What a reader needs of a community: its name, visibility and state."""

    name: str
    visibility: str
    archived: bool


@dataclass(frozen=True)
class PostRead:
    """A post as one reader may see it, with what its view needs."""

    document: Document
    place_name: str | None
    """The community's name (profile posts are named after their author by the view)."""
    place_archived: bool
    """Whether the post's community is archived (read-only)."""
    moderator: bool
    """Whether the reader moderates the post's place (sees hidden content and reports)."""
    version: int = 0
    """The post's stream version (its ETag), when the read fetched it (single posts)."""
    shared: "PostRead | None" = None
    """The shared post, when this post shares one the reader may read."""


@dataclass(frozen=True)
class PostsPage:
    """A page of posts, the names of the people they mention, and the next page's cursor."""

    posts: list[PostRead]
    names: dict[str, str | None]
    next_cursor: str | None
    reader: str
    now: datetime


class _ReaderContext:
    """One request's reader: their facts now, and the places and posts looked up for them."""

    def __init__(
        self,
        actor: Actor,
        person: PersonFacts | None,
        collections: CollectionSource,
        place_cache: ReferenceCache[PlaceInfo],
    ) -> None:
        self.actor = actor
        self.person_id = actor.person_id
        self.member_of = set(person.communities) if person else set()
        self.manages = set(person.managed) if person else set()
        self.following = set(person.following) if person else set()
        self._collections = collections
        self._place_cache = place_cache
        self._places: dict[str, PlaceInfo | None] = {}

    async def places(self, community_ids: Iterable[str]) -> None:
        """Look up the communities not looked up yet (by this request)."""
        missing = [cid for cid in dict.fromkeys(community_ids) if cid not in self._places]
        if not missing:
            return
        communities = await self._collections.active("communities")
        self._places.update(await self._place_cache.lookup(communities, missing))

    def place(self, community_id: str) -> PlaceInfo | None:
        """A community looked up by ``places`` (``None``: unknown)."""
        return self._places.get(community_id)

    def can_read_community(self, community_id: str) -> bool:
        """Open communities: everyone; closed and secret ones: their members now."""
        place = self._places.get(community_id)
        if place is None:
            return False
        return place.visibility == "open" or community_id in self.member_of

    def can_read(self, document: Document | None) -> bool:
        """Whether the reader may read the post now (deleted and hidden posts excluded)."""
        if document is None or not posts_part.is_published(document) or document.get("deleted"):
            return False
        place = document["place"]
        if place["kind"] == "community":
            if place.get("visibility", "open") != "open" and place["id"] not in self.member_of:
                return False
            if not self.can_read_community(place["id"]):
                return False
        if document.get("hidden"):
            return document["author_id"] == self.person_id or self.moderates(document)
        return True

    def moderates(self, document: Document) -> bool:
        """Community managers moderate community posts; platform administrators the others."""
        place = document["place"]
        if place["kind"] == "community":
            return place["id"] in self.manages
        return self.actor.is_platform_admin

    def read(self, document: Document, shared: PostRead | None = None) -> PostRead:
        """The post as this reader sees it."""
        place = document["place"]
        info = self._places.get(place["id"]) if place["kind"] == "community" else None
        applied = document.get(APPLIED_FIELD, {})
        return PostRead(
            document=document,
            place_name=info.name if info else None,
            place_archived=info.archived if info else False,
            moderator=self.moderates(document),
            version=int(applied.get(f"{posts_part.STREAM_PREFIX}{document['_id']}", 0)),
            shared=shared,
        )


Accept = Callable[[Candidate, Document, _ReaderContext], bool]


class TimelineQueries:
    """Answers timeline, post, question and recognition reads, always as one reader sees them."""

    def __init__(
        self,
        *,
        collections: CollectionSource,
        facts: FactsQueries,
        clock: Clock,
        large_community_members: int,
        reference_cache_seconds: float = 0.0,
    ) -> None:
        self._collections = collections
        self._facts = facts
        self._clock = clock
        self._large_community_members = large_community_members
        self._name_cache = name_cache(reference_cache_seconds)
        self._place_cache = ReferenceCache(
            seconds=reference_cache_seconds, projection=COMMUNITY_PROJECTION, convert=_place_info
        )
        self._fan_out_on_read = RememberedDocument(
            FAN_OUT_ON_READ_ID,
            seconds=FAN_OUT_ON_READ_REMEMBER_SECONDS if reference_cache_seconds > 0 else 0.0,
        )

    # --- timelines -----------------------------------------------------------------------

    async def home(self, actor: Actor, *, cursor: str | None, limit: int) -> PostsPage:
        """The reader's home: their own timeline merged with their large communities'."""
        timelines = await self._collections.active("timelines")
        registry = await self._fan_out_on_read.get(timelines)
        context = await self._context(actor)
        merged = set(registry.get("communities", [])) if registry else set()
        keys = [home_key(actor.person_id)]
        keys += [community_key(c) for c in sorted(context.member_of & merged)]
        home = home_key(actor.person_id)

        def accept(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
            for key, entry in candidate.entries.items():
                if key == home and _reason_holds(entry, document, reader):
                    return True
                if key != home and not entry.get("fanned_out", False):
                    return entry.get("community_id") in reader.member_of
            return False

        return await self._page(context, keys, cursor, limit, accept)

    async def community(
        self, actor: Actor, community_id: str, *, cursor: str | None, limit: int
    ) -> PostsPage:
        """A community's posts (404 unless the reader can read the community; archived ones too)."""
        context = await self._context(actor)
        await context.places([community_id])
        if not context.can_read_community(community_id):
            raise CommunityNotFoundError(community_id)
        return await self._page(context, [community_key(community_id)], cursor, limit, _readable)

    async def profile(
        self, actor: Actor, person_id: str, *, cursor: str | None, limit: int
    ) -> PostsPage:
        """The posts a person wrote that the reader can read, newest first."""
        context = await self._context(actor)

        def accept(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
            return bool(document["author_id"] == person_id)

        return await self._page(context, [profile_key(person_id)], cursor, limit, accept)

    async def tag(self, actor: Actor, tag: str, *, cursor: str | None, limit: int) -> PostsPage:
        """The readable posts that carry a tag now, newest first."""
        context = await self._context(actor)

        def accept(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
            return tag in document.get("tags", [])

        return await self._page(context, [tag_key(tag)], cursor, limit, accept)

    async def praise(
        self, actor: Actor, person_id: str, *, cursor: str | None, limit: int
    ) -> PostsPage:
        """The praise naming a person that the reader can read, newest first."""
        context = await self._context(actor)

        def accept(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
            praise = document.get("praise") or {}
            return document.get("kind") == "praise" and person_id in praise.get("person_ids", [])

        return await self._page(context, [praise_key(person_id)], cursor, limit, accept)

    async def questions_for(self, actor: Actor, *, cursor: str | None, limit: int) -> PostsPage:
        """Open questions on the reader's expertise topics, in places they can read, not theirs."""
        person = await self._person(actor.person_id)
        context = _ReaderContext(actor, person, self._collections, self._place_cache)
        keys = [questions_key(topic) for topic in reader_topics(person)]

        def accept(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
            return (
                document.get("kind") == "question"
                and not document.get("answered")
                and not document.get("hidden")
                and document["author_id"] != reader.person_id
            )

        return await self._page(context, keys, cursor, limit, accept)

    # --- single posts --------------------------------------------------------------------

    async def post(self, actor: Actor, post_id: str) -> PostsPage:
        """One post with its whole conversation (404 unless the reader may read it)."""
        context = await self._context(actor)
        posts = await self._collections.active("posts")
        document = await posts.find_one({"_id": post_id})
        if document is None or "place" not in document:
            raise PostNotFoundError()
        if document["place"]["kind"] == "community":
            await context.places([document["place"]["id"]])
        if not context.can_read(document):
            raise PostNotFoundError()
        reads = await self._with_shared(context, [document])
        return await self._finish(context, reads, next_cursor=None)

    async def work_item_thread(
        self, actor: Actor, community_id: str, system: str, item_id: str
    ) -> PostsPage:
        """THE conversation about a work item in a community (404 unless readable)."""
        context = await self._context(actor)
        await context.places([community_id])
        if not context.can_read_community(community_id):
            raise CommunityNotFoundError(community_id)
        work_items = await self._collections.active("work_items")
        key = posts_part.work_item_key(community_id, system, item_id)
        claim = await work_items.find_one({"_id": key})
        if claim is None:
            raise PostNotFoundError()
        return await self.post(actor, str(claim["post_id"]))

    # --- machinery -----------------------------------------------------------------------

    async def _person(self, person_id: str) -> PersonFacts | None:
        people = await self._collections.active("people")
        document = await people.find_one({"_id": person_id}, PERSON_PROJECTION)
        return None if document is None else PersonFacts.model_validate(document)

    async def _context(self, actor: Actor) -> _ReaderContext:
        person = await self._person(actor.person_id)
        return _ReaderContext(actor, person, self._collections, self._place_cache)

    async def _page(
        self,
        context: _ReaderContext,
        keys: list[str],
        cursor: str | None,
        limit: int,
        accept: Accept,
    ) -> PostsPage:
        timelines = await self._collections.active("timelines")
        posts = await self._collections.active("posts")
        start = Cursor.decode(cursor) if cursor else None
        # One chunk holds the page when every entry is readable, and shows whether more follow.
        merge = TimelineMerge.open(timelines, keys, start, chunk=limit + 1)
        accepted: list[Document] = []
        next_cursor: str | None = None
        scanned = 0
        rounds = 0
        while len(accepted) < limit:
            batch: list[Candidate] = []
            missing = limit - len(accepted)
            # Most candidates are readable: fetch exactly what the page needs, more only if not.
            wanted = missing if rounds == 0 else max(2 * missing, 10)
            rounds += 1
            while len(batch) < wanted:
                candidate = await merge.next()
                if candidate is None:
                    break
                batch.append(candidate)
            if not batch:
                break
            documents = await _fetch(posts, [c.post_id for c in batch], LIST_PROJECTION)
            await context.places(_community_ids(documents))
            for index, (candidate, document) in enumerate(zip(batch, documents, strict=True)):
                scanned += 1
                if (
                    document is not None
                    and context.can_read(document)
                    and accept(candidate, document, context)
                ):
                    accepted.append(document)
                full = len(accepted) == limit
                if full or scanned >= MAX_SCANNED_PER_PAGE:
                    more = index + 1 < len(batch) or await merge.next() is not None
                    next_cursor = candidate.cursor_after.encode() if more else None
                    break
            if next_cursor is not None or len(accepted) == limit:
                break
            if scanned >= MAX_SCANNED_PER_PAGE:
                break
        reads = await self._with_shared(context, accepted)
        return await self._finish(context, reads, next_cursor=next_cursor)

    async def _with_shared(
        self, context: _ReaderContext, documents: list[Document]
    ) -> list[PostRead]:
        posts = await self._collections.active("posts")
        shared_ids = [str(d["shared_post_id"]) for d in documents if d.get("shared_post_id")]
        shared_documents = await _fetch(posts, shared_ids, LIST_PROJECTION)
        await context.places(_community_ids(shared_documents))
        readable = {
            str(document["_id"]): context.read(document)
            for document in shared_documents
            if document is not None and context.can_read(document)
        }
        return [
            context.read(document, readable.get(str(document.get("shared_post_id"))))
            for document in documents
        ]

    async def _finish(
        self, context: _ReaderContext, reads: list[PostRead], *, next_cursor: str | None
    ) -> PostsPage:
        people: set[str] = set()
        for read in reads:
            for post in (read, read.shared):
                if post is not None:
                    people |= _people_named(post)
        return PostsPage(
            posts=reads,
            names=await self._names(people),
            next_cursor=next_cursor,
            reader=context.person_id,
            now=self._clock(),
        )

    async def _names(self, person_ids: Iterable[str]) -> dict[str, str | None]:
        people = await self._collections.active("people")
        return await self._name_cache.lookup(people, sorted(set(person_ids)))


def _place_info(document: Document) -> PlaceInfo | None:
    if "name" not in document:
        return None  # members known, creation not yet: unknown
    return PlaceInfo(
        name=str(document["name"]),
        visibility=str(document.get("visibility", "secret")),
        archived=bool(document.get("archived", False)),
    )


def _readable(candidate: Candidate, document: Document, reader: _ReaderContext) -> bool:
    return True


def _reason_holds(entry: Document, document: Document, reader: _ReaderContext) -> bool:
    """Whether one of the reasons a post reached a home timeline still holds for its reader."""
    reasons = entry.get("reasons", [])
    if "author" in reasons or "mention" in reasons:
        return True
    if "follow" in reasons and document["author_id"] in reader.following:
        return True
    return "member" in reasons and entry.get("community_id") in reader.member_of


def _community_ids(documents: Iterable[Document | None]) -> list[str]:
    return [
        str(d["place"]["id"])
        for d in documents
        if d is not None and "place" in d and d["place"]["kind"] == "community"
    ]


def _people_named(read: PostRead) -> set[str]:
    document = read.document
    named = {str(document["author_id"]), *document.get("mentions", [])}
    praise = document.get("praise") or {}
    named |= set(praise.get("person_ids", []))
    for comment in document.get("comments", []):
        named.add(str(comment["author_id"]))
        named |= set(comment.get("mentions", []))
    if read.moderator:
        named |= {str(report["reporter_id"]) for report in document.get("reports", [])}
    return named


async def _fetch(
    posts: AsyncCollection[Document], post_ids: list[str], projection: Document
) -> list[Document | None]:
    """Post documents in the order of ``post_ids`` (``None`` for a post that is gone)."""
    found = await find_by_ids(posts, post_ids, projection)
    return [found.get(post_id) for post_id in post_ids]
