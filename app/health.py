"""Liveness and readiness, for the load balancer and the process supervisor.

`/livez`: the process answers (nothing else is asked, so a database outage never gets a healthy worker
restarted). `/readyz`: it can serve — PostgreSQL (or SQLite) answers a query and, when REDIS_URL is set,
Redis answers a ping; otherwise 503 in the contract's error shape naming what is missing, so the balancer
stops sending requests until it is back. `/healthz` is readiness under its older name.
"""

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from app.core.errors import error_response
from app.extensions import db, redis_client


def _missing() -> list[str]:
    missing = []
    try:
        db.session.execute(db.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        missing.append("database")
    redis = redis_client()
    if redis is not None:
        try:
            redis.ping()
        except RedisError:
            missing.append("redis")
    return missing


NAMES = {"database": "数据库", "redis": "Redis"}


def init_app(app: Flask) -> None:
    @app.get("/livez", doc_ui=False)
    def livez():
        return {"status": "ok"}

    @app.get("/readyz", doc_ui=False)
    def readyz():
        missing = _missing()
        if missing:
            response = error_response(
                503,
                "not_ready",
                "服务暂时不可用：" + "、".join(NAMES[name] for name in missing) + "无法连接",
                {name: "无法连接" for name in missing},
            )
            response.headers["Retry-After"] = "5"
            return response
        return {"status": "ok", "sandbox": current_app.config["SANDBOX"]}

    app.add_url_rule("/healthz", "healthz", readyz)
