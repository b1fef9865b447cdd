"""Serialising offers as the volunteer sees them (assignments), and rounds as staff see them."""

from sqlalchemy import select

from app.activities.models import Activity
from app.dispatch.models import DispatchRound, Offer, RegionPairing
from app.dispatch.schemas import (
    AssignmentList,
    AssignmentNeed,
    AssignmentOut,
    PairingList,
    PairingOut,
    RoundCreated,
    RoundList,
    RoundOut,
)
from app.extensions import db
from app.regions.models import Region


def assignment(offer: Offer, activity: Activity, withdrawn: bool = False) -> AssignmentOut:
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
        withdrawn=withdrawn,
    )


def assignment_out(offer: Offer, activity: Activity) -> dict:
    return assignment(offer, activity).model_dump(mode="json")


def assignment_list_out(rows: list[tuple[Offer, Activity, bool]]) -> dict:
    return AssignmentList(items=[assignment(o, a, w) for o, a, w in rows]).model_dump(mode="json")


def round_created_out(record: DispatchRound) -> dict:
    return RoundCreated.model_validate(record).model_dump(mode="json")


def round_out(record: DispatchRound) -> dict:
    data = {column.key: getattr(record, column.key) for column in DispatchRound.__table__.columns}
    return RoundOut.model_validate({**data, "region": record.region_code}).model_dump(mode="json")


def round_list_out(records: list[DispatchRound]) -> dict:
    return RoundList(items=[RoundOut.model_validate(round_out(r)) for r in records]).model_dump(mode="json")


def pairing(record: RegionPairing) -> PairingOut:
    return _pairing(record, _names({record.helping_code, record.helped_code}))


def _names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(sorted(codes))))
    return {code: name for code, name in rows}


def _pairing(record: RegionPairing, names: dict[str, str]) -> PairingOut:
    return PairingOut(
        id=record.id,
        helping_region=record.helping_code,
        helping_name=names.get(record.helping_code, ""),
        helped_region=record.helped_code,
        helped_name=names.get(record.helped_code, ""),
        created_by=record.created_by,
        created_at=record.created_at,
    )


def pairing_out(record: RegionPairing) -> dict:
    return pairing(record).model_dump(mode="json")


def pairing_list_out(records: list[RegionPairing]) -> dict:
    names = _names({code for r in records for code in (r.helping_code, r.helped_code)})
    return PairingList(items=[_pairing(r, names) for r in records]).model_dump(mode="json")
