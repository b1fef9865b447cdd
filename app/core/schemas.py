"""The base of every request and response schema, and how validation failures are told.

Schemas are pydantic models; flask-openapi3 validates requests with them and builds the OpenAPI
document from the same classes. Failures become 422 `validation_failed` with a Chinese message
per field; malformed JSON becomes 400 `malformed_json`.
"""

from datetime import datetime, time
from typing import Annotated, Any

from flask import Flask, request
from pydantic import BaseModel, ConfigDict, PlainSerializer, ValidationError
from werkzeug.exceptions import BadRequest

from app.core import auth
from app.core.clock import local
from app.core.errors import AppError, error_response

#: A moment shown as people in the service's zone read it: 2026-11-26T23:34:16+08:00.
LocalDateTime = Annotated[
    datetime, PlainSerializer(lambda moment: local(moment).isoformat(timespec="seconds"), return_type=str)
]
#: A wall-clock time of day: "09:00".
ClockTime = Annotated[time, PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str)]


class Schema(BaseModel):
    """Requests: unknown fields are refused, strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """Responses: built from models or dicts."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = {}


class ErrorOut(BaseModel):
    error: ErrorDetail


#: For every APIBlueprint (`abp_responses`): any request can fail validation, and the document
#: must show our error shape for it, not flask-openapi3's default list of pydantic errors.
BLUEPRINT_RESPONSES = {422: ErrorOut}


_MESSAGES: dict[str, str] = {
    "missing": "必填",
    "extra_forbidden": "不允许的字段",
    "string_type": "应为字符串",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_type": "应为布尔值",
    "bool_parsing": "应为布尔值",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "list_type": "应为数组",
    "set_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "literal_error": "取值无效，可选：{expected}",
    "enum": "取值无效，可选：{expected}",
    "datetime_type": "时间格式不正确，应为 ISO 8601 且带时区",
    "datetime_parsing": "时间格式不正确，应为 ISO 8601 且带时区",
    "datetime_from_date_parsing": "时间格式不正确，应为 ISO 8601 且带时区",
    "timezone_aware": "时间必须带时区",
    "time_type": "时间格式不正确，应为 HH:MM",
    "time_parsing": "时间格式不正确，应为 HH:MM",
    "json_invalid": "JSON 格式不正确",
    "set_item_not_hashable": "取值无效",
}


def _message(error: dict[str, Any]) -> str:
    ctx = error.get("ctx") or {}
    if error["type"] == "value_error" and "error" in ctx:
        return str(ctx["error"])
    template = _MESSAGES.get(error["type"], "取值无效")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def field_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        # Query/body wrappers add no useful location; "body" stands for the whole document.
        path = ".".join(str(part) for part in error["loc"]) or "body"
        fields.setdefault(path, _message(error))
    return fields


def validation_error_response(exc: ValidationError):
    return error_response(422, "validation_failed", "提交的内容有误，请检查后重试", field_errors(exc))


def check_json_body() -> None:
    """Before the validator runs: refuse a body that is not JSON, or JSON that does not parse."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_length:
        return
    if not request.path.startswith("/api/"):
        return  # e.g. WeChat's message push posts XML to /wechat/callback
    if not request.is_json:
        raise AppError(
            "请以 JSON 格式提交（Content-Type: application/json）", code="unsupported_media_type", status=415
        )
    try:
        request.get_json()
    except BadRequest:
        raise AppError("JSON 格式不正确", code="malformed_json", status=400) from None


def init_app(app: Flask) -> None:
    """What runs before flask-openapi3 validates a request: who is calling, then is it JSON."""
    app.before_request(auth.check_login_first)
    app.before_request(check_json_body)


def contract_document(document: dict) -> dict:
    """The generated OpenAPI document, with every 422 described in the contract's error shape."""
    error = {
        "description": "提交的内容有误",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    document.setdefault("components", {}).setdefault("schemas", {})["ErrorOut"] = ErrorOut.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for detail in ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}").get("$defs", {}).items():
        document["components"]["schemas"].setdefault(*detail)
    document["components"]["schemas"]["ErrorOut"].pop("$defs", None)
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if "422" in operation.get("responses", {}):
                operation["responses"]["422"] = error
    return document
