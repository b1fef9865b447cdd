"""Extensions created once at import and bound to an app in the factory."""

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from redis import Redis

from app.core.db import db

migrate = Migrate()
limiter = Limiter(key_func=get_remote_address)

__all__ = ["db", "limiter", "migrate", "redis_client"]


def redis_client() -> Redis | None:
    """The shared Redis, or None in single-process mode (REDIS_URL unset)."""
    state = current_app.extensions.get("redis")
    return state
