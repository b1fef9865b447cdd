"""Relay posts (扶贫接力): a weekly need covered every week by one volunteer after another.

A relay series (Series.relay, set when the secretary posts the need with `relay: true`) is kept materialised at
least DISPATCH_RELAY_WEEKS_AHEAD weeks ahead, so the dispatcher can offer its occurrences that far ahead; a gap
is escalated at once (app.dispatch.escalation.relay_gaps). This room reports how well a relay is covered.
"""

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select

from app.activities.models import Activity, Series, Signup
from app.core import clock
from app.core.access import Principal, require_scope
from app.core.errors import Conflict, NotFound
from app.extensions import db

#: Occurrences that do not count as weeks of the relay.
NOT_WEEKS = ("cancelled", "rejected")


def horizon(now: datetime) -> datetime:
    """The end of the relay horizon: how far ahead relay occurrences are offered and watched for gaps."""
    return now + timedelta(weeks=int(current_app.config["DISPATCH_RELAY_WEEKS_AHEAD"]))


def coverage(series_id: int, now: datetime | None = None) -> dict[str, Any]:
    """{series_id, weeks, covered, gaps: [{activity_id, starts_at}], until} of a relay series.

    weeks: its occurrences from the first through the relay horizon, cancelled ones left out; covered: those with
    confirmed sign-ups filling every seat (past or upcoming); gaps: those not covered that nobody can cover any
    more (started) or nobody is being asked to (upcoming with a free seat and no open offer). An upcoming
    occurrence with an open offer for each missing seat is neither covered nor a gap: it is being covered.
    """
    now = now or clock.now()
    until = horizon(now)
    confirmed = (
        select(func.count())
        .where(Signup.activity_id == Activity.id, Signup.status == "confirmed")
        .correlate(Activity)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Activity.id, Activity.starts_at, Activity.capacity, Activity.held, confirmed.label("confirmed"))
        .where(
            Activity.series_id == series_id,
            Activity.status.not_in(NOT_WEEKS),
            Activity.starts_at <= until,
        )
        .order_by(Activity.starts_at, Activity.id)
    ).all()
    covered = [row for row in rows if row.confirmed >= row.capacity]
    gaps = [
        {"activity_id": row.id, "starts_at": row.starts_at}
        for row in rows
        if row.confirmed < row.capacity and (row.starts_at <= now or row.held == 0)
    ]
    return {"series_id": series_id, "weeks": len(rows), "covered": len(covered), "gaps": gaps, "until": until}


def relay_series(principal: Principal, series_id: int) -> Series:
    """A relay need series the caller may read: staff whose region holds its village, or the village's
    secretary. Anything else, and a series that does not exist, is 404; a series that is not a relay is 409."""
    missing = NotFound("需求系列不存在", code="series_not_found")
    series = db.session.get(Series, series_id)
    if series is None or series.type != "need":
        raise missing
    require_scope(principal, series.template["village_code"], missing)
    if not series.relay:
        raise Conflict("该需求系列不是扶贫接力岗位", code="not_relay")
    return series


def coverage_for(principal: Principal, series_id: int) -> dict[str, Any]:
    """GET /needs/series/{id}/coverage: the coverage of a relay series the caller may read."""
    return coverage(relay_series(principal, series_id).id)


def upcoming(now: datetime | None = None, *, prefix: str = "") -> list[int]:
    """Ids of open relay occurrences within the relay horizon, with a free unheld seat, in a region (`prefix` of
    village codes): what a round should consider besides its normal horizon, and pass to relay_gaps after."""
    now = now or clock.now()
    return list(
        db.session.scalars(
            select(Activity.id)
            .where(
                and_(
                    Activity.type == "need",
                    Activity.relay.is_(True),
                    Activity.status == "open",
                    Activity.taken + Activity.held < Activity.capacity,
                    Activity.starts_at > now,
                    Activity.starts_at <= horizon(now),
                    Activity.village_code.like(prefix + "%"),
                )
            )
            .order_by(Activity.starts_at, Activity.id)
        )
    )
