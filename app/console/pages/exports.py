"""导出: the overview's export buttons download the same workbooks as GET /api/v1/exports/*.xlsx, for the
region and period chosen on the page (another county, or a made-up code: 404, as everywhere in the console)."""

from datetime import date

from flask import request

from app.console.blueprint import bp, principal, region_in_scope
from app.core.errors import Forbidden, NotFound
from app.exports import operations as exports


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _region() -> str | None:
    asked = request.args.get("region", "").strip()
    return region_in_scope(principal(), asked) if asked else None


@bp.get("/exports/records.xlsx")
def export_records():
    try:
        return exports.records_download(principal(), _region(), _day("from"), _day("to"))
    except Forbidden:  # a secretary's village, or an admin without a region: nothing here to export
        raise NotFound() from None


@bp.get("/exports/national.xlsx")
def export_national():
    try:
        return exports.national_download(principal(), _region(), _day("from"), _day("to"))
    except Forbidden:
        raise NotFound() from None
