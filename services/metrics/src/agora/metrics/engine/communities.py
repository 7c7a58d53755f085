"""Communities: kinds and visibility, members over time, join requests, owners and managers.

A community's entity holds its kind, visibility, current members, managers and pending join
requests (with the time each was asked). Its buckets get joins, departures, requests and the
wait of each answered request; ``~levels`` gets members day by day. Organisation figures count
only communities that are not secret: a secret community's existence and size appear nowhere
but in its own buckets, which only its managers may read.
"""

from datetime import date, datetime
from typing import Any

from agora.eventsourcing import EventEnvelope
from agora.metrics import upstream
from agora.metrics.calendar import day_key, day_of
from agora.metrics.engine.keys import (
    ORG,
    community_entity,
    community_scope,
    day_target,
    levels_doc,
    now_doc,
)
from agora.metrics.engine.people import People
from agora.metrics.engine.workspace import Entity, Workspace

MEMBERSHIP_STARTS = {
    "agora.communities.member_joined",
    "agora.communities.join_request_approved",
    "agora.communities.invitation_accepted",
}
MEMBERSHIP_ENDS = {
    "agora.communities.member_left",
    "agora.communities.member_removed",
    "agora.communities.person_blocked",
}
REQUEST_ANSWERS = {
    "agora.communities.join_request_approved": "approved",
    "agora.communities.join_request_rejected": "rejected",
}


def new_community(community_id: str, visibility: str) -> dict[str, Any]:
    """The entity of a community not created yet as far as the projection knows."""
    return {
        "cid": community_id,
        "v": 0,
        "kind": None,
        "visibility": visibility,
        "created": None,
        "archived": False,
        "members": [],
        "managers": [],
        "pending": [],
    }


class Communities:
    """Applies the communities topic."""

    def __init__(self, workspace: Workspace, people: People) -> None:
        self._ws = workspace
        self._people = people

    async def get(self, community_id: str, *, visibility: str = "secret") -> Entity:
        """The community's entity, created if unknown (secret until its creation is seen)."""
        entity_id = community_entity(community_id)
        community = await self._ws.entity(entity_id)
        if community is None:
            community = self._ws.create(entity_id, new_community(community_id, visibility))
        return community

    async def apply(self, envelope: EventEnvelope, event: upstream.UpstreamEvent) -> None:
        """Apply one communities event (each community's stream arrives in order)."""
        community = await self.get(upstream.aggregate_id(envelope))
        if envelope.streamversion <= community.doc["v"]:
            return  # published twice by the outbox relay
        community.doc["v"] = envelope.streamversion
        self._ws.changed(community, "v")
        moment = envelope.time
        match event:
            case upstream.CommunityCreated():
                await self._created(community, event, moment)
            case upstream.CommunityArchived():
                self._archived(community, moment, archived=True)
            case upstream.CommunityUnarchived():
                self._archived(community, moment, archived=False)
            case upstream.MemberRoleChanged(person_id=person_id, role=role):
                await self._role(community, person_id, role, moment)
            case upstream.MembershipEvent(person_id=person_id):
                await self._membership(community, envelope.type, person_id, moment)

    async def _created(
        self, community: Entity, event: upstream.CommunityCreated, moment: datetime
    ) -> None:
        doc = community.doc
        if doc["created"] is not None:
            return
        day = day_of(moment)
        doc.update(kind=event.kind, visibility=event.visibility, created=day_key(day))
        self._ws.changed(community, "kind", "visibility", "created")
        if event.visibility != "secret":
            self._ws.add(now_doc(ORG), "communities", community.doc["cid"])
            path = f"d.{day_key(day)}"
            self._ws.inc(levels_doc(ORG), f"{path}.communities", 1)
            self._ws.inc(levels_doc(ORG), f"{path}.communities_{event.kind}", 1)
            self._ws.inc(levels_doc(ORG), f"{path}.communities_{event.visibility}", 1)
        await self._start(community, event.creator_id, moment)
        await self._role(community, event.creator_id, "owner", moment)

    def _archived(self, community: Entity, moment: datetime, *, archived: bool) -> None:
        if community.doc["archived"] == archived:
            return
        community.doc["archived"] = archived
        self._ws.changed(community, "archived")
        if community.doc["visibility"] != "secret":
            path = f"d.{day_key(day_of(moment))}.archived"
            self._ws.inc(levels_doc(ORG), path, 1 if archived else -1)

    async def _role(self, community: Entity, person_id: str, role: str, moment: datetime) -> None:
        person = await self._people.get(person_id)
        if person.doc["erased"]:
            return
        managers: list[str] = community.doc["managers"]
        day = day_of(moment)
        if role in ("owner", "manager"):
            if person_id not in managers:
                managers.append(person_id)
                self._ws.changed(community, "managers")
            self._people.starts_managing(person, community.doc["cid"], day)
        elif person_id in managers:
            managers.remove(person_id)
            self._ws.changed(community, "managers")
            self._people.stops_managing(person, community.doc["cid"], day)

    async def _membership(
        self, community: Entity, event_type: str, person_id: str, moment: datetime
    ) -> None:
        person = await self._people.get(person_id)
        if person.doc["erased"]:
            return
        scope = community_scope(community.doc["cid"])
        day = day_of(moment)
        if event_type == "agora.communities.join_requested":
            if all(request["person"] != person_id for request in community.doc["pending"]):
                community.doc["pending"].append({"person": person_id, "at": moment.isoformat()})
                self._ws.changed(community, "pending")
                doc_id, prefix = day_target(scope, day)
                self._ws.inc(doc_id, f"{prefix}.requests")
            return
        answer = REQUEST_ANSWERS.get(event_type)
        if answer is not None:
            self._answer_request(community, person_id, answer, moment)
        if event_type in MEMBERSHIP_STARTS:
            await self._start(community, person_id, moment)
        elif event_type in MEMBERSHIP_ENDS:
            self._end(community, person, moment)

    def _answer_request(
        self, community: Entity, person_id: str, answer: str, moment: datetime
    ) -> None:
        pending = community.doc["pending"]
        for request in pending:
            if request["person"] == person_id:
                pending.remove(request)
                self._ws.changed(community, "pending")
                day = day_of(moment)
                doc_id, prefix = day_target(community_scope(community.doc["cid"]), day)
                waited = (moment - datetime.fromisoformat(request["at"])).total_seconds()
                self._ws.inc(doc_id, f"{prefix}.requests_{answer}")
                self._ws.push(doc_id, f"{prefix}.request_waits", max(round(waited), 0))
                return

    async def _start(self, community: Entity, person_id: str, moment: datetime) -> None:
        members: list[str] = community.doc["members"]
        if person_id in members:
            return
        person = await self._people.get(person_id)
        if person.doc["erased"]:
            return
        members.append(person_id)
        self._ws.changed(community, "members")
        day = day_of(moment)
        scope = community_scope(community.doc["cid"])
        self._ws.inc(levels_doc(scope), f"d.{day_key(day)}.members", 1)
        self._ws.inc(*_day(scope, day, "joins"))
        secret = community.doc["visibility"] == "secret"
        self._people.joined(person, community.doc["cid"], day, secret=secret)

    def _end(self, community: Entity, person: Entity, moment: datetime) -> None:
        person_id = person.doc["pid"]
        members: list[str] = community.doc["members"]
        if person_id not in members:
            return
        members.remove(person_id)
        managers: list[str] = community.doc["managers"]
        if person_id in managers:
            managers.remove(person_id)
        self._ws.changed(community, "members", "managers")
        day = day_of(moment)
        scope = community_scope(community.doc["cid"])
        self._ws.inc(levels_doc(scope), f"d.{day_key(day)}.members", -1)
        self._ws.inc(*_day(scope, day, "leaves"))
        secret = community.doc["visibility"] == "secret"
        self._people.left_community(person, community.doc["cid"], day, secret=secret)


def _day(scope: str, day: date, counter: str) -> tuple[str, str]:
    doc_id, prefix = day_target(scope, day)
    return doc_id, f"{prefix}.{counter}"
