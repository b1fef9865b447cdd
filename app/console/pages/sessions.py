"""夜校与讲习所: the week's sessions of the region, and each session's roster and attendance."""

from datetime import date, datetime, time, timedelta

from flask import render_template, request

from app.activities import queries as activities
from app.attendance import operations as attendance
from app.console.blueprint import bp, principal, region_in_scope, regions_in_reach
from app.core import clock
from app.core.access import require_scope
from app.core.clock import SERVICE_ZONE
from config.catalog import SESSION_KINDS


def _monday(text: str | None) -> date:
    """The Monday of the week asked for (?week=YYYY-MM-DD), or of this week in Shanxi."""
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = clock.local(clock.now()).date()
    return day - timedelta(days=day.weekday())


@bp.get("/sessions")
def sessions_calendar():
    staff = principal()
    monday = _monday(request.args.get("week"))
    start = datetime.combine(monday, time(), tzinfo=SERVICE_ZONE)
    asked = request.args.get("region") or None
    region = region_in_scope(staff, asked) if asked else (None if staff.is_admin else staff.staff_region)
    kind = request.args.get("kind") if request.args.get("kind") in SESSION_KINDS else None
    found = activities.listing(
        "session",
        staff,
        region=region,
        status=None,
        starts_from=start,
        starts_to=start + timedelta(days=7),
        limit=1000,
        kind=kind,
    )
    days = [monday + timedelta(days=n) for n in range(7)]
    by_day = {day: [s for s in found if clock.local(s.starts_at).date() == day] for day in days}
    return render_template(
        "console/sessions.html",
        days=by_day,
        monday=monday,
        previous=monday - timedelta(days=7),
        following=monday + timedelta(days=7),
        regions=regions_in_reach(staff),
        region=region,
        kind=kind,
    )


@bp.get("/sessions/<int:session_id>")
def session_detail(session_id: int):
    staff = principal()
    activity = activities.get("session", session_id, staff)
    require_scope(staff, activity.village_code)  # open sessions are public; the console shows only its own
    return render_template(
        "console/session.html",
        activity=activity,
        roster=activities.roster(staff, activity),
        records={record.volunteer_id: record for record, _ in attendance.records_of_activity(staff, activity)},
    )
