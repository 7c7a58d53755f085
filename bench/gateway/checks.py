"""Before measuring: both paths give the same answer, so the comparison compares like with like."""

import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.gateway.load import Target
from bench.gateway.organisation import Tokens


@dataclass(frozen=True)
class PathCheck:
    """The same person's home page read both ways."""

    items: int
    """Posts on the page (a page of nothing would make the timeline figures meaningless)."""
    page_bytes: int
    """The page's size as the feed sends it (the gateway reads answers up to 256 KiB whole)."""
    same_items: bool
    gateway_location: str
    """Where a post created through the gateway says it is (rewritten to the gateway's path)."""


async def check_paths(
    *,
    session: aiohttp.ClientSession,
    direct: Target,
    gateway: Target,
    tokens: Tokens,
    person: str,
    page_size: int,
) -> tuple[PathCheck, bytes]:
    """Read one home page straight and through the gateway, and create one post through it;
    also returns the page as the feed sent it."""
    pages: list[list[Any]] = []
    bodies: list[bytes] = []
    for target in (direct, gateway):
        async with session.get(
            f"{target.base_url}/me/timeline?limit={page_size}", headers=tokens.headers(person)
        ) as response:
            if response.status != 200:
                raise RuntimeError(f"{target.side} timeline read: {response.status}")
            body = await response.read()
            bodies.append(body)
            pages.append([item["post_id"] for item in json.loads(body)["items"]])
    async with session.post(
        f"{gateway.base_url}/posts",
        json={"place": {"kind": "profile"}, "text": "Checking the path through the gateway."},
        headers=tokens.headers(person),
    ) as response:
        if response.status != 201:
            raise RuntimeError(f"post through the gateway: {response.status}")
        location = response.headers.get("Location", "")
    check = PathCheck(
        items=len(pages[0]),
        page_bytes=len(bodies[0]),
        same_items=pages[0] == pages[1],
        gateway_location=location,
    )
    return check, bodies[0]
