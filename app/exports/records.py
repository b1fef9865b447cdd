"""服务记录导出: every confirmed service record of a region and period, with the fields the records
rules list, and sheets of totals per volunteer, per village, per area (and kind of session) and per
program, as one xlsx built row by row (app/exports/sheets.py).

Which records: those GET /stats counts for the same region and period — confirmed records checked in
within the period (China dates, both included) of the volunteers whose home is in the region, wherever
they served. So the export's record count and hours are the statistics' own, to the minute (the hours
rules round each record to half hours). The village, area and program sheets break the same records
down by the activity's village (the organiser), its area and its program.

Personal data: names and volunteer numbers (the records rules ask for them), the national unified
number where staff recorded one; the phone only masked, on the volunteer sheet; never the ID number.
The rows are read with server-side cursors (``yield_per``), so memory stays flat however many rows.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, func, select, text

from app.accounts.models import StaffAccount
from app.activities.models import Activity
from app.attendance.models import ServiceRecord
from app.core import audit, clock
from app.core.access import scope_prefix
from app.core.crypto import mask_phone
from app.exports.sheets import Book, local
from app.extensions import db
from app.programs.models import Program
from app.regions.models import Region
from app.stats.scope import Period
from app.volunteers.models import Volunteer
from config.catalog import AREAS, SESSION_KINDS, SESSION_TOPICS

#: Rows fetched from the server-side cursor at a time.
BATCH = 5_000
TYPE_NAMES = {"need": "村级需求", "session": "夜校讲习所"}

RECORD_HEADER = (
    "记录编号", "志愿者姓名", "志愿者编号", "志愿者统一编号", "类型", "需求或活动", "服务内容", "服务领域或主题",
    "所属项目", "组织村", "村代码", "乡镇", "县（区）", "组织者（团支部书记）", "签到时间", "签退时间",
    "服务时长（小时）", "确认人", "确认时间",
)  # fmt: skip
RECORD_WIDTHS = (10, 10, 14, 20, 10, 24, 30, 18, 14, 12, 14, 12, 12, 14, 17, 17, 10, 14, 17)
TOTAL_FIGURES = ("服务记录数", "志愿者人数", "需求和活动数", "服务时长（小时）", "参与村民", "其中贫困户村民")


@dataclass(frozen=True)
class Scope:
    region: Region
    span: Period

    @property
    def prefix(self) -> str:
        return scope_prefix(self.region.code)


def _where(scope: Scope) -> tuple[ColumnElement[bool], ...]:
    """What GET /stats counts as the region's hours in the period (app.stats.queries)."""
    return (
        ServiceRecord.status == "confirmed",
        ServiceRecord.checked_in_at >= scope.span.starts_at,
        ServiceRecord.checked_in_at < scope.span.ends_at,
        Volunteer.home_region_code.like(scope.prefix + "%"),
    )


def in_scope(scope: Scope, *columns: Any) -> Select:
    """Records joined to their volunteer (and, where the columns need it, their activity)."""
    return (
        select(*columns)
        .select_from(ServiceRecord)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(*_where(scope))
    )


def stream(query: Select) -> Iterator[Any]:
    """Rows from a server-side cursor, a batch at a time."""
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def roomy() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        # A province's aggregates (10⁵–10⁶ groups) and its sort would spill to disk at the default 4 MB.
        db.session.execute(text("SET LOCAL work_mem = '64MB'"))
        # Every row of the server-side cursors is read: plan for all of them, not for the first tenth
        # (the default fraction picks index walks in checked-in order; a county took 20 s against 0.6 s).
        db.session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))


# --- names: small tables read once ---------------------------------------------------------------


@dataclass
class Names:
    """Regions, programs and the people who organise and confirm, each read once (they grow with the
    province, not with the rows); people are looked up as they appear."""

    regions: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    programs: dict[int, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> "Names":
        names = cls()
        names.regions = {
            code: (name, parent)
            for code, name, parent in db.session.execute(select(Region.code, Region.name, Region.parent_code))
        }
        names.programs = {key: name for key, name in db.session.execute(select(Program.id, Program.name))}
        staff = select(
            StaffAccount.user_id, func.coalesce(func.nullif(StaffAccount.display_name, ""), StaffAccount.username)
        )
        names.people = {key: name for key, name in db.session.execute(staff)}
        return names

    def region(self, code: str | None) -> str:
        return self.regions.get(code, ("", None))[0] if code else ""

    def ancestor(self, code: str, level_length: int) -> str:
        """The name of the region above `code` whose code has that many significant digits (9: township)."""
        parent = self.regions.get(code, ("", None))[1]
        while parent is not None:
            if len(scope_prefix(parent)) == level_length:
                return self.region(parent)
            parent = self.regions.get(parent, ("", None))[1]
        return ""

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self.people:
            name = db.session.scalar(select(Volunteer.name).where(Volunteer.user_id == user_id))
            self.people[user_id] = name or f"用户 {user_id}"
        return self.people[user_id]


def content_kind(type_: str, area: str | None, kind: str | None, topic: str | None) -> str:
    if type_ == "need":
        return AREAS.get(area or "", area or "")
    return "·".join(part for part in (SESSION_KINDS.get(kind or ""), SESSION_TOPICS.get(topic or "")) if part)


def hours(minutes: int | None) -> float:
    return (minutes or 0) / 60


# --- the records ---------------------------------------------------------------------------------------


RECORD_COLUMNS = (
    ServiceRecord.id,
    Volunteer.name,
    Volunteer.volunteer_no,
    Volunteer.national_no,
    Activity.type,
    Activity.title,
    Activity.description,
    Activity.area,
    Activity.kind,
    Activity.topic,
    Activity.program_id,
    Activity.village_code,
    Activity.created_by,
    ServiceRecord.checked_in_at,
    ServiceRecord.checked_out_at,
    ServiceRecord.confirmed_minutes,
    ServiceRecord.confirmed_by,
    ServiceRecord.confirmed_at,
)


@dataclass
class Tally:
    records: int = 0
    minutes: int = 0


def record_rows(scope: Scope, names: Names, tally: Tally) -> Iterator[list]:
    query = in_scope(scope, *RECORD_COLUMNS).order_by(ServiceRecord.checked_in_at, ServiceRecord.id)
    for row in stream(query):
        tally.records += 1
        tally.minutes += row.confirmed_minutes or 0
        village = row.village_code
        yield [
            row.id,
            row.name,
            row.volunteer_no,
            row.national_no,
            TYPE_NAMES.get(row.type, row.type),
            row.title,
            row.description,
            content_kind(row.type, row.area, row.kind, row.topic),
            names.programs.get(row.program_id, "") if row.program_id else "",
            names.region(village),
            village,
            names.ancestor(village, 9),
            names.ancestor(village, 6),
            names.person(row.created_by),
            local(row.checked_in_at),
            local(row.checked_out_at),
            hours(row.confirmed_minutes),
            names.person(row.confirmed_by),
            local(row.confirmed_at),
        ]


# --- the totals ----------------------------------------------------------------------------------------


def volunteer_rows(scope: Scope, names: Names) -> Iterator[list]:
    per = (
        in_scope(
            scope,
            ServiceRecord.volunteer_id,
            func.count().label("records"),
            func.sum(ServiceRecord.confirmed_minutes).label("minutes"),
            func.min(ServiceRecord.checked_in_at).label("first"),
            func.max(ServiceRecord.checked_in_at).label("last"),
        )
        .group_by(ServiceRecord.volunteer_id)
        .subquery()
    )
    query = (
        select(
            per,
            Volunteer.name,
            Volunteer.volunteer_no,
            Volunteer.national_no,
            Volunteer.phone,
            Volunteer.home_region_code,
        )
        .join(Volunteer, Volunteer.id == per.c.volunteer_id)
        .order_by(Volunteer.home_region_code, Volunteer.id)
    )
    for row in stream(query):
        yield [
            row.name,
            row.volunteer_no,
            row.national_no,
            mask_phone(row.phone),
            names.region(row.home_region_code),
            row.records,
            hours(row.minutes),
            local(row.first),
            local(row.last),
        ]


@dataclass
class Figures:
    records: int = 0
    volunteers: int = 0
    activities: int = 0
    minutes: int = 0
    villagers: int = 0
    poor_households: int = 0

    def cells(self) -> list:
        return [
            self.records,
            self.volunteers,
            self.activities,
            hours(self.minutes),
            self.villagers,
            self.poor_households,
        ]


def grouped(scope: Scope, *keys: Any) -> dict[tuple, Figures]:
    """Records, distinct volunteers and activities, hours, and the villagers the activities reached
    (each activity once), grouped by columns of the activity."""
    figures: dict[tuple, Figures] = {}
    service = in_scope(
        scope,
        *keys,
        func.count(),
        func.count(distinct(ServiceRecord.volunteer_id)),
        func.count(distinct(ServiceRecord.activity_id)),
        func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0),
    ).group_by(*keys)
    width = len(keys)
    for row in db.session.execute(service):
        figures[tuple(row[:width])] = Figures(*(int(value) for value in row[width:]))
    served = in_scope(scope, ServiceRecord.activity_id).distinct().subquery()
    reach = (
        select(
            *keys, func.coalesce(func.sum(Activity.villagers), 0), func.coalesce(func.sum(Activity.poor_households), 0)
        )
        .join(served, served.c.activity_id == Activity.id)
        .group_by(*keys)
    )
    for row in db.session.execute(reach):
        target = figures.setdefault(tuple(row[:width]), Figures())
        target.villagers, target.poor_households = int(row[width]), int(row[width + 1])
    return figures


def _total_row(label: str, figures: list[Figures], *, blanks: int = 0) -> list:
    total = Figures()
    for item in figures:
        total.records += item.records
        total.activities += item.activities
        total.minutes += item.minutes
        total.villagers += item.villagers
        total.poor_households += item.poor_households
    # Volunteers are not additive across rows (one serves in several villages): left empty.
    return [
        label,
        *([""] * blanks),
        total.records,
        None,
        total.activities,
        hours(total.minutes),
        total.villagers,
        total.poor_households,
    ]


def village_rows(scope: Scope, names: Names) -> Iterator[list]:
    figures = grouped(scope, Activity.village_code)
    for (code,), item in sorted(figures.items()):
        yield [names.region(code), code, names.ancestor(code, 9), names.ancestor(code, 6), *item.cells()]
    yield _total_row("合计", list(figures.values()), blanks=3)


def area_rows(scope: Scope) -> Iterator[list]:
    figures = grouped(scope, Activity.type, Activity.area, Activity.kind)
    order: dict[tuple, int] = {
        **{("need", code, None): n for n, code in enumerate(AREAS)},
        **{("session", None, kind): 100 + n for n, kind in enumerate(SESSION_KINDS)},
    }
    for (type_, area, kind), item in sorted(figures.items(), key=lambda pair: order.get(pair[0], 999)):
        label = AREAS.get(area or "", "") if type_ == "need" else SESSION_KINDS.get(kind or "", "")
        yield [label, TYPE_NAMES.get(type_, type_), *item.cells()]
    yield _total_row("合计", list(figures.values()), blanks=1)


def program_rows(scope: Scope, names: Names) -> Iterator[list]:
    figures = grouped(scope, Activity.program_id)
    for (program_id,), item in sorted(figures.items(), key=lambda pair: (pair[0][0] is None, pair[0][0] or 0)):
        yield [names.programs.get(program_id, "") if program_id else "（未归属项目）", *item.cells()]
    yield _total_row("合计", list(figures.values()))


# --- the workbook ----------------------------------------------------------------------------------------


@dataclass
class Exported:
    path: str
    records: int
    minutes: int


def count(scope: Scope) -> int:
    """The service records an export of the scope would hold."""
    return db.session.scalar(in_scope(scope, func.count())) or 0


def summary(scope: Scope) -> tuple[int, int, int]:
    """Records, confirmed minutes and distinct volunteers: the figures the 说明 sheet states."""
    row = db.session.execute(
        in_scope(
            scope,
            func.count(),
            func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0),
            func.count(distinct(ServiceRecord.volunteer_id)),
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


def export_records(scope: Scope, *, by: str) -> Exported:
    """The workbook in a temporary file; the export is audited (who, region, period, how many rows)."""
    roomy()
    names = Names.load()
    book = Book()
    records, minutes, volunteers = summary(scope)
    span = scope.span
    book.lines(
        "说明",
        [
            ("区划", f"{scope.region.name}（{scope.region.code}）"),
            ("期间", f"{span.start.isoformat()} 至 {span.end.isoformat()}（北京时间，含首尾两天，按签到时间）"),
            ("范围", "常住地在本区划的志愿者在期间内经组织方确认的服务记录（与统计页、GET /stats 的服务时长口径一致）"),
            ("服务记录数", records),
            ("服务时长（小时）", hours(minutes)),
            ("志愿者人数", volunteers),
            ("导出人", by),
            ("导出时间", local(clock.now())),
            ("个人信息", "手机号已脱敏；不含身份证号。导出文件仅用于考核，请妥善保管，用后删除。"),
        ],
    )
    tally = Tally()
    book.table("服务记录", RECORD_HEADER, record_rows(scope, names, tally), RECORD_WIDTHS)
    book.table(
        "按志愿者",
        (
            "志愿者姓名",
            "志愿者编号",
            "志愿者统一编号",
            "手机号（脱敏）",
            "常住地",
            "服务记录数",
            "服务时长（小时）",
            "首次服务",
            "最近服务",
        ),
        volunteer_rows(scope, names),
        (10, 14, 20, 14, 14, 10, 12, 17, 17),
    )
    book.table(
        "按村",
        ("村", "村代码", "乡镇", "县（区）", *TOTAL_FIGURES),
        village_rows(scope, names),
        (12, 14, 12, 12, 10, 10, 12, 12, 10, 12),
    )
    book.table(
        "按领域", ("服务领域或活动类型", "类型", *TOTAL_FIGURES), area_rows(scope), (20, 12, 10, 10, 12, 12, 10, 12)
    )
    book.table("按项目", ("项目", *TOTAL_FIGURES), program_rows(scope, names), (20, 10, 10, 12, 12, 10, 12))
    path = book.save()
    audit_export(scope, "records.xlsx", tally)
    return Exported(path, tally.records, tally.minutes)


def audit_export(scope: Scope, what: str, tally: Tally) -> None:
    audit.record(
        "export",
        "service_records",
        scope.region.code,
        after={
            "export": what,
            "region": scope.region.code,
            "from": scope.span.start,
            "to": scope.span.end,
            "records": tally.records,
            "hours": hours(tally.minutes),
        },
        region_code=scope.region.code,
    )


def filename(scope: Scope, stem: str) -> str:
    return f"{stem}-{scope.region.code}-{scope.span.start.isoformat()}-{scope.span.end.isoformat()}.xlsx"
