"""The metrics benchmark runs end to end on a tiny organisation (it cannot rot); timings are
never asserted."""

import dataclasses

import pytest

from agora.localinfra import InfraEndpoints
from bench.metrics.__main__ import render, run
from bench.metrics.config import QUICK

pytestmark = pytest.mark.integration


async def test_the_benchmark_measures_every_phase(
    infra_endpoints: InfraEndpoints, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_BENCH_KAFKA_BOOTSTRAP", infra_endpoints.kafka_bootstrap)
    monkeypatch.setenv("AGORA_BENCH_MONGO_URL", infra_endpoints.mongo_url)
    config = dataclasses.replace(QUICK, people=60, communities=6, departments=3, queries=2)

    results = await run(config)

    assert results["events"]["gateway"] > 100
    assert results["projection_events_per_second"] > 0
    assert results["raw_consume_per_second"] > 0
    assert [query["count"] for query in results["queries"]] == [2] * 6
    assert "Dashboard queries" in render(results)
