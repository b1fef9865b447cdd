"""Serialising what needs and sessions share (their routes call these)."""

from sqlalchemy import RowMapping

from app.activities.models import Activity, Signup
from app.activities.schemas import Roster, RosterEntry, SignupOut
from app.core.clock import local

#: What a list item of a need or a session reads of its row (queries.listing_rows adds the names).
LISTED = (
    Activity.id,
    Activity.title,
    Activity.description,
    Activity.village_code,
    Activity.starts_at,
    Activity.ends_at,
    Activity.capacity,
    Activity.taken,
    Activity.status,
    Activity.series_id,
    Activity.program_id,
    Activity.villagers,
    Activity.poor_households,
)


def columns(activity: Activity) -> dict:
    """Every column of the row, for a need's or session's response schema to pick from (and the program's name)."""
    row = {c.key: getattr(activity, c.key) for c in Activity.__table__.columns}
    row["program_name"] = activity.program.name if activity.program is not None else None
    return row


def listed_out(row: RowMapping) -> dict:
    """ActivityOut's fields of a list row, built directly: the list's rows are the database's own, and
    validating 50 of them through the schema again cost more than reading them (tests check that an
    item equals the activity's own answer, which goes through the schema)."""
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "village": row["village_code"],
        "village_name": row["village_name"],
        "starts_at": local(row["starts_at"]).isoformat(timespec="seconds"),
        "ends_at": local(row["ends_at"]).isoformat(timespec="seconds"),
        "capacity": row["capacity"],
        "taken": row["taken"],
        "status": row["status"],
        "series_id": row["series_id"],
        "program_id": row["program_id"],
        "program_name": row["program_name"],
        "villagers": row["villagers"],
        "poor_households": row["poor_households"],
    }


def signup_out(signup: Signup, position: int | None) -> dict:
    return SignupOut(id=signup.id, status=signup.status, position=position).model_dump(mode="json")


def roster_out(rows) -> dict:
    items = [
        RosterEntry(
            signup_id=s.id,
            volunteer_no=v.volunteer_no,
            name=v.name,
            phone=v.phone,
            status=s.status,
            signed_up_at=s.created_at,
        )
        for s, v in rows
    ]
    return Roster(items=items).model_dump(mode="json")
