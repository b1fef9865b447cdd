"""Domain errors carry a machine code, a status and a Chinese message; one handler renders them.

The contract's error shape is {"error": {"code", "message", "fields"}}.
"""

from typing import Any

from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException


class AppError(Exception):
    status = 400
    code = "bad_request"
    message = "请求有误"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        status: int | None = None,
    ):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields or {}
        self.status = status or self.status


class InvalidInput(AppError):
    status = 422
    code = "validation_failed"
    message = "提交的内容有误"


class Unauthenticated(AppError):
    status = 401
    code = "unauthenticated"
    message = "请先登录"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    message = "没有权限执行此操作"


class NotFound(AppError):
    status = 404
    code = "not_found"
    message = "对象不存在"


class Conflict(AppError):
    status = 409
    code = "conflict"
    message = "与现有数据冲突"


class TooManyRequests(AppError):
    status = 429
    code = "rate_limited"
    message = "请求过于频繁，请稍后再试"

    def __init__(self, message: str | None = None, *, retry_after: int = 60, **kwargs: Any):
        super().__init__(message, **kwargs)
        #: Seconds until trying again makes sense (the Retry-After header).
        self.retry_after = max(1, int(retry_after))


class ServiceUnavailable(AppError):
    status = 503
    code = "service_unavailable"
    message = "服务暂时不可用，请稍后再试"


HTTP_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "请求的地址不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请以 JSON 格式提交"),
    429: ("rate_limited", "请求过于频繁，请稍后再试"),
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    response = jsonify(error_body(code, message, fields))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError):
        response = error_response(error.status, error.code, error.message, error.fields)
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        # Responses built by a library (e.g. the schema validator) are already in our shape.
        if error.response is not None:
            return error.response
        status = error.code or 500
        code, message = HTTP_CODES.get(status, ("http_error", "请求无法处理"))
        response = error_response(status, code, message)
        # Keep what the exception says about the request (e.g. Allow on a 405), not its body type.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    app.register_error_handler(Exception, unexpected_error)


def unexpected_error(error: Exception):
    """A fault of ours: logged with the path and the traceback, never the request body (it may hold
    personal data); the client hears a plain 500."""
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "服务器内部错误，请稍后再试")
