"""Yearly targets per region, set by staff of a region above it or by an admin (a region never sets its own)."""

from typing import Any

from sqlalchemy import select

from app.assessment.models import TARGET_FIELDS, AssessmentTarget
from app.core import audit, clock
from app.core.access import Principal
from app.core.errors import Forbidden
from app.extensions import db
from app.stats import queries as stats


def snapshot(target: AssessmentTarget) -> dict:
    return {name: getattr(target, name) for name in TARGET_FIELDS}


def of(region_code: str, year: int) -> AssessmentTarget | None:
    return db.session.scalar(
        select(AssessmentTarget).where(AssessmentTarget.region_code == region_code, AssessmentTarget.year == year)
    )


def require_setter(principal: Principal, region_code: str | None) -> str:
    """The region (in the caller's scope) whose targets the caller may set: one strictly below the caller's own."""
    region = stats.region_for(principal, region_code)  # staff only; outside the caller's region 403 out_of_scope
    if not principal.is_admin and principal.staff_region == region.code:
        raise Forbidden("考核目标由上级团委设定", code="target_level", fields={"region": "不能为本级区划设定目标"})
    return region.code


def may_set(principal: Principal, region_code: str) -> bool:
    return principal.is_admin or principal.staff_region != region_code


def set_targets(principal: Principal, region_code: str | None, year: int, values: dict[str, Any]) -> AssessmentTarget:
    """Replace a region's targets for a year (a figure left out or null has no target)."""
    code = require_setter(principal, region_code)
    target = of(code, year)
    before = snapshot(target) if target is not None else None
    if target is None:
        target = AssessmentTarget(region_code=code, year=year)
        db.session.add(target)
    for name in TARGET_FIELDS:
        setattr(target, name, values.get(name))
    target.set_by, target.updated_at = principal.user_id, clock.now()
    db.session.flush()
    if before is None:
        audit.record(
            "create", "assessment_target", target.id, after={"year": year, **snapshot(target)}, region_code=code
        )
    else:
        old, new = audit.changed(before, snapshot(target))
        if new:
            audit.record("update", "assessment_target", target.id, before=old, after=new, region_code=code)
    return target
