"""An activity's life: created (with its series), edited, cancelled, finished. Needs and sessions
call these with their own rules on top; the people signed up are told of what changes for them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.activities import queries, series, signups
from app.activities.models import LIVE, Activity, Signup
from app.activities.notices import tell
from app.core import audit, clock
from app.core.access import Principal, require_organiser
from app.core.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.programs import operations as programs
from app.regions import operations as regions
from app.wechat.content import ensure_clean


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
    program_id: int | None = None


def create(principal: Principal, draft: Draft) -> Activity:
    village = regions.ensure_exists(draft.village, field_name="village", levels=["village"])
    if principal.secretary_village != village.code:
        raise Forbidden("只能为本村发布", code="village_out_of_scope", fields={"village": "不是你任职的村"})
    # Whole seconds: a series' rule (dateutil) drops microseconds, and its first start must match.
    draft.starts_at, draft.ends_at = draft.starts_at.replace(microsecond=0), draft.ends_at.replace(microsecond=0)
    _check_times(draft.starts_at, draft.ends_at)
    ensure_clean({"title": draft.title, "description": draft.description, "skills": "、".join(draft.skills or [])})
    program_id = programs.usable(draft.program_id)
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
        program_id=program_id,
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(activity)
    db.session.flush()
    audit.record("create", draft.type, activity.id, after=activity.snapshot(), region_code=village.code)
    if draft.recurrence:
        series.start(principal, activity, draft.recurrence)
    return activity


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at <= clock.now():
        raise InvalidInput(fields={"starts_at": "开始时间必须晚于现在"})
    if ends_at <= starts_at:
        raise InvalidInput(fields={"ends_at": "结束时间必须晚于开始时间"})
    if ends_at - starts_at > timedelta(hours=24):
        raise InvalidInput(fields={"ends_at": "单次活动不能超过 24 小时"})


def edit(principal: Principal, activity: Activity, changes: dict) -> Activity:
    """Change one occurrence; the people signed up are told when its time moves."""
    require_organiser(principal, activity.village_code, queries.not_found(activity.type))
    lock(activity)
    if activity.status not in ("pending_review", *LIVE):
        raise Conflict("已结束或已取消的活动不能修改", code="not_editable")
    before = activity.snapshot()
    starts_at = changes.get("starts_at", activity.starts_at)
    ends_at = changes.get("ends_at", activity.ends_at)
    moved = (starts_at, ends_at) != (activity.starts_at, activity.ends_at)
    if moved:
        _check_times(starts_at, ends_at)
    ensure_clean({k: v for k, v in changes.items() if k in ("title", "description")})
    if changes.get("program_id") is not None and changes["program_id"] != activity.program_id:
        programs.usable(changes["program_id"])
    capacity = changes.get("capacity", activity.capacity)
    if capacity < activity.taken + activity.held:
        raise InvalidInput(
            fields={"capacity": f"已有 {activity.taken} 人确认报名、{activity.held} 个名额正在邀请中，名额不能少于此数"}
        )
    for name, value in changes.items():
        setattr(activity, name, value)
    activity.updated_at = clock.now()
    db.session.flush()
    if "program_id" in changes:
        db.session.expire(activity, ["program"])  # read the newly named program's name again
    if moved:
        _move_signups(activity)
    if activity.capacity > before["capacity"]:
        signups.fill_from_waitlist(activity)
    signups.sync_filled(activity)
    old, new = audit.changed(before, activity.snapshot())
    if new:
        audit.record("update", activity.type, activity.id, before=old, after=new, region_code=activity.village_code)
    return activity


def lock(activity: Activity) -> None:
    """Hold the row (and read it fresh) while changing it, so concurrent sign-ups wait for us."""
    db.session.execute(select(Activity.id).where(Activity.id == activity.id).with_for_update())
    db.session.refresh(activity)


def _live_signups(activity: Activity) -> list[Signup]:
    return list(
        db.session.scalars(select(Signup).where(Signup.activity_id == activity.id, Signup.status != "cancelled"))
    )


def _move_signups(activity: Activity) -> None:
    """Signed-up volunteers are told of each move, even back to an earlier time (the key is the edit's)."""
    for signup in _live_signups(activity):
        signup.starts_at, signup.ends_at = activity.starts_at, activity.ends_at
        tell(
            signup,
            activity,
            "notice",
            f"moved:{activity.updated_at.isoformat()}",
            "活动时间变更",
            f"「{activity.title}」改为 {clock.spoken(activity.starts_at)} 开始，请留意安排。",
        )


def cancel(principal: Principal, activity: Activity, reason: str) -> Activity:
    require_organiser(principal, activity.village_code, queries.not_found(activity.type))
    lock(activity)
    if activity.status not in ("pending_review", *LIVE):
        raise Conflict("该活动已结束或已取消", code="not_cancellable")
    ensure_clean({"reason": reason})
    before = activity.snapshot()
    activity.status, activity.cancel_reason, activity.updated_at = "cancelled", reason, clock.now()
    for signup in _live_signups(activity):
        signups.set_status(signup, activity, "cancelled", reason="活动取消")
        tell(
            signup,
            activity,
            "signup_result",
            "cancelled",
            "活动取消",
            f"「{activity.title}」（{clock.spoken(activity.starts_at)}）已取消：{reason}",
        )
    activity.taken = 0
    for hook in current_app.extensions.get("activities.on_cancel", ()):
        hook(activity)
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
