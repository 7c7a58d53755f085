"""Posts and their conversations: contributions, answers, reactions, praise, tags.

A post's entity keeps what later events of its stream need: author, place and whether it is a
secret community's, kind, tags, when it was asked (for questions), when it was first answered
and first accepted, who reacted (each person counts once per post or comment, whatever they
change later) and who wrote each comment. Nothing of any text.

Definitions (README, "Indicators"):

* a *contribution* is a post of any kind (shares included), a comment (answers included) or a
  reaction; poll votes are counted apart;
* an *answer* is a top-level comment on a question by someone other than the asker; the first
  one sets the question's *time to first answer*;
* an accepted answer counts on the day it is accepted, for its author; the first acceptance
  sets the question's *time to accepted answer*;
* a *significant* contribution is an answer, an own answer accepted, or an own post getting its
  first reaction from someone else.

Times are the event's, except for imported posts and comments, which carry their original
``published_at``.
"""

from datetime import date, datetime

from agora.eventsourcing import EventEnvelope
from agora.metrics import upstream
from agora.metrics.calendar import day_of, month_key
from agora.metrics.engine.communities import Communities
from agora.metrics.engine.keys import (
    ORG,
    TAGS,
    community_scope,
    day_counter,
    day_target,
    escape,
    month_doc,
    post_entity,
)
from agora.metrics.engine.people import People
from agora.metrics.engine.workspace import Entity, Workspace

POST_COUNTERS = {"post": "posts", "question": "questions", "praise": "praise", "poll": "polls"}


def fold_skill(skill: str) -> str:
    """A skill as counted: trimmed, lower case, white space collapsed."""
    return " ".join(skill.casefold().split())


class Conversations:
    """Applies the feed topic."""

    def __init__(self, workspace: Workspace, people: People, communities: Communities) -> None:
        self._ws = workspace
        self._people = people
        self._communities = communities

    async def apply(self, envelope: EventEnvelope, event: upstream.UpstreamEvent) -> None:
        """Apply one feed event; only post streams carry what the metrics count."""
        if not envelope.streamid.startswith("post-"):
            return
        if isinstance(event, upstream.PostPublished):
            await self._published(envelope, event)
            return
        post = await self._ws.entity(post_entity(upstream.aggregate_id(envelope)))
        if post is None or envelope.streamversion <= post.doc["v"]:
            return  # a conversation whose post is unknown, or an event published twice
        post.doc["v"] = envelope.streamversion
        self._ws.changed(post, "v")
        match event:
            case upstream.CommentAdded():
                await self._commented(post, event, event.published_at or envelope.time)
            case upstream.ReactionSet():
                await self._reacted(post, event, envelope.time)
            case upstream.AnswerAccepted():
                await self._accepted(post, event, envelope.time)
            case upstream.AnswerUnaccepted():
                post.doc["accepted"] = None
                self._ws.changed(post, "accepted")
            case upstream.PollVoted(person_id=voter_id):
                voter = await self._people.get(voter_id)
                day = day_of(envelope.time)
                self._people.record(
                    voter, day, post.doc["place"], secret=post.doc["secret"], counter="votes"
                )

    async def _published(self, envelope: EventEnvelope, event: upstream.PostPublished) -> None:
        entity_id = post_entity(event.post_id)
        if await self._ws.entity(entity_id) is not None:
            return  # published twice by the outbox relay
        moment = event.published_at or envelope.time
        day = day_of(moment)
        place = event.place.id if event.place.kind == "community" else None
        secret = event.place.kind == "community" and event.place.visibility == "secret"
        if place is not None:
            await self._communities.get(place, visibility=event.place.visibility)
        tags = sorted(set(event.tags))
        self._ws.create(
            entity_id,
            {
                "v": envelope.streamversion,
                "author": event.author_id,
                "place": place,
                "secret": secret,
                "kind": event.kind,
                "tags": tags,
                "at": moment.isoformat(),
                "answered": None,
                "first_accepted": None,
                "accepted": None,
                "liked": False,
                "reacted": [],
                "comments": {},
            },
        )
        author = await self._people.get(event.author_id)
        counter = "shares" if event.shared_post_id is not None else POST_COUNTERS[event.kind]
        self._people.record(author, day, place, secret=secret, counter=counter)
        self._people.contributed(author, day, place, secret=secret)
        if not secret:
            month = month_doc(TAGS, month_key(day))
            for tag in tags:
                self._ws.inc(month, f"t.{escape(tag)}.{counter}")
                self._people.tagged(author, day, f"t|{tag}")
        if event.praise is not None:
            await self._praised(author, event.praise, day, secret=secret)

    async def _praised(
        self,
        author: Entity,
        praise: upstream.PraiseTarget,
        day: date,
        *,
        secret: bool,
    ) -> None:
        skill = fold_skill(praise.skill) if praise.skill else None
        for person_id in sorted(set(praise.person_ids) - {author.doc["pid"]}):
            praised = await self._people.get(person_id)
            self._people.received(praised, day, "praise_received")
            if secret:
                continue
            self._ws.inc(*day_counter(ORG, day, "praised"))
            if skill:
                self._ws.inc(month_doc(TAGS, month_key(day)), f"s.{escape(skill)}.received")
                self._people.tagged(praised, day, f"s|{skill}")
        if skill and not secret:
            self._ws.inc(month_doc(TAGS, month_key(day)), f"s.{escape(skill)}.given")
            self._people.tagged(author, day, f"s|{skill}")

    async def _commented(
        self, post: Entity, event: upstream.CommentAdded, moment: datetime
    ) -> None:
        doc = post.doc
        comments: dict[str, str] = doc["comments"]
        key = escape(event.comment_id)
        if key in comments:
            return
        comments[key] = event.author_id
        self._ws.changed(post, "comments")
        day = day_of(moment)
        place, secret = doc["place"], doc["secret"]
        commenter = await self._people.get(event.author_id)
        self._people.record(commenter, day, place, secret=secret, counter="comments")
        answer = (
            doc["kind"] == "question"
            and event.parent_comment_id is None
            and event.author_id != doc["author"]
        )
        self._people.contributed(commenter, day, place, secret=secret, significant=int(answer))
        if not answer:
            return
        asker = await self._people.get(doc["author"])
        self._people.record(commenter, day, place, secret=secret, counter="answers")
        self._people.received(asker, day, "answers_received")
        self._people.helped(commenter, day, doc["author"])
        if doc["answered"] is None:
            doc["answered"] = moment.isoformat()
            self._ws.changed(post, "answered")
            self._question_milestone(post, "answered", "first_answer_seconds", moment)
        self._people.answered(commenter, asker, day, secret=secret)

    def _question_milestone(
        self, post: Entity, counter: str, durations: str, moment: datetime
    ) -> None:
        """Count a question as answered (or accepted) on the day it was *asked*, with how long
        it took, in its community's buckets and, unless secret, the organisation's."""
        asked = datetime.fromisoformat(post.doc["at"])
        day = day_of(asked)
        seconds = max(round((moment - asked).total_seconds()), 0)
        scopes = [] if post.doc["secret"] else [ORG]
        if post.doc["place"] is not None:
            scopes.append(community_scope(post.doc["place"]))
        for scope in scopes:
            doc_id, prefix = day_target(scope, day)
            self._ws.inc(doc_id, f"{prefix}.{counter}")
            self._ws.push(doc_id, f"{prefix}.{durations}", seconds)

    async def _reacted(self, post: Entity, event: upstream.ReactionSet, moment: datetime) -> None:
        doc = post.doc
        target = (
            event.person_id
            if event.comment_id is None
            else f"{event.person_id}|{escape(event.comment_id)}"
        )
        if target in doc["reacted"]:
            return  # a changed reaction, or one taken back and given again: counted once
        doc["reacted"].append(target)
        self._ws.changed(post, "reacted")
        day = day_of(moment)
        place, secret = doc["place"], doc["secret"]
        reactor = await self._people.get(event.person_id)
        self._people.record(reactor, day, place, secret=secret, counter="reactions")
        self._people.contributed(reactor, day, place, secret=secret)
        if event.comment_id is None:
            target_author = doc["author"]
        else:
            target_author = doc["comments"].get(escape(event.comment_id), "")
        if target_author and target_author != event.person_id:
            receiver = await self._people.get(target_author)
            self._people.received(receiver, day, "reactions_received")
            if event.comment_id is None and not doc["liked"]:
                doc["liked"] = True
                self._ws.changed(post, "liked")
                self._people.significant(receiver, day, secret=secret)
        if not secret:
            month = month_doc(TAGS, month_key(day))
            for tag in doc["tags"]:
                self._ws.inc(month, f"t.{escape(tag)}.reactions")

    async def _accepted(
        self, post: Entity, event: upstream.AnswerAccepted, moment: datetime
    ) -> None:
        doc = post.doc
        if doc["accepted"] == event.comment_id:
            return
        doc["accepted"] = event.comment_id
        self._ws.changed(post, "accepted")
        day = day_of(moment)
        place, secret = doc["place"], doc["secret"]
        answerer = await self._people.get(event.answer_author_id)
        self._people.record(answerer, day, place, secret=secret, counter="accepted")
        self._people.significant(answerer, day, secret=secret)
        if doc["first_accepted"] is None:
            doc["first_accepted"] = moment.isoformat()
            self._ws.changed(post, "first_accepted")
            self._question_milestone(post, "accepted_questions", "accepted_seconds", moment)
        if not secret:
            month = month_doc(TAGS, month_key(day))
            for tag in doc["tags"]:
                self._ws.inc(month, f"t.{escape(tag)}.accepted")
