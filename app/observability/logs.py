"""Structured logs: LOG_FORMAT=json writes one JSON object a line; text (the default) stays readable for development.

Every record made during a request carries its request id (X-Request-ID: a valid incoming one, else a new one,
echoed in the answer always). Each request ends with one access line: method, route (the URL rule, never the
path with its ids), status and duration. Nothing else of the request is logged — no bodies, query strings or
headers — and the JSON formatter writes only the formatted message (phone numbers in it masked), never a
record's arguments or extra fields apart from the access line's own.
"""

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

from app.core.crypto import mask_phone

ACCESS = logging.getLogger("app.access")

#: Short token characters only, at most 64: anything else from the client is replaced, not logged.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_HEADER = "X-Request-ID"
#: A mainland mobile number not already masked (11 digits starting 1[3-9], not inside a longer number).
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
#: The access line's fields, the only ones taken from a record besides time, level, logger and message.
ACCESS_FIELDS = ("method", "route", "status", "duration_ms")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def mask_phones(text: str) -> str:
    return PHONE.sub(lambda match: mask_phone(match.group(0)) or "", text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, request_id, access fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            line["request_id"] = request_id
        for field in ACCESS_FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format, with phone numbers masked as in the JSON one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return mask_phones(super().format(record))


_base_factory = logging.getLogRecordFactory()


def _record_with_request_id(*args, **kwargs) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    if has_request_context():
        record.request_id = g.get("request_id")
    return record


def configure(log_format: str = "text") -> None:
    """The root logger's one handler (to stderr) with the chosen formatter; safe to call again."""
    logging.setLogRecordFactory(_record_with_request_id)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    handler = next((h for h in root.handlers if getattr(h, "volunteers_handler", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.volunteers_handler = True  # type: ignore[attr-defined]  # marks the handler this module owns
        root.addHandler(handler)
    # Its own level: a later logging config (Alembic's, when migrations run in-process) may raise the root's.
    ACCESS.setLevel(logging.INFO)
    json_lines = log_format == "json"
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    # The development server's own access line holds the raw path and query string: in JSON mode, ours replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING if json_lines else logging.INFO)


def request_id_from(value: str | None) -> str:
    if value and REQUEST_ID.fullmatch(value):
        return value
    return secrets.token_hex(16)


def route_of_request() -> str:
    """The URL rule that matched (`/api/v1/needs/<int:need_id>`), never the path: no ids in labels or logs."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def init_app(app: Flask) -> None:
    configure(app.config["LOG_FORMAT"])

    @app.before_request
    def _start_request() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish_request(response: Response) -> Response:
        if "request_id" not in g:  # a hook before ours answered
            g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        response.headers[REQUEST_ID_HEADER] = g.request_id
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
        route = route_of_request()
        ACCESS.info(
            "%s %s %s %s ms",
            request.method,
            route,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
            },
        )
        return response
