"""Sign-ups and the waitlist: take a seat, free it, promote the next in line, withdraw.

Seats are taken by a conditional UPDATE (`taken + held < capacity`: seats held by open dispatch
offers are not for self sign-up) and the table's CHECK constraints refuse anything beyond capacity,
so concurrent sign-ups can never overbook. `sign_up` is the one way in for a volunteer's own
sign-up; an accepted dispatch offer turns its held seat into a taken one through `take_held_seat`
(source="dispatch"), and a volunteer who signs up for a need they hold an open offer for has
accepted it (the dispatch room's claim, named by create_app). On PostgreSQL a self sign-up is one
call of the database function (signup_function.py); elsewhere sign_up_in_python applies the same
rules, and a PostgreSQL test runs both on the same cases.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.activities import queries, signup_function
from app.activities.models import LIVE, Activity, Signup
from app.activities.notices import signup_notices, tell
from app.core import audit, clock
from app.core.access import Principal
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.transactions import one_statement_write
from app.extensions import db

SIGNUP_REFUSALS = {
    "activity_cancelled": "该活动已取消",
    "signup_not_open": "该活动暂未开放报名",
    "signup_closed": "报名已截止",
    "already_signed_up": "你已经报名了",
    "time_conflict": "与你已确认的其他活动时间冲突",
    "full": "名额已满",
}


#: A higher room's claim on a sign-up (dispatch: the volunteer holds an open offer for it, so signing
#: up is accepting it): gets (principal, type, activity id), answers the sign-up it made or None.
Claim = Callable[[Principal, str, int], Signup | None]


def init_app(
    app: Flask,
    *,
    withdrawal_checks: Iterable[Callable[[Signup], object]],
    claims: Iterable[Claim] = (),
    on_cancel: Iterable[Callable[[Activity], object]] = (),
) -> None:
    """Rules of higher rooms, named by the factory so activities never imports them: what can refuse a
    withdrawal (attendance: once checked in; each gets the live sign-up and raises to refuse), what may
    answer a sign-up first (claims), and what hears that an activity was cancelled (dispatch revokes
    its offers)."""
    app.extensions["activities.withdrawal_checks"] = tuple(withdrawal_checks)
    app.extensions["activities.signup_claims"] = tuple(claims)
    app.extensions["activities.on_cancel"] = tuple(on_cancel)


#: A higher room hearing of a withdrawn sign-up (dispatch: a withdrawn dispatch sign-up's seat is re-offered):
#: gets (the sign-up, now cancelled; its activity; whether its seat is free now, i.e. it was confirmed and nobody
#: on the waitlist took it).
Withdrawn = Callable[[Signup, Activity, bool], object]


def listen_withdrawn(app: Flask, hook: Withdrawn, *, before: Callable[[Signup], object] | None = None) -> None:
    """Add a hook run after each withdrawal, in the same transaction; `before`, if given, runs once the withdrawal
    is allowed and before any seat moves (dispatch takes its lock there: rounds lock activity rows under it, so it
    must come first). The higher room registers them from its own init_app (which create_app calls), so
    activities imports no higher room."""
    app.extensions["activities.on_withdrawn"] = (*app.extensions.get("activities.on_withdrawn", ()), hook)
    if before is not None:
        app.extensions["activities.on_withdrawing"] = (*app.extensions.get("activities.on_withdrawing", ()), before)


def refuse(code: str) -> Conflict:
    return Conflict(SIGNUP_REFUSALS[code], code=code)


def sign_up(
    principal: Principal, type_: str, activity_id: int, *, waitlist: bool, source: str = "self"
) -> tuple[Signup, int | None]:
    """Confirmed if a seat is free, else waitlisted (or 409 `full` where there is no waitlist).

    Returns the sign-up and, when waitlisted, the position in the queue.
    """
    for claim in current_app.extensions.get("activities.signup_claims", ()):
        claimed = claim(principal, type_, activity_id)
        if claimed is not None:
            return claimed, None
    if db.session.get_bind().dialect.name != "postgresql":
        return sign_up_in_python(principal, type_, activity_id, waitlist=waitlist, source=source)
    volunteer_id = volunteer_of(principal)
    one_statement_write()  # the database function checks, takes the seat, queues the notice and audits at once
    outcome, signup, position = signup_function.sign_up_in_database(
        principal, volunteer_id, type_, activity_id, waitlist=waitlist, source=source
    )
    if signup is None:
        raise refuse(outcome)
    return signup, position


def sign_up_in_python(
    principal: Principal, type_: str, activity_id: int, *, waitlist: bool, source: str = "self"
) -> tuple[Signup, int | None]:
    """The sign-up rules, step by step (sql/sign_up_v2.sql is their twin on PostgreSQL)."""
    volunteer_id = volunteer_of(principal)
    activity = queries.get(type_, activity_id, principal)
    _check_open_for_signup(activity)
    if _live_signup(volunteer_id, activity) is not None:
        raise refuse("already_signed_up")
    if _overlapping(volunteer_id, activity.starts_at, activity.ends_at, exclude=activity.id):
        raise refuse("time_conflict")
    confirmed = _take_seat(activity)
    if not confirmed and not waitlist:
        raise refuse("full")
    return _write_signup(principal, volunteer_id, activity, confirmed=confirmed, source=source)


def take_held_seat(principal: Principal, activity: Activity, *, source: str = "dispatch") -> Signup:
    """An accepted offer: the seat its offer held becomes a taken one in one guarded UPDATE (a held seat
    exists), and the sign-up is confirmed, audited and told like a self sign-up (its reminders follow)."""
    volunteer_id = volunteer_of(principal)
    _check_open_for_signup(activity)
    if _live_signup(volunteer_id, activity) is not None:
        raise refuse("already_signed_up")
    if _overlapping(volunteer_id, activity.starts_at, activity.ends_at, exclude=activity.id):
        raise refuse("time_conflict")
    row = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.status.in_(LIVE), Activity.held > 0)
        .values(taken=Activity.taken + 1, held=Activity.held - 1)
        .returning(Activity.taken, Activity.held)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise Conflict("该邀请的名额已不再保留", code="offer_not_open")
    set_committed_value(activity, "taken", row.taken)
    set_committed_value(activity, "held", row.held)
    signup, _ = _write_signup(principal, volunteer_id, activity, confirmed=True, source=source)
    return signup


def _write_signup(
    principal: Principal, volunteer_id: int, activity: Activity, *, confirmed: bool, source: str
) -> tuple[Signup, int | None]:
    now = clock.now()
    signup = Signup(
        volunteer_id=volunteer_id,
        activity_id=activity.id,
        status="confirmed" if confirmed else "waitlisted",
        source=source,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        created_at=now,
        updated_at=now,
    )
    db.session.add(signup)
    try:
        db.session.flush()
    except IntegrityError:
        raise refuse("already_signed_up") from None
    audit.record(
        "create",
        "signup",
        signup.id,
        after={"status": signup.status, "activity": activity.id},
        region_code=activity.village_code,
    )
    position = None if confirmed else waitlist_position(signup)
    title, body = signup_notices(activity)[signup.status]
    tell(
        signup,
        activity,
        "signup_result",
        f"{signup.status}:{signup.id}",
        title,
        body.replace("{position}", str(position)),
        user_id=principal.user_id,
    )
    return signup, position


def volunteer_of(principal: Principal) -> int:
    if principal.volunteer_id is None:
        raise Forbidden("请先注册成为志愿者", code="not_registered")
    return principal.volunteer_id


def _check_open_for_signup(activity: Activity) -> None:
    if activity.status == "cancelled":
        raise refuse("activity_cancelled")
    if activity.status not in LIVE:
        raise refuse("signup_not_open")
    closes = activity.starts_at - timedelta(minutes=current_app.config["SIGNUP_CLOSE_MINUTES"])
    if clock.now() >= closes:
        raise refuse("signup_closed")


def _overlapping(volunteer_id: int, starts_at: datetime, ends_at: datetime, *, exclude: int) -> bool:
    return (
        db.session.scalar(
            select(Signup.id)
            .where(
                Signup.volunteer_id == volunteer_id,
                Signup.status == "confirmed",
                Signup.activity_id != exclude,
                Signup.starts_at < ends_at,
                Signup.ends_at > starts_at,
            )
            .limit(1)
        )
        is not None
    )


def _take_seat(activity: Activity) -> bool:
    """One conditional UPDATE takes a seat if one is free; the row lock it takes orders racers."""
    if _seat_update(activity):
        return True
    # Full (or just freed by a cancellation that committed a moment ago): wait for the row, so a
    # freeing transaction cannot miss this sign-up when it looks for the next in line.
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    return _seat_update(activity)


def _seat_update(activity: Activity) -> bool:
    """Only a free unheld seat: seats held by open dispatch offers are not for self sign-up."""
    taken = Activity.taken + 1
    row = db.session.execute(
        update(Activity)
        .where(
            Activity.id == activity.id,
            Activity.status == "open",
            Activity.taken + Activity.held < Activity.capacity,
        )
        .values(taken=taken, status=case((taken + Activity.held >= Activity.capacity, "filled"), else_=Activity.status))
        .returning(Activity.taken, Activity.status)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is not None:
        set_committed_value(activity, "taken", row.taken)
        set_committed_value(activity, "status", row.status)
    return row is not None


def waitlist_position(signup: Signup) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(Signup)
        .where(Signup.activity_id == signup.activity_id, Signup.status == "waitlisted", Signup.id <= signup.id)
    ).scalar_one()


def withdraw_signup(principal: Principal, activity: Activity, *, reason: str = "本人取消") -> Signup:
    """The volunteer cannot come: the seat goes to the first in the queue, who is told."""
    volunteer_id = volunteer_of(principal)
    signup = _live_signup(volunteer_id, activity, lock=True)
    if signup is None:
        raise NotFound("你没有报名该活动", code="not_signed_up")
    if clock.now() >= activity.starts_at:
        raise Conflict("活动已开始，不能取消报名", code="already_started")
    for check in current_app.extensions["activities.withdrawal_checks"]:
        check(signup)
    for prepare in current_app.extensions.get("activities.on_withdrawing", ()):
        prepare(signup)
    was = signup.status
    set_status(signup, activity, "cancelled", reason=reason)
    seat_free = was == "confirmed" and _free_seat(activity) is None
    for hook in current_app.extensions.get("activities.on_withdrawn", ()):
        hook(signup, activity, seat_free)
    return signup


def _live_signup(volunteer_id: int, activity: Activity, *, lock: bool = False) -> Signup | None:
    query = select(Signup).where(
        Signup.volunteer_id == volunteer_id, Signup.activity_id == activity.id, Signup.status != "cancelled"
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def set_status(signup: Signup, activity: Activity, status: str, *, reason: str | None = None) -> None:
    before = signup.status
    signup.status, signup.updated_at = status, clock.now()
    if reason:
        signup.cancel_reason = reason
    audit.record(
        "update",
        "signup",
        signup.id,
        before={"status": before},
        after={"status": status, **({"reason": reason} if reason else {})},
        region_code=activity.village_code,
    )


def _free_seat(activity: Activity) -> Signup | None:
    """Give a freed seat to the first waitlisted volunteer who is free then (answered); else release it."""
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    promoted = _promote_next(activity)
    if promoted is None:
        db.session.execute(
            update(Activity)
            .where(Activity.id == activity.id)
            .values(
                taken=Activity.taken - 1,
                status=case((Activity.status == "filled", "open"), else_=Activity.status),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(activity, ["taken", "status"])
    return promoted


def _promote_next(activity: Activity) -> Signup | None:
    queue = db.session.scalars(
        select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waitlisted").order_by(Signup.id)
    )
    for candidate in queue:
        if _overlapping(candidate.volunteer_id, activity.starts_at, activity.ends_at, exclude=activity.id):
            continue
        set_status(candidate, activity, "confirmed")
        tell(
            candidate,
            activity,
            "signup_result",
            f"promoted:{candidate.id}",
            "候补成功",
            f"有人取消了「{activity.title}」，你已由候补转为正式报名：{clock.spoken(activity.starts_at)}"
            f" 在{activity.village.name}。",
        )
        return candidate
    return None


def fill_from_waitlist(activity: Activity) -> None:
    """Seats added (a larger capacity) go to the queue in order."""
    while activity.taken + activity.held < activity.capacity and _promote_next(activity) is not None:
        activity.taken += 1


def sync_filled(activity: Activity) -> None:
    if activity.status in LIVE:
        activity.status = "filled" if activity.full else "open"
