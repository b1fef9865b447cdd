"""What happens to an activity: creation (with its series), edits, cancellation, sign-up and the
waitlist. Needs and sessions call these with their own rules on top.

Seats are taken by a conditional UPDATE (`taken < capacity`) and the table's CHECK constraint
refuses anything beyond capacity, so concurrent sign-ups can never overbook.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import JSON, bindparam, case, cast, column, func, or_, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app import wechat
from app.activities.models import Activity, Series, Signup
from app.core import audit, auth, clock, recurrence
from app.core.access import Principal, require_scope, scope_prefix
from app.core.db import UTCDateTime
from app.core.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceUnavailable
from app.extensions import db
from app.notify import operations as notify
from app.regions import operations as regions
from app.volunteers.models import Volunteer

# Check-ins live in the attendance domain, which builds on this one; the withdrawal rule only needs to
# know whether a sign-up has one, so it names the table rather than importing the model.
CHECKED_IN = table("service_records", column("signup_id"))

#: What a series copies from its first occurrence into every later one.
SERIES_TEMPLATE = ("village_code", "title", "description", "area", "skills", "kind", "topic", "capacity")
LIVE = ("open", "filled")
PUBLIC = ("open", "filled", "done", "cancelled")
NAMES = {"need": "需求", "session": "活动"}


@dataclass
class Draft:
    """What a secretary posts, before it becomes an activity (or the first of a series)."""

    type: str
    village: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    status: str
    area: str | None = None
    skills: list | None = None
    kind: str | None = None
    topic: str | None = None
    recurrence: str | None = None


def snapshot(activity: Activity) -> dict:
    return {
        "status": activity.status,
        "title": activity.title,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "taken": activity.taken,
    }


# --- reading ---------------------------------------------------------------------------------


def get(type_: str, activity_id: int, principal: Principal | None) -> Activity:
    """An activity the caller may see: live and finished ones for everyone, the rest for organisers."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.type != type_ or not visible(activity, principal):
        raise NotFound(f"{NAMES[type_]}不存在", code=f"{type_}_not_found")
    return activity


def get_any(activity_id: int, principal: Principal | None) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not visible(activity, principal):
        raise NotFound("需求或活动不存在", code="activity_not_found")
    return activity


def visible(activity: Activity, principal: Principal | None) -> bool:
    if activity.status in PUBLIC:
        return True
    return principal is not None and principal.sees(activity.village_code)


def _visible_clause(principal: Principal | None):
    """SQL twin of visible(): public states everywhere, every state inside the caller's scope."""
    if principal is not None and principal.is_admin:
        return Activity.id.is_not(None)
    scopes = (
        [] if principal is None else [code for code in (principal.staff_region, principal.secretary_village) if code]
    )
    in_scope = [Activity.village_code.startswith(scope_prefix(code)) for code in scopes]
    return or_(Activity.status.in_(PUBLIC), *in_scope) if in_scope else Activity.status.in_(PUBLIC)


def listing(
    type_: str,
    principal: Principal | None,
    *,
    region: str | None,
    status: str | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    limit: int,
    **filters,
) -> list[Activity]:
    """Volunteers see what is open; organisers also see everything in their scope."""
    query = select(Activity).where(Activity.type == type_, _visible_clause(principal))
    if region:
        query = query.where(Activity.village_code.startswith(scope_prefix(region)))
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Activity, name) == value)
    if starts_from:
        query = query.where(Activity.starts_at >= starts_from)
    if starts_to:
        query = query.where(Activity.starts_at < starts_to)
    if status:
        query = query.where(Activity.status == status)
    elif principal is None or not _organiser(principal):
        query = query.where(Activity.status.in_(LIVE))
    return list(db.session.scalars(query.order_by(Activity.starts_at, Activity.id).limit(limit)))


def _organiser(principal: Principal) -> bool:
    return principal.has("staff") or principal.has("secretary")


# --- creating and changing -------------------------------------------------------------------


def require_organiser(principal: Principal, activity: Activity) -> None:
    """The village's secretary, or staff whose region holds the village."""
    require_scope(principal, activity.village_code)
    if principal.secretary_village == activity.village_code or principal.has("staff"):
        return
    raise Forbidden("只有本村团支部书记或辖区工作人员可以操作")


def create(principal: Principal, draft: Draft) -> Activity:
    village = regions.ensure_exists(draft.village, field_name="village", levels=["village"])
    if principal.secretary_village != village.code:
        raise Forbidden("只能为本村发布", code="village_out_of_scope", fields={"village": "不是你任职的村"})
    # Whole seconds: a series' rule (dateutil) drops microseconds, and its first start must match.
    draft.starts_at, draft.ends_at = draft.starts_at.replace(microsecond=0), draft.ends_at.replace(microsecond=0)
    _check_times(draft.starts_at, draft.ends_at)
    ensure_clean({"title": draft.title, "description": draft.description, "skills": "、".join(draft.skills or [])})
    now = clock.now()
    activity = Activity(
        type=draft.type,
        village_code=village.code,
        title=draft.title,
        description=draft.description,
        area=draft.area,
        skills=draft.skills or [],
        kind=draft.kind,
        topic=draft.topic,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        capacity=draft.capacity,
        taken=0,
        status=draft.status,
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record("create", draft.type, activity.id, after=snapshot(activity), region_code=village.code)
    if draft.recurrence:
        _start_series(principal, activity, draft.recurrence)
    return activity


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at <= clock.now():
        raise InvalidInput(fields={"starts_at": "开始时间必须晚于现在"})
    if ends_at <= starts_at:
        raise InvalidInput(fields={"ends_at": "结束时间必须晚于开始时间"})
    if ends_at - starts_at > timedelta(hours=24):
        raise InvalidInput(fields={"ends_at": "单次活动不能超过 24 小时"})


def ensure_clean(texts: dict[str, str]) -> None:
    """Published text passes WeChat content safety (msgSecCheck) before anyone sees it."""
    try:
        flagged = {
            name: "内容含有不适宜发布的信息，请修改"
            for name, text in texts.items()
            if text and not wechat.gateway().text_is_safe(text)
        }
    except wechat.WeChatError:
        raise ServiceUnavailable("内容安全检测暂不可用，请稍后再试", code="content_check_unavailable") from None
    if flagged:
        raise InvalidInput("内容未通过安全检测", code="content_unsafe", fields=flagged)


def _start_series(principal: Principal, first: Activity, rule: str) -> Series:
    config = current_app.config
    _check_rule(rule, first.starts_at, config["SERIES_MAX_DAYS"])
    now = clock.now()
    series = Series(
        type=first.type,
        rule=rule,
        first_starts_at=first.starts_at,
        duration_minutes=int((first.ends_at - first.starts_at).total_seconds() // 60),
        template={name: getattr(first, name) for name in SERIES_TEMPLATE},
        materialized_until=first.starts_at,
        approved_at=now if first.status in LIVE else None,
        created_by=principal.user_id,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    first.series_id, first.occurrence_start = series.id, first.starts_at
    audit.record("create", "series", series.id, after={"rule": rule, "first": first.id}, region_code=first.village_code)
    materialize(series, now + timedelta(weeks=config["SERIES_WINDOW_WEEKS"]))
    return series


def _check_rule(rule: str, first_start: datetime, max_days: int) -> None:
    """A rule people can use, whose first occurrence is the first start itself."""
    try:
        first = recurrence.parse(rule, first_start, max_days=max_days)[0]
    except recurrence.RecurrenceError as error:
        raise InvalidInput(fields={"recurrence": str(error)}) from None
    if first != clock.local(first_start).replace(tzinfo=None):
        raise InvalidInput(fields={"recurrence": "首次开始时间须符合重复规则（如规则为每周二，首次也应在周二）"})


def materialize(series: Series, until: datetime) -> int:
    """Create the occurrences whose rule start falls before `until`; idempotent."""
    if series.cancelled_at is not None or until <= series.materialized_until:
        return 0
    template = series.template
    rule = recurrence.parse(series.rule, series.first_starts_at, max_days=10**6)
    existing = set(db.session.scalars(select(Activity.occurrence_start).where(Activity.series_id == series.id)))
    now = clock.now()
    added = []
    # However the rule reads, one run creates a bounded number; a capped run resumes where it stopped.
    limit = current_app.config["SERIES_MAX_PER_RUN"]
    starts = recurrence.occurrences(rule, series.materialized_until, until, limit=limit)
    if len(starts) == limit:
        until = starts[-1] + timedelta(seconds=1)
    for start in starts:
        if start in existing or start <= now:
            continue
        added.append(
            Activity(
                type=series.type,
                series_id=series.id,
                occurrence_start=start,
                **template,
                starts_at=start,
                ends_at=start + timedelta(minutes=series.duration_minutes),
                taken=0,
                status="open" if series.approved_at else "pending_review",
                created_by=series.created_by,
                created_at=now,
                updated_at=now,
            )
        )
    db.session.add_all(added)
    series.materialized_until = until
    db.session.flush()
    for activity in added:
        audit.record("create", activity.type, activity.id, after=snapshot(activity), region_code=activity.village_code)
    return len(added)


def series_total(series_id: int) -> int:
    """How many occurrences the series has in all, materialised or not."""
    series = db.session.get_one(Series, series_id)
    return recurrence.total(recurrence.parse(series.rule, series.first_starts_at, max_days=10**6))


def extend_all_series(now: datetime | None = None) -> int:
    """Keep every live series materialised a window ahead (the bot and `flask activities extend`)."""
    now = now or clock.now()
    until = now + timedelta(weeks=current_app.config["SERIES_WINDOW_WEEKS"])
    series = db.session.scalars(select(Series).where(Series.cancelled_at.is_(None), Series.materialized_until < until))
    return sum(materialize(s, until) for s in series)


def edit(principal: Principal, activity: Activity, changes: dict) -> Activity:
    """Change one occurrence; the people signed up are told when its time moves."""
    require_organiser(principal, activity)
    lock(activity)
    if activity.status not in ("pending_review", *LIVE):
        raise Conflict("已结束或已取消的活动不能修改", code="not_editable")
    before = snapshot(activity)
    starts_at = changes.get("starts_at", activity.starts_at)
    ends_at = changes.get("ends_at", activity.ends_at)
    moved = (starts_at, ends_at) != (activity.starts_at, activity.ends_at)
    if moved:
        _check_times(starts_at, ends_at)
    ensure_clean({k: v for k, v in changes.items() if k in ("title", "description")})
    capacity = changes.get("capacity", activity.capacity)
    if capacity < activity.taken:
        raise InvalidInput(fields={"capacity": f"已有 {activity.taken} 人确认报名，名额不能少于此数"})
    for name, value in changes.items():
        setattr(activity, name, value)
    activity.updated_at = clock.now()
    db.session.flush()
    if moved:
        _move_signups(activity)
    if activity.capacity > before["capacity"]:
        _fill_from_waitlist(activity)
    _sync_filled(activity)
    old, new = audit.changed(before, snapshot(activity))
    if new:
        audit.record("update", activity.type, activity.id, before=old, after=new, region_code=activity.village_code)
    return activity


def lock(activity: Activity) -> None:
    """Hold the row (and read it fresh) while changing it, so concurrent sign-ups wait for us."""
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    db.session.refresh(activity)


def _move_signups(activity: Activity) -> None:
    """Signed-up volunteers are told of each move, even back to an earlier time (the key is the edit's)."""
    live = list(
        db.session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.status != "cancelled"))
    )
    for signup in live:
        signup.starts_at, signup.ends_at = activity.starts_at, activity.ends_at
        _tell(
            signup,
            activity,
            "notice",
            f"moved:{activity.updated_at.isoformat()}",
            "活动时间变更",
            f"「{activity.title}」改为 {clock.spoken(activity.starts_at)} 开始，请留意安排。",
        )


def cancel(principal: Principal, activity: Activity, reason: str) -> Activity:
    require_organiser(principal, activity)
    lock(activity)
    if activity.status not in ("pending_review", *LIVE):
        raise Conflict("该活动已结束或已取消", code="not_cancellable")
    ensure_clean({"reason": reason})
    before = snapshot(activity)
    activity.status, activity.cancel_reason, activity.updated_at = "cancelled", reason, clock.now()
    live = list(
        db.session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.status != "cancelled"))
    )
    for signup in live:
        _set_signup_status(signup, activity, "cancelled", reason="活动取消")
        _tell(
            signup,
            activity,
            "signup_result",
            "cancelled",
            "活动取消",
            f"「{activity.title}」（{clock.spoken(activity.starts_at)}）已取消：{reason}",
        )
    activity.taken = 0
    audit.record(
        "cancel",
        activity.type,
        activity.id,
        before=before,
        after={"status": "cancelled", "reason": reason, "taken": 0},
        region_code=activity.village_code,
    )
    return activity


def finish_past(now: datetime | None = None) -> int:
    """Live activities whose end has passed become done (the bot runs this)."""
    now = now or clock.now()
    finished = list(db.session.scalars(select(Activity).where(Activity.status.in_(LIVE), Activity.ends_at <= now)))
    for activity in finished:
        before = activity.status
        activity.status, activity.updated_at = "done", now
        audit.record(
            "finish",
            activity.type,
            activity.id,
            before={"status": before},
            after={"status": "done"},
            region_code=activity.village_code,
            actor_id=None,
        )
    return len(finished)


# --- sign-up and the waitlist ----------------------------------------------------------------


SIGNUP_REFUSALS = {
    "activity_cancelled": "该活动已取消",
    "signup_not_open": "该活动暂未开放报名",
    "signup_closed": "报名已截止",
    "already_signed_up": "你已经报名了",
    "time_conflict": "与你已确认的其他活动时间冲突",
    "full": "名额已满",
}


def _refuse(code: str) -> Conflict:
    return Conflict(SIGNUP_REFUSALS[code], code=code)


def _signup_notices(activity: Activity) -> dict[str, tuple[str, str]]:
    """What the volunteer is told for each outcome ({position} is filled in with the queue place)."""
    return {
        "confirmed": (
            "报名成功",
            f"你已报名「{activity.title}」，{clock.spoken(activity.starts_at)} 在{activity.village.name}，请准时参加。",
        ),
        "waitlisted": (
            "已进入候补",
            f"「{activity.title}」名额已满，你在候补第 {{position}} 位；有人取消时将按顺序递补并通知你。",
        ),
    }


def sign_up(
    principal: Principal, type_: str, activity_id: int, *, waitlist: bool, source: str = "self"
) -> tuple[Signup, int | None]:
    """Confirmed if a seat is free, else waitlisted (or 409 `full` where there is no waitlist).

    Returns the sign-up and, when waitlisted, the position in the queue. On PostgreSQL the whole
    sign-up is one call of the database function sign_up_for_activity (migration 7b3e91c0d4a2),
    which applies exactly the rules below in one round trip; elsewhere the rules run here.
    """
    volunteer_id = _volunteer(principal)
    if db.session.get_bind().dialect.name == "postgresql":
        return _sign_up_in_database(principal, volunteer_id, type_, activity_id, waitlist=waitlist, source=source)
    activity = get(type_, activity_id, principal)
    _check_open_for_signup(activity)
    if _live_signup(volunteer_id, activity) is not None:
        raise _refuse("already_signed_up")
    if _overlapping(volunteer_id, activity.starts_at, activity.ends_at, exclude=activity.id):
        raise _refuse("time_conflict")
    confirmed = _take_seat(activity)
    if not confirmed and not waitlist:
        raise _refuse("full")
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
        raise _refuse("already_signed_up") from None
    audit.record(
        "create",
        "signup",
        signup.id,
        after={"status": signup.status, "activity": activity.id},
        region_code=activity.village_code,
    )
    position = None if confirmed else waitlist_position(signup)
    title, body = _signup_notices(activity)[signup.status]
    _tell(
        signup,
        activity,
        "signup_result",
        f"{signup.status}:{signup.id}",
        title,
        body.replace("{position}", str(position)),
        user_id=principal.user_id,
    )
    return signup, position


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
            notices=_signup_notices(activity),
            fields=_notice_fields(activity),
        )


_live_targets: dict[int, SignupTarget] = {}
_LIVE_TARGETS_KEPT = 4096


def _signup_target(type_: str, activity_id: int, principal: Principal) -> SignupTarget:
    target = _live_targets.get(activity_id)
    if target is not None and target.type == type_:
        return target
    activity = get(type_, activity_id, principal)
    target = SignupTarget.of(activity)
    if activity.status in LIVE:
        if len(_live_targets) >= _LIVE_TARGETS_KEPT:
            _live_targets.clear()
        _live_targets[activity_id] = target
    return target


def forget_signup_targets() -> None:
    """For when activity ids start again (tables emptied with their sequences restarted)."""
    _live_targets.clear()


def _sign_up_in_database(
    principal: Principal, volunteer_id: int, type_: str, activity_id: int, *, waitlist: bool, source: str
) -> tuple[Signup, int | None]:
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
        raise NotFound(f"{NAMES[type_]}不存在", code=f"{type_}_not_found")
    if row.outcome == "stale":  # edited again and again while we tried
        raise Conflict("数据已被其他操作修改，请刷新后重试", code="conflict")
    if row.outcome not in ("confirmed", "waitlisted"):
        raise _refuse(row.outcome)
    signup = Signup(
        id=row.signup_id,
        volunteer_id=volunteer_id,
        activity_id=activity_id,
        status=row.outcome,
        source=source,
        starts_at=target.starts_at,
        ends_at=target.ends_at,
    )
    return signup, row.queue_position


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
    args = [bindparam(name, type_=types.get(name)) for name in names]
    args[names.index("fields")] = cast(args[names.index("fields")], JSON)
    call = func.sign_up_for_activity(*args).table_valued("outcome", "signup_id", "queue_position")
    return select(call.render_derived())


def _notice_fields(activity: Activity) -> dict:
    """Our named fields of a notice about an activity, for the push template."""
    return {"title": activity.title, "time": activity.starts_at.isoformat(), "place": activity.village.name}


def _volunteer(principal: Principal) -> int:
    if principal.volunteer_id is None:
        raise Forbidden("请先注册成为志愿者", code="not_registered")
    return principal.volunteer_id


def _check_open_for_signup(activity: Activity) -> None:
    if activity.status == "cancelled":
        raise _refuse("activity_cancelled")
    if activity.status not in LIVE:
        raise _refuse("signup_not_open")
    closes = activity.starts_at - timedelta(minutes=current_app.config["SIGNUP_CLOSE_MINUTES"])
    if clock.now() >= closes:
        raise _refuse("signup_closed")


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
    taken = Activity.taken + 1
    row = db.session.execute(
        update(Activity)
        .where(Activity.id == activity.id, Activity.status == "open", Activity.taken < Activity.capacity)
        .values(taken=taken, status=case((taken >= Activity.capacity, "filled"), else_=Activity.status))
        .returning(Activity.taken, Activity.status)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is not None:
        set_committed_value(activity, "taken", row.taken)
        set_committed_value(activity, "status", row.status)
    return row is not None


def waitlist_position(signup: Signup) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Signup)
        .where(Signup.activity_id == signup.activity_id, Signup.status == "waitlisted", Signup.id <= signup.id)
    )


def withdraw_signup(principal: Principal, activity: Activity, *, reason: str = "本人取消") -> Signup:
    """The volunteer cannot come: the seat goes to the first in the queue, who is told."""
    volunteer_id = _volunteer(principal)
    signup = _live_signup(volunteer_id, activity, lock=True)
    if signup is None:
        raise NotFound("你没有报名该活动", code="not_signed_up")
    if clock.now() >= activity.starts_at:
        raise Conflict("活动已开始，不能取消报名", code="already_started")
    if db.session.scalar(select(CHECKED_IN.c.signup_id).where(CHECKED_IN.c.signup_id == signup.id)) is not None:
        raise Conflict("你已签到，不能取消报名；如有变故请联系组织者", code="already_checked_in")
    was = signup.status
    _set_signup_status(signup, activity, "cancelled", reason=reason)
    if was == "confirmed":
        _free_seat(activity)
    return signup


def _live_signup(volunteer_id: int, activity: Activity, *, lock: bool = False) -> Signup | None:
    query = select(Signup).where(
        Signup.volunteer_id == volunteer_id, Signup.activity_id == activity.id, Signup.status != "cancelled"
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def _set_signup_status(signup: Signup, activity: Activity, status: str, *, reason: str | None = None) -> None:
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


def _free_seat(activity: Activity) -> None:
    """Give a freed seat to the first waitlisted volunteer who is free then; else release it."""
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    if _promote_next(activity) is None:
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


def _promote_next(activity: Activity) -> Signup | None:
    queue = db.session.scalars(
        select(Signup).where(Signup.activity_id == activity.id, Signup.status == "waitlisted").order_by(Signup.id)
    )
    for candidate in queue:
        if _overlapping(candidate.volunteer_id, activity.starts_at, activity.ends_at, exclude=activity.id):
            continue
        _set_signup_status(candidate, activity, "confirmed")
        _tell(
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


def _fill_from_waitlist(activity: Activity) -> None:
    while activity.taken < activity.capacity and _promote_next(activity) is not None:
        activity.taken += 1


def _sync_filled(activity: Activity) -> None:
    if activity.status in LIVE:
        activity.status = "filled" if activity.full else "open"


def _tell(
    signup: Signup, activity: Activity, purpose: str, event: str, title: str, body: str, *, user_id: int | None = None
) -> None:
    if user_id is None:
        user_id = db.session.scalar(select(Volunteer.user_id).where(Volunteer.id == signup.volunteer_id))
    notify.tell(
        user_id,
        purpose,
        f"{activity.type}:{activity.id}:{event}:{signup.volunteer_id}",
        title,
        body,
        link=f"{activity.type}:{activity.id}",
        fields={**_notice_fields(activity), "status": title},
    )


def roster(principal: Principal, activity: Activity) -> list[tuple[Signup, Volunteer]]:
    """Who signed up (confirmed first, then the queue in order), for the organiser."""
    require_organiser(principal, activity)
    rows = db.session.execute(
        select(Signup, Volunteer)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(Signup.activity_id == activity.id, Signup.status != "cancelled")
        .order_by(case((Signup.status == "confirmed", 0), else_=1), Signup.id)
    )
    return [(signup, volunteer) for signup, volunteer in rows]
