"""Scheduling sessions: created open for sign-up at once (no review), with a waitlist when full."""

from sqlalchemy import func, select

from app.activities import lifecycle, series
from app.activities.models import Activity
from app.core.access import Principal
from app.extensions import db
from app.sessions.schemas import SessionIn


def schedule(principal: Principal, data: SessionIn) -> tuple[Activity, int, int]:
    """The session (the first, for a series), how many occurrences exist now, and how many the
    series will have in all (the rest are created as the window moves)."""
    draft = lifecycle.Draft(
        type="session",
        village=data.village,
        title=data.title,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        capacity=data.capacity,
        status="open",
        kind=data.kind,
        topic=data.topic,
        recurrence=data.recurrence,
        program_id=data.program_id,
    )
    session = lifecycle.create(principal, draft)
    if session.series_id is None:
        return session, 1, 1
    count = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.series_id == session.series_id))
    return session, count or 0, series.series_total(session.series_id)
