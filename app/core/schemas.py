"""The base of every request and response schema, and how validation failures are told.

Schemas are pydantic models; flask-openapi3 validates requests with them and builds the OpenAPI
document from the same classes. Failures become 422 `validation_failed` with a Chinese message
per field; malformed JSON becomes 400 `malformed_json`.
"""

import re
import unicodedata
from datetime import datetime, time
from typing import Annotated, Any

from flask import Flask, request
from flask_openapi3.types import ResponseDict
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError
from werkzeug.exceptions import BadRequest

from app.core import auth
from app.core.clock import local
from app.core.crypto import mask_id_number, mask_phone
from app.core.errors import AppError, error_response

#: Ids are PostgreSQL `integer`s: anything larger names nothing, and must not reach the database.
MAX_ID = 2**31 - 1
#: Years a volunteer service can mean; anything outside is a typo or a probe, and some would
#: overflow date arithmetic (9999-12-31T23:00-12:00 is past the end of Python's calendar in UTC).
FIRST_YEAR, LAST_YEAR = 2000, 2099

#: A database id given by a client (path, query or body).
Id = Annotated[int, Field(gt=0, le=MAX_ID)]


def _moment(value: Any) -> datetime:
    """A request time: an ISO 8601 string with an offset, within the years the service knows."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("datetime_parsing", "bad time") from None
    else:
        raise PydanticCustomError("datetime_type", "not a string")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "no offset")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise PydanticCustomError("datetime_range", "out of range", {"first": FIRST_YEAR, "last": LAST_YEAR})
    return moment


#: A moment a client sends: "2027-01-05T19:30:00+08:00" (a number, or a time without offset, is refused).
Moment = Annotated[
    AwareDatetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "description": "ISO 8601，须带时区（2000–2099 年）"}),
]

#: Personal data in answers: what the database holds (decrypted) goes out masked, 138****5678.
MaskedPhone = Annotated[str | None, PlainSerializer(mask_phone, return_type=str | None)]
MaskedIdNumber = Annotated[str | None, PlainSerializer(mask_id_number, return_type=str | None)]

#: A moment shown as people in the service's zone read it: 2026-11-26T23:34:16+08:00.
LocalDateTime = Annotated[
    datetime, PlainSerializer(lambda moment: local(moment).isoformat(timespec="seconds"), return_type=str)
]

CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _clock_time(value: Any) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not re.fullmatch(CLOCK_PATTERN, value.strip()):
        raise PydanticCustomError("time_parsing", "not HH:MM")
    return time.fromisoformat(value.strip())


#: A wall-clock time of day: "09:00".
ClockTime = Annotated[
    time,
    BeforeValidator(_clock_time),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": CLOCK_PATTERN}),
]

# Control characters (NUL and the like, which PostgreSQL text cannot hold) and lone surrogates are
# refused; line breaks and tabs are text. Invisible format characters (zero-width spaces, bidi
# overrides) are removed, so "赌\u200b博" is read — and checked — as what a person sees.
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _clean_text(value: Any) -> Any:
    if isinstance(value, str):
        if any(unicodedata.category(c) in ("Cc", "Cs") and c not in _ALLOWED_CONTROLS for c in value):
            raise PydanticCustomError("control_character", "control character")
        if any(unicodedata.category(c) == "Cf" for c in value):
            return "".join(c for c in value if unicodedata.category(c) != "Cf")
        return value
    if isinstance(value, list):
        return [_clean_text(item) for item in value]
    if isinstance(value, dict):
        return {_clean_text(key): _clean_text(item) for key, item in value.items()}
    return value


class Schema(BaseModel):
    """Request bodies: unknown fields are refused, strings trimmed and cleaned, and types strict
    (5 is a number, "5" is not; true is not 1; NaN is no number)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _clean(cls, value: Any) -> Any:
        return _clean_text(value)


class Params(Schema):
    """Path and query parameters: they arrive as text, so numbers are read from it."""

    model_config = ConfigDict(strict=False)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """flask-openapi3 reads a query model's JSON schema (with the defaults) on every request, to
        tell list fields from others: building it cost more than the rest of a list request. Kept
        per class once built; any other call (the OpenAPI document's) builds as before. The kept
        dict is only read (flask-openapi3's `_validate_query` looks up field types in it)."""
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        if cls not in _REQUEST_SCHEMAS:
            _REQUEST_SCHEMAS[cls] = super().model_json_schema()
        return _REQUEST_SCHEMAS[cls]


_REQUEST_SCHEMAS: dict[type, dict[str, Any]] = {}


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
BLUEPRINT_RESPONSES: ResponseDict = {422: ErrorOut}


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
    "datetime_range": "时间应在 {first} 年到 {last} 年之间",
    "control_character": "不能包含控制字符",
    "json_invalid": "JSON 格式不正确",
    "set_item_not_hashable": "取值无效",
}


def _message(error: ErrorDetails) -> str:
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
        document = request.get_json()
    except (BadRequest, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise AppError("JSON 格式不正确", code="malformed_json", status=400) from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise AppError(f"JSON 嵌套不能超过 {MAX_JSON_DEPTH} 层", code="malformed_json", status=400)


#: No request of the contract nests deeper than a few levels; validators walk what they get.
MAX_JSON_DEPTH = 16


def _depth(document: Any) -> int:
    """How deeply a parsed JSON document nests, without recursion."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, level = pending.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                break
            items = value.values() if isinstance(value, dict) else value
            pending.extend((item, level + 1) for item in items)
    return deepest


def init_app(app: Flask) -> None:
    """What runs before flask-openapi3 validates a request: who is calling, then is it JSON."""
    app.before_request(auth.check_login_first)
    app.before_request(check_json_body)


#: The errors the document describes; `_generic_statuses` says which of them any operation can
#: answer whatever it does (the framework around it), the operation adds its own (409, 429).
ERROR_DESCRIPTIONS = {
    400: "请求体不是有效的 JSON（malformed_json）",
    401: "未登录或令牌无效（unauthenticated）",
    403: "没有权限（forbidden 等）",
    404: "对象不存在或不在你的范围内",
    413: "请求内容过大（payload_too_large）",
    409: "与当前状态冲突（code 说明原因）",
    415: "请以 JSON 格式提交（unsupported_media_type）",
    429: "请求过于频繁（Retry-After 指明多少秒后重试）",
    422: "提交的内容有误（validation_failed，fields 指明字段）",
    503: "服务暂时不可用（database_unavailable 等），稍后重试",
}


def _generic_statuses(operation: dict) -> set[int]:
    statuses = {422, 503}
    if operation.get("security"):
        # Who is calling decides as much as what they send: not logged in, the wrong role, or
        # logged in but not (or no longer) registered as what the operation needs.
        statuses |= {401, 403, 404}
    if any(parameter.get("in") == "path" for parameter in operation.get("parameters", [])):
        statuses.add(404)
    if "requestBody" in operation:
        statuses |= {400, 413, 415}
    return statuses


def contract_document(document: dict) -> dict:
    """The generated OpenAPI document, with every error an operation can answer described in the
    contract's error shape."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, schema in schemas["ErrorOut"].pop("$defs", {}).items():
        schemas.setdefault(name, schema)
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status in _generic_statuses(operation) | {int(s) for s in responses if int(s) >= 400}:
                described = responses.get(str(status), {})
                description = ERROR_DESCRIPTIONS.get(status) or described.get("description") or "请求无法完成"
                responses[str(status)] = {"description": description, "content": content}
            if "429" in responses:
                responses["429"]["headers"] = {
                    "Retry-After": {"description": "多少秒后可以重试", "schema": {"type": "integer"}}
                }
    return document
