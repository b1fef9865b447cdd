"""Serialising what needs and sessions share (their routes call these)."""

from app.activities.models import Signup
from app.activities.schemas import Roster, RosterEntry, SignupOut
from app.core.crypto import mask_phone


def signup_out(signup: Signup, position: int | None) -> dict:
    return SignupOut(id=signup.id, status=signup.status, position=position).model_dump(mode="json")


def roster_out(rows) -> dict:
    items = [
        RosterEntry(
            signup_id=s.id,
            volunteer_no=v.volunteer_no,
            name=v.name,
            phone=mask_phone(v.phone),
            status=s.status,
            signed_up_at=s.created_at,
        )
        for s, v in rows
    ]
    return Roster(items=items).model_dump(mode="json")
