"""概览: the statistics of the staff member's region (app/stats), per child region and per area, drawn as
charts from data embedded in the page, and the needs the dispatcher escalated (dispatch.escalation)."""

from datetime import date

from flask import render_template, request

from app.activities import queries as activities
from app.console import queries
from app.console.blueprint import bp, principal, region_in_scope
from app.core.access import Principal, covers, scope_prefix
from app.core.errors import Forbidden, InvalidInput, NotFound
from app.dispatch import escalation
from app.regions import operations as regions
from app.regions.models import Region
from app.stats import queries as stats

#: How many escalated needs the page lists (most recently escalated first).
ESCALATED_SHOWN = 20


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _home(staff: Principal) -> str | None:
    """The region the page opens on: the staff member's own (an admin without one: the first province)."""
    if staff.staff_region:
        return staff.staff_region
    provinces = regions.children(None)
    return provinces[0].code if provinces else None


def _asked_region(staff: Principal) -> Region | None:
    """?region=: the staff member's region or one below it; anything else (another county, a made-up code) 404."""
    asked = request.args.get("region", "").strip()
    code = region_in_scope(staff, asked) if asked else _home(staff)
    if code is None:
        return None
    try:
        return stats.region_for(staff, code)
    except (InvalidInput, Forbidden):  # a well-formed code of no region; a secretary's village is no staff scope
        raise NotFound() from None


def _path(staff: Principal, region: Region) -> list[Region]:
    """From the staff member's own region down to `region`: the selector's upper options."""
    top = staff.staff_region or ""
    path = [region]
    while path[-1].parent_code and (staff.is_admin or covers(top, path[-1].parent_code)):
        path.append(regions.get(path[-1].parent_code))
        if path[-1].code == top:
            break
    return list(reversed(path))


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def chart_data(overview: stats.Overview) -> dict:
    """What the page's charts draw (static/overview.js reads it from a JSON block, not from inline script)."""
    return {
        "children": {
            "names": [row.name for row in overview.children],
            "hours": [round(row.figures.hours, 1) for row in overview.children],
            "volunteers": [row.figures.volunteers for row in overview.children],
            "active": [row.figures.active_volunteers for row in overview.children],
        },
        "areas": {
            "names": [row.name for row in overview.areas],
            "posted": [row.figures.needs_posted for row in overview.areas],
            "filled": [row.figures.needs_filled for row in overview.areas],
            "fill_rate": [_rate(row.figures.fill_rate) for row in overview.areas],
        },
    }


@bp.get("/")
def index():
    staff = principal()
    region = _asked_region(staff)
    error = None
    try:
        span = stats.period(_day("from"), _day("to"))
    except InvalidInput as problem:
        error = "；".join((problem.fields or {}).values()) or problem.message
        span = stats.period(None, None)
    overview = stats.overview(region, span) if region is not None else None
    escalated = escalation.escalated(scope_prefix(region.code), ESCALATED_SHOWN) if region is not None else []
    pending = activities.listing(
        "need",
        staff,
        region=staff.staff_region if not staff.is_admin else None,
        status="pending_review",
        starts_from=None,
        starts_to=None,
        limit=500,
    )
    data = chart_data(overview) if overview is not None else None
    return render_template(
        "console/index.html",
        region=region,
        path=_path(staff, region) if region is not None else [],
        overview=overview,
        span=span,
        error=error,
        chart_data=data,
        has_hours=bool(data and any(data["children"]["hours"])),
        has_volunteers=bool(data and any(data["children"]["volunteers"])),
        has_needs=bool(data and any(data["areas"]["posted"])),
        escalated=escalated,
        escalated_shown=ESCALATED_SHOWN,
        pending=len(pending),
        offers=queries.offer_counts(staff).get("offered", 0),
        drill=region is not None and region.level not in ("township", "village"),
    )
