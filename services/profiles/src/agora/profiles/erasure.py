"""Erasure of a person's personal data wherever the service keeps a readable copy of it."""

from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.snapshots import SNAPSHOTS_COLLECTION

EMAIL_CLAIMS_COLLECTION = "email_claims"


class PersonalDataHolder(Protocol):
    """Something that keeps a readable copy of a person's data and can forget it."""

    async def forget(self, person_id: str) -> None:
        """Delete every readable copy of the person's data this holder has."""
        ...


class SnapshotEraser:
    """Forgets the aggregate snapshot of a profile (snapshots hold opened fields)."""

    def __init__(self, *, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._snapshots = database[SNAPSHOTS_COLLECTION]

    async def forget(self, person_id: str) -> None:
        """Delete the profile's snapshot."""
        await self._snapshots.delete_one({"_id": f"profile-{person_id}"})


class EmailDirectory:
    """Which person id an email was provisioned as: provisioning is idempotent on email."""

    def __init__(self, *, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._claims = database[EMAIL_CLAIMS_COLLECTION]

    async def claim(self, email: str, *, new_id: str) -> str:
        """The id of the person with this email, assigning ``new_id`` if there is none."""
        key = email.strip().casefold()
        try:
            await self._claims.insert_one({"_id": key, "person_id": new_id})
        except DuplicateKeyError:
            existing = await self._claims.find_one({"_id": key})
            if existing is not None:
                return str(existing["person_id"])
            raise
        return new_id

    async def forget(self, person_id: str) -> None:
        """Release the person's email (it may be provisioned again, as a new person)."""
        await self._claims.delete_many({"person_id": person_id})
