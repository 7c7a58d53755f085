"""Every operation of the metrics API is documented: summary, description, examples."""

import pytest

from agora.metrics.app import create_app
from agora.metrics.settings import MetricsSettings
from agora.testing.identity import TestIdentityProvider

pytestmark = pytest.mark.unit


def test_every_operation_has_a_summary_a_description_and_examples() -> None:
    app = create_app(settings=MetricsSettings(**TestIdentityProvider().auth_settings()))
    document = app.openapi()
    operations = [op for path in document["paths"].values() for op in path.values()]

    assert len(operations) == 12
    for operation in operations:
        assert operation["summary"], operation["operationId"]
        assert operation["description"], operation["operationId"]
        success = operation["responses"]["200"]["content"]
        assert success["text/csv"]["example"].startswith("group,period,")
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                examples = response["content"]["application/problem+json"]["examples"]
                assert all(
                    example["value"]["status"] == int(status) for example in examples.values()
                )
    dashboard = document["components"]["schemas"]["Dashboard"]
    assert dashboard["examples"]
    assert "ProblemDetails" in document["components"]["schemas"]
