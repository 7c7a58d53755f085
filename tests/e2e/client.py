"""Calling Agora through the gateway as a front-end does, and waiting for its read sides.

Tokens come from the gateway's development identity provider (``POST /dev-idp/token``); every
call goes to ``/api/v1/<service>/...``. People are provisioned by an HR account holding the
``platform-admin`` role, communities are created by their owners, posts are published by
their authors. Read sides (projections, indices) follow the writes through Kafka, so a test
waits for what it expects with ``until``: it polls the real read endpoint, with a deadline,
and never sleeps blindly.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")

READ_SIDE_DEADLINE_SECONDS = 60.0
POLL_INTERVAL_SECONDS = 0.1
HR = "e2e-hr-sync"
ADMIN_ROLES = ("platform-admin",)

Json = dict[str, Any]


async def until(
    probe: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    timeout: float = READ_SIDE_DEADLINE_SECONDS,
) -> T:
    """``probe()``'s first answer that is not ``None``; fails after ``timeout`` with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"within {timeout:g} s: {what}")
        await asyncio.sleep(POLL_INTERVAL_SECONDS)


def word(prefix: str = "") -> str:
    """A made-up word no other test uses, letters only (analyzers keep it whole)."""
    letters = "".join(chr(ord("a") + int(digit, 16)) for digit in uuid.uuid4().hex[:10])
    return f"{prefix}{letters}"


@dataclass(frozen=True)
class Person:
    """Someone with a profile and a token from the identity provider."""

    id: str
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Agora:
    """The public API behind one gateway URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self._hr: Person | None = None

    async def token(self, subject: str, roles: tuple[str, ...] = ()) -> str:
        """A token from the development identity provider, as a front-end gets one."""
        response = await self.http.post(
            "/dev-idp/token", json={"person_id": subject, "roles": list(roles)}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def caller(self, subject: str, roles: tuple[str, ...] = ()) -> Person:
        """A token holder without a provisioned profile (an HR account, an analyst)."""
        return Person(id=subject, name=subject, token=await self.token(subject, roles))

    async def call(
        self,
        method: str,
        path: str,
        who: Person | None,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``method /api/v1<path>`` as ``who`` (anonymous with ``None``)."""
        sent = {**(who.headers if who is not None else {}), **(headers or {})}
        return await self.http.request(
            method, f"/api/v1{path}", json=json, params=params, headers=sent
        )

    async def ok(self, path: str, who: Person, **params: Any) -> Any:
        """The JSON body of a ``GET`` that must answer 200."""
        response = await self.call("GET", path, who, params=params or None)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    async def command(
        self,
        method: str,
        path: str,
        who: Person,
        *,
        json: Any = None,
        expect: tuple[int, ...] = (200, 201, 202),
        eventually: bool = False,
    ) -> Json:
        """A command with an ``Idempotency-Key``; with ``eventually``, a 403 or 404 is retried
        until the service has learnt (from another service's events) what the command needs."""
        key = {"Idempotency-Key": uuid.uuid4().hex}
        last: list[httpx.Response] = []

        async def send() -> httpx.Response | None:
            response = await self.call(method, path, who, json=json, headers=key)
            last[:] = [response]
            if eventually and response.status_code in (403, 404):
                return None
            return response

        try:
            response = await until(send, what=f"{method} {path} is accepted")
        except AssertionError:
            raise AssertionError(f"{method} {path}: {last[0].status_code} {last[0].text}") from None
        assert response.status_code in expect, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        body: Json = response.json() if response.content else {}
        return body

    # --- people and communities ----------------------------------------------------------------

    async def hr(self) -> Person:
        """The HR account that provisions people."""
        if self._hr is None:
            self._hr = await self.caller(HR, ADMIN_ROLES)
        return self._hr

    async def person(self, first_name: str, **profile: Any) -> Person:
        """Provision a new person through profiles (as HR) and get them a token."""
        name = f"{first_name} {word().title()}"
        email = f"{first_name.lower()}.{uuid.uuid4().hex[:10]}@agora.example"
        created = await self.command(
            "POST",
            "/profiles/people",
            await self.hr(),
            json={"display_name": name, "email": email, **profile},
            expect=(201,),
        )
        person_id = str(created["id"])
        return Person(id=person_id, name=name, token=await self.token(person_id))

    async def community(
        self, owner: Person, *, visibility: str, name: str | None = None, **fields: Any
    ) -> str:
        """A new community owned by ``owner``; returns its id."""
        body = {"name": name or f"Community {word()}", "visibility": visibility, **fields}
        created = await self.command(
            "POST", "/communities/communities", owner, json=body, expect=(201,)
        )
        return str(created["id"])

    async def invite(self, owner: Person, community_id: str, guest: Person) -> None:
        """``owner`` invites ``guest``, who accepts (how one joins a secret community)."""
        await self.command(
            "POST",
            f"/communities/communities/{community_id}/invitations",
            owner,
            json={"person_id": guest.id},
            expect=(201,),
        )
        await self.command(
            "POST",
            f"/communities/communities/{community_id}/invitations/me:accept",
            guest,
            expect=(200,),
        )

    async def publish(
        self, author: Person, *, text: str, community_id: str | None = None, **fields: Any
    ) -> str:
        """Publish a post (in a community, or on the author's profile); returns its id.

        The feed learns memberships from the communities topic, so a post by a new member is
        retried until the feed knows they may post there.
        """
        place = (
            {"kind": "community", "id": community_id}
            if community_id is not None
            else {"kind": "profile"}
        )
        created = await self.command(
            "POST",
            "/feed/posts",
            author,
            json={"place": place, "text": text, **fields},
            expect=(201,),
            eventually=True,
        )
        return str(created["id"])

    async def comment(self, author: Person, post_id: str, text: str) -> str:
        """Comment on a post; returns the comment's id."""
        created = await self.command(
            "POST",
            f"/feed/posts/{post_id}/comments",
            author,
            json={"text": text},
            expect=(201,),
            eventually=True,
        )
        return str(created["id"])

    # --- reading ----------------------------------------------------------------------------------

    async def post_ids(self, path: str, who: Person, **params: Any) -> list[str]:
        """The post ids of a feed page (a timeline, a community's posts, praise...)."""
        page = await self.ok(path, who, limit=100, **params)
        return [str(item["post_id"]) for item in page["items"]]

    async def shows(self, path: str, who: Person, post_id: str, **params: Any) -> bool | None:
        """A probe: true once the feed page at ``path`` lists ``post_id`` for ``who``."""
        response = await self.call("GET", path, who, params={"limit": 100, **params})
        if response.status_code != 200:
            return None
        listed = {str(item["post_id"]) for item in response.json()["items"]}
        return True if post_id in listed else None

    async def notifications(self, who: Person) -> list[Json]:
        page = await self.ok("/feed/me/notifications", who, limit=100)
        items: list[Json] = page["items"]
        return items
