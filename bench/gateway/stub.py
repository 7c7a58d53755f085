"""``python -m bench.gateway.stub --cpus 0-1``: a service that answers at once, so what the
gateway adds in front of it is the gateway's own cost, without the feed's work competing
with it for the machine's cores.

It answers ``GET`` with the bytes of the file named by ``BENCH_STUB_PAGE`` (a home page the
feed served in the same run), gzipped as the services gzip it when the request accepts gzip
(compressed once, at start), ``POST`` with ``201`` and a small JSON body once it has read the
request's, and ``/readyz`` with ``200``. Its port comes from ``AGORA_PORT``, as for the
services.
"""

import argparse
import gzip
import os
from pathlib import Path

import uvicorn
from starlette.types import Receive, Scope, Send

from agora.servicekit import ServiceSettings
from agora.servicekit.compression import accept_encoding, accepts_gzip
from bench.feed.serve import cpu_set

PAGE_VARIABLE = "BENCH_STUB_PAGE"
CREATED = b'{"id":"stub"}'
JSON = (b"content-type", b"application/json")


class StubService:
    """The ASGI app: no framework, no middleware, nothing but the answer."""

    def __init__(self, page: bytes, *, compression_level: int) -> None:
        self._page = page
        self._gzipped_page: bytes | None = None  # level 0: the services compress nothing
        if compression_level > 0:
            self._gzipped_page = gzip.compress(page, compresslevel=compression_level, mtime=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "POST":
            more = True
            while more:
                more = (await receive()).get("more_body", False)
            status, body = 201, CREATED
        elif scope["path"] == "/readyz":
            status, body = 200, b"{}"
        else:
            status, body = 200, self._page
        headers = [JSON]
        if (
            body is self._page
            and self._gzipped_page is not None
            and accepts_gzip(accept_encoding(scope))
        ):
            body = self._gzipped_page
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway.stub")
    parser.add_argument("--cpus", required=True, help="the CPUs the stub may use, e.g. 0-1")
    arguments = parser.parse_args()
    os.sched_setaffinity(0, cpu_set(arguments.cpus))
    settings = ServiceSettings()
    page = Path(os.environ[PAGE_VARIABLE]).read_bytes()
    uvicorn.run(
        StubService(page, compression_level=settings.response_compression_level),
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
