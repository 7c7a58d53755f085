import pytest
from pydantic import ValidationError

from agora.servicekit import ServiceSettings

pytestmark = pytest.mark.unit


def test_settings_are_read_from_agora_prefixed_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGORA_SERVICE_NAME", "search")
    monkeypatch.setenv("AGORA_ENVIRONMENT", "prod")
    monkeypatch.setenv("AGORA_ELASTICSEARCH_URL", "http://es:9200")
    monkeypatch.setenv("AGORA_MAX_REQUEST_BODY_BYTES", "2048")
    monkeypatch.setenv("AGORA_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")

    settings = ServiceSettings()

    assert settings.service_name == "search"
    assert settings.environment == "prod"
    assert str(settings.elasticsearch_url) == "http://es:9200/"
    assert settings.max_request_body_bytes == 2048
    assert str(settings.otlp_traces_endpoint) == "http://collector:4318/v1/traces"


def test_defaults_suit_a_local_run_with_no_exporter() -> None:
    settings = ServiceSettings(service_name="feed")

    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_request_body_bytes == 1024 * 1024
    assert settings.otlp_traces_endpoint is None
    assert settings.elasticsearch_url is None
    assert settings.proxy_headers is False


def test_the_mongo_url_stays_out_of_reprs() -> None:
    settings = ServiceSettings(service_name="feed", mongo_url="mongodb://admin:s3cret@db:27017")

    assert "s3cret" not in repr(settings)
    assert settings.mongo_url.get_secret_value() == "mongodb://admin:s3cret@db:27017"


@pytest.mark.parametrize(
    "overrides",
    [
        {"service_name": "Feed Service"},
        {"environment": "staging"},
        {"log_level": "CHATTY"},
        {"max_request_body_bytes": 0},
        {"mongo_url": "postgres://db"},
        {"unknown_setting": True},
    ],
    ids=["service-name", "environment", "log-level", "body-limit", "mongo-scheme", "unknown"],
)
def test_invalid_or_unknown_settings_are_refused(overrides: dict[str, object]) -> None:
    values: dict[str, object] = {"service_name": "feed", **overrides}

    with pytest.raises(ValidationError):
        ServiceSettings.model_validate(values)


def test_a_service_subclass_adds_its_own_fields_under_the_same_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FeedSettings(ServiceSettings):
        mongo_database: str = "agora_feed"
        timeline_page_size: int = 50

    monkeypatch.setenv("AGORA_TIMELINE_PAGE_SIZE", "20")

    settings = FeedSettings(service_name="feed")

    assert settings.timeline_page_size == 20
    assert settings.mongo_database == "agora_feed"
