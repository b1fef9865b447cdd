"""Reading activities: one the caller may see, the lists, and the organiser's roster."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, RowMapping, Select, String, bindparam, case, or_, select
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
    statement, values = _listed(None, type_, principal, region, status, starts_from, starts_to, filters, limit)
    return list(db.session.scalars(statement, values))


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
    shown = tuple(columns)
    statement, values = _listed(shown, type_, principal, region, status, starts_from, starts_to, filters, limit)
    # A Core read on the request's connection: plain rows need none of the ORM's execution machinery.
    return list(db.session.connection().execute(statement, values).mappings().all())


def _listed(
    columns: tuple[InstrumentedAttribute, ...] | None,
    type_: str,
    principal: Principal | None,
    region: str | None,
    status: str | None,
    starts_from: datetime | None,
    starts_to: datetime | None,
    filters: dict,
    limit: int,
) -> tuple[Select, dict]:
    """The list's statement and the values of its parameters.

    Which conditions a list has (its shape) depends on what the caller gave and who they are, not on
    the values: each shape's statement is built once and kept, and a request binds its values. Building
    a select of a dozen conditions and adapting its result to SQLAlchemy's compiled cache cost more CPU
    than reading the 50 rows it finds (this is read on every visit to the mini-program's lists).
    """
    admin = principal is not None and principal.is_admin
    scopes = (
        []
        if principal is None or admin
        else [scope_prefix(code) for code in (principal.staff_region, principal.secretary_village) if code]
    )
    given = tuple(sorted(name for name, value in filters.items() if value is not None))
    live_only = not status and (principal is None or not _organiser(principal))
    shape: tuple = (columns, type_, admin, len(scopes), bool(region), given)
    shape += (bool(starts_from), bool(starts_to), bool(status), live_only)
    statement = _statements.get(shape)
    if statement is None:
        statement = _statements[shape] = _build(*shape)
    values: dict = {f"scope_{i}": code for i, code in enumerate(scopes)}
    values.update({f"filter_{name}": filters[name] for name in given}, limit=limit)
    if region:
        values["region"] = scope_prefix(region)
    for name, value in (("starts_from", starts_from), ("starts_to", starts_to), ("status", status)):
        if value:
            values[name] = value
    return statement, values


_statements: dict[tuple, Select] = {}  # the shapes are few: a handful of flags and the filters given


def _build(
    columns: tuple[InstrumentedAttribute, ...] | None,
    type_: str,
    admin: bool,
    scopes: int,
    region: bool,
    given: tuple[str, ...],
    starts_from: bool,
    starts_to: bool,
    status: bool,
    live_only: bool,
) -> Select:
    if columns is None:
        query = select(Activity)
    else:
        query = (
            select(*columns, Region.name.label("village_name"), Program.name.label("program_name"))
            .join(Region, Region.code == Activity.village_code)
            .outerjoin(Program, Program.id == Activity.program_id)
        )
    query = query.where(Activity.type == type_)
    if not admin:  # public states everywhere, every state inside the caller's scope (visible()'s twin)
        in_scope = [Activity.village_code.startswith(bindparam(f"scope_{i}", type_=String)) for i in range(scopes)]
        query = query.where(or_(Activity.status.in_(PUBLIC), *in_scope))
    if region:
        query = query.where(Activity.village_code.startswith(bindparam("region", type_=String)))
    for name in given:
        column = getattr(Activity, name)
        query = query.where(column == bindparam(f"filter_{name}", type_=column.type))
    if starts_from:
        query = query.where(Activity.starts_at >= bindparam("starts_from", type_=Activity.starts_at.type))
    if starts_to:
        query = query.where(Activity.starts_at < bindparam("starts_to", type_=Activity.starts_at.type))
    if status:
        query = query.where(Activity.status == bindparam("status", type_=String))
    elif live_only:
        query = query.where(Activity.status.in_(LIVE))
    return query.order_by(Activity.starts_at, Activity.id).limit(bindparam("limit", type_=Integer))


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
