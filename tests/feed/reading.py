"""Helpers of the read-side tests: publish through the command API, then read pages back."""

from typing import Any

from tests.feed.harness import FeedApi

PROFILE = {"kind": "profile"}


def place(community_id: str) -> dict[str, str]:
    """A community as a post's place."""
    return {"kind": "community", "id": community_id}


async def publish(api: FeedApi, person: str, where: dict[str, str], **fields: Any) -> str:
    """Publish a post through HTTP; returns its id."""
    body = {"place": where, "text": "Bonjour à tous", **fields}
    response = await api.call("POST", "/posts", person=person, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def command(api: FeedApi, method: str, path: str, person: str, **body: Any) -> dict[str, Any]:
    """Run a command that must succeed; returns its answer."""
    response = await api.call(method, path, person=person, json=body or None)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


async def read_post(api: FeedApi, post_id: str, person: str) -> dict[str, Any]:
    """``GET /posts/{id}``, which must be found."""
    response = await api.call("GET", f"/posts/{post_id}", person=person)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def page(
    api: FeedApi, path: str, person: str, **params: Any
) -> tuple[list[dict[str, Any]], str | None]:
    """One page: its items and the next cursor."""
    response = await api.call("GET", path, person=person, params=params or None)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["items"], body["next_cursor"]


async def ids(api: FeedApi, path: str, person: str, **params: Any) -> list[str]:
    """The post ids of the first page."""
    items, _ = await page(api, path, person, **params)
    return [item["post_id"] for item in items]


async def every_id(api: FeedApi, path: str, person: str, *, limit: int) -> list[str]:
    """The post ids of every page, following the cursors."""
    found: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        items, cursor = await page(api, path, person, **params)
        found += [item["post_id"] for item in items]
        if cursor is None:
            return found
