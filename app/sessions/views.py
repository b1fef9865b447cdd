"""Serialising sessions (their routes call these)."""

from sqlalchemy import RowMapping

from app.activities.models import Activity
from app.activities.views import LISTED, columns, listed_out
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


#: What a session list reads of each row (queries.listing_rows).
LIST_COLUMNS = (*LISTED, Activity.kind, Activity.topic)


def session_list_out(rows: list[RowMapping]) -> dict:
    """SessionList of rows of LIST_COLUMNS, built directly (as session_out answers each)."""
    return {
        "items": [
            {
                **listed_out(row),
                "kind": row["kind"],
                "kind_name": SESSION_KINDS[row["kind"]],
                "topic": row["topic"],
                "topic_name": SESSION_TOPICS[row["topic"]],
            }
            for row in rows
        ]
    }


def scheduled_out(session: Activity, occurrences: int, total: int) -> dict:
    """A new session (the first of its series) with how many occurrences exist now and in all."""
    return {**session_out(session), "occurrences": occurrences, "series_total": total}
