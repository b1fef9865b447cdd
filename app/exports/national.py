"""录入全国志愿服务信息系统: the confirmed service records of a region and period in the data items the
national volunteer information system (全国志愿服务信息系统) takes, one row per record, keyed by the
national unified volunteer number (志愿者统一编号), never the ID number.

What the items rest on (looked up 2026-12-02; the primary texts as republished, since the ministry's
own pages could not be reached from here):

- 《志愿服务记录与证明出具办法（试行）》(民政部令第 67 号, 2020-12-02, in force 2021-02-01), art. 4:
  an organisation records the volunteer's basic personal information, the service (志愿服务情况),
  training, awards and evaluations; what it records in another system or on paper it must enter into
  the system the ministry designates "按照统一的信息数据标准" (as republished by the Fujian charity
  federation, m.fjcv.org, "来源：国务院公报", and by 48936.com).
- 《关于规范志愿服务记录证明工作的指导意见》(民发〔2015〕149号): a record certificate holds the
  volunteer's identity (name, ID document type and number, volunteer number), the service (time in
  hours and content), the issuer (name, person in charge, handler, contact) and the certificate's
  number and date (chinadaily.com.cn 2015-08-31; ysznh.com).
- 《志愿服务信息系统基本规范》 MZ/T 061-2015 (民政部, 2015-09): covers volunteers, teams, projects,
  training, awards, service time, evaluations and certificates, and gives every volunteer a
  "志愿者统一编号" in place of the ID number used as a public number before (people.com.cn
  2015-09-15; 京华时报 via chinahaoren.cn).

Not confirmed: the standard's own data-element list (identifiers, names, lengths and code tables of
MZ/T 061-2015 appendix items) and the exact wording of the 2020 measures' articles on the contents of
the service record — neither text was available. The columns below are therefore named as those
texts name the items (服务时间、服务内容、服务时长、组织单位、记录单位 …) and should be mapped to the
national system's import template when the province receives it. The ID number is left out on
purpose (the unified number replaces it; this service keeps no ID number it could hand over without
the volunteer's separate consent); a row without a unified number is marked for the volunteer to be
registered in the national system first.
"""

from collections.abc import Iterator

from flask import current_app

from app.activities.models import Activity
from app.attendance.models import ServiceRecord
from app.exports.records import Names, Scope, Tally, audit_export, content_kind, hours, in_scope, roomy, stream
from app.exports.sheets import Book, local
from app.volunteers.models import Volunteer

HEADER = (
    "志愿者统一编号", "姓名", "性别", "本平台志愿者编号", "志愿服务活动名称", "服务类别", "所属项目", "服务开始时间",
    "服务结束时间", "服务时长（小时）", "服务地点", "服务内容", "活动组织单位", "志愿服务记录单位", "记录人",
    "记录时间", "本平台记录编号", "备注",
)  # fmt: skip
WIDTHS = (20, 10, 6, 14, 24, 16, 14, 17, 17, 10, 30, 30, 18, 20, 12, 17, 12, 24)
GENDERS = {"male": "男", "female": "女"}
NO_NUMBER = "尚无志愿者统一编号：请先在全国志愿服务信息系统注册并由团委登记编号"

COLUMNS = (
    ServiceRecord.id,
    Volunteer.national_no,
    Volunteer.name,
    Volunteer.gender,
    Volunteer.volunteer_no,
    Activity.type,
    Activity.title,
    Activity.description,
    Activity.area,
    Activity.kind,
    Activity.topic,
    Activity.program_id,
    Activity.village_code,
    ServiceRecord.checked_in_at,
    ServiceRecord.checked_out_at,
    ServiceRecord.confirmed_minutes,
    ServiceRecord.confirmed_by,
    ServiceRecord.confirmed_at,
)


def place(names: Names, village: str) -> str:
    """省市县乡村, as far up as the tree goes: 山西省太原市小店区小店街道小店村."""
    parts, code = [], village
    while code:
        name, parent = names.regions.get(code, ("", None))
        parts.append(name)
        code = parent or ""
    return "".join(reversed(parts))


def _recorder(names: Names, village: str) -> str:
    """The league committee of the organiser's county keeps the record (谁记录谁证明)."""
    county = names.ancestor(village, 6)
    return f"共青团{county}委员会" if county else current_app.config["CERTIFICATE_ISSUER"]


def rows(scope: Scope, names: Names, tally: Tally) -> Iterator[list]:
    query = in_scope(scope, *COLUMNS).order_by(ServiceRecord.checked_in_at, ServiceRecord.id)
    for row in stream(query):
        tally.records += 1
        tally.minutes += row.confirmed_minutes or 0
        village = row.village_code
        yield [
            row.national_no,
            row.name,
            GENDERS.get(row.gender or "", ""),
            row.volunteer_no,
            row.title,
            content_kind(row.type, row.area, row.kind, row.topic),
            names.programs.get(row.program_id, "") if row.program_id else "",
            local(row.checked_in_at),
            local(row.checked_out_at),
            hours(row.confirmed_minutes),
            place(names, village),
            row.description,
            f"{names.region(village)}团支部",
            _recorder(names, village),
            names.person(row.confirmed_by),
            local(row.confirmed_at),
            row.id,
            "" if row.national_no else NO_NUMBER,
        ]


def export_national(scope: Scope) -> tuple[str, Tally]:
    roomy()
    names = Names.load()
    book = Book()
    tally = Tally()
    book.table("志愿服务记录", HEADER, rows(scope, names, tally), WIDTHS)
    book.lines(
        "说明",
        [
            (
                "用途",
                "按全国志愿服务信息系统的数据项整理的志愿服务记录，供录入全国系统（《志愿服务记录与证明出具办法（试行）》第四条）",
            ),
            ("区划", f"{scope.region.name}（{scope.region.code}）"),
            ("期间", f"{scope.span.start.isoformat()} 至 {scope.span.end.isoformat()}（北京时间，按签到时间）"),
            ("服务记录数", tally.records),
            ("服务时长（小时）", hours(tally.minutes)),
            ("个人信息", "以志愿者统一编号对应志愿者，不含身份证号和手机号。"),
        ],
    )
    path = book.save()
    audit_export(scope, "national.xlsx", tally)
    return path, tally
