"""The profiles service's command handlers: permissions, then the profile rules, then the store."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from agora.eventsourcing import AggregateRepository, ConcurrencyError, EventRegistry, EventStore
from agora.eventsourcing.snapshots import MongoSnapshotStore
from agora.profiles.crypto import FernetCipher, PersonKeys
from agora.profiles.domain import decisions
from agora.profiles.domain.errors import NotAllowedError, PersonNotFoundError
from agora.profiles.domain.events import PersonProvisioned, VisibilitySettings
from agora.profiles.domain.sealing import Cipher, EditedDetails, ProvisionedDetails
from agora.profiles.domain.state import Profile, ProfileAggregate
from agora.profiles.erasure import EmailDirectory, PersonalDataHolder


class StaleVersionError(Exception):
    """The profile changed since the version the caller's ``If-Match`` names (HTTP 412)."""


@dataclass(frozen=True)
class Actor:
    """Who runs a command, and the idempotency data the store deduplicates it by."""

    person_id: str
    roles: frozenset[str]
    command_id: str | None = None
    fingerprint: str | None = None


@dataclass(frozen=True)
class Changed:
    """A profile after a command, its version, and whether the command created it."""

    profile: Profile
    version: int
    created: bool = False


class ProfilesService:
    """Runs the profiles commands against the profile aggregate."""

    def __init__(
        self,
        *,
        store: EventStore,
        registry: EventRegistry,
        snapshots: MongoSnapshotStore,
        keys: PersonKeys,
        directory: EmailDirectory,
        erasable: Sequence[PersonalDataHolder],
        admin_role: str,
    ) -> None:
        self._store = store
        self._registry = registry
        self._snapshots = snapshots
        self._keys = keys
        self._directory = directory
        self._erasable = erasable
        self._admin_role = admin_role

    async def provision(
        self, *, actor: Actor, details: ProvisionedDetails, registered_on: date | None = None
    ) -> Changed:
        """Create a person (HR); an email already provisioned returns the existing person.

        ``registered_on`` keeps the registration day of someone migrated from another network.
        """
        self._require_admin(actor)
        person_id = await self._directory.claim(details.email, new_id=str(uuid.uuid4()))
        cipher = await self._keys.cipher(person_id, create=True)
        event = PersonProvisioned(
            person_id=person_id,
            sealed=cipher.seal(details.model_dump(mode="json")),
            registered_on=registered_on,
        )
        outcome = await self._repository(cipher).execute(
            stream_id=_stream_id(person_id),
            decide=lambda profile: decisions.provision(profile, event=event),
            actor=actor.person_id,
            command_id=actor.command_id,
            command_fingerprint=actor.fingerprint,
        )
        return Changed(profile=outcome.state, version=outcome.version, created=bool(outcome.events))

    async def deactivate(self, *, actor: Actor, person_id: str) -> Changed:
        """Record that a person left the company (HR)."""
        self._require_admin(actor)
        today = datetime.now(UTC).date()
        return await self._run(
            actor,
            person_id,
            lambda profile: decisions.deactivate(profile, person_id=person_id, left_on=today),
        )

    async def erase(self, *, actor: Actor, person_id: str) -> None:
        """Erase a person's personal data (HR, or the person): their key and every copy go."""
        if actor.person_id != person_id:
            self._require_admin(actor)
        await self._repository(FernetCipher(None)).execute(
            stream_id=_stream_id(person_id),
            decide=lambda profile: decisions.erase(profile, person_id=person_id),
            actor=actor.person_id,
            command_id=actor.command_id,
            command_fingerprint=actor.fingerprint,
        )
        # After the event, so a crash in between is finished by a retry (every step repeats).
        await self._keys.erase(person_id)
        for holder in self._erasable:
            await holder.forget(person_id)

    async def edit(self, *, actor: Actor, edit: EditedDetails, expected_version: int) -> Changed:
        """Edit one's own profile, provided it is still at ``expected_version``."""
        me = actor.person_id
        cipher = await self._keys.cipher(me)
        try:
            return await self._run(
                actor,
                me,
                lambda p: decisions.edit(p, person_id=me, edit=edit, cipher=cipher),
                expected_version=expected_version,
                cipher=cipher,
            )
        except ConcurrencyError as error:
            raise StaleVersionError(str(error)) from error

    async def put_skill(self, *, actor: Actor, skill: str, level: int) -> Changed:
        """Declare one of one's skills, or change its level."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.put_skill(p, person_id=me, skill=skill, level=level)
        )

    async def remove_skill(self, *, actor: Actor, skill: str) -> Changed:
        """Remove one of one's skills."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.remove_skill(p, person_id=me, skill=skill)
        )

    async def set_interests(self, *, actor: Actor, topics: list[str]) -> Changed:
        """Replace one's interests."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.set_interests(p, person_id=me, topics=topics)
        )

    async def set_help_topics(self, *, actor: Actor, topics: list[str]) -> Changed:
        """Replace the topics one can help with."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.set_help_topics(p, person_id=me, topics=topics)
        )

    async def set_visibility(self, *, actor: Actor, settings: VisibilitySettings) -> Changed:
        """Change who may see which parts of one's profile."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.set_visibility(p, person_id=me, settings=settings)
        )

    async def endorse(self, *, actor: Actor, person_id: str, skill: str) -> Changed:
        """Endorse a skill of another person."""
        me = actor.person_id
        return await self._run(
            actor,
            person_id,
            lambda p: decisions.endorse(p, person_id=person_id, skill=skill, endorser_id=me),
        )

    async def withdraw_endorsement(self, *, actor: Actor, person_id: str, skill: str) -> Changed:
        """Withdraw one's endorsement of another person's skill."""
        me = actor.person_id
        return await self._run(
            actor,
            person_id,
            lambda p: decisions.withdraw_endorsement(
                p, person_id=person_id, skill=skill, endorser_id=me
            ),
        )

    async def follow(self, *, actor: Actor, followee_id: str) -> Changed:
        """Follow a person who exists."""
        # Whether someone exists needs none of their sealed fields.
        followee = await self._repository(FernetCipher(None)).load(_stream_id(followee_id))
        if not followee.state.present:
            raise PersonNotFoundError(followee_id)
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.follow(p, person_id=me, followee_id=followee_id)
        )

    async def unfollow(self, *, actor: Actor, followee_id: str) -> Changed:
        """Stop following a person."""
        me = actor.person_id
        return await self._run(
            actor, me, lambda p: decisions.unfollow(p, person_id=me, followee_id=followee_id)
        )

    async def profile(self, *, person_id: str) -> Changed:
        """A person's whole current profile from their stream (for their data export)."""
        current = await self.current(person_id=person_id)
        if not current.profile.present:
            raise PersonNotFoundError(person_id)
        return current

    async def current(self, *, person_id: str) -> Changed:
        """A person's profile as their stream has it now, erased or not.

        A person never provisioned has ``profile.exists`` false and version 0.
        """
        cipher = await self._keys.cipher(person_id)
        loaded = await self._repository(cipher).load(_stream_id(person_id))
        return Changed(profile=loaded.state, version=loaded.version)

    async def version(self, *, person_id: str) -> int:
        """The version of a person's stream (one cheap lookup; 0 when it has no events)."""
        return await self._store.stream_version(_stream_id(person_id))

    def _require_admin(self, actor: Actor) -> None:
        if self._admin_role not in actor.roles:
            raise NotAllowedError(f"only the {self._admin_role!r} role may do this")

    def _repository(self, cipher: Cipher) -> AggregateRepository[Profile]:
        return AggregateRepository(
            aggregate=ProfileAggregate(cipher=cipher),
            store=self._store,
            registry=self._registry,
            snapshots=self._snapshots,
        )

    async def _run(
        self,
        actor: Actor,
        person_id: str,
        decide: decisions.Decide,
        *,
        expected_version: int | None = None,
        cipher: Cipher | None = None,
    ) -> Changed:
        if cipher is None:
            cipher = await self._keys.cipher(person_id)
        outcome = await self._repository(cipher).execute(
            stream_id=_stream_id(person_id),
            decide=decide,
            expected_version=expected_version,
            actor=actor.person_id,
            command_id=actor.command_id,
            command_fingerprint=actor.fingerprint,
        )
        if not outcome.state.present:
            raise PersonNotFoundError(person_id)
        return Changed(profile=outcome.state, version=outcome.version)


def _stream_id(person_id: str) -> str:
    return f"{ProfileAggregate.kind}-{person_id}"
