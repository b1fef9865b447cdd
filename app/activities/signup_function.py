"""The sign-up on PostgreSQL: one call of the database function sign_up_for_activity.

The function (its text in sql/sign_up_v2.sql, loaded by migration c8f1d2e3a4b5) applies the rules
of signups.sign_up_in_python — the checks, the conditional seat update, the waitlist, the audit row
and the message — in one round trip. What it cannot know (the notice's words, the caller) is
passed in; what it decides comes back as an outcome for signups to answer with.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import JSON, ColumnElement, bindparam, cast, func, select

from app.activities import queries
from app.activities.models import LIVE, Activity, Signup
from app.activities.notices import notice_fields, signup_notices
from app.core import auth, clock
from app.core.access import Principal
from app.core.db import UTCDateTime
from app.core.errors import Conflict
from app.extensions import db


@dataclass(frozen=True)
class SignupTarget:
    """What the database function needs of an activity besides its seats, read once per process.

    Only live activities are kept (they are public, so no caller's scope decides whether they are
    seen). A kept target can be out of date: the function compares `updated_at` (which every change
    but a seat count moves) and answers 'stale', and the target is read again.
    """

    id: int
    type: str
    starts_at: datetime
    ends_at: datetime
    updated_at: datetime
    notices: dict[str, tuple[str, str]]
    fields: dict

    @classmethod
    def of(cls, activity: Activity) -> "SignupTarget":
        return cls(
            id=activity.id,
            type=activity.type,
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            updated_at=activity.updated_at,
            notices=signup_notices(activity),
            fields=notice_fields(activity),
        )


_live_targets: dict[int, SignupTarget] = {}
_LIVE_TARGETS_KEPT = 4096


def _signup_target(type_: str, activity_id: int, principal: Principal) -> SignupTarget:
    target = _live_targets.get(activity_id)
    if target is not None and target.type == type_:
        return target
    activity = queries.get(type_, activity_id, principal)
    target = SignupTarget.of(activity)
    if activity.status in LIVE:
        if len(_live_targets) >= _LIVE_TARGETS_KEPT:
            _live_targets.clear()
        _live_targets[activity_id] = target
    return target


def forget_signup_targets() -> None:
    """For when activity ids start again (tables emptied with their sequences restarted)."""
    _live_targets.clear()


def sign_up_in_database(
    principal: Principal, volunteer_id: int, type_: str, activity_id: int, *, waitlist: bool, source: str
) -> tuple[str, Signup | None, int | None]:
    """The outcome ("confirmed", "waitlisted" or a refusal's code), the sign-up and the queue place."""
    for _ in range(3):
        target = _signup_target(type_, activity_id, principal)
        db.session.flush()  # the function reads the tables: anything this request added goes first
        # A Core call on the session's connection, in its transaction: the ORM's execute path
        # (autoflush, ORM result processing) costs the hot path more than the statement itself.
        row = (
            db.session.connection()
            .execute(
                _sign_up_call(),
                {
                    "activity": activity_id,
                    "volunteer": volunteer_id,
                    "user": principal.user_id,
                    "actor": auth.current_actor_id(),
                    "now": clock.now(),
                    "close_minutes": current_app.config["SIGNUP_CLOSE_MINUTES"],
                    "waitlist": waitlist,
                    "source": source,
                    "seen": target.updated_at,
                    "key_prefix": f"{type_}:{activity_id}:",
                    "link": f"{type_}:{activity_id}",
                    "fields": target.fields,
                    "confirmed_title": target.notices["confirmed"][0],
                    "confirmed_body": target.notices["confirmed"][1],
                    "waitlisted_title": target.notices["waitlisted"][0],
                    "waitlisted_body": target.notices["waitlisted"][1],
                },
            )
            .one()
        )
        if row.outcome != "stale":
            break
        # Changed since it was read: read it again (it may be gone from view, or the notice may differ).
        _live_targets.pop(activity_id, None)
        db.session.expire_all()
    if row.outcome == "not_found":
        raise queries.not_found(type_)
    if row.outcome == "stale":  # edited again and again while we tried
        raise Conflict("数据已被其他操作修改，请刷新后重试", code="conflict")
    if row.outcome not in ("confirmed", "waitlisted"):
        return row.outcome, None, None
    signup = Signup(
        id=row.signup_id,
        volunteer_id=volunteer_id,
        activity_id=activity_id,
        status=row.outcome,
        source=source,
        starts_at=target.starts_at,
        ends_at=target.ends_at,
    )
    return row.outcome, signup, row.queue_position


@cache
def _sign_up_call():
    """The database function's call, built once (see _principal_statement in core.auth for why)."""
    names = [
        "activity",
        "volunteer",
        "user",
        "actor",
        "now",
        "close_minutes",
        "waitlist",
        "source",
        "seen",
        "key_prefix",
        "link",
        "fields",
        "confirmed_title",
        "confirmed_body",
        "waitlisted_title",
        "waitlisted_body",
    ]
    types = {"now": UTCDateTime(), "seen": UTCDateTime(), "fields": JSON()}
    args: list[ColumnElement[Any]] = [bindparam(name, type_=types.get(name)) for name in names]
    args[names.index("fields")] = cast(args[names.index("fields")], JSON)
    call = func.sign_up_for_activity(*args).table_valued("outcome", "signup_id", "queue_position")
    return select(call.render_derived())
