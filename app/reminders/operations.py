"""Reminders before what people signed up for, and "can't come".

The bot runs `queue_due` every few minutes. Each reminder has a moment (the start minus an offset,
REMINDER_OFFSETS_HOURS, default 24 h and 2 h); a run queues the reminders whose moment has come and
passed less than REMINDER_GRACE_MINUTES ago, so late or repeated runs catch up without sending
anything twice (the message key is unique per sign-up, offset and start time, so a moved activity
is reminded again) and a reminder long overdue is skipped rather than sent late. A moment before
the sign-up was made is skipped too: the confirmation just said it all.

The evening before (SECRETARY_DIGEST_HOUR, service zone), each village secretary gets the list of
who is coming the next day.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app.accounts.models import Secretary
from app.activities import signups
from app.activities.models import LIVE, TYPES, Activity, Signup
from app.core import clock
from app.core.access import Principal
from app.core.clock import SERVICE_ZONE
from app.core.errors import Conflict, NotFound
from app.extensions import db
from app.notify import operations as notify
from app.notify.models import Message
from app.volunteers.models import Volunteer

CANT_COME_REASON = "无法参加"


def queue_due(now: datetime | None = None) -> int:
    """Queue the reminders and digests whose moment has come; returns how many messages were queued."""
    now = now or clock.now()
    return remind_volunteers(now) + digest_for_secretaries(now)


def _grace() -> timedelta:
    return timedelta(minutes=current_app.config["REMINDER_GRACE_MINUTES"])


# --- volunteers ------------------------------------------------------------------------------


def remind_volunteers(now: datetime) -> int:
    grace, queued = _grace(), 0
    for hours in current_app.config["REMINDER_OFFSETS_HOURS"]:
        ahead = timedelta(hours=hours)
        due = [
            (signup, activity, user_id)
            for signup, activity, user_id in _confirmed_starting(now + ahead - grace, now + ahead, after=now)
            if signup.created_at <= activity.starts_at - ahead
        ]
        keys = {signup.id: _reminder_key(signup, activity, hours) for signup, activity, _ in due}
        sent = _existing(keys.values())
        for signup, activity, user_id in due:
            if keys[signup.id] not in sent:
                _remind(signup, activity, user_id, keys[signup.id], hours)
                queued += 1
    return queued


def _confirmed_starting(since: datetime, until: datetime, *, after: datetime) -> list[tuple[Signup, Activity, int]]:
    """Confirmed sign-ups of live activities starting in [since, until] and after `after`, with the user id."""
    rows = db.session.execute(
        select(Signup, Activity, Volunteer.user_id)
        .select_from(Activity)
        .join(Signup, Signup.activity_id == Activity.id)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(
            # Spelled to match ix_activities_type_status_starts_at.
            Activity.type.in_(TYPES),
            Activity.status.in_(LIVE),
            Activity.starts_at >= since,
            Activity.starts_at <= until,
            Activity.starts_at > after,
            Signup.status == "confirmed",
            Volunteer.withdrawn_at.is_(None),
        )
        .order_by(Signup.id)
    )
    return list(rows)


def _reminder_key(signup: Signup, activity: Activity, hours: int) -> str:
    return f"reminder:{signup.id}:{hours}h:{activity.starts_at:%Y%m%dT%H%M%SZ}"


def _existing(keys) -> set[str]:
    keys = list(keys)
    if not keys:
        return set()
    return set(db.session.scalars(select(Message.key).where(Message.key.in_(keys))))


def _remind(signup: Signup, activity: Activity, user_id: int, key: str, hours: int) -> None:
    place = activity.village.name
    notify.tell(
        user_id,
        "reminder",
        key,
        "活动提醒",
        f"「{activity.title}」将于 {clock.spoken(activity.starts_at)} 在{place}开始（约 {hours} 小时后），请准时参加。"
        "如不能参加，请在小程序中点「不能参加」，名额会让给候补的志愿者。",
        link=f"signup:{signup.id}",
        fields={
            "title": activity.title,
            "time": activity.starts_at.isoformat(),
            "place": place,
            "note": "不能参加请在小程序中告知",
        },
    )


# --- secretaries -----------------------------------------------------------------------------


def digest_for_secretaries(now: datetime) -> int:
    """For each day whose digest moment has come, each village secretary gets who is coming that day."""
    queued = 0
    for day in _digest_days(now):
        queued += _digest_day(day)
    return queued


def _digest_days(now: datetime) -> list[date]:
    """The days D whose digest moment (D - 1 at SECRETARY_DIGEST_HOUR) lies in [now - grace, now]."""
    hour, grace = current_app.config["SECRETARY_DIGEST_HOUR"], _grace()
    day, last, days = clock.local(now - grace).date(), clock.local(now).date(), []
    while day <= last:
        if now - grace <= datetime.combine(day, time(hour), SERVICE_ZONE) <= now:
            days.append(day + timedelta(days=1))
        day += timedelta(days=1)
    return days


def _digest_day(day: date) -> int:
    start = datetime.combine(day, time(0), SERVICE_ZONE)
    secretaries = select(Secretary.village_code)
    planned = list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.status.in_(LIVE),
                Activity.starts_at >= start,
                Activity.starts_at < start + timedelta(days=1),
                Activity.village_code.in_(secretaries),
            )
            .order_by(Activity.starts_at, Activity.id)
        )
    )
    if not planned:
        return 0
    names = _confirmed_names([a.id for a in planned])
    by_village = defaultdict(list)
    for activity in planned:
        by_village[activity.village_code].append(activity)
    recipients = db.session.execute(
        select(Secretary.user_id, Secretary.village_code).where(Secretary.village_code.in_(by_village))
    ).all()
    keys = {(user_id, village): f"digest:{village}:{day.isoformat()}:{user_id}" for user_id, village in recipients}
    sent = _existing(keys.values())
    queued = 0
    for (user_id, village), key in keys.items():
        if key not in sent:
            _digest(user_id, key, day, by_village[village], names)
            queued += 1
    return queued


def _confirmed_names(activity_ids: list[int]) -> dict[int, list[str]]:
    rows = db.session.execute(
        select(Signup.activity_id, Volunteer.name)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(Signup.activity_id.in_(activity_ids), Signup.status == "confirmed")
        .order_by(Signup.id)
    )
    names = defaultdict(list)
    for activity_id, name in rows:
        names[activity_id].append(name)
    return names


def _digest(user_id: int, key: str, day: date, planned: list[Activity], names: dict[int, list[str]]) -> None:
    place = planned[0].village.name
    lines = [
        f"· {clock.local(a.starts_at):%H:%M} {a.title}（{len(names[a.id])}/{a.capacity} 人）："
        + ("、".join(names[a.id]) or "暂无人报名")
        for a in planned
    ]
    coming = sum(len(names[a.id]) for a in planned)
    notify.tell(
        user_id,
        "reminder",
        key,
        "明日活动名单",
        f"明天（{day.month}月{day.day}日）{place}的活动：\n" + "\n".join(lines),
        link=f"{planned[0].type}:{planned[0].id}",
        fields={
            "title": planned[0].title if len(planned) == 1 else f"明日{len(planned)}项活动",
            "time": planned[0].starts_at.isoformat(),
            "place": place,
            "note": f"共 {coming} 人确认参加",
        },
    )


# --- can't come ------------------------------------------------------------------------------


def cant_come(principal: Principal, signup_id: int) -> Signup:
    """The volunteer cannot come after all: the seat goes to the waitlist, the secretaries are told.

    Only one's own confirmed sign-up, before the start. The mini-program and the chat bot call this.
    """
    signup = db.session.get(Signup, signup_id)
    if signup is None or principal.volunteer_id is None or signup.volunteer_id != principal.volunteer_id:
        raise NotFound("报名记录不存在", code="signup_not_found")
    if signup.status == "cancelled":
        raise Conflict("该报名已取消", code="already_cancelled")
    if signup.status != "confirmed":
        raise Conflict("候补中的报名请直接取消报名", code="not_confirmed")
    activity = db.session.get_one(Activity, signup.activity_id)  # signups.activity_id is a non-null foreign key
    if clock.now() >= activity.starts_at:
        raise Conflict("活动已开始，不能取消报名", code="already_started")
    # Loaded now so the promotion below changes these very objects: that is how we learn who moved up.
    queue = list(
        db.session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waitlisted"))
    )
    signups.withdraw_signup(principal, activity, reason=CANT_COME_REASON)
    promoted = next((s for s in queue if s.status == "confirmed"), None)
    _tell_secretaries(signup, activity, promoted)
    return signup


def _tell_secretaries(signup: Signup, activity: Activity, promoted: Signup | None) -> None:
    who = {
        v.id: v.name
        for v in db.session.scalars(
            select(Volunteer).where(Volunteer.id.in_([s.volunteer_id for s in (signup, promoted) if s]))
        )
    }
    then = f"候补志愿者 {who[promoted.volunteer_id]} 已递补。" if promoted else "空出 1 个名额。"
    when = clock.spoken(activity.starts_at)
    body = f"{who[signup.volunteer_id]} 无法参加「{activity.title}」（{when}），已取消报名；{then}"
    for user_id in db.session.scalars(select(Secretary.user_id).where(Secretary.village_code == activity.village_code)):
        notify.tell(
            user_id,
            "notice",
            f"cant-come:{signup.id}:{user_id}",
            "志愿者无法参加",
            body,
            link=f"{activity.type}:{activity.id}",
            push=False,
        )
