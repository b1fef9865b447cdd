"""抽查: staff draw a random sample of a region's confirmed records for a period and verify them one by one.

The draw is reproducible and unbiased. The candidates are the confirmed records of activities in the region's
villages (谁组织谁记录: a record belongs where it was organised), checked in within the period and confirmed
by the moment of the draw, in id order. A seed of 128 bits from the OS CSPRNG is recorded with the number of
candidates (population) and the sample size; `positions(seed, population, size)` is
`random.Random(seed).sample(range(population), size)`, every size-subset of the positions equally likely, so every
record is drawn with the same probability size/population. The record at each position is read in the same
id order, and the positions and ids are kept on the items, so anyone can redo the draw from what was recorded.

A discrepancy in hours corrects the record through app.attendance.operations.correct (its rules: the organiser's
or staff's scope, never one's own record, at most the scheduled time; the volunteer is told, and any open
correction request of the volunteer is resolved); the minutes before and after are kept on the item.
"""

import math
import random
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, or_, select

from app.activities.models import Activity
from app.assessment.models import SpotCheck, SpotCheckItem
from app.attendance import operations as attendance
from app.attendance.models import ServiceRecord
from app.core import audit, clock
from app.core.access import Principal, covers, require_role, scope_prefix
from app.core.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.stats import queries as stats
from app.volunteers.models import Volunteer
from app.wechat.content import ensure_clean

#: Each drawn record is verified by hand: a sample larger than this is a mistake, not a check.
MAX_SIZE = 1000


def positions(seed: str, population: int, size: int) -> list[int]:
    """The draw itself: which 0-based places among the id-ordered candidates, in the order drawn."""
    # Not for secrecy but for fairness and replay: the seed itself comes from the OS CSPRNG (draw()).
    return random.Random(int(seed, 16)).sample(range(population), size)  # noqa: S311


def size_for(population: int, *, size: int | None, share: float | None) -> int:
    """How many to draw: the size asked (at most the population), or the share rounded up (5 % of 30 is 2)."""
    if share is not None:
        wanted = math.ceil(Decimal(str(share)) * population)
    else:
        assert size is not None
        wanted = size
    wanted = min(max(wanted, 1), population)
    if wanted > MAX_SIZE:
        raise InvalidInput(
            f"一次最多抽取 {MAX_SIZE} 条记录", fields={"share" if share is not None else "size": f"最多 {MAX_SIZE} 条"}
        )
    return wanted


def _candidates(prefix: str, span: stats.Period, cutoff):
    return (
        select(ServiceRecord.id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(
            ServiceRecord.status == "confirmed",
            ServiceRecord.checked_in_at >= span.starts_at,
            ServiceRecord.checked_in_at < span.ends_at,
            or_(ServiceRecord.confirmed_at.is_(None), ServiceRecord.confirmed_at <= cutoff),
            Activity.village_code.like(prefix + "%"),
        )
    )


def candidate_count(prefix: str, span: stats.Period, cutoff) -> int:
    return db.session.scalar(select(func.count()).select_from(_candidates(prefix, span, cutoff).subquery())) or 0


def records_at(prefix: str, span: stats.Period, cutoff, places: list[int]) -> dict[int, int]:
    """Position → record id, for the given positions among the id-ordered candidates (one scan, in the database)."""
    ranked = _candidates(prefix, span, cutoff).add_columns(
        (func.row_number().over(order_by=ServiceRecord.id) - 1).label("place")
    )
    ranked_sq = ranked.subquery()
    rows = db.session.execute(select(ranked_sq.c.place, ranked_sq.c.id).where(ranked_sq.c.place.in_(places)))
    return {int(place): record_id for place, record_id in rows}


def draw(
    principal: Principal, region_code: str | None, span: stats.Period, *, size: int | None, share: float | None
) -> SpotCheck:
    region = stats.region_for(principal, region_code)  # staff only; another region: 403 out_of_scope
    prefix, now = scope_prefix(region.code), clock.now()
    population = candidate_count(prefix, span, now)
    if population == 0:
        raise Conflict("该区划在这段时间内没有已确认的服务记录，无从抽查", code="no_records")
    check = SpotCheck(
        region_code=region.code,
        period_start=span.start,
        period_end=span.end,
        seed=secrets.token_hex(16),
        population=population,
        size=size_for(population, size=size, share=share),
        share=share,
        drawn_at=now,
        status="open",
        created_by=principal.user_id,
    )
    places = positions(check.seed, population, check.size)
    found = records_at(prefix, span, now, places)
    if len(found) != len(places):  # a record changed between the count and the read
        raise Conflict("抽取过程中记录发生了变化，请重新抽取", code="records_changed")
    db.session.add(check)
    db.session.flush()
    db.session.add_all(
        SpotCheckItem(spot_check_id=check.id, record_id=found[place], position=place, result="pending")
        for place in places
    )
    db.session.flush()
    audit.record(
        "draw",
        "spot_check",
        check.id,
        after={**snapshot(check), "record_ids": [found[place] for place in places], "positions": places},
        region_code=region.code,
    )
    return check


def snapshot(check: SpotCheck) -> dict:
    return {
        "region": check.region_code,
        "from": check.period_start,
        "to": check.period_end,
        "seed": check.seed,
        "population": check.population,
        "size": check.size,
        "share": check.share,
        "status": check.status,
    }


def get(principal: Principal, check_id: int) -> SpotCheck:
    """A spot check of the caller's region (staff; admins all); any other is missing."""
    require_role(principal, "staff")
    check = db.session.get(SpotCheck, check_id)
    if check is None or not _sees(principal, check.region_code):
        raise NotFound("抽查不存在", code="spot_check_not_found")
    return check


def _sees(principal: Principal, code: str) -> bool:
    return principal.is_admin or bool(principal.staff_region and covers(principal.staff_region, code))


def listing(principal: Principal, *, limit: int = 100) -> list[SpotCheck]:
    require_role(principal, "staff")
    query = select(SpotCheck).order_by(SpotCheck.id.desc()).limit(limit)
    if not principal.is_admin:
        assert principal.staff_region is not None  # the staff role comes with a region
        query = query.where(SpotCheck.region_code.like(scope_prefix(principal.staff_region) + "%"))
    return list(db.session.scalars(query))


@dataclass
class ItemRow:
    item: SpotCheckItem
    record: ServiceRecord
    activity: Activity
    volunteer: Volunteer


def items(check: SpotCheck) -> list[ItemRow]:
    rows = db.session.execute(
        select(SpotCheckItem, ServiceRecord, Activity, Volunteer)
        .join(ServiceRecord, ServiceRecord.id == SpotCheckItem.record_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(SpotCheckItem.spot_check_id == check.id)
        .order_by(SpotCheckItem.position)
    )
    return [ItemRow(*row) for row in rows]


def verify(
    principal: Principal, check_id: int, record_id: int, *, result: str, note: str | None, hours: float | None
) -> SpotCheckItem:
    """Record what the check found of one drawn record; a discrepancy with other hours corrects the record."""
    check = get(principal, check_id)
    item = db.session.get(SpotCheckItem, (check.id, record_id), with_for_update=True)
    if item is None:
        raise NotFound("该记录不在这次抽查中", code="item_not_found")
    if item.result != "pending":
        raise Conflict("该记录已核查过", code="already_verified")
    if result == "discrepancy" and not note:
        raise InvalidInput(fields={"note": "核查发现问题时请说明"})
    if note:
        ensure_clean({"note": note})
    record, activity = attendance.get_record(record_id)
    before = {"result": item.result, "confirmed_minutes": record.confirmed_minutes}
    if result == "discrepancy" and hours is not None and round(hours * 60) != record.confirmed_minutes:
        item.minutes_before = record.confirmed_minutes
        attendance.correct(principal, record_id, hours=hours, reason=f"抽查更正：{note}")
        item.minutes_after = record.confirmed_minutes
    item.result, item.note = result, note
    item.verified_by, item.verified_at = principal.user_id, clock.now()
    db.session.flush()
    audit.record(
        "verify",
        "spot_check_item",
        f"{check.id}:{record_id}",
        before=before,
        after={"result": result, "note": note, "confirmed_minutes": record.confirmed_minutes},
        region_code=activity.village_code,
    )
    _complete_when_all_verified(check)
    return item


def _complete_when_all_verified(check: SpotCheck) -> None:
    pending = db.session.scalar(
        select(func.count()).where(SpotCheckItem.spot_check_id == check.id, SpotCheckItem.result == "pending")
    )
    if pending == 0 and check.status == "open":
        before = snapshot(check)
        check.status, check.completed_at = "done", clock.now()
        db.session.flush()
        audit.record(
            "complete", "spot_check", check.id, before=before, after=snapshot(check), region_code=check.region_code
        )


@dataclass
class Results:
    drawn: int = 0
    confirmed: int = 0
    discrepancies: int = 0
    corrected: int = 0

    @property
    def pending(self) -> int:
        return self.drawn - self.confirmed - self.discrepancies


def results_of(check: SpotCheck) -> Results:
    return _results(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == check.id).subquery())


def results_in(prefix: str, span: stats.Period) -> Results:
    """What every spot check found of the records of a region and period (whoever drew them: a city's check
    counts in its counties' sheets, record by record)."""
    drawn = (
        select(SpotCheckItem)
        .join(ServiceRecord, ServiceRecord.id == SpotCheckItem.record_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(
            Activity.village_code.like(prefix + "%"),
            ServiceRecord.checked_in_at >= span.starts_at,
            ServiceRecord.checked_in_at < span.ends_at,
        )
        .subquery()
    )
    return _results(drawn)


def _results(items_sq) -> Results:
    row = db.session.execute(
        select(
            func.count(),
            _how_many(items_sq.c.result == "confirmed"),
            _how_many(items_sq.c.result == "discrepancy"),
            _how_many(items_sq.c.minutes_after.is_not(None)),
        ).select_from(items_sq)
    ).one()
    return Results(*(int(value) for value in row))


def _how_many(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
