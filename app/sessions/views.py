"""Serialising sessions (their routes call these)."""

from app.activities.models import Activity
from app.activities.views import columns
from app.sessions.schemas import SessionOut
from config.catalog import SESSION_KINDS, SESSION_TOPICS


def session_out(session: Activity) -> dict:
    # The columns are nullable because needs share the table; every session is scheduled with both.
    assert session.kind is not None and session.topic is not None
    return SessionOut.model_validate(
        {
            **columns(session),
            "village_name": session.village.name,
            "kind_name": SESSION_KINDS[session.kind],
            "topic_name": SESSION_TOPICS[session.topic],
        }
    ).model_dump(mode="json")


def session_list_out(sessions: list[Activity]) -> dict:
    return {"items": [session_out(session) for session in sessions]}


def scheduled_out(session: Activity, occurrences: int, total: int) -> dict:
    """A new session (the first of its series) with how many occurrences exist now and in all."""
    return {**session_out(session), "occurrences": occurrences, "series_total": total}
