"""The demo organisation `agora-infra up` loads into the dev stack, through the public API.

``generator`` makes it (deterministic for a seed), ``loader`` sends it through the gateway, and
``run_demo`` is what the command line calls.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from agora.localinfra.demo import data
from agora.localinfra.demo.loader import CONCURRENCY, Summary, demo_person_id, load_demo
from agora.localinfra.errors import InfraError
from agora.localinfra.paths import deploy_dir
from agora.localinfra.services import load_services

__all__ = ["CONCURRENCY", "demo_person_id", "gateway_url", "run_demo", "try_it"]

GATEWAY_SERVICE = "gateway"


def gateway_url() -> str:
    """The gateway's address, from services.toml."""
    for service in load_services(deploy_dir() / "services.toml"):
        if service.name == GATEWAY_SERVICE:
            return f"http://127.0.0.1:{service.port}"
    raise InfraError("services.toml declares no gateway: the demo is loaded through it")


def run_demo(
    run_root: Path,
    report: Callable[[str], None],
    *,
    concurrency: int = CONCURRENCY,
    scale: float = 1.0,
) -> Summary:
    """Load the demo organisation (or find it loaded) and report how it went."""
    url = gateway_url()
    summary = asyncio.run(
        load_demo(
            gateway_url=url, run_root=run_root, report=report, concurrency=concurrency, scale=scale
        )
    )
    org = summary.organisation
    if summary.already_loaded:
        report(f"demo organisation already loaded (checked in {summary.seconds:.1f}s)")
    else:
        posts = org.posts
        report(
            f"demo organisation loaded in {summary.seconds:.0f}s ({summary.requests} requests): "
            f"{len(org.people)} people, {len(org.communities)} communities, {len(posts)} posts, "
            f"{sum(len(p.comments) for p in posts)} comments, "
            f"{sum(len(p.reactions) + sum(len(c.reactions) for c in p.comments) for p in posts)} "
            f"reactions, {sum(len(p.votes) for p in posts)} votes"
        )
    return summary


def try_it(summary: Summary, gateway: str) -> str:
    """How to use the demo: tokens for named demo people and calls to try."""
    persona = summary.organisation.person(data.PERSONA)
    community = summary.state.communities.get("kubernetes", "<id>")
    api = f"{gateway}/api/v1"
    named = ", ".join(key for key, *_ in data.NAMED_PEOPLE if key != data.PERSONA)
    return "\n".join(
        [
            f"Try Agora as {persona.display_name} ({persona.job_title}, {persona.location}):",
            f"  TOKEN=$(.venv/bin/agora-infra token --demo {data.PERSONA})",
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/feed/me/timeline?limit=5"',
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/feed/me/questions?limit=5"',
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/feed/communities/{community}'
            '/posts?limit=5"',
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/search/experts?q=kubernetes"',
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/metrics/me/contributions"',
            "Organisation dashboards need the analyst role:",
            f"  TOKEN=$(.venv/bin/agora-infra token --demo {data.CEO} --role analyst)",
            f'  curl -H "Authorization: Bearer $TOKEN" "{api}/metrics/org/activity'
            '?granularity=week"',
            f"Other demo people: {named} (or any id from {api}/profiles/people).",
        ]
    )
