"""``python -m agora.search.worker``: the indexer (side model and Elasticsearch), without the API.

The process serves only ``/healthz``, ``/readyz`` and ``/metrics`` (the probes, the projection
lag and ``agora_search_indexing_blocked``), on ``AGORA_PORT`` like the API. Run exactly one:
side-model records have a single writer (FerretDB does not make concurrent updates of one
document atomic), and endorsement weights and contributions update records of several people.
"""

from agora.search.app import create_app
from agora.search.settings import SearchSettings
from agora.servicekit import run


def main() -> None:
    """Run the indexer until stopped."""
    run(app_factory=create_app, settings=SearchSettings(process_role="worker"))


if __name__ == "__main__":
    main()
