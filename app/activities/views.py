"""Serialising what needs and sessions share (their routes call these)."""

from app.activities.models import Activity, Signup
from app.activities.schemas import Roster, RosterEntry, SignupOut


def columns(activity: Activity) -> dict:
    """Every column of the row, for a need's or session's response schema to pick from (and the program's name)."""
    row = {c.key: getattr(activity, c.key) for c in Activity.__table__.columns}
    row["program_name"] = activity.program.name if activity.program is not None else None
    return row


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
