"""Request ids (X-Request-ID echoed or made) and JSON log lines: parseable, with the request id, no phone number."""

import io
import json
import logging

import pytest

from app.observability.logs import JsonFormatter


@pytest.fixture
def json_lines():
    """The JSON formatter on a handler of the root logger, for the length of a test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


def test_a_valid_incoming_request_id_is_echoed(client):
    answer = client.get("/livez", headers={"X-Request-ID": "abc-123.DEF_4"})
    assert answer.headers["X-Request-ID"] == "abc-123.DEF_4"


@pytest.mark.parametrize("incoming", [None, "", "has space", "x" * 65, "<script>", "id\u00e9"])
def test_otherwise_one_is_made(client, incoming):
    headers = {"X-Request-ID": incoming} if incoming is not None else {}
    made = client.get("/livez", headers=headers).headers["X-Request-ID"]
    assert made and made != incoming and len(made) <= 64 and made.isalnum()


def test_error_answers_carry_the_request_id_too(client):
    assert client.get("/api/v1/no-such-thing", headers={"X-Request-ID": "req-404"}).headers["X-Request-ID"] == "req-404"


def test_the_access_line_is_json_with_the_request_id_and_no_phone_number(client, json_lines):
    client.get(
        "/api/v1/regions/140105?phone=13812345678",
        headers={"X-Request-ID": "trace-1", "X-Phone": "13812345678"},
    )
    lines = json_lines()
    access = [line for line in lines if line["logger"] == "app.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "trace-1"
    assert line["method"] == "GET" and line["route"] == "/api/v1/regions/<code>" and line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert {"time", "level", "logger", "message"} <= set(line)
    assert all("13812345678" not in json.dumps(line, ensure_ascii=False) for line in lines)
    assert all("140105" not in line.get("route", "") for line in lines)


@pytest.mark.pii_allowed("the record carries a phone on purpose: the formatter must mask it")
def test_the_formatter_writes_only_the_message_with_phones_masked(json_lines):
    record_logger = logging.getLogger("app.test")
    record_logger.warning("手机号 %s 已被占用", "13812345678", extra={"phone": "13912345678", "body": "x"})
    (line,) = [line for line in json_lines() if line["logger"] == "app.test"]
    assert line["message"] == "手机号 138****5678 已被占用"
    assert "phone" not in line and "body" not in line and "request_id" not in line
    assert "13912345678" not in json.dumps(line)
