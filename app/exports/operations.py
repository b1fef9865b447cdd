"""What the export routes and the console call: check the caller's scope and the period (as GET /stats
does), build the workbook, hand back a streamed download."""

from datetime import date

from flask import Response, current_app
from sqlalchemy import select

from app.accounts.models import StaffAccount
from app.core.access import Principal
from app.core.errors import InvalidInput
from app.exports import national, records
from app.exports.sheets import download
from app.extensions import db
from app.stats import queries as stats


def scope_for(principal: Principal, region: str | None, start: date | None, end: date | None) -> records.Scope:
    """403 for non-staff or outside their region, 422 for a bad period: exactly as GET /stats answers;
    422 `export_too_large` when the scope holds more records than one workbook may (EXPORT_MAX_RECORDS)."""
    scope = records.Scope(stats.region_for(principal, region), stats.period(start, end))
    limit = current_app.config["EXPORT_MAX_RECORDS"]
    count = records.count(scope)
    if count > limit:
        raise InvalidInput(
            f"该区划和期间有 {count} 条服务记录，超过一次导出的上限 {limit} 条，请按下级区划或缩短期间分别导出",
            code="export_too_large",
            fields={"region": "记录过多，请选择下级区划", "to": "或缩短期间"},
        )
    return scope


def _who(principal: Principal) -> str:
    account = db.session.scalar(select(StaffAccount).where(StaffAccount.user_id == principal.user_id))
    return (account.display_name or account.username) if account is not None else f"用户 {principal.user_id}"


def _name(scope: records.Scope, title: str) -> str:
    return f"{title}_{scope.region.name}_{scope.span.start.isoformat()}_{scope.span.end.isoformat()}.xlsx"


def records_download(principal: Principal, region: str | None, start: date | None, end: date | None) -> Response:
    scope = scope_for(principal, region, start, end)
    exported = records.export_records(scope, by=_who(principal))
    return download(exported.path, _name(scope, "服务记录"), records.filename(scope, "records"))


def national_download(principal: Principal, region: str | None, start: date | None, end: date | None) -> Response:
    scope = scope_for(principal, region, start, end)
    path, _ = national.export_national(scope)
    return download(path, _name(scope, "全国志愿服务信息系统录入"), records.filename(scope, "national"))
