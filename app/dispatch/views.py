"""Serialising offers as the volunteer sees them (assignments), and rounds as staff see them."""

from app.activities.models import Activity
from app.dispatch.models import DispatchRound, Offer
from app.dispatch.schemas import AssignmentList, AssignmentNeed, AssignmentOut, RoundCreated, RoundList, RoundOut


def assignment(offer: Offer, activity: Activity) -> AssignmentOut:
    need = AssignmentNeed(
        id=activity.id,
        title=activity.title,
        village=activity.village_code,
        village_name=activity.village.name,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
    )
    return AssignmentOut(
        id=offer.id,
        status=offer.status,
        need=need,
        starts_at=activity.starts_at,
        expires_at=offer.expires_at,
        why=offer.why,
        revoke_reason=offer.revoke_reason,
        signup_id=offer.signup_id,
    )


def assignment_out(offer: Offer, activity: Activity) -> dict:
    return assignment(offer, activity).model_dump(mode="json")


def assignment_list_out(rows: list[tuple[Offer, Activity]]) -> dict:
    return AssignmentList(items=[assignment(o, a) for o, a in rows]).model_dump(mode="json")


def round_created_out(record: DispatchRound) -> dict:
    return RoundCreated.model_validate(record).model_dump(mode="json")


def round_out(record: DispatchRound) -> dict:
    data = {column.key: getattr(record, column.key) for column in DispatchRound.__table__.columns}
    return RoundOut.model_validate({**data, "region": record.region_code}).model_dump(mode="json")


def round_list_out(records: list[DispatchRound]) -> dict:
    return RoundList(items=[RoundOut.model_validate(round_out(r)) for r in records]).model_dump(mode="json")
