"""Per-person keys in MongoDB and the Fernet cipher that uses them."""

import contextlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.envelope import canonical_json

KEYS_COLLECTION = "person_keys"


class ErasedKeyError(RuntimeError):
    """Something tried to seal fields for a person whose key does not exist."""


class FernetCipher:
    """A ``Cipher`` with one person's Fernet key, or none once it was erased."""

    def __init__(self, key: bytes | None) -> None:
        self._fernet = Fernet(key) if key is not None else None

    def seal(self, fields: dict[str, Any]) -> str:
        """Encrypt and authenticate ``fields`` as JSON."""
        if self._fernet is None:
            raise ErasedKeyError("this person has no key: their personal data was erased")
        return self._fernet.encrypt(canonical_json(fields).encode()).decode()

    def open(self, sealed: str) -> dict[str, Any] | None:
        """The sealed fields, or ``None`` without the key."""
        if self._fernet is None:
            return None
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(sealed.encode()))
        except InvalidToken:
            return None
        return opened


class PersonKeys:
    """One key per person; deleting it erases every sealed field of that person."""

    def __init__(self, *, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._keys = database[KEYS_COLLECTION]

    async def cipher(self, person_id: str, *, create: bool = False) -> FernetCipher:
        """The person's cipher, creating their key first when ``create`` is set."""
        stored = await self._keys.find_one({"_id": person_id})
        if stored is None and create:
            # A concurrent provisioning may create it first: then its key is used.
            with contextlib.suppress(DuplicateKeyError):
                await self._keys.insert_one({"_id": person_id, "key": Fernet.generate_key()})
            stored = await self._keys.find_one({"_id": person_id})
        return FernetCipher(None if stored is None else bytes(stored["key"]))

    async def erase(self, person_id: str) -> None:
        """Delete the person's key for good."""
        await self._keys.delete_one({"_id": person_id})
