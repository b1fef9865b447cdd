"""The statistics query layer: what `GET /api/v1/stats` and the console's 概览 page show.

Every figure comes from a handful of set-based queries grouped by a region-code prefix
(``substr(code, 1, n)``), never one query per region; the rows are then folded onto the child
regions in Python, which is exact because every figure partitions by region (below).

Functions the console calls (all read-only; none flushes or commits):

- ``period(start, end, today=None) -> Period`` — check and complete the dates asked for (China
  dates, both ends included; default 1 January of this year to today). 422 on a reversed or too
  long span.
- ``region_for(principal, code) -> Region`` — the region a staff member asks about (their own when
  ``code`` is None): 403 for non-staff, 422 ``region`` for an unknown code, 403 ``out_of_scope``
  outside their region (as dispatch rounds answer).
- ``overview(region, period, now=None) -> Overview`` — everything at once: the region's totals,
  one row per child region (plus ``unassigned``: what is recorded at the region's own level and so
  in no child), and one row per area (the nine areas).
- ``totals(region, period)``, ``by_child(region, period)``, ``by_area(region, period)`` — the
  parts of ``overview`` (each computes the whole overview; call ``overview`` when you need two).

What the figures mean (``Figures``):

- ``volunteers``: registered with a home in the region by the end of ``to`` and not withdrawn by
  then (a withdrawal keeps the volunteer's county as home, so past periods still count them).
- ``active_volunteers``: of the volunteers whose home is in the region (withdrawn or not), those
  with at least one *confirmed* service record (status ``confirmed``: the organiser certified it)
  checked in within the period, wherever they served.
- ``hours`` / ``hours_month`` / ``hours_year``: the confirmed minutes of those records ÷ 60
  (records store whole minutes, rounded by the hours rules to half hours, so the sums are exact);
  the month and the year are those of ``to``, up to ``to``, whatever ``from`` is. Counted by the
  volunteer's home, like ``active_volunteers``, so hours per active volunteer makes sense.
- ``needs_posted``: needs created in the period in the region's villages, less rejected and
  cancelled ones; ``needs_filled``: those of them whose every slot is taken by a confirmed
  sign-up (taken = capacity; seats merely held by an open offer do not count);
  ``fill_rate`` = filled / posted (None when nothing was posted). ``slots`` / ``slots_taken``
  are the same needs' volunteer slots.
- ``sessions_held``: night schools and lecture halls in the region's villages that started within
  the period and before now and were not cancelled (open, filled or done);
  ``session_signups``: their confirmed sign-ups; ``session_attendees``: their service records (a
  volunteer who checked in, confirmed or not yet); ``attendance_rate`` = attendees / sign-ups
  (None without sign-ups). ``session_capacity`` is their seats.

- ``villagers`` / ``villagers_poor``: the villagers the region's activities (needs and sessions in
  its villages, begun within the period and before now, not cancelled or rejected) reached, as the
  organisers entered them on confirming (app.attendance.reach): counts only.

Per program (``Overview.programs``, app.stats.programs): the same needs, sessions and villagers per
league program, with the confirmed service of the program's activities; by the organiser's village.

Per area: needs by the need's area; active volunteers and hours from confirmed records of needs
of that area (sessions have no area, so the area rows' hours add up to the needs' share of the
total); ``volunteers`` are the area team's members (a volunteer may be in several teams). Session
figures are None there.

Speed (bench/stats_query.py, PostgreSQL, 10⁶ volunteers, 5·10⁶ records, 2026 to 1 December, two
cores, 2026-12-02): the province ≈ 0.9 s, a city ≈ 0.45 s, a county ≈ 0.4 s, against 2.4–2.9 / 0.8 /
0.45 s for the hand-written floor of the same totals over the records. What made it so: whole months
(and the month reaching today) from service_years, analysed after a rebuild; the area teams from
team_bits in the volunteers' own scan; attendees counted by check-in on the activity; needs, sessions
and villagers from one scan of the activities; each query a statement of its own (parallel scans);
no JIT. A period with edge days (say 2 January to 29 November) still reads those days' records and
is slower (≈ 8.6 s for the province, 3.4× its floor).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, text

from app.activities.models import Activity
from app.attendance import rollup
from app.attendance.models import ALL_AREAS, ServiceRecord, ServiceYear
from app.core import clock
from app.core.access import LEVEL_PREFIX, Principal, covers, require_role, scope_prefix
from app.core.errors import Forbidden, InvalidInput
from app.extensions import db
from app.regions import operations as regions
from app.regions.models import Region
from app.stats.programs import ProgramFigures, by_program
from app.stats.scope import Period, activity_figures, in_scope, midnight
from app.volunteers.availability import AREA_INDEX
from app.volunteers.models import TeamMembership, Volunteer
from config.catalog import AREAS

#: The longest span one request may ask for: a county's three-year action, with a day to spare.
MAX_DAYS = 3 * 366


@dataclass
class Figures:
    volunteers: int = 0
    active_volunteers: int = 0
    minutes: int = 0
    minutes_month: int = 0
    minutes_year: int = 0
    needs_posted: int = 0
    needs_filled: int = 0
    slots: int = 0
    slots_taken: int = 0
    sessions_held: int | None = 0
    session_capacity: int | None = 0
    session_signups: int | None = 0
    session_attendees: int | None = 0
    #: Villagers the region's activities reached (counts the organiser entered, app.attendance.reach).
    villagers: int = 0
    villagers_poor: int = 0

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @property
    def hours_month(self) -> float:
        return self.minutes_month / 60

    @property
    def hours_year(self) -> float:
        return self.minutes_year / 60

    @property
    def fill_rate(self) -> float | None:
        return _ratio(self.needs_filled, self.needs_posted)

    @property
    def attendance_rate(self) -> float | None:
        return _ratio(self.session_attendees, self.session_signups)

    def add(self, other: "Figures") -> None:
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            if mine is not None and theirs is not None:
                setattr(self, item.name, mine + theirs)


def _ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if part is not None and whole else None


@dataclass
class RegionFigures:
    code: str
    name: str
    level: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class AreaFigures:
    area: str
    name: str
    figures: Figures


@dataclass
class Overview:
    region: RegionFigures
    period: Period
    children: list[RegionFigures]
    #: Recorded at the region's own level (e.g. volunteers whose home is the county itself, when the
    #: children are townships): in the totals, in no child. None when there is nothing of the kind.
    unassigned: Figures | None
    areas: list[AreaFigures]
    #: One row per league program the region's activities of the period belonged to (app.stats.programs).
    programs: list[ProgramFigures] = field(default_factory=list)


# --- what is asked ---------------------------------------------------------------------------------


def period(start: date | None, end: date | None, today: date | None = None) -> Period:
    today = today or clock.local(clock.now()).date()
    end = end or today
    start = start or end.replace(month=1, day=1)
    if start > end:
        raise InvalidInput("开始日期不能晚于结束日期", fields={"from": "不能晚于结束日期"})
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("统计区间最长三年", fields={"to": "与开始日期相隔不能超过三年"})
    return Period(start, end)


def region_for(principal: Principal, code: str | None) -> Region:
    require_role(principal, "staff")
    if code is None:
        if principal.staff_region is None:
            raise Forbidden("请指定区划", code="out_of_scope", fields={"region": "请指定区划"})
        code = principal.staff_region
    region = regions.ensure_exists(code, field_name="region")
    if not principal.is_admin and not (principal.staff_region and covers(principal.staff_region, region.code)):
        raise Forbidden("该区划不在你的管辖范围内", code="out_of_scope", fields={"region": "不在你的管辖范围内"})
    return region


# --- the queries -------------------------------------------------------------------------------------


def overview(region: Region, span: Period, now: datetime | None = None) -> Overview:
    now = now or clock.now()
    if db.session.get_bind().dialect.name == "postgresql":
        # The per-volunteer aggregates of a province (10⁶ groups) would spill to disk at the default 4 MB.
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # Compiling these short aggregates to machine code costs more than it saves (~80 ms each, measured).
        db.session.execute(text("SET LOCAL jit = off"))
    children = list(db.session.scalars(select(Region).where(Region.parent_code == region.code).order_by(Region.code)))
    prefix = scope_prefix(region.code)
    width = max((len(scope_prefix(child.code)) for child in children), default=LEVEL_PREFIX[region.level])
    groups: dict[str, Figures] = {}
    areas = {
        area: Figures(sessions_held=None, session_capacity=None, session_signups=None, session_attendees=None)
        for area in AREAS
    }
    for key, area, values in _rows(prefix, width, span, now):
        target = groups.setdefault(key, Figures()) if area is None else areas[area]
        for name, value in values.items():
            current = getattr(target, name)
            if current is not None:  # None: a figure the row does not keep (sessions per area)
                setattr(target, name, current + int(value or 0))
    whole = _fold(region, span, children, groups, areas)
    whole.programs = by_program(prefix, span, now)
    return whole


def totals(region: Region, span: Period) -> RegionFigures:
    return overview(region, span).region


def by_child(region: Region, span: Period) -> list[RegionFigures]:
    return overview(region, span).children


def by_area(region: Region, span: Period) -> list[AreaFigures]:
    return overview(region, span).areas


def _fold(
    region: Region, span: Period, children: Sequence[Region], groups: dict[str, Figures], areas: dict[str, Figures]
) -> Overview:
    rows = [RegionFigures(child.code, child.name, child.level) for child in children]
    # Longest prefix first: a county directly under a province must not fall into a city's row.
    order = sorted(rows, key=lambda row: -len(scope_prefix(row.code)))
    whole = RegionFigures(region.code, region.name, region.level)
    unassigned = Figures()
    seen_unassigned = False
    for key, figures in groups.items():
        whole.figures.add(figures)
        row = next((row for row in order if key.startswith(scope_prefix(row.code))), None)
        if row is None:
            unassigned.add(figures)
            seen_unassigned = True
        else:
            row.figures.add(figures)
    area_rows = [AreaFigures(area, name, areas[area]) for area, name in AREAS.items()]
    return Overview(whole, span, rows, unassigned if seen_unassigned else None, area_rows)


#: The prefix of _volunteers' columns that count an area team's members.
TEAM = "team_"
#: A row with this column counts both for its region (key) and for this area (one scan for both).
EACH_AREA = "each_area"


def _rows(prefix: str, width: int, span: Period, now: datetime) -> Iterable[tuple[str, str | None, dict[str, Any]]]:
    """(group key, area or None, figures) from every query; the key is the code cut to `width`.

    A query by region and its twin by area run as two statements, not one UNION ALL: PostgreSQL gives
    each branch of a union a single worker, but a statement of its own a parallel scan (0.8 s against
    0.45 s measured for a province's service years)."""
    for make in (_volunteers, _service, _edge_service, _activities, _late_members):
        made = make(prefix, width, span, now)
        for query in () if made is None else made if isinstance(made, tuple) else (made,):
            for row in db.session.execute(query):
                values = row._asdict()
                key, area = values.pop("key", None), values.pop("area", None)
                teams = {name: values.pop(name) for name in list(values) if name.startswith(TEAM)}
                each_area = values.pop(EACH_AREA, None)
                yield (key or ""), area, values
                if each_area is not None:
                    yield "", each_area, values
                for name, members in teams.items():
                    yield "", name.removeprefix(TEAM), {"volunteers": members}


def _cut(column: Any, width: int) -> ColumnElement[str]:
    return func.substr(column, 1, width)


def _registered_by(span: Period) -> ColumnElement[bool]:
    end = span.ends_at
    return and_(
        Volunteer.created_at < end,
        or_(Volunteer.withdrawn_at.is_(None), Volunteer.withdrawn_at >= end),
    )


def _volunteers(prefix: str, width: int, span: Period, now: datetime):
    """The registered volunteers per region and, from the same scan, the members of each area team
    (Volunteer.team_bits, kept as memberships come and go; a column each, see _rows); _late_members
    takes off those who joined a team after the period."""
    key = _cut(Volunteer.home_region_code, width).label("key")
    teams = [
        func.sum(case((Volunteer.team_bits.op("&")(1 << bit) != 0, 1), else_=0)).label(TEAM + area)
        for area, bit in AREA_INDEX.items()
    ]
    return (
        select(key, func.count().label("volunteers"), *teams)
        .where(in_scope(Volunteer.home_region_code, prefix), _registered_by(span))
        .group_by(key)
    )


# --- service: whole months from service_years, the days at the edges from the records -------------


@dataclass(frozen=True)
class Cut:
    """A window of China dates (both ends included) cut into the whole calendar months inside it,
    summed from `service_years`, and the days at its edges, summed from the records themselves."""

    months: tuple[tuple[int, int], ...]
    days: tuple[tuple[date, date], ...]

    @property
    def years(self) -> set[int]:
        return {year for year, _ in self.months}


def cut(first: date, last: date, today: date | None = None) -> Cut:
    """`today` (China date of now), when given: a month whose window starts on its first day and reaches
    today counts whole, since no record is checked in after now; so the usual period (1 January to
    today) has no edge days at all."""
    months: list[tuple[int, int]] = []
    days: list[tuple[date, date]] = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + timedelta(days=32)).replace(day=1)
        lo, hi = max(first, month), min(last, following - timedelta(days=1))
        reaches_now = today is not None and hi >= today
        if lo == month and (hi == following - timedelta(days=1) or reaches_now):
            months.append((month.year, month.month))
        else:
            days.append((lo, hi))
        month = following
    return Cut(tuple(months), tuple(days))


@dataclass(frozen=True)
class Windows:
    """The three windows the service figures count over: the period, the month of `to` and its year."""

    period: Cut
    month: Cut
    year: Cut

    @classmethod
    def of(cls, span: Period, now: datetime) -> "Windows":
        today = clock.local(now).date()
        return cls(
            cut(span.start, span.end, today),
            cut(span.end.replace(day=1), span.end, today),
            cut(span.end.replace(month=1, day=1), span.end, today),
        )

    @property
    def years(self) -> set[int]:
        return self.period.years | self.year.years

    @property
    def edge_days(self) -> list[tuple[date, date]]:
        return sorted(set(self.period.days + self.month.days + self.year.days))


def _over(window: Cut, column: Callable[[int], ColumnElement[int]]) -> ColumnElement[int]:
    """The sum of a service year's month columns (`column(month)`) that `window` holds whole."""
    by_year: dict[int, list[int]] = {}
    for year, month in window.months:
        by_year.setdefault(year, []).append(month)
    if not by_year:
        return literal(0)
    branches = [
        (ServiceYear.year == year, sum_of([column(month) for month in months])) for year, months in by_year.items()
    ]
    return case(*branches, else_=0)


def sum_of(columns: list[ColumnElement[int]]) -> ColumnElement[int]:
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def _served(window: Cut) -> ColumnElement[bool]:
    return _over(window, rollup.records_column) > 0


def _rolled_up(windows: Windows, prefix: str):
    """Active volunteers and hours from the whole months of service_years: per home region from the
    rows for all service, per area from the area rows. A row is one volunteer and year (and area), so
    a period within one year counts rows; a longer one counts distinct volunteers."""
    served = _served(windows.period)
    active: ColumnElement[Any]
    if len(windows.period.years) <= 1:
        active = func.sum(case((served, 1), else_=0))
    else:
        active = func.count(func.distinct(case((served, ServiceYear.volunteer_id))))
    figures = (
        active.label("active_volunteers"),
        func.sum(_over(windows.period, rollup.minutes_column)).label("minutes"),
        func.sum(_over(windows.month, rollup.minutes_column)).label("minutes_month"),
        func.sum(_over(windows.year, rollup.minutes_column)).label("minutes_year"),
    )
    return figures, and_(ServiceYear.year.in_(sorted(windows.years)), in_scope(ServiceYear.home_region_code, prefix))


def _service(prefix: str, width: int, span: Period, now: datetime):
    windows = Windows.of(span, now)
    if not windows.years:
        return None
    figures, rows = _rolled_up(windows, prefix)
    key = _cut(ServiceYear.home_region_code, width).label("key")
    by_region = (
        select(key, literal(None).label("area"), *figures).where(ServiceYear.area == ALL_AREAS, rows).group_by(key)
    )
    by_area = (
        select(literal(None).label("key"), ServiceYear.area.label("area"), *figures)
        .where(ServiceYear.area != ALL_AREAS, rows)
        .group_by(ServiceYear.area)
    )
    return by_region, by_area


def _of_scope(prefix: str) -> ColumnElement[bool]:
    """Records of the scope's volunteers. A province reads every volunteer's, so filtering by the
    join is cheaper; a city's or county's volunteers are best looked up first."""
    if len(prefix) <= LEVEL_PREFIX["province"]:
        return literal(True)
    return ServiceRecord.volunteer_id.in_(select(Volunteer.id).where(in_scope(Volunteer.home_region_code, prefix)))


def _edge_service(prefix: str, width: int, span: Period, now: datetime):
    """What whole months leave out, from the records of the days at the windows' edges (the default
    period, 1 January to today, has only today's): their hours, and the volunteers active only on
    those days, not already counted from a whole month; per home region and per area of the need."""
    windows = Windows.of(span, now)
    edges = windows.edge_days
    if not edges:
        return None

    def within(ranges: Iterable[tuple[date, date]]) -> ColumnElement[bool]:
        moment = ServiceRecord.checked_in_at
        return or_(
            literal(False),
            *(and_(moment >= midnight(lo), moment < midnight(hi + timedelta(days=1))) for lo, hi in ranges),
        )

    def minutes(window: Cut) -> Any:
        return func.sum(case((within(window.days), ServiceRecord.confirmed_minutes), else_=0))

    def per_volunteer(area: Any):
        return (
            select(
                ServiceRecord.volunteer_id,
                area.label("area"),
                func.sum(case((within(windows.period.days), 1), else_=0)).label("records"),
                minutes(windows.period).label("minutes"),
                minutes(windows.month).label("minutes_month"),
                minutes(windows.year).label("minutes_year"),
            )
            .where(ServiceRecord.status == "confirmed", within(edges), _of_scope(prefix))
            .group_by(ServiceRecord.volunteer_id, area)
        )

    everything = per_volunteer(literal(ALL_AREAS))
    by_need_area = (
        per_volunteer(Activity.area)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(Activity.type == "need", Activity.area.is_not(None))
    )
    rows = everything.union_all(by_need_area).subquery()
    counted = (
        select(ServiceYear.volunteer_id)
        .where(
            ServiceYear.volunteer_id == rows.c.volunteer_id,
            ServiceYear.area == rows.c.area,
            ServiceYear.year.in_(sorted(windows.period.years) or [0]),
            _served(windows.period),
        )
        .exists()
    )
    figures = (
        func.sum(case((and_(rows.c.records > 0, ~counted), 1), else_=0)).label("active_volunteers"),
        func.sum(rows.c.minutes).label("minutes"),
        func.sum(rows.c.minutes_month).label("minutes_month"),
        func.sum(rows.c.minutes_year).label("minutes_year"),
    )
    key = _cut(Volunteer.home_region_code, width).label("key")
    scoped = and_(Volunteer.id == rows.c.volunteer_id, in_scope(Volunteer.home_region_code, prefix))
    by_region = select(key, literal(None).label("area"), *figures).where(scoped, rows.c.area == ALL_AREAS).group_by(key)
    by_area = (
        select(literal(None).label("key"), rows.c.area, *figures)
        .where(scoped, rows.c.area != ALL_AREAS)
        .group_by(rows.c.area)
    )
    return by_region, by_area


def _activities(prefix: str, width: int, span: Period, now: datetime):
    """Needs posted, sessions held and villagers reached in the region's villages (scope.activity_figures),
    grouped by village prefix and area at once: each row counts for its region and, when it is a need,
    for its area (_rows; the area rows keep no session figures)."""
    key = _cut(Activity.village_code, width).label("key")
    figures, where = activity_figures(span, prefix, now)
    return select(key, Activity.area.label(EACH_AREA), *figures).where(where).group_by(key, Activity.area)


def _late_members(prefix: str, width: int, span: Period, now: datetime):
    """Members counted from team_bits who joined their team after the period: taken off again (for a
    period ending today, nobody; found through the index on joined_at)."""
    return (
        select(TeamMembership.area, (-func.count()).label("volunteers"))
        .join(Volunteer, Volunteer.id == TeamMembership.volunteer_id)
        .where(
            TeamMembership.joined_at >= span.ends_at,
            in_scope(Volunteer.home_region_code, prefix),
            _registered_by(span),
        )
        .group_by(TeamMembership.area)
    )
