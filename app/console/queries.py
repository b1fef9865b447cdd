"""What the console reads that no API serves yet: open offers, the audit trail and volunteer search,
each cut to the staff member's region (by code prefix, as core.access scopes everything)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from app.accounts.models import Secretary, StaffAccount
from app.activities.models import Activity
from app.core.access import Principal, scope_prefix
from app.core.audit import AuditEntry
from app.core.clock import SERVICE_ZONE
from app.dispatch.models import Offer
from app.extensions import db
from app.regions.models import Region
from app.volunteers.models import Volunteer


def prefix_of(principal: Principal) -> str:
    """The code prefix a staff member sees: everything for an admin."""
    if principal.is_admin or principal.staff_region is None:
        return ""
    return scope_prefix(principal.staff_region)


# --- dispatch ----------------------------------------------------------------------------------


def open_offers(principal: Principal, *, limit: int = 100) -> list[tuple[Offer, Activity, Volunteer]]:
    rows = db.session.execute(
        select(Offer, Activity, Volunteer)
        .join(Activity, Activity.id == Offer.activity_id)
        .join(Volunteer, Volunteer.id == Offer.volunteer_id)
        .where(Offer.status == "offered", Activity.village_code.startswith(prefix_of(principal)))
        .order_by(Offer.expires_at, Offer.id)
        .limit(limit)
    )
    return [(offer, activity, volunteer) for offer, activity, volunteer in rows]


def offer_counts(principal: Principal) -> dict[str, int]:
    rows = db.session.execute(
        select(Offer.status, func.count())
        .join(Activity, Activity.id == Offer.activity_id)
        .where(Activity.village_code.startswith(prefix_of(principal)))
        .group_by(Offer.status)
    )
    return {status: count for status, count in rows}


def round_offers(round_id: int) -> list[tuple[Offer, Activity, Volunteer]]:
    """The offers one round made (the round itself was already checked to be in scope)."""
    rows = db.session.execute(
        select(Offer, Activity, Volunteer)
        .join(Activity, Activity.id == Offer.activity_id)
        .join(Volunteer, Volunteer.id == Offer.volunteer_id)
        .where(Offer.round_id == round_id)
        .order_by(Offer.id)
    )
    return [(offer, activity, volunteer) for offer, activity, volunteer in rows]


# --- the audit trail ---------------------------------------------------------------------------


@dataclass
class AuditFilter:
    object_type: str | None = None
    object_id: str | None = None
    actor_id: int | None = None
    day_from: date | None = None
    day_to: date | None = None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SERVICE_ZONE)


def audit_trail(principal: Principal, wanted: AuditFilter, *, limit: int = 200) -> list[tuple[AuditEntry, str | None]]:
    """Rows of the region (rows without a region, e.g. accounts, only for admins), newest first,
    with the acting staff member's username where the actor is staff."""
    query = select(AuditEntry, StaffAccount.username).outerjoin(
        StaffAccount, StaffAccount.user_id == AuditEntry.actor_id
    )
    if not principal.is_admin:
        query = query.where(AuditEntry.region_code.startswith(prefix_of(principal)))
    if wanted.object_type:
        query = query.where(AuditEntry.object_type == wanted.object_type)
    if wanted.object_id:
        query = query.where(AuditEntry.object_id == wanted.object_id)
    if wanted.actor_id is not None:
        query = query.where(AuditEntry.actor_id == wanted.actor_id)
    if wanted.day_from:
        query = query.where(AuditEntry.at >= _start_of(wanted.day_from))
    if wanted.day_to:
        query = query.where(AuditEntry.at < _start_of(wanted.day_to + timedelta(days=1)))
    rows = db.session.execute(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    return [(entry, username) for entry, username in rows]


def object_types(principal: Principal) -> list[str]:
    query = select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)
    if not principal.is_admin:
        query = query.where(AuditEntry.region_code.startswith(prefix_of(principal)))
    return list(db.session.scalars(query))


def side_by_side(entry: AuditEntry) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field either side names, in a stable order."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(before) + [key for key in after if key not in before]
    return [(key, before.get(key), after.get(key)) for key in keys]


# --- volunteers --------------------------------------------------------------------------------


def search_volunteers(principal: Principal, text: str, *, limit: int = 50) -> list[Volunteer]:
    """By volunteer number (exactly) or name (from its start), among those registered in the region."""
    text = text.strip()
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    query = (
        select(Volunteer)
        .where(
            Volunteer.withdrawn_at.is_(None),
            Volunteer.home_region_code.startswith(prefix_of(principal)),
            or_(Volunteer.volunteer_no == text.upper(), Volunteer.name.like(escaped + "%", escape="\\")),
        )
        .order_by(Volunteer.name, Volunteer.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


# --- accounts ----------------------------------------------------------------------------------


def secretaries(principal: Principal, *, limit: int = 500) -> list[tuple[Secretary, Region, Volunteer | None]]:
    """The village secretaries of the region, with their village and, if they registered, their volunteer profile."""
    rows = db.session.execute(
        select(Secretary, Region, Volunteer)
        .join(Region, Region.code == Secretary.village_code)
        .outerjoin(Volunteer, (Volunteer.user_id == Secretary.user_id) & Volunteer.withdrawn_at.is_(None))
        .where(Secretary.village_code.startswith(prefix_of(principal)))
        .order_by(Secretary.village_code, Secretary.user_id)
        .limit(limit)
    )
    return [(secretary, region, volunteer) for secretary, region, volunteer in rows]


def staff_accounts(principal: Principal, *, limit: int = 500) -> list[StaffAccount]:
    query = select(StaffAccount).where(StaffAccount.region_code.startswith(prefix_of(principal)))
    return list(db.session.scalars(query.order_by(StaffAccount.region_code, StaffAccount.username).limit(limit)))


def villages(principal: Principal, *, limit: int = 3000) -> list[Region]:
    """The villages of the region, for choosing one (a county's are a few hundred)."""
    query = select(Region).where(Region.level == "village", Region.code.startswith(prefix_of(principal)))
    return list(db.session.scalars(query.order_by(Region.code).limit(limit)))
