import logging
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

from agora.servicekit import ServiceSettings, create_app, run

pytestmark = pytest.mark.unit


def test_run_serves_the_built_app_on_the_configured_address_with_json_logs(
    monkeypatch: pytest.MonkeyPatch, restore_root_logger: logging.Logger
) -> None:
    served: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append((app, options)))
    settings = ServiceSettings(service_name="feed", host="0.0.0.0", port=8123)

    run(app_factory=create_app, settings=settings)

    [(app, options)] = served
    assert isinstance(app, FastAPI)
    assert app.title == "feed"
    assert options["host"] == "0.0.0.0"
    assert options["port"] == 8123
    assert options["log_config"] is None
    assert options["proxy_headers"] is False
    assert options["lifespan"] == "on"
