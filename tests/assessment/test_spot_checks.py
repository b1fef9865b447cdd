"""抽查: a reproducible, unbiased draw of a region's confirmed records, verified one by one; a discrepancy in
hours corrects the record as the organiser's correction does. Records: tests/stats/dataset.py (140105 holds
six confirmed records checked in during 2026: r1, r2, r3, r5, r6, r7; 140106 one, r8)."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.activities.models import Activity
from app.assessment import spot_checks
from app.attendance.models import ServiceRecord
from app.core import clock
from app.core.access import Principal
from app.core.audit import AuditEntry
from app.extensions import db
from app.stats import queries as stats
from tests.contract import assert_error, created
from tests.fixtures import at

pytestmark = pytest.mark.usefixtures("dataset")

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
#: χ² critical values at p = 0.001 (tabulated): a fair draw exceeds them once in a thousand runs.
CHI2_CRITICAL_0_001 = {5: 20.515, 19: 43.820}


def chi_square(counts: Counter, cells: int, expected: float) -> float:
    return sum((counts.get(cell, 0) - expected) ** 2 / expected for cell in range(cells))


def county_records(prefix: str = "140105") -> list[int]:
    return list(
        db.session.scalars(
            select(ServiceRecord.id)
            .join(Activity, Activity.id == ServiceRecord.activity_id)
            .where(
                ServiceRecord.status == "confirmed",
                Activity.village_code.like(prefix + "%"),
                ServiceRecord.checked_in_at >= at(1, 0, month=1),
            )
            .order_by(ServiceRecord.id)
        )
    )


def draw(api, token, **body):
    return api.as_(token).post("/spot-checks", {**YEAR, **body})


def test_every_position_is_equally_likely():
    draws, population, size = 20_000, 20, 5
    counts = Counter(
        place for seed in range(draws) for place in spot_checks.positions(f"{seed:032x}", population, size)
    )
    expected = draws * size / population
    assert chi_square(counts, population, expected) < CHI2_CRITICAL_0_001[population - 1]
    assert all(len(set(spot_checks.positions(f"{seed:032x}", population, size))) == size for seed in range(100))


def test_every_record_is_equally_likely_through_the_database():
    staff = Principal(user_id=db.session.scalars(select(User.id)).first(), roles=frozenset({"admin"}))
    span = stats.period(date(2026, 1, 1), date(2026, 12, 31))
    counts: Counter = Counter()
    draws = 300
    for _ in range(draws):
        check = spot_checks.draw(staff, "140105", span, size=2, share=None)
        counts.update(row.item.record_id for row in spot_checks.items(check))
    assert check.population == 6 and len(counts) == 6
    ids = sorted(counts)
    expected = draws * 2 / 6
    assert (
        chi_square(Counter({i: counts[record] for i, record in enumerate(ids)}), 6, expected) < CHI2_CRITICAL_0_001[5]
    )


def test_the_draw_is_recorded_and_reproducible(api, county):
    check = created(draw(api, county, region="140105", share=0.5))
    assert (check["population"], check["size"], check["status"]) == (6, 3, "open")
    assert len(check["seed"]) == 32 and check["share"] == 0.5
    places = [item["position"] for item in check["items"]]
    assert places == sorted(spot_checks.positions(check["seed"], check["population"], check["size"]))
    # The same seed over the same candidates gives the same records, in the same order.
    span = stats.period(date(2026, 1, 1), date(2026, 12, 31))
    found = spot_checks.records_at("140105", span, clock.now(), places)
    assert [found[place] for place in places] == [item["record_id"] for item in check["items"]]
    again = api.as_(county).get(f"/spot-checks/{check['id']}")
    assert again.status_code == 200 and again.json["items"] == check["items"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "spot_check")).one()
    assert entry.action == "draw" and entry.after["seed"] == check["seed"]
    assert sorted(entry.after["record_ids"]) == sorted(item["record_id"] for item in check["items"])


def test_a_share_rounds_up_and_a_size_stops_at_the_population(api, county):
    assert created(draw(api, county, region="140105", share=0.05))["size"] == 1  # 5 % of 6 is 0.3: one record
    assert created(draw(api, county, region="140105", size=50))["size"] == 6
    assert_error(draw(api, county, region="140105"), 422, "validation_failed")
    assert_error(draw(api, county, region="140105", size=2, share=0.1), 422, "validation_failed")
    assert_error(draw(api, county, region="140105", share=1.5), 422, "validation_failed", "share")


def test_nothing_to_draw(api, county):
    answer = api.as_(county).post(
        "/spot-checks", {"region": "140105", "from": "2024-01-01", "to": "2024-12-31", "size": 3}
    )
    assert_error(answer, 409, "no_records")


def test_confirmed_one_by_one_until_done(api, county):
    check = created(draw(api, county, region="140105", size=2))
    first, second = (item["record_id"] for item in check["items"])
    answer = api.as_(county).post(f"/spot-checks/{check['id']}/items/{first}", {"result": "confirmed"})
    assert answer.status_code == 200, answer.json
    assert answer.json["result"] == "confirmed"
    assert_error(
        api.as_(county).post(f"/spot-checks/{check['id']}/items/{first}", {"result": "confirmed"}),
        409,
        "already_verified",
    )
    api.as_(county).post(f"/spot-checks/{check['id']}/items/{second}", {"result": "confirmed", "note": "与签到表一致"})
    done = api.as_(county).get(f"/spot-checks/{check['id']}").json
    assert done["status"] == "done" and done["results"] == {
        "drawn": 2,
        "confirmed": 2,
        "discrepancies": 0,
        "corrected": 0,
        "pending": 0,
    }


def test_a_discrepancy_corrects_the_record(api, county):
    check = created(draw(api, county, region="140105", size=6))
    r1 = county_records()[0]  # v1 at n1, 120 confirmed minutes
    path = f"/spot-checks/{check['id']}/items/{r1}"
    assert_error(api.as_(county).post(path, {"result": "discrepancy"}), 422, "validation_failed", "note")
    assert_error(api.as_(county).post(path, {"result": "discrepancy", "note": "赌博"}), 422, "content_unsafe", "note")
    answer = api.as_(county).post(path, {"result": "discrepancy", "note": "签到表显示只服务了一个半小时", "hours": 1.5})
    assert answer.status_code == 200, answer.json
    assert (answer.json["hours"], answer.json["hours_before"]) == (1.5, 2.0)
    record = db.session.get(ServiceRecord, r1)
    db.session.refresh(record)
    assert record.confirmed_minutes == 90 and record.correction_reason == "抽查更正：签到表显示只服务了一个半小时"
    actions = [
        e.action
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_id.in_([str(r1), f"{check['id']}:{r1}"]))
        )
    ]
    assert "correct" in actions and "verify" in actions
    results = api.as_(county).get(f"/spot-checks/{check['id']}").json["results"]
    assert (results["discrepancies"], results["corrected"], results["pending"]) == (1, 1, 5)


def test_a_record_not_drawn_is_not_in_the_check(api, county):
    check = created(draw(api, county, region="140105", size=1))
    other = next(r for r in county_records() if r != check["items"][0]["record_id"])
    assert_error(
        api.as_(county).post(f"/spot-checks/{check['id']}/items/{other}", {"result": "confirmed"}),
        404,
        "item_not_found",
    )


def test_no_sample_crosses_a_region_boundary(api, hire, county):
    neighbour = hire.staff("140106")
    assert_error(draw(api, neighbour, region="140105", size=1), 403, "out_of_scope", "region")
    assert_error(draw(api, county, region="140100", size=1), 403, "out_of_scope", "region")  # the county's city
    check = created(draw(api, county, region="140105", size=1))
    record = check["items"][0]["record_id"]
    assert_error(api.as_(neighbour).get(f"/spot-checks/{check['id']}"), 404, "spot_check_not_found")
    answer = api.as_(neighbour).post(f"/spot-checks/{check['id']}/items/{record}", {"result": "confirmed"})
    assert_error(answer, 404, "spot_check_not_found")
    assert api.as_(neighbour).get("/spot-checks").json["items"] == []
    # The province draws in any of its cities; its draw is not the county's to read.
    province = hire.staff("140000")
    city_check = created(draw(api, province, region="140100", share=0.05))
    assert city_check["population"] == 7  # 140105's six and 140106's r8, both in 太原
    assert_error(api.as_(county).get(f"/spot-checks/{city_check['id']}"), 404, "spot_check_not_found")


def test_volunteers_and_secretaries_cannot_draw(api, build, secretary):
    volunteer, _ = build.volunteer()
    for token in (volunteer, secretary):
        assert_error(draw(api, token, region="140105", size=1), 403, "forbidden")
    assert_error(api.post("/spot-checks", {**YEAR, "size": 1}), 401, "unauthenticated")
