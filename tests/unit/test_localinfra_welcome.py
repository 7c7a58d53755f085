"""What `agora-infra up` prints for the dev stack: the gateway, its docs, a token, one call."""

import pytest

from agora.localinfra.paths import deploy_dir
from agora.localinfra.services import Service, load_services
from agora.localinfra.welcome import getting_started

pytestmark = pytest.mark.unit


def test_the_dev_stack_names_the_gateway_its_docs_a_token_and_a_call() -> None:
    text = getting_started(load_services(deploy_dir() / "services.toml"))

    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "Agora: http://127.0.0.1:8100  (API docs: http://127.0.0.1:8100/api/docs)"
    assert lines[1].startswith("  TOKEN=$(.venv/bin/agora-infra token person-alice)")
    assert "http://127.0.0.1:8100/dev-idp/token" in lines[1]  # the dev profile enables it
    assert lines[2] == (
        '  curl -H "Authorization: Bearer $TOKEN" '
        "http://127.0.0.1:8100/api/v1/communities/communities"
    )
    assert len(lines) == 3  # short


def test_without_a_gateway_nothing_is_printed_and_without_its_provider_no_curl() -> None:
    gateway = Service("gateway", "python -m agora.gateway", 9100, "http://127.0.0.1:{port}/readyz")

    assert getting_started([]) is None
    text = getting_started([gateway])
    assert text is not None
    assert "dev-idp" not in text
    assert "http://127.0.0.1:9100/api/docs" in text
