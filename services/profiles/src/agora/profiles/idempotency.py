"""Remembered answers to commands sent with an ``Idempotency-Key``: a retry gets the first one."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from agora.eventsourcing.envelope import canonical_json
from agora.eventsourcing.errors import IdempotencyKeyReusedError

RESPONSES_COLLECTION = "idempotent_responses"


def fingerprint(*, method: str, path: str, body: Any) -> str:
    """The sha256 of a command's canonical JSON (method, path and body)."""
    text = canonical_json({"method": method, "path": path, "body": body})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredAnswer:
    """The status, JSON body and ETag a command first answered with."""

    status: int
    body: Any
    etag: str | None
    subjects: tuple[str, ...] = ()
    """The people whose data the body shows, so erasing one of them forgets the answer."""


class IdempotentAnswers:
    """Answers keyed by the caller and their idempotency key."""

    def __init__(self, *, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._answers = database[RESPONSES_COLLECTION]

    async def recall(
        self, *, actor: str, key: str, command_fingerprint: str
    ) -> StoredAnswer | None:
        """The first answer to this key, or ``None``; a different command under it is refused."""
        stored = await self._answers.find_one({"_id": _answer_id(actor, key)})
        if stored is None:
            return None
        if stored["fingerprint"] != command_fingerprint:
            raise IdempotencyKeyReusedError(command_id=key)
        return StoredAnswer(
            status=stored["status"],
            body=json.loads(stored["body"]),
            etag=stored["etag"],
            subjects=tuple(stored["subjects"]),
        )

    async def remember(
        self, *, actor: str, key: str, command_fingerprint: str, answer: StoredAnswer
    ) -> StoredAnswer:
        """Keep ``answer``; when a concurrent retry stored one first, that one is returned."""
        try:
            await self._answers.insert_one(
                {
                    "_id": _answer_id(actor, key),
                    "actor": actor,
                    "subjects": list(answer.subjects),
                    "fingerprint": command_fingerprint,
                    "status": answer.status,
                    # As JSON text: user text must never become a document key.
                    "body": canonical_json(answer.body),
                    "etag": answer.etag,
                    "stored_at": datetime.now(UTC),
                }
            )
        except DuplicateKeyError:
            earlier = await self.recall(
                actor=actor, key=key, command_fingerprint=command_fingerprint
            )
            if earlier is not None:
                return earlier
        return answer

    async def forget(self, person_id: str) -> None:
        """Forget the answers given to or about a person."""
        await self._answers.delete_many({"actor": person_id})
        await self._answers.delete_many({"subjects": person_id})


def _answer_id(actor: str, key: str) -> str:
    return f"{actor}:{key}"
