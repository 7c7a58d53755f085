"""Loads the demo organisation into a running dev stack through the gateway's public API.

Every call goes through the gateway (``/api/v1/<service>/...``) with a token from the
development identity provider (``/dev-idp/token``), exactly as a front-end would: HR provisions
people (``platform-admin``), people edit their profiles, follow and endorse each other, join
communities, react, vote and accept answers (now); the past (posts, comments, shares) is
imported by migration accounts (``platform-admin``) through the feed's ``/imports`` routes, each
item with its author and original time.

Resuming: every command carries an ``Idempotency-Key`` derived from the demo item, so a load
that was interrupted is simply run again: what was stored answers its first answer, the rest is
added. The state file (``.run/dev/demo/state.json``) keeps the anchor time (the load's "now",
which every imported time is relative to), the ids the services assigned and, once everything
is in, the id of the welcome post published last. A later run sends that post's request again
with its key: when the answer names the same post, the demo is loaded and the run stops there.
Finally the load waits until the feed's read side shows the last conversations, so timelines
are complete when it returns.
"""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
import zlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from agora.localinfra.demo import data
from agora.localinfra.demo.generator import (
    SEED,
    Comment,
    Community,
    DemoOrganisation,
    Person,
    Post,
    generate,
    welcome,
)
from agora.localinfra.errors import InfraError

STATE_FORMAT = 1
CONCURRENCY = 8
HR_ACCOUNT = "demo-hr-sync"
IMPORTERS = tuple(f"demo-migration-{number}" for number in range(1, 5))
"""Migration accounts: the gateway allows each account 20 requests per second, so the import
is spread over several (each item always goes through the same one, as idempotency keys are
kept per caller)."""
ADMIN_ROLES = ("platform-admin",)
PACE_PER_SECOND = 15.0
PACE_BURST = 30.0
FACTS_WAIT_SECONDS = 60.0
READ_SIDE_WAIT_SECONDS = 300.0
SETTLE_POSTS = 24
"""The last posts whose conversations must show on the read side before the load is done."""
READ_BEFORE = timedelta(days=2)
"""Demo people have read the notifications older than this."""
MAX_KEY_LENGTH = 160
PROGRESS_EVERY_SECONDS = 10.0
_CONCURRENCY_CONFLICT = "concurrency-conflict"
T = TypeVar("T")


class DemoError(InfraError):
    """The demo could not be loaded (the stack is still up; running it again resumes)."""


@dataclass(frozen=True)
class Caller:
    """Who sends a request: a person id (the token's subject) and platform roles."""

    subject: str
    roles: tuple[str, ...] = ()


@dataclass
class _Bucket:
    """A token bucket pacing one caller below the gateway's per-person limit."""

    tokens: float = PACE_BURST
    updated: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def take(self) -> None:
        async with self.lock:
            while True:
                now = time.monotonic()
                self.tokens = min(PACE_BURST, self.tokens + (now - self.updated) * PACE_PER_SECOND)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                await asyncio.sleep((1 - self.tokens) / PACE_PER_SECOND)


class Gateway:
    """Calls the gateway as demo people, with tokens from its development identity provider."""

    def __init__(self, client: httpx.AsyncClient, *, concurrency: int = CONCURRENCY) -> None:
        self._client = client
        self._slots = asyncio.Semaphore(concurrency)
        self._tokens: dict[Caller, str] = {}
        self._token_locks: dict[Caller, asyncio.Lock] = {}
        self._buckets: dict[str, _Bucket] = {}
        self.requests = 0

    async def token(self, caller: Caller) -> str:
        """A bearer token for ``caller`` from ``/dev-idp/token`` (asked once per caller)."""
        lock = self._token_locks.setdefault(caller, asyncio.Lock())
        async with lock:
            if caller not in self._tokens:
                try:
                    response = await self._send(
                        "POST",
                        "/dev-idp/token",
                        json={"person_id": caller.subject, "roles": list(caller.roles)},
                        headers={},
                    )
                except httpx.TransportError as error:
                    raise DemoError(
                        f"cannot reach the gateway at {self._client.base_url} ({error!r}): "
                        "is the dev stack up (make up)?"
                    ) from error
                if response.status_code != 200:
                    raise DemoError(
                        f"the development identity provider refused a token for "
                        f"{caller.subject}: {response.status_code} {response.text[:300]}"
                    )
                self._tokens[caller] = str(response.json()["access_token"])
            return self._tokens[caller]

    async def call(
        self,
        method: str,
        path: str,
        caller: Caller,
        *,
        body: Any = None,
        key: str | None = None,
        headers: dict[str, str] | None = None,
        ok: Sequence[int] = (200, 201, 202, 204),
        eventual: bool = False,
    ) -> httpx.Response:
        """Send one request through the gateway as ``caller``; retry what a retry can fix.

        ``eventual``: the service may not have learnt yet of what the request depends on
        (another service's events), so a 403 or 404 is retried for a while.
        """
        token = await self.token(caller)
        sent: dict[str, str] = {"Authorization": f"Bearer {token}", **(headers or {})}
        if key is not None:
            sent["Idempotency-Key"] = key
        bucket = self._buckets.setdefault(caller.subject, _Bucket())
        deadline = time.monotonic() + FACTS_WAIT_SECONDS
        attempt = 0
        while True:
            attempt += 1
            await bucket.take()
            try:
                response = await self._send(method, path, json=body, headers=sent)
            except httpx.TransportError as error:
                if attempt >= 6:
                    raise DemoError(f"{method} {path}: {error!r}") from error
                await asyncio.sleep(min(5.0, 0.25 * 2**attempt))
                continue
            status = response.status_code
            if status in ok:
                return response
            if status == 429:
                await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                continue
            retry = status in (502, 503, 504) or (
                status == 409 and _CONCURRENCY_CONFLICT in response.text
            )
            if retry and attempt < 10:
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
                continue
            if eventual and status in (403, 404) and time.monotonic() < deadline:
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            raise DemoError(
                f"{method} /api/v1{path.removeprefix('/api/v1')} as {caller.subject}: "
                f"{status} {response.text[:400]}"
            )

    async def _send(
        self, method: str, path: str, *, json: Any, headers: dict[str, str]
    ) -> httpx.Response:
        async with self._slots:
            self.requests += 1
            return await self._client.request(method, path, json=json, headers=headers)


def idempotency_key(*parts: str) -> str:
    """The ``Idempotency-Key`` of one demo item: printable ASCII, at most 160 characters,
    the same for the same parts and different for different ones."""
    text = ":".join(parts)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = "".join(char if " " <= char <= "~" else "?" for char in folded)
    if folded != text or len(folded) > MAX_KEY_LENGTH:
        folded = f"{folded[: MAX_KEY_LENGTH - 9]}~{zlib.crc32(text.encode()):08x}"
    return folded


def planned_requests(organisation: DemoOrganisation) -> int:
    """How many commands a first load sends (tokens and reads aside)."""
    people = organisation.people
    provisioning = sum(-(-sum(1 for p in people if p.level == level) // 100) for level in range(4))
    profiles = sum(
        (p.bio is not None) + len(p.skills) + bool(p.interests) + bool(p.help_topics)
        for p in people
    )
    relations = sum(len(p.follows) for p in people) + len(organisation.endorsements)
    communities = sum(
        1
        + (c.charter is not None)
        + len(c.members) * (1 if c.visibility == "open" else 2)
        + len(c.managers)
        + len(c.pending)
        + c.finished
        for c in organisation.communities
    )
    content = sum(
        1
        + len(p.comments)
        + len(p.reactions)
        + sum(len(c.reactions) for c in p.comments)
        + len(p.votes)
        + (p.accepted is not None)
        + len(p.shares)
        for p in organisation.posts
    )
    return provisioning + profiles + relations + communities + content + len(people)


# --- state -----------------------------------------------------------------------------------


@dataclass
class State:
    """What a load keeps between runs: the anchor time, the ids assigned, and whether it ended."""

    path: Path
    seed: int = SEED
    scale: float = 1.0
    anchor: datetime | None = None
    people: dict[str, str] = field(default_factory=dict)
    communities: dict[str, str] = field(default_factory=dict)
    marker: str | None = None
    """The welcome post's id: the demo was loaded completely."""

    @classmethod
    def load(cls, path: Path) -> State:
        """The state saved at ``path`` (an empty one if there is none)."""
        if not path.is_file():
            return cls(path)
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("format") != STATE_FORMAT:
            return cls(path)
        return cls(
            path=path,
            seed=int(saved["seed"]),
            scale=float(saved.get("scale", 1.0)),
            anchor=datetime.fromisoformat(saved["anchor"]) if saved.get("anchor") else None,
            people=dict(saved.get("people", {})),
            communities=dict(saved.get("communities", {})),
            marker=saved.get("marker"),
        )

    def save(self) -> None:
        """Write the state (atomically)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "format": STATE_FORMAT,
            "seed": self.seed,
            "scale": self.scale,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "people": self.people,
            "communities": self.communities,
            "marker": self.marker,
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
        partial.replace(self.path)


def state_file(run_root: Path) -> Path:
    """Where a profile's demo state lives."""
    return run_root / "demo" / "state.json"


def demo_person_id(run_root: Path, key: str) -> str:
    """The id of a demo person (``elodie.lefevre``) in the loaded demo."""
    state = State.load(state_file(run_root))
    if key not in state.people:
        known = ", ".join(sorted(k for k, *_ in data.NAMED_PEOPLE))
        raise InfraError(
            f"no demo person {key!r} is loaded here (run `agora-infra demo` first; "
            f"named demo people: {known})"
        )
    return state.people[key]


# --- the load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What a run did."""

    already_loaded: bool
    seconds: float
    requests: int
    organisation: DemoOrganisation
    state: State


async def load_demo(
    *,
    gateway_url: str,
    run_root: Path,
    report: Callable[[str], None],
    concurrency: int = CONCURRENCY,
    scale: float = 1.0,
) -> Summary:
    """Load the demo organisation through the gateway at ``gateway_url`` (resumes, or does
    nothing when it is already loaded)."""
    started = time.monotonic()
    state = State.load(state_file(run_root))
    limits = httpx.Limits(max_connections=concurrency + 4, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=gateway_url, timeout=httpx.Timeout(60.0), limits=limits
    ) as client:
        gateway = Gateway(client, concurrency=concurrency)
        if state.marker is not None and await _marker_present(gateway, state):
            organisation = generate(
                seed=state.seed, anchor=state.anchor or _now(), scale=state.scale
            )
            return Summary(True, time.monotonic() - started, gateway.requests, organisation, state)
        if state.anchor is None:
            # The first load fixes "now" and the volume; a resumed load must send the same.
            state.anchor, state.scale = _now(), scale
            state.save()
        organisation = generate(seed=state.seed, anchor=state.anchor, scale=state.scale)
        loader = _Loader(gateway, organisation, state, report, concurrency)
        await loader.run()
    return Summary(False, time.monotonic() - started, gateway.requests, organisation, state)


def _now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


async def _marker_present(gateway: Gateway, state: State) -> bool:
    """Whether the welcome post, published last, is stored: its request is sent again with
    its idempotency key, which answers the stored post (a new one if it is not there, which
    the load then publishes last again with the same key)."""
    if data.CEO not in state.people or state.marker is None or state.anchor is None:
        return False
    return await publish_welcome(gateway, welcome(state.anchor), state) == state.marker


async def publish_welcome(gateway: Gateway, post: Post, state: State) -> str:
    """Publish the CEO's welcome post, now: the demo's last item (and its "loaded" mark)."""
    response = await gateway.call(
        "POST",
        "/api/v1/feed/posts",
        Caller(state.people[post.author]),
        body={"place": {"kind": "profile"}, "text": post.text, "tags": list(post.tags)},
        key=f"agora-demo-{state.seed}:welcome",
    )
    return str(response.json()["id"])


class _Loader:
    """Runs the load step by step; each step's items run ``concurrency`` at a time."""

    def __init__(
        self,
        gateway: Gateway,
        organisation: DemoOrganisation,
        state: State,
        report: Callable[[str], None],
        concurrency: int,
    ) -> None:
        self.gateway = gateway
        self.concurrency = concurrency
        self.org = organisation
        self.state = state
        self.report = report
        self.prefix = f"agora-demo-{organisation.seed}"
        self.ids = state.people
        self.community_ids = state.communities
        self.last_member: dict[str, str] = {}
        self.post_ids: dict[str, str] = {}
        self.read_side_deadline = 0.0
        self.late = False
        self.started = time.monotonic()

    def person(self, key: str) -> Caller:
        return Caller(self.ids[key])

    def key(self, *parts: str) -> str:
        return idempotency_key(self.prefix, *parts)

    async def run(self) -> None:
        await self._step("people", [0], lambda _: self.provision())
        self.state.save()
        await self._step("profiles", self.org.people, self.profile)
        await self._step("follows and endorsements", self.org.people, self.relations)
        await self._step("communities", self.org.communities, self.create_community)
        self.state.save()
        memberships = [(c, m) for c in self.org.communities for m in c.members]
        memberships.sort(key=lambda item: zlib.crc32(f"{item[0].key}{item[1]}".encode()))
        for community, member in memberships:
            self.last_member[community.key] = member
        await self._step("memberships", memberships, self.membership)
        roles = [(c, m) for c in self.org.communities for m in c.managers]
        roles += [(c, p) for c in self.org.communities for p in c.pending]
        await self._step("roles and pending requests", roles, self.role_or_request)
        await self._step("feed catching up", self.org.communities, self.known_to_feed)
        posts = self.org.posts[:-1]
        await self._step("posts and conversations", posts, self.conversation)
        finished = [c for c in self.org.communities if c.finished]
        await self._step("finished projects archived", finished, self.archive)
        await self._step("older notifications read", self.org.people, self.read_older)
        self.state.marker = await publish_welcome(self.gateway, self.org.posts[-1], self.state)
        self.state.save()
        self.read_side_deadline = time.monotonic() + READ_SIDE_WAIT_SECONDS
        last = [*posts[-SETTLE_POSTS:], self.org.posts[-1]]
        await self._step("feed read side catching up", last, self.settled, workers=1)

    async def settled(self, post: Post) -> None:
        """Wait (a few minutes at most) until the feed's read side shows one of the last posts
        with all its comments and reactions: each partition of the feed's topic holds some of
        them, so timelines and notifications are then complete."""
        post_id = self.post_ids.get(post.key, self.state.marker)
        while time.monotonic() < self.read_side_deadline:
            response = await self.gateway.call(
                "GET", f"/api/v1/feed/posts/{post_id}", self.person(post.author), ok=(200, 404)
            )
            if response.status_code == 200:
                counts = response.json()["counts"]
                if counts["comments"] == len(post.comments) and sum(
                    counts["reactions"].values()
                ) == len(post.reactions):
                    return
            await asyncio.sleep(3.0)
        if not self.late:
            self.late = True
            self.report("demo: the feed's read side is still catching up; it fills in shortly")

    async def _step(
        self,
        label: str,
        items: Sequence[T] | Iterable[T],
        work: Callable[[T], Awaitable[None]],
        *,
        workers: int | None = None,
    ) -> None:
        queue = list(items)
        total, done = len(queue), 0
        started = last = time.monotonic()
        requests = self.gateway.requests
        pending = iter(queue)

        async def worker() -> None:
            nonlocal done, last
            for item in pending:
                await work(item)
                done += 1
                if time.monotonic() - last > PROGRESS_EVERY_SECONDS:
                    last = time.monotonic()
                    self.report(f"demo: {label} {done}/{total}…")

        tasks = [asyncio.create_task(worker()) for _ in range(workers or self.concurrency)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        seconds = time.monotonic() - started
        self.report(
            f"demo: {label}: {total} done, {self.gateway.requests - requests} requests "
            f"in {seconds:.1f}s (total {time.monotonic() - self.started:.0f}s)"
        )

    # --- people ------------------------------------------------------------------------------

    async def provision(self) -> None:
        hr = Caller(HR_ACCOUNT, ADMIN_ROLES)
        for level in sorted({person.level for person in self.org.people}):
            group = [person for person in self.org.people if person.level == level]
            for start in range(0, len(group), 100):
                chunk = group[start : start + 100]
                response = await self.gateway.call(
                    "POST",
                    "/api/v1/profiles/people:bulk",
                    hr,
                    body={"people": [self._provisioned(person) for person in chunk]},
                    key=self.key("people", str(level), str(start)),
                )
                for person, result in zip(chunk, response.json()["results"], strict=True):
                    self.ids[person.key] = str(result["person"]["id"])

    def _provisioned(self, person: Person) -> dict[str, Any]:
        return {
            "display_name": person.display_name,
            "email": person.email,
            "job_title": person.job_title,
            "department": person.department,
            "location": person.location,
            "manager_id": self.ids[person.manager] if person.manager else None,
            "languages": list(person.languages),
            "start_date": person.start_date.isoformat(),
            "registered_on": person.registered_on.isoformat(),
        }

    async def profile(self, person: Person) -> None:
        me = self.person(person.key)
        call = self.gateway.call
        if person.bio is not None:
            await self._edit_bio(person, me)
        for skill, level in person.skills:
            await call(
                "PUT",
                f"/api/v1/profiles/people/me/skills/{quote(skill, safe='')}",
                me,
                body={"level": level},
                key=self.key("skill", person.key, skill),
            )
        for what, topics in (("interests", person.interests), ("help-topics", person.help_topics)):
            if topics:
                await call(
                    "PUT",
                    f"/api/v1/profiles/people/me/{what}",
                    me,
                    body={"topics": list(topics)},
                    key=self.key(what, person.key),
                )

    async def _edit_bio(self, person: Person, me: Caller) -> None:
        version = "1"  # the provisioning: a bio is the first change a demo person makes
        for _ in range(3):
            response = await self.gateway.call(
                "PATCH",
                "/api/v1/profiles/people/me",
                me,
                body={"bio": person.bio},
                key=self.key("bio", person.key, version),
                headers={"If-Match": f'"{version}"'},
                ok=(200, 412),
            )
            if response.status_code == 200:
                return
            current = await self.gateway.call("GET", "/api/v1/profiles/people/me", me)
            if current.json().get("bio") == person.bio:
                return
            version = current.headers["ETag"].strip('"')
        raise DemoError(f"could not set the bio of {person.key}")

    async def relations(self, person: Person) -> None:
        me = self.person(person.key)
        for followee in person.follows:
            await self.gateway.call(
                "PUT",
                f"/api/v1/profiles/people/{self.ids[followee]}/followers/me",
                me,
                key=self.key("follow", person.key, followee),
            )
        for endorsement in self.org.endorsements:
            if endorsement.endorser == person.key:
                skill = quote(endorsement.skill, safe="")
                await self.gateway.call(
                    "PUT",
                    f"/api/v1/profiles/people/{self.ids[endorsement.person]}/skills/{skill}"
                    "/endorsements/me",
                    me,
                    key=self.key("endorse", person.key, endorsement.person, endorsement.skill),
                )

    # --- communities -------------------------------------------------------------------------

    async def create_community(self, community: Community) -> None:
        owner = self.person(community.owner)
        assert self.state.anchor is not None
        end_date = (
            (self.state.anchor + timedelta(days=community.end_in_days)).date().isoformat()
            if community.end_in_days is not None
            else None
        )
        body = {
            "name": community.name,
            "description": community.description,
            "tags": list(community.tags),
            "kind": community.kind,
            "visibility": community.visibility,
            "end_date": end_date,
        }
        response = await self.gateway.call(
            "POST",
            "/api/v1/communities/communities",
            owner,
            body=body,
            key=self.key("community", community.key),
        )
        community_id = str(response.json()["id"])
        self.community_ids[community.key] = community_id
        if community.charter:
            await self.gateway.call(
                "PUT",
                f"/api/v1/communities/communities/{community_id}/charter",
                owner,
                body={"text": community.charter},
                key=self.key("charter", community.key),
            )

    def _join_body(self, community: Community) -> dict[str, Any] | None:
        return {"accept_charter_version": 1} if community.charter else None

    async def membership(self, item: tuple[Community, str]) -> None:
        community, member = item
        path = f"/api/v1/communities/communities/{self.community_ids[community.key]}"
        person, owner = self.person(member), self.person(community.owner)
        call = self.gateway.call
        if community.visibility == "secret":
            await call(
                "POST",
                f"{path}/invitations",
                owner,
                body={"person_id": self.ids[member]},
                key=self.key("invite", community.key, member),
            )
            await call(
                "POST",
                f"{path}/invitations/me:accept",
                person,
                body=self._join_body(community),
                key=self.key("accept", community.key, member),
            )
            return
        await call(
            "POST",
            f"{path}/members/me",
            person,
            body=self._join_body(community),
            key=self.key("join", community.key, member),
        )
        if community.visibility == "closed":
            await call(
                "POST",
                f"{path}/requests/{self.ids[member]}:approve",
                owner,
                key=self.key("approve", community.key, member),
            )

    async def role_or_request(self, item: tuple[Community, str]) -> None:
        community, person = item
        path = f"/api/v1/communities/communities/{self.community_ids[community.key]}"
        if person in community.pending:
            await self.gateway.call(
                "POST",
                f"{path}/members/me",
                self.person(person),
                body=self._join_body(community),
                key=self.key("request", community.key, person),
            )
            return
        await self.gateway.call(
            "PUT",
            f"{path}/members/{self.ids[person]}/role",
            self.person(community.owner),
            body={"role": "manager"},
            key=self.key("manager", community.key, person),
        )

    async def known_to_feed(self, community: Community) -> None:
        """Wait until the feed knows the community and the member who joined it last."""
        last = self.last_member.get(community.key, community.owner)
        await self.gateway.call(
            "GET",
            f"/api/v1/feed/communities/{self.community_ids[community.key]}/posts?limit=1",
            self.person(last),
            eventual=True,
        )

    async def archive(self, community: Community) -> None:
        await self.gateway.call(
            "POST",
            f"/api/v1/communities/communities/{self.community_ids[community.key]}:archive",
            self.person(community.owner),
            key=self.key("archive", community.key),
        )

    async def read_older(self, person: Person) -> None:
        """People have read their notifications older than two days (later ones stay unread)."""
        assert self.state.anchor is not None
        await self.gateway.call(
            "POST",
            "/api/v1/feed/me/notifications/read",
            self.person(person.key),
            body={"up_to": _iso(self.state.anchor - READ_BEFORE)},
            key=self.key("read", person.key),
        )

    # --- content -----------------------------------------------------------------------------

    def importer(self, item: str) -> Caller:
        return Caller(IMPORTERS[zlib.crc32(item.encode()) % len(IMPORTERS)], ADMIN_ROLES)

    def _place(self, post: Post) -> dict[str, str]:
        if post.community is None:
            return {"kind": "profile"}
        return {"kind": "community", "id": self.community_ids[post.community]}

    async def import_post(self, post: Post) -> str:
        body: dict[str, Any] = {
            "author_id": self.ids[post.author],
            "published_at": _iso(post.at),
            "place": self._place(post),
            "kind": post.kind,
            "text": post.text,
            "tags": list(post.tags),
            "mentions": [self.ids[key] for key in post.mentions],
        }
        if post.work_item is not None:
            item = post.work_item
            body["work_item"] = {
                "system": item.system,
                "item_id": item.item_id,
                "url": item.url,
                "title": item.title,
            }
        if post.praised:
            body["praise"] = {
                "person_ids": [self.ids[key] for key in post.praised],
                "skill": post.praise_skill,
            }
        if post.poll_options:
            assert post.poll_closes_at is not None
            body["poll"] = {
                "options": list(post.poll_options),
                "closes_at": _iso(post.poll_closes_at),
                "results_visibility": post.poll_results,
            }
        response = await self.gateway.call(
            "POST",
            "/api/v1/feed/imports/posts",
            self.importer(post.key),
            body=body,
            key=self.key("post", post.key),
            eventual=post.community is not None,
        )
        return str(response.json()["id"])

    async def conversation(self, post: Post) -> None:
        call = self.gateway.call
        post_id = await self.import_post(post)
        self.post_ids[post.key] = post_id
        path = f"/api/v1/feed/posts/{post_id}"
        comment_ids: dict[str, str] = {}
        for comment in post.comments:
            comment_ids[comment.key] = await self._import_comment(post_id, comment, comment_ids)
        for person, reaction in post.reactions:
            await call(
                "PUT",
                f"{path}/reactions/me",
                self.person(person),
                body={"reaction": reaction},
                key=self.key("react", post.key, person),
                eventual=True,
            )
        for comment in post.comments:
            for person, reaction in comment.reactions:
                await call(
                    "PUT",
                    f"{path}/comments/{comment_ids[comment.key]}/reactions/me",
                    self.person(person),
                    body={"reaction": reaction},
                    key=self.key("react", comment.key, person),
                    eventual=True,
                )
        for person, option in post.votes:
            await call(
                "PUT",
                f"{path}/votes/me",
                self.person(person),
                body={"option_id": option},
                key=self.key("vote", post.key, person),
                eventual=True,
            )
        if post.accepted is not None:
            await call(
                "PUT",
                f"{path}/accepted-answer",
                self.person(post.author),
                body={"comment_id": comment_ids[post.accepted]},
                key=self.key("accept", post.key),
            )
        for share in post.shares:
            place = (
                {"kind": "community", "id": self.community_ids[share.community]}
                if share.community
                else {"kind": "profile"}
            )
            await call(
                "POST",
                f"/api/v1/feed/imports/posts/{post_id}/shares",
                self.importer(share.key),
                body={
                    "place": place,
                    "text": share.text,
                    "author_id": self.ids[share.person],
                    "published_at": _iso(share.at),
                },
                key=self.key("share", share.key),
                eventual=True,
            )

    async def _import_comment(
        self, post_id: str, comment: Comment, comment_ids: dict[str, str]
    ) -> str:
        body: dict[str, Any] = {
            "author_id": self.ids[comment.author],
            "published_at": _iso(comment.at),
            "text": comment.text,
            "mentions": [self.ids[key] for key in comment.mentions],
        }
        if comment.parent is not None:
            body["parent_comment_id"] = comment_ids[comment.parent]
        response = await self.gateway.call(
            "POST",
            f"/api/v1/feed/imports/posts/{post_id}/comments",
            self.importer(comment.key),
            body=body,
            key=self.key("comment", comment.key),
            eventual=True,
        )
        return str(response.json()["id"])


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
