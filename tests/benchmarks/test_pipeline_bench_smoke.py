"""``python -m bench`` (the event pipeline against raw Kafka and raw FerretDB) at its smallest,
so the benchmark cannot rot.

Nothing here asserts on timings: the run must finish, every phase must have done its work, the
read model must have counted every event once, and the report must end with its JSON line.
"""

import json

import pytest

from agora.localinfra import InfraEndpoints
from bench.__main__ import main
from bench.infra import KAFKA_VARIABLE, MONGO_VARIABLE

pytestmark = pytest.mark.integration

SMALLEST = ["--quick", "--events", "100", "--rate", "20", "--latency-seconds", "1"]


def test_the_smallest_pipeline_bench_runs_end_to_end(
    infra_endpoints: InfraEndpoints,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(KAFKA_VARIABLE, infra_endpoints.kafka_bootstrap)
    monkeypatch.setenv(MONGO_VARIABLE, infra_endpoints.mongo_url)

    assert main(SMALLEST) == 0

    output = capsys.readouterr().out.strip().splitlines()
    assert any(line.startswith("Agora event pipeline benchmark") for line in output)
    figures = json.loads(output[-1])
    assert figures["bench"] == "agora-pipeline"
    assert figures["raw_kafka"]["messages"] > 0
    assert figures["raw_ferretdb"]["inserts"] == 100
    concurrency = figures["raw_ferretdb"]["concurrency"]
    assert figures["raw_ferretdb_updates"]["updates"] == 100 + concurrency  # and the warm-up's
    assert figures["writes_ceiling_per_s"] > 0
    assert figures["pipeline_throughput"]["events"] == 100
    latency = figures["pipeline_latency"]
    assert latency["applied"] == latency["events"] == 20
    assert figures["read_model_verified"] is True
