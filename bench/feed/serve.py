"""``python -m bench.feed.serve --cpus 0-1``: the feed service as ``python -m agora.feed`` runs it,
on the CPUs given (a pinned load generator must not pin the service it starts with it)."""

import argparse
import os

from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.servicekit import run


def cpu_set(text: str) -> set[int]:
    """``0-2,5`` → ``{0, 1, 2, 5}``."""
    cpus: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def main() -> None:
    """Serve the feed (settings from ``AGORA_*``) until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bench.feed.serve")
    parser.add_argument("--cpus", required=True, help="the CPUs the service may use, e.g. 0-1")
    arguments = parser.parse_args()
    os.sched_setaffinity(0, cpu_set(arguments.cpus))
    run(app_factory=create_app, settings=FeedSettings())


if __name__ == "__main__":
    main()
