import io
import json
import logging

import pytest

from agora.servicekit.logging import configure_logging

pytestmark = pytest.mark.unit


def test_a_log_line_is_json_with_level_logger_service_and_empty_trace_context(
    restore_root_logger: logging.Logger,
) -> None:
    stream = io.StringIO()
    configure_logging(service_name="feed", level="INFO", stream=stream)

    logging.getLogger("feed.projector").warning("lagging by %d events", 12, extra={"lag": 12})

    record = json.loads(stream.getvalue())
    assert record["level"] == "WARNING"
    assert record["logger"] == "feed.projector"
    assert record["message"] == "lagging by 12 events"
    assert record["service"] == "feed"
    assert record["lag"] == 12
    assert record["timestamp"].endswith("+00:00")
    assert (record["trace_id"], record["span_id"], record["request_id"]) == ("", "", "")


def test_configuring_logging_again_replaces_the_handler_instead_of_adding_one(
    restore_root_logger: logging.Logger,
) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(service_name="feed", level="INFO", stream=first)
    configure_logging(service_name="feed", level="DEBUG", stream=second)

    logging.getLogger("feed").debug("once")

    assert first.getvalue() == ""
    assert len(second.getvalue().splitlines()) == 1
    assert restore_root_logger.level == logging.DEBUG


def test_an_exception_is_logged_with_its_traceback(restore_root_logger: logging.Logger) -> None:
    stream = io.StringIO()
    configure_logging(service_name="feed", stream=stream)

    try:
        raise ValueError("bad event")
    except ValueError:
        logging.getLogger("feed").exception("projection failed")

    record = json.loads(stream.getvalue())
    assert "Traceback" in record["exc_info"]
    assert "ValueError: bad event" in record["exc_info"]


def test_uvicorns_coloured_duplicate_message_is_left_out(
    restore_root_logger: logging.Logger,
) -> None:
    stream = io.StringIO()
    configure_logging(service_name="feed", stream=stream)

    logging.getLogger("uvicorn.error").info("started", extra={"color_message": "\x1b[36mstarted"})

    assert "color_message" not in json.loads(stream.getvalue())
