"""The commands' route dependencies: the request's fingerprint and the version If-Match names."""

import json
from typing import Any

import pytest
from fastapi import Request

from agora.servicekit.commands import expected_version, request_fingerprint

pytestmark = pytest.mark.unit


class StaleError(Exception):
    pass


def _request(method: str, path: str, body: bytes) -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    return Request(scope, receive)


async def _fingerprint(method: str, path: str, body: bytes) -> str:
    return await request_fingerprint(_request(method, path, body))


async def test_a_retry_has_the_fingerprint_of_the_first_request_whatever_its_key_order() -> None:
    first = await _fingerprint("POST", "/posts", json.dumps({"text": "Hi", "tags": []}).encode())
    retry = await _fingerprint("POST", "/posts", json.dumps({"tags": [], "text": "Hi"}).encode())

    assert first == retry


async def test_another_method_path_or_body_has_another_fingerprint() -> None:
    body = json.dumps({"text": "Hi"}).encode()
    fingerprints = {
        await _fingerprint("POST", "/posts", body),
        await _fingerprint("PUT", "/posts", body),
        await _fingerprint("POST", "/posts/1", body),
        await _fingerprint("POST", "/posts", json.dumps({"text": "Hello"}).encode()),
        await _fingerprint("POST", "/posts", b""),
        await _fingerprint("POST", "/posts", b"not json"),
    }

    assert len(fingerprints) == 6


@pytest.mark.parametrize("tag", ['"4"', 'W/"4"', "4", ' "4" '])
async def test_if_match_names_a_version_strong_weak_or_bare(tag: str) -> None:
    version = expected_version(subject="post", stale=StaleError)

    assert await version(tag) == 4


async def test_without_if_match_no_version_is_expected() -> None:
    assert await expected_version(subject="post", stale=StaleError)(None) is None


async def test_an_if_match_naming_no_version_is_the_service_s_stale_error() -> None:
    version = expected_version(subject="community", stale=StaleError)

    with pytest.raises(StaleError, match="names no version of this community"):
        await version('"abc"')
