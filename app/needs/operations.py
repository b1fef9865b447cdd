"""Posting needs and reviewing them. Approval opens a need (and its whole series) for sign-up and
for the dispatcher; rejection tells the secretary why."""

from datetime import datetime

from sqlalchemy import select

from app.activities import lifecycle, series
from app.activities.models import Activity, Series
from app.core import audit, clock
from app.core.access import Principal, require_staff_over
from app.core.errors import Conflict, InvalidInput
from app.extensions import db
from app.needs.schemas import NeedIn
from app.notify import operations as notify


def post(principal: Principal, data: NeedIn) -> Activity:
    draft = lifecycle.Draft(
        type="need",
        village=data.village,
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.slots,
        status="pending_review",
        area=data.area,
        skills=data.skills,
        recurrence=data.recurrence,
        program_id=data.program_id,
    )
    need = lifecycle.create(principal, draft)
    if data.relay:
        # NeedIn allows relay only with a weekly rule, so the need began a series.
        series.mark_relay(db.session.get_one(Series, need.series_id))
    return need


def edit(principal: Principal, need: Activity, changes: dict) -> Activity:
    """Needs call their capacity "slots", in requests and in the errors about them."""
    changes = {("capacity" if name == "slots" else name): value for name, value in changes.items()}
    try:
        return lifecycle.edit(principal, need, changes)
    except InvalidInput as error:
        if "capacity" in error.fields:
            error.fields["slots"] = error.fields.pop("capacity")
        raise


def review(principal: Principal, need: Activity, *, approve: bool, reason: str | None) -> Activity:
    require_staff_over(principal, need.village_code, at_least="county")
    lifecycle.lock(need)
    if need.status != "pending_review":
        raise Conflict("该需求已审核", code="already_reviewed")
    now = clock.now()
    if approve and need.series_id is None and need.starts_at <= now:
        raise Conflict("需求开始时间已过，不能再开放报名，请驳回", code="need_started")
    targets = [need]
    if need.series_id is not None:
        targets = _review_series(need, approve, now)
    verdict = "open" if approve else "rejected"
    for target in targets:
        # An occurrence of an approved series whose time passed while it waited is not opened.
        status = "cancelled" if approve and target.starts_at <= now else verdict
        target.status, target.review_reason = status, reason
        target.reviewed_by, target.reviewed_at, target.updated_at = principal.user_id, now, now
        if status == "cancelled":
            target.cancel_reason = "审核时已过开始时间"
        audit.record(
            "review",
            "need",
            target.id,
            before={"status": "pending_review"},
            after={"status": status, "reason": reason},
            region_code=target.village_code,
        )
    told = "已通过审核，开放报名" if approve else f"未通过审核：{reason}"
    notify.tell(
        need.created_by,
        "notice",
        f"need:{need.id}:review",
        "需求审核结果",
        f"你发布的需求「{need.title}」{told}。",
        link=f"need:{need.id}",
        push=False,
    )
    return need


def _review_series(need: Activity, approve: bool, now: datetime) -> list[Activity]:
    """A series is reviewed as a whole: later occurrences are created open, or none are created."""
    series = db.session.get_one(Series, need.series_id)  # review() checked series_id; its foreign key holds
    if approve:
        series.approved_at = now
    else:
        series.cancelled_at = now
    audit.record(
        "review",
        "series",
        series.id,
        before={"approved_at": None},
        after={"approved_at": series.approved_at, "cancelled_at": series.cancelled_at},
        region_code=need.village_code,
    )
    return list(
        db.session.scalars(
            select(Activity)
            .where(Activity.series_id == series.id, Activity.status == "pending_review")
            .order_by(Activity.starts_at)
        )
    )
