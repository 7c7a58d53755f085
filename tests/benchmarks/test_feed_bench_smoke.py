"""``python -m bench.feed`` end to end at its smallest, so the benchmark cannot rot.

Nothing here asserts on timings: the run must finish, every phase must have done its work,
and the report must end with its JSON line.
"""

from typing import Any

import pytest
from pymongo import MongoClient

from agora.localinfra import InfraEndpoints
from bench.feed.__main__ import main
from tests.benchmarks.conftest import RunBench

pytestmark = pytest.mark.integration

SMALLEST = [
    "--quick",
    "--people", "60",
    "--communities", "5",
    "--posts", "40",
    "--preload-seconds", "20",
    "--rate", "5",
    "--delivery-seconds", "2",
    "--large-posts", "1",
    "--read-seconds", "1",
]  # fmt: skip


def test_the_smallest_feed_bench_runs_end_to_end_and_its_kept_run_reads_again(
    run_bench: RunBench, infra_endpoints: InfraEndpoints
) -> None:
    run = run_bench(main, [*SMALLEST, "--keep"])

    assert run.has_line_starting("Agora feed benchmark")
    figures = run.figures
    assert figures["bench"] == "agora-feed"
    assert figures["organisation"]["people"] == 60
    assert figures["facts"]["events"] > 60
    assert figures["preload"]["posts"] == 40
    assert figures["preload"]["home_entries_per_post"] >= 1
    assert figures["delivery"]["posts"] == 10
    assert figures["delivery"]["failed"] == 0
    for phase in ("largest_community_on_read", "largest_community_on_write"):
        assert figures[phase]["posts"] == 1
        assert figures[phase]["failed"] == 0
    on_read = figures["large_community_members"]["on_read"]
    on_write = figures["large_community_members"]["on_write"]
    assert on_read < figures["organisation"]["size_max"] <= on_write
    reads = figures["reads"]
    for kind in ("ours", "raw", "naive"):
        assert reads[kind]["reads"] > 0
        assert reads[kind]["errors"] == 0
    assert reads["ours"]["items_per_page"] > 0
    assert set(figures["goals"]) == {"delivery_met", "read_p99_met", "reads_per_s_met"}

    # The kept run: its home reads alone, again, then dropped.
    kept = figures["run_id"]
    again = run_bench(main, [*SMALLEST, "--reads-of", kept])
    assert again.has_line_starting(f"Agora feed benchmark, home reads of kept run {kept}")
    assert again.has_line_starting("CPU a home read through the service, ms: ")
    assert again.figures["bench"] == "agora-feed-reads"
    for kind in ("ours", "raw", "naive"):
        assert again.figures["reads"][kind]["reads"] > 0
        assert again.figures["reads"][kind]["errors"] == 0
    assert again.figures["reads"]["ours"]["items_per_page"] > 0
    assert _databases(infra_endpoints).count(f"bench_feed_{kept}") == 1

    assert run_bench(main, [*SMALLEST, "--drop", kept]).figures["dropped"] == kept
    assert f"bench_feed_{kept}" not in _databases(infra_endpoints)


def test_only_a_run_id_is_dropped() -> None:
    with pytest.raises(SystemExit):
        main(["--drop", "admin"])


def _databases(infra_endpoints: InfraEndpoints) -> list[str]:
    client: MongoClient[dict[str, Any]] = MongoClient(infra_endpoints.mongo_url)
    try:
        return client.list_database_names()
    finally:
        client.close()
