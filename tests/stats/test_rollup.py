"""service_years (app/attendance/rollup.py): what the statistics read instead of a year of records.

Two promises: the operations keep it equal to what `rebuild` sums from the records alone, and the
statistics give the records' own answer for any period, however its edges fall on the months."""

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.activities.models import Activity
from app.attendance import rollup
from app.attendance.models import ServiceRecord, ServiceYear
from app.core import clock
from app.core.access import scope_prefix
from app.extensions import db
from app.regions.models import Region
from app.stats import queries
from app.volunteers.models import Volunteer
from tests.attendance.helpers import Site, at


def rows() -> list[tuple]:
    columns = [ServiceYear.volunteer_id, ServiceYear.year, ServiceYear.area, ServiceYear.home_region_code]
    columns += [rollup.records_column(n) for n in rollup.MONTHS] + [rollup.minutes_column(n) for n in rollup.MONTHS]
    return sorted(tuple(row) for row in db.session.execute(select(*columns)))


def by_hand(prefix: str, span: queries.Period) -> dict:
    """The county's totals and areas straight from the records, in Python."""
    found = db.session.execute(
        select(ServiceRecord, Volunteer.home_region_code, Activity.type, Activity.area)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(ServiceRecord.status == "confirmed")
    ).all()
    month, year = span.end.replace(day=1), span.end.replace(month=1, day=1)
    totals = {"active": set(), "minutes": 0, "month": 0, "year": 0}
    areas: dict[str, dict] = {}
    for record, home, kind, area in found:
        if not (home or "").startswith(prefix):
            continue
        day = clock.local(record.checked_in_at).date()
        targets = [totals] + ([areas.setdefault(area, {"active": set(), "minutes": 0, "month": 0, "year": 0})]
                              if kind == "need" else [])  # fmt: skip
        for target in targets:
            if span.start <= day <= span.end:
                target["active"].add(record.volunteer_id)
                target["minutes"] += record.confirmed_minutes
            if month <= day <= span.end:
                target["month"] += record.confirmed_minutes
            if year <= day <= span.end:
                target["year"] += record.confirmed_minutes
    return {"totals": totals, "areas": areas}


def figures(region: str, span: queries.Period) -> dict:
    answer = queries.overview(db.session.get_one(Region, region), span)

    def of(f: queries.Figures) -> tuple:
        return (f.active_volunteers, f.minutes, f.minutes_month, f.minutes_year)

    return {"totals": of(answer.region.figures), "areas": {a.area: of(a.figures) for a in answer.areas}}


def expected(prefix: str, span: queries.Period) -> dict:
    hand = by_hand(prefix, span)

    def of(t: dict) -> tuple:
        return (len(t["active"]), t["minutes"], t["month"], t["year"])

    return {"totals": of(hand["totals"]), "areas": {area: of(t) for area, t in hand["areas"].items()}}


PERIODS = [
    (date(2026, 1, 1), date(2026, 12, 1)),  # the default: every month whole but today
    (date(2026, 1, 1), date(2026, 11, 30)),  # whole months only: no record is read
    (date(2026, 4, 10), date(2026, 4, 10)),  # one day
    (date(2026, 1, 16), date(2026, 5, 4)),  # edges on both sides
    (date(2025, 12, 1), date(2026, 1, 15)),  # across the year's end
    (date(2025, 12, 28), date(2026, 12, 31)),  # a year and a bit: distinct volunteers over two years
    (date(2024, 1, 1), date(2026, 12, 31)),  # the longest allowed
]


def _random_periods(count: int) -> list[tuple[date, date]]:
    rng = random.Random(2026)
    periods = []
    for _ in range(count):
        start = date(2025, 11, 1) + timedelta(days=rng.randrange(420))
        periods.append((start, min(start + timedelta(days=rng.randrange(3 * 366 - 1)), date(2026, 12, 31))))
    return periods


@pytest.mark.usefixtures("dataset")
@pytest.mark.parametrize(("start", "end"), PERIODS + _random_periods(12))
def test_every_period_gives_the_records_own_answer(start, end):
    span = queries.Period(start, end)
    for region in ("140105", "140000"):
        ours, theirs = figures(region, span), expected(scope_prefix(region), span)
        assert ours["totals"] == theirs["totals"], (region, span)
        for area, counted in theirs["areas"].items():
            assert ours["areas"][area] == counted, (region, span, area)
        assert all(value == (0, 0, 0, 0) for area, value in ours["areas"].items() if area not in theirs["areas"])


@pytest.fixture
def site(api, build):
    return Site(api, build)


def minutes(record: dict) -> int:
    return round(record["confirmed_hours"] * 60)


def test_confirming_and_correcting_keep_it_as_the_records_sum(site, api):
    need = site.need(starts_at=at(5, 9), ends_at=at(5, 12))
    first, second = site.volunteer(need, type_="need"), site.volunteer()
    confirmed = site.served(first, need, arrive=at(5, 9), leave=at(5, 11), type_="need")
    at_school = minutes(site.served(second))  # the night school of 8 December: no area row
    clock.freeze(at(9, 9))
    corrected = api.as_(site.secretary).post(f"/attendance/{confirmed['id']}/correct", {"hours": 3, "reason": "核对"})
    assert corrected.status_code == 200, corrected.json
    assert minutes(confirmed) == 120 and minutes(corrected.json) == 180
    kept = rows()
    december = {(area, counts[11], counts[23]) for _, _, area, _, *counts in kept}  # rNN and mNN of December
    assert december == {("", 1, 180), ("", 1, at_school), ("education", 1, 180)}
    rollup.rebuild()
    assert rows() == kept
    total = december_of("140105")
    assert (total.active_volunteers, total.minutes) == (2, 180 + at_school)


def december_of(code: str) -> queries.Figures:
    span = queries.Period(date(2026, 12, 1), date(2026, 12, 31))
    return queries.overview(db.session.get_one(Region, code), span).region.figures


def test_a_move_takes_the_service_along(site, api):
    token = site.volunteer()
    served = minutes(site.served(token))
    moved = api.as_(token).patch("/volunteers/me", {"home_region": "140106001001"})
    assert moved.status_code == 200, moved.json
    assert {row[3] for row in rows()} == {"140106001001"}
    assert (december_of("140105").minutes, december_of("140106").minutes) == (0, served)
    assert api.as_(token).delete("/volunteers/me").status_code == 204
    assert {row[3] for row in rows()} == {"140106"}  # the county a withdrawal keeps
    assert december_of("140106").active_volunteers == 1
