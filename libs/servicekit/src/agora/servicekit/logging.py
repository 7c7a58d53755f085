"""JSON log lines on stdout, each carrying the service, the request id and the trace context."""

import logging
import sys
from typing import TextIO

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from agora.servicekit.context import current_request_id


class _RequestContextFilter(logging.Filter):
    """Add the current trace id, span id and request id to each record (empty when none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            record.trace_id = format(span_context.trace_id, "032x")
            record.span_id = format(span_context.span_id, "016x")
        else:
            record.trace_id = ""
            record.span_id = ""
        record.request_id = current_request_id() or ""
        return True


class _AgoraLogHandler(logging.StreamHandler[TextIO]):
    """The root handler `configure_logging` installs; its class marks it for replacement."""


def json_formatter(*, service_name: str) -> logging.Formatter:
    """Return the formatter of Agora's JSON log lines."""
    return JsonFormatter(
        ["levelname", "name", "message"],
        rename_fields={"levelname": "level", "name": "logger"},
        static_fields={"service": service_name},
        # uvicorn attaches an ANSI-coloured copy of some messages.
        reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        timestamp=True,
    )


def configure_logging(
    *, service_name: str, level: str | int = "INFO", stream: TextIO | None = None
) -> None:
    """Send all log records as JSON lines to `stream` (stdout); calling again replaces the setup."""
    handler = _AgoraLogHandler(sys.stdout if stream is None else stream)
    handler.setFormatter(json_formatter(service_name=service_name))
    handler.addFilter(_RequestContextFilter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h, _AgoraLogHandler)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
