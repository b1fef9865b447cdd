"""Signing staff in to the console: the same login as POST /auth/staff-login, then a server-side session.

The cookie (Flask's signed session, HttpOnly, SameSite=Lax, Secure in production) holds a random
session id and the CSRF token; the `console_sessions` row decides whether the id still counts, so
signing out, idling past CONSOLE_IDLE_MINUTES or outliving TOKEN_TTL_STAFF really ends it.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, session
from sqlalchemy import select

from app.accounts import operations as accounts
from app.console.models import ConsoleSession
from app.core import audit, auth, clock
from app.core.access import Principal
from app.core.errors import Unauthenticated
from app.extensions import db

SESSION_KEY = "console_sid"
#: A page seen within this long of the last one does not rewrite the row.
TOUCH_EVERY = timedelta(minutes=1)


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def sign_in(username: str, password: str, totp: str | None) -> Principal:
    """Password, TOTP, lock-out: accounts.staff_login decides; the console then opens its own session."""
    token, user = accounts.staff_login(username, password, totp)
    # The console keeps no bearer token: the one the login issued is revoked before anyone sees it.
    auth.revoke_token(token)
    principal = auth.build_principal(user.id)
    if principal is None or not principal.has("staff"):
        raise Unauthenticated("用户名或密码错误", code="invalid_credentials")
    sid = secrets.token_urlsafe(32)
    now = clock.now()
    row = ConsoleSession(session_hash=_digest(sid), user_id=user.id, created_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("sign_in", "console_session", row.id, actor_id=user.id, region_code=principal.staff_region)
    session.clear()  # a fresh cookie (and CSRF token): nothing from before the sign-in carries over
    session[SESSION_KEY] = sid
    return principal


def current() -> Principal | None:
    """The signed-in staff member of this request, or None (no session, or it has ended)."""
    sid = session.get(SESSION_KEY)
    if not isinstance(sid, str):
        return None
    row = db.session.scalar(select(ConsoleSession).where(ConsoleSession.session_hash == _digest(sid)))
    if row is None or row.ended_at is not None:
        return None
    now = clock.now()
    config = current_app.config
    if row.last_seen_at + timedelta(minutes=config["CONSOLE_IDLE_MINUTES"]) <= now:
        _end(row, "idle", now)
        return None
    if row.created_at + config["TOKEN_TTL_STAFF"] <= now:
        _end(row, "expired", now)
        return None
    principal = auth.build_principal(row.user_id)
    if principal is None or not principal.has("staff"):
        _end(row, "expired", now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return principal


def sign_out() -> None:
    sid = session.get(SESSION_KEY)
    if isinstance(sid, str):
        row = db.session.scalar(select(ConsoleSession).where(ConsoleSession.session_hash == _digest(sid)))
        if row is not None and row.ended_at is None:
            _end(row, "signed_out", clock.now())
    session.clear()


def _end(row: ConsoleSession, reason: str, now: datetime) -> None:
    row.ended_at, row.end_reason = now, reason
