"""自查: a region's own staff mark their review of a period done, with what they found (content-safety checked,
like every text others read)."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.assessment.models import SelfCheck
from app.core import audit, clock
from app.core.access import Principal, scope_prefix
from app.core.errors import Conflict, Forbidden
from app.extensions import db
from app.stats import queries as stats
from app.wechat.content import ensure_clean


def snapshot(check: SelfCheck) -> dict:
    return {"region": check.region_code, "from": check.period_start, "to": check.period_end, "findings": check.findings}


def mark_done(principal: Principal, region_code: str | None, span: stats.Period, findings: str) -> SelfCheck:
    """The staff of a region (a county, a city, the province) mark their own review done; staff above may not do
    it for them (that is a spot check), and the same period twice is 409."""
    region = stats.region_for(principal, region_code)
    if not principal.is_admin and principal.staff_region != region.code:
        raise Forbidden("自查由本级团委工作人员完成", code="own_region_only", fields={"region": "只能为本级区划自查"})
    ensure_clean({"findings": findings})
    check = SelfCheck(
        region_code=region.code,
        period_start=span.start,
        period_end=span.end,
        findings=findings,
        done_by=principal.user_id,
        done_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(check)
            db.session.flush()
    except IntegrityError:
        raise Conflict("这段时间的自查已经完成", code="self_check_exists") from None
    audit.record("complete", "self_check", check.id, after=snapshot(check), region_code=region.code)
    return check


def of_region(region_code: str, span: stats.Period) -> list[SelfCheck]:
    """The region's own self-checks whose period lies within the span."""
    return list(
        db.session.scalars(
            select(SelfCheck)
            .where(
                SelfCheck.region_code == region_code,
                SelfCheck.period_start >= span.start,
                SelfCheck.period_end <= span.end,
            )
            .order_by(SelfCheck.period_start, SelfCheck.id)
        )
    )


def listing(principal: Principal, region_code: str | None, span: stats.Period) -> list[SelfCheck]:
    """Self-checks of the region and every region below it, within the span (staff in scope)."""
    region = stats.region_for(principal, region_code)
    return list(
        db.session.scalars(
            select(SelfCheck)
            .where(
                SelfCheck.region_code.like(scope_prefix(region.code) + "%"),
                SelfCheck.period_start >= span.start,
                SelfCheck.period_end <= span.end,
            )
            .order_by(SelfCheck.region_code, SelfCheck.period_start)
        )
    )
