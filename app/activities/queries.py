"""Reading activities: one the caller may see, the lists, and the organiser's roster."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import RowMapping, Select, case, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.activities.models import LIVE, PUBLIC, Activity, Signup
from app.core.access import Principal, require_organiser, scope_prefix
from app.core.errors import NotFound
from app.extensions import db
from app.programs.models import Program
from app.regions.models import Region
from app.volunteers.models import Volunteer

NAMES = {"need": "需求", "session": "活动"}
NOT_FOUND_CODES = {"need": "need_not_found", "session": "session_not_found"}


def not_found(type_: str) -> NotFound:
    return NotFound(f"{NAMES[type_]}不存在", code=NOT_FOUND_CODES[type_])


def get(type_: str, activity_id: int, principal: Principal | None) -> Activity:
    """An activity the caller may see: live and finished ones for everyone, the rest for organisers."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.type != type_ or not visible(activity, principal):
        raise not_found(type_)
    return activity


def get_any(activity_id: int, principal: Principal | None) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or not visible(activity, principal):
        raise NotFound("需求或活动不存在", code="activity_not_found")
    return activity


def visible(activity: Activity, principal: Principal | None) -> bool:
    if activity.status in PUBLIC:
        return True
    return principal is not None and principal.sees(activity.village_code)


def _visible_clause(principal: Principal | None):
    """SQL twin of visible(): public states everywhere, every state inside the caller's scope."""
    if principal is not None and principal.is_admin:
        return Activity.id.is_not(None)
    scopes = (
        [] if principal is None else [code for code in (principal.staff_region, principal.secretary_village) if code]
    )
    in_scope = [Activity.village_code.startswith(scope_prefix(code)) for code in scopes]
    return or_(Activity.status.in_(PUBLIC), *in_scope) if in_scope else Activity.status.in_(PUBLIC)


def listing(
    type_: str,
    principal: Principal | None,
    *,
    region: str | None,
    status: str | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    limit: int,
    **filters,
) -> list[Activity]:
    """Volunteers see what is open; organisers also see everything in their scope."""
    query = _listed(select(Activity), type_, principal, region, status, starts_from, starts_to, filters)
    return list(db.session.scalars(query.limit(limit)))


def listing_rows(
    type_: str,
    principal: Principal | None,
    columns: Sequence[InstrumentedAttribute],
    *,
    region: str | None,
    status: str | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    limit: int,
    **filters,
) -> list[RowMapping]:
    """listing()'s list as rows of `columns` with `village_name` and `program_name`: one statement,
    and none of the ORM's objects (a list of 50 is read on every visit to the mini-program's lists)."""
    columns = tuple(columns)
    if columns not in _row_selects:  # built once per list (selects are immutable: each request adds to a copy)
        _row_selects[columns] = (
            select(*columns, Region.name.label("village_name"), Program.name.label("program_name"))
            .join(Region, Region.code == Activity.village_code)
            .outerjoin(Program, Program.id == Activity.program_id)
        )
    query = _listed(_row_selects[columns], type_, principal, region, status, starts_from, starts_to, filters)
    # A Core read on the request's connection: plain rows need none of the ORM's execution machinery.
    return list(db.session.connection().execute(query.limit(limit)).mappings())


_row_selects: dict[tuple, Select] = {}


def _listed(
    query: Select,
    type_: str,
    principal: Principal | None,
    region: str | None,
    status: str | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    filters: dict,
) -> Select:
    query = query.where(Activity.type == type_, _visible_clause(principal))
    if region:
        query = query.where(Activity.village_code.startswith(scope_prefix(region)))
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(Activity, name) == value)
    if starts_from:
        query = query.where(Activity.starts_at >= starts_from)
    if starts_to:
        query = query.where(Activity.starts_at < starts_to)
    if status:
        query = query.where(Activity.status == status)
    elif principal is None or not _organiser(principal):
        query = query.where(Activity.status.in_(LIVE))
    return query.order_by(Activity.starts_at, Activity.id)


def _organiser(principal: Principal) -> bool:
    return principal.has("staff") or principal.has("secretary")


def roster(principal: Principal, activity: Activity) -> list[tuple[Signup, Volunteer]]:
    """Who signed up (confirmed first, then the queue in order), for the organiser."""
    require_organiser(principal, activity.village_code, not_found(activity.type))
    rows = db.session.execute(
        select(Signup, Volunteer)
        .join(Volunteer, Volunteer.id == Signup.volunteer_id)
        .where(Signup.activity_id == activity.id, Signup.status != "cancelled")
        .order_by(case((Signup.status == "confirmed", 0), else_=1), Signup.id)
    )
    return [(signup, volunteer) for signup, volunteer in rows]
