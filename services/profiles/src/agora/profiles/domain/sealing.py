"""Personal fields travel sealed in events, with a key per person (crypto-shredding).

Erasing a person deletes their key, which leaves every copy of their sealed fields (in the
store, on the topic, in backups) unreadable. Identity, contact and free-text fields are sealed;
skills, topics and ids stay readable so other services can match expertise.
"""

from datetime import date
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class Cipher(Protocol):
    """Seals and opens one person's personal fields."""

    def seal(self, fields: dict[str, Any]) -> str:
        """The sealed (encrypted, authenticated) text of ``fields``."""
        ...

    def open(self, sealed: str) -> dict[str, Any] | None:
        """The fields sealed in ``sealed``; ``None`` once the person's key is erased."""
        ...


class ProvisionedDetails(BaseModel):
    """The personal fields a provisioning records."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    display_name: str
    email: str
    job_title: str | None = None
    department: str | None = None
    location: str | None = None
    manager_id: str | None = None
    languages: list[str] = Field(default_factory=list)
    start_date: date | None = None


class EditedDetails(BaseModel):
    """The personal fields an edit changes; ``None`` means unchanged."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bio: str | None = None
    photo_url: str | None = None
    job_title: str | None = None
    location: str | None = None
    languages: list[str] | None = None
