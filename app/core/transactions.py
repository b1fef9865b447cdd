"""One transaction per request: operations only flush; the request commits once, or rolls back."""

from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.core.errors import error_response
from app.extensions import db


def init_app(app: Flask) -> None:
    @app.after_request
    def _finish(response):
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            # A concurrent request won a uniqueness race after our checks passed.
            db.session.rollback()
            return error_response(409, "conflict", "数据已被其他操作修改，请刷新后重试")
        return response

    @app.teardown_request
    def _discard(exc):
        if exc is not None:
            db.session.rollback()
