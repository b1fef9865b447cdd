"""No-shows: a confirmed sign-up whose activity ended without the volunteer checking in.

The trigger is the bot (`mark_due`, every 30 minutes): NO_SHOW_AFTER_HOURS after an activity's end (check-in
closes at the end, so nothing can change the answer after it; the hours leave the organiser's evening alone),
each confirmed sign-up with no service record becomes `no_show`, in one conditional UPDATE (so a second bot or
a run twice marks nobody twice). Only where the organiser ran check-in, i.e. issued at least one check-in code
for the activity: where nobody could check in, nobody failed to. Cancelled activities have no confirmed
sign-ups left. Activities that ended more than NO_SHOW_LOOKBACK_DAYS ago are left as they are (so switching
this on does not rewrite history, and the query stays small).

A no-show keeps its seat in `activities.taken` (the activity is over; taken counts seats that were taken) and
stays the volunteer's sign-up for the activity (the live-sign-up index counts every status but cancelled). It
gets no reminders, no hours, overlaps nothing (only confirmed sign-ups do). Each is audited (actor: the bot) and
the volunteer is told in the inbox, gently and without a push.

For the dispatcher's reliability term: `no_shows_since(since)` is a Select of (volunteer_id, count).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, exists, func, select, update

from app.activities.models import TYPES, Activity, Signup
from app.attendance.models import CheckinCode, ServiceRecord
from app.core import audit, clock
from app.extensions import db
from app.notify import operations as notify
from app.volunteers.models import Volunteer

NO_SHOW = "no_show"
#: Activities past their end that still had their sign-ups: done, or not yet finished by the bot.
ENDED = ("open", "filled", "done")


def due(now: datetime) -> Select:
    """Confirmed sign-ups that are no-shows by now (ids only)."""
    config = current_app.config
    latest_end = now - timedelta(hours=config["NO_SHOW_AFTER_HOURS"])
    earliest_end = now - timedelta(days=config["NO_SHOW_LOOKBACK_DAYS"])
    return (
        select(Signup.id)
        .join(Activity, Activity.id == Signup.activity_id)
        .where(
            # Spelled to use ix_activities_type_status_starts_at (an activity starts before it ends).
            Activity.type.in_(TYPES),
            Activity.status.in_(ENDED),
            Activity.starts_at < latest_end,
            Activity.ends_at <= latest_end,
            Activity.ends_at > earliest_end,
            Signup.status == "confirmed",
            ~exists().where(ServiceRecord.signup_id == Signup.id),
            exists().where(CheckinCode.activity_id == Activity.id),
        )
    )


def mark_due(now: datetime | None = None) -> int:
    """The bot: mark the no-shows whose moment has come. Answers how many were marked."""
    now = now or clock.now()
    ids = list(db.session.scalars(due(now).order_by(Signup.id)))
    if not ids:
        return 0
    marked = db.session.execute(
        update(Signup)
        .where(Signup.id.in_(ids), Signup.status == "confirmed")
        .values(status=NO_SHOW, updated_at=now)
        .returning(Signup.id, Signup.activity_id, Signup.volunteer_id)
        .execution_options(synchronize_session=False)
    ).all()
    activities = {
        a.id: a for a in db.session.scalars(select(Activity).where(Activity.id.in_({r.activity_id for r in marked})))
    }
    users = {
        volunteer: user
        for volunteer, user in db.session.execute(
            select(Volunteer.id, Volunteer.user_id).where(
                Volunteer.id.in_({r.volunteer_id for r in marked}), Volunteer.withdrawn_at.is_(None)
            )
        )
    }
    for row in sorted(marked, key=lambda r: r.id):
        activity = activities[row.activity_id]
        audit.record(
            "no_show",
            "signup",
            row.id,
            before={"status": "confirmed"},
            after={"status": NO_SHOW, "activity": activity.id},
            region_code=activity.village_code,
            actor_id=None,
        )
        if row.volunteer_id in users:
            _tell(users[row.volunteer_id], row.id, activity)
    # Objects of these sign-ups already in the session would otherwise keep saying confirmed.
    for signup in db.session.identity_map.values():
        if isinstance(signup, Signup) and signup.id in {r.id for r in marked}:
            db.session.expire(signup, ["status", "updated_at"])
    return len(marked)


def _tell(user_id: int, signup_id: int, activity: Activity) -> None:
    notify.tell(
        user_id,
        "notice",
        f"no-show:{signup_id}",
        "未签到提醒",
        f"「{activity.title}」（{clock.spoken(activity.starts_at)}，{activity.village.name}）已经结束，"
        "我们没有收到你的签到，这次记为未到场。如果你其实到了现场，请联系组织者说明情况。"
        "以后如临时不能参加，请提前在小程序中点「不能参加」，名额可以让给其他志愿者。感谢你一直以来的付出！",
        link=f"signup:{signup_id}",
        push=False,
    )


def no_shows_since(since: datetime, volunteer_ids: list[int] | None = None) -> Select:
    """(volunteer_id, count) of no-shows whose activity ended at or after `since`, per volunteer (those with
    none are absent); a subquery or CTE for the dispatcher's rollup, or executed as is. On
    ix_signups_volunteer_status_starts_at when filtered by volunteer."""
    query = (
        select(Signup.volunteer_id, func.count().label("no_shows"))
        .where(Signup.status == NO_SHOW, Signup.ends_at >= since)
        .group_by(Signup.volunteer_id)
    )
    if volunteer_ids is not None:
        query = query.where(Signup.volunteer_id.in_(volunteer_ids))
    return query
