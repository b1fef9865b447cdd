"""Keeps `service_years` (models.ServiceYear) in step with the confirmed records it sums.

Only a confirmation or a correction changes what is confirmed (operations._certify), so that is the
one writer: it adds the change (the minutes' difference, and one record when it is newly confirmed)
to the volunteer's row of that year and month, for all of their service and for the need's area. A
volunteer's move (a profile's new home, a withdrawal's county) follows through `rehome`, called by
volunteers' on_move hook. Data written around the operations (a bulk load, a restore) is summed
again by `rebuild`, which is also what the migration did for the records already there; the rollup
is derived data, and `rebuild` gives the same rows from the records alone (tests hold it to that).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, cast, delete, func, insert, literal, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from app.activities.models import Activity
from app.attendance.models import ALL_AREAS, ServiceRecord, ServiceYear
from app.core import clock
from app.extensions import db
from app.volunteers.models import Volunteer

MONTHS = range(1, 13)
#: The count columns: confirmed records, then their minutes, month by month.
COUNTS = [f"r{n:02d}" for n in MONTHS] + [f"m{n:02d}" for n in MONTHS]


def records_column(month: int) -> ColumnElement[int]:
    return ServiceYear.__table__.c[f"r{month:02d}"]


def minutes_column(month: int) -> ColumnElement[int]:
    return ServiceYear.__table__.c[f"m{month:02d}"]


def add(volunteer_id: int, home: str | None, activity: Activity, at: datetime, *, records: int, minutes: int) -> None:
    """Count `records` more confirmed records and `minutes` more minutes checked in `at` (China month)."""
    local = clock.local(at)
    areas = [ALL_AREAS] + ([activity.area] if activity.type == "need" and activity.area else [])
    r, m = f"r{local.month:02d}", f"m{local.month:02d}"
    counts = dict.fromkeys(COUNTS, 0) | {r: records, m: minutes}
    rows = [
        {"volunteer_id": volunteer_id, "year": local.year, "area": area, "home_region_code": home, **counts}
        for area in areas
    ]
    dialect = db.session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ServiceYear).values(rows)
    table = ServiceYear.__table__
    db.session.execute(
        upsert.on_conflict_do_update(
            index_elements=["volunteer_id", "year", "area"],
            set_={
                r: table.c[r] + upsert.excluded[r],
                m: table.c[m] + upsert.excluded[m],
                "home_region_code": upsert.excluded.home_region_code,
            },
        )
    )


def rehome(volunteer_id: int, home: str | None) -> None:
    db.session.execute(
        update(ServiceYear).where(ServiceYear.volunteer_id == volunteer_id).values(home_region_code=home)
    )


def rebuild() -> int:
    """Sum every confirmed record again (set-based); returns the rows written."""
    db.session.execute(delete(ServiceYear))
    year, month = _local_year_month(ServiceRecord.checked_in_at)
    sums = [func.sum(case((month == n, 1), else_=0)).label(f"r{n:02d}") for n in MONTHS]
    sums += [func.sum(case((month == n, ServiceRecord.confirmed_minutes), else_=0)).label(f"m{n:02d}") for n in MONTHS]
    confirmed = ServiceRecord.status == "confirmed"
    everything = (
        select(ServiceRecord.volunteer_id, year.label("year"), literal(ALL_AREAS).label("area"), *sums)
        .where(confirmed)
        .group_by(ServiceRecord.volunteer_id, year)
    )
    per_area = (
        select(ServiceRecord.volunteer_id, year.label("year"), Activity.area, *sums)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(confirmed, Activity.type == "need", Activity.area.is_not(None))
        .group_by(ServiceRecord.volunteer_id, year, Activity.area)
    )
    rows = everything.union_all(per_area).subquery()
    homed = select(
        rows.c.volunteer_id, rows.c.year, rows.c.area, Volunteer.home_region_code, *(rows.c[name] for name in COUNTS)
    ).join(Volunteer, Volunteer.id == rows.c.volunteer_id)
    db.session.execute(
        insert(ServiceYear).from_select(["volunteer_id", "year", "area", "home_region_code", *COUNTS], homed)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # The planner's picture of a table just refilled: without it a province's statistics sort 10⁶
        # rows on disk instead of hashing them (5 s against 0.4 s measured), until autovacuum comes by.
        db.session.execute(text("ANALYZE service_years"))
    return db.session.scalar(select(func.count()).select_from(ServiceYear)) or 0


def _local_year_month(column: Any) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """The China year and month of a stored UTC moment (China keeps UTC+8 all year)."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone(clock.SERVICE_ZONE.key, column)
        return cast(func.extract("year", local), Integer), cast(func.extract("month", local), Integer)
    return (
        cast(func.strftime("%Y", column, "+8 hours"), Integer),
        cast(func.strftime("%m", column, "+8 hours"), Integer),
    )
