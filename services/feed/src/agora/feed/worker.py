"""``python -m agora.feed.worker``: the feed's projection (posts, timelines, notifications),
without the API.

The process serves only ``/healthz``, ``/readyz`` and ``/metrics`` (for the orchestrator's
probes and the projection lag), on ``AGORA_PORT`` like the API. Run exactly one: the
projection's fan-out reads and then writes documents that events of other partitions also
write (see docs/operations.md).
"""

from agora.feed.app import create_app
from agora.feed.settings import FeedSettings
from agora.servicekit import run


def main() -> None:
    """Run the projection until stopped."""
    run(app_factory=create_app, settings=FeedSettings(process_role="worker"))


if __name__ == "__main__":
    main()
