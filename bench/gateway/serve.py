"""``python -m bench.gateway.serve --cpus 0-1``: the gateway as ``python -m agora.gateway`` runs
it, on the CPUs given (a pinned load generator must not pin the processes it starts)."""

import argparse
import os

from agora.gateway.__main__ import main as serve_gateway
from bench.feed.serve import cpu_set


def main() -> None:
    """Serve the gateway (settings from ``AGORA_*``) until stopped."""
    parser = argparse.ArgumentParser(prog="python -m bench.gateway.serve")
    parser.add_argument("--cpus", required=True, help="the CPUs the gateway may use, e.g. 0-1")
    arguments = parser.parse_args()
    os.sched_setaffinity(0, cpu_set(arguments.cpus))
    serve_gateway()


if __name__ == "__main__":
    main()
