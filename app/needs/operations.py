"""Posting needs and reviewing them. Approval opens a need (and its whole series) for sign-up and
for the dispatcher; rejection tells the secretary why."""

from sqlalchemy import select

from app.activities import operations as activities
from app.activities.models import Activity, Series
from app.core import audit, clock
from app.core.access import Principal, require_staff_over
from app.core.errors import Conflict
from app.extensions import db
from app.needs.schemas import NeedIn
from app.notify import operations as notify


def post(principal: Principal, data: NeedIn) -> Activity:
    draft = activities.Draft(
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
    )
    return activities.create(principal, draft)


def review(principal: Principal, need: Activity, *, approve: bool, reason: str | None) -> Activity:
    require_staff_over(principal, need.village_code, at_least="county")
    if need.status != "pending_review":
        raise Conflict("该需求已审核", code="already_reviewed")
    now = clock.now()
    targets = [need]
    if need.series_id is not None:
        series = db.session.get(Series, need.series_id)
        if approve:
            series.approved_at = now
        else:
            series.cancelled_at = now
        targets = list(
            db.session.scalars(
                select(Activity).where(Activity.series_id == need.series_id, Activity.status == "pending_review")
            )
        )
    status = "open" if approve else "rejected"
    for target in targets:
        target.status, target.review_reason = status, reason
        target.reviewed_by, target.reviewed_at, target.updated_at = principal.user_id, now, now
        audit.record(
            "review",
            "need",
            target.id,
            before={"status": "pending_review"},
            after={"status": status, "reason": reason},
            region_code=target.village_code,
        )
    verdict = "已通过审核，开放报名" if approve else f"未通过审核：{reason}"
    notify.tell(
        need.created_by,
        "notice",
        f"need:{need.id}:review",
        "需求审核结果",
        f"你发布的需求「{need.title}」{verdict}。",
        link=f"need:{need.id}",
        push=False,
    )
    return need
