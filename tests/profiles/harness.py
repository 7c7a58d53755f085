"""Drives the profiles API over HTTP, with tokens from a test identity provider."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from agora.testing.identity import TestIdentityProvider
from tests.support.kafka_reading import eventually

ADMIN = "hr-admin"
ADMIN_ROLES = ("platform-admin",)


def new_email(name: str = "person") -> str:
    """An email no other test uses."""
    return f"{name}.{uuid.uuid4().hex[:10]}@example.com"


@dataclass
class ProfilesClient:
    """An HTTP client for the profiles API and the identity provider that signs its tokens."""

    http: httpx.AsyncClient
    idp: TestIdentityProvider

    def as_person(self, person_id: str, **extra: str) -> dict[str, str]:
        return {**self.idp.headers(person_id), **extra}

    def as_admin(self, **extra: str) -> dict[str, str]:
        return {**self.idp.headers(ADMIN, roles=ADMIN_ROLES), **extra}

    async def provision(self, name: str = "person", **fields: Any) -> dict[str, Any]:
        body = {"display_name": name.title(), "email": new_email(name), **fields}
        response = await self.http.post("/people", json=body, headers=self.as_admin())
        assert response.status_code == 201, response.text
        person: dict[str, Any] = response.json()
        return person

    async def read(self, person_id: str, *, viewer: str | None = None) -> httpx.Response:
        return await self.http.get(
            f"/people/{person_id}", headers=self.as_person(viewer or person_id)
        )

    async def read_when(
        self,
        person_id: str,
        condition: Callable[[dict[str, Any]], bool],
        *,
        viewer: str | None = None,
    ) -> httpx.Response:
        """The person's profile once the read model satisfies ``condition``."""
        latest: list[httpx.Response] = []

        async def check() -> bool:
            response = await self.read(person_id, viewer=viewer)
            latest[:] = [response]
            return response.status_code == 200 and condition(response.json())

        await eventually(check)
        return latest[0]

    async def eventually(self, check: Callable[[], Awaitable[object]]) -> None:
        await eventually(check)
