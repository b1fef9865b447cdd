"""Bearer tokens and the current caller.

A token is 256 random bits from the OS CSPRNG, shown to the client once and stored only as its
SHA-256 digest; it expires and can be revoked. Domains that confer roles define a role source, and
the factory names them (init_app), so core never imports a domain.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_request_context, request
from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    ForeignKey,
    Index,
    Row,
    Select,
    String,
    bindparam,
    literal,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock, principals
from app.core.access import Principal
from app.core.db import Model, UTCDateTime, db
from app.core.errors import Forbidden, Unauthenticated


class AuthToken(Model):
    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 hex digest of the bearer token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "miniprogram" or "staff": which login issued it.
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user_id: int, channel: str, ttl: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(
        AuthToken(token_hash=_digest(token), user_id=user_id, channel=channel, created_at=now, expires_at=now + ttl)
    )
    return token


def revoke_token(token: str) -> None:
    row = db.session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def revoke_all(user_id: int) -> None:
    now = clock.now()
    for row in db.session.scalars(
        select(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    ):
        row.revoked_at = now


@dataclass(frozen=True)
class RoleSource:
    """How a domain confers a role, as SQL, so the whole caller is read in one statement.

    `columns(user_id)` gives labelled scalar subqueries correlated on a user id expression;
    `interpret(row)` turns their values into {"roles": {...}, field: value}, or None to veto
    (the user is gone). Core never imports a domain.
    """

    columns: Callable[[ColumnExpressionArgument[int]], dict[str, ColumnElement]]
    interpret: Callable[[Row], dict | None]


def init_app(app: Flask, role_sources: Iterable[RoleSource]) -> None:
    """The domains that confer roles, named by the factory (core never imports a domain); with Redis,
    the cache of callers (core.principals), which learns from their SQL what changes a caller."""
    app.extensions["role_sources"] = tuple(role_sources)
    principals.init_app(app)


def _role_sources() -> tuple[RoleSource, ...]:
    return current_app.extensions["role_sources"]


def _role_columns(sources: tuple[RoleSource, ...], user_id: ColumnExpressionArgument[int]) -> list[ColumnElement]:
    return [column.label(name) for source in sources for name, column in source.columns(user_id).items()]


_statements: dict[tuple[RoleSource, ...], Select] = {}


def _principal_statement() -> Select:
    """Built once (per set of role sources): every request runs it, and building it costs more than running it."""
    sources = _role_sources()
    if sources not in _statements:
        _statements[sources] = select(
            AuthToken.user_id, AuthToken.expires_at, AuthToken.revoked_at, *_role_columns(sources, AuthToken.user_id)
        ).where(AuthToken.token_hash == bindparam("digest"))
    return _statements[sources]


def watched_tables() -> principals.Watched:
    """What a change to makes a kept caller stale: the tables and columns the caller's statement reads."""
    return principals.watched(_principal_statement(), AuthToken.__table__.c.user_id)


def _principal_from(user_id: int, row: Row) -> Principal | None:
    roles: set[str] = set()
    fields: dict = {}
    for source in _role_sources():
        part = source.interpret(row)
        if part is None:
            return None
        roles |= part.pop("roles", set())
        fields.update(part)
    return Principal(user_id=user_id, roles=frozenset(roles), **fields)


def build_principal(user_id: int) -> Principal | None:
    row = db.session.execute(select(*_role_columns(_role_sources(), literal(user_id)))).one()
    return _principal_from(user_id, row)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_principal() -> Principal | None:
    """The caller, read once per request (kept on the request: an app context may outlive it)."""
    if "app.principal" not in request.environ:
        request.environ["app.principal"] = _load_principal()
    return request.environ["app.principal"]


def require_principal() -> Principal:
    """The caller of a `login_required` view: the guard already refused a request without one."""
    principal = current_principal()
    if principal is None:
        raise Unauthenticated("登录已失效，请重新登录" if bearer_token() else "请先登录")
    return principal


def act_as(principal: Principal | None) -> None:
    """For requests authenticated another way (WeChat's signed push): who the audit trail names."""
    request.environ["app.principal"] = principal


def _load_principal() -> Principal | None:
    token = bearer_token()
    if token is None:
        return None
    digest = _digest(token)
    # Kept from an earlier request and still valid (one Redis round trip), or none: see core.principals.
    kept = principals.cache()
    seen = kept.lookup(digest) if kept is not None else None
    if seen is not None and seen.entry is not None:
        return seen.entry.principal if seen.entry.expires_at > clock.now() else None
    # One statement: the token and every role the user holds (a Core read on the request's
    # connection; nothing of the ORM's is needed for it).
    row = db.session.connection().execute(_principal_statement(), {"digest": digest}).one_or_none()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= clock.now():
        return None
    principal = _principal_from(row.user_id, row)
    if principal is not None and kept is not None and seen is not None:
        kept.store(digest, principal, _aware(row.expires_at), seen)
    return principal


def _aware(moment: datetime) -> datetime:
    """Core selects bypass the column type on some drivers' paths; treat naive values as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def current_actor_id() -> int | None:
    """The user behind this request, for the audit trail; None outside a request (the bot)."""
    if not has_request_context():
        return None
    principal = current_principal()
    return principal.user_id if principal else None


_P = ParamSpec("_P")
_R = TypeVar("_R")


def login_required(*roles: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Route guard: a valid token, and one of `roles` when given. Object checks live in access."""

    def decorator(view: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(view)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            _authorize(roles)
            return view(*args, **kwargs)

        # Read by check_login_first; flask-openapi3's @wraps carries it onto the registered view.
        # (setattr: a function object takes any attribute, but its type declares none.)
        setattr(wrapper, "login_roles", roles)  # noqa: B010
        return wrapper

    return decorator


def _authorize(roles: tuple[str, ...]) -> None:
    principal = require_principal()
    if roles and not any(principal.has(role) for role in roles):
        raise Forbidden()


def check_login_first() -> None:
    """Before the body is read: a guarded route answers 401/403 first, whatever was sent.

    flask-openapi3 validates a request before the view (and its login_required) runs, so
    without this a logged-out client with an imperfect body would hear 422, not "log in".
    """
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    roles = getattr(view, "login_roles", None)
    if roles is not None and request.method != "OPTIONS":
        _authorize(roles)
