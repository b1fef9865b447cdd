"""The organiser confirms who came and for how long (谁组织谁记录、谁记录谁证明), and corrects it."""

from datetime import datetime

import pytest
from sqlalchemy import select

from app.attendance.models import CorrectionRequest
from app.core import clock
from app.core.audit import AuditEntry
from app.extensions import db
from tests.attendance.helpers import OTHER_COUNTY_VILLAGE, OTHER_VILLAGE, VILLAGE, at
from tests.builders import registration
from tests.contract import assert_error


@pytest.fixture
def record(site):
    """A volunteer who came 19:50–21:10: 1.5 hours computed, waiting for confirmation."""
    token = site.volunteer()
    checked_out = site.attend(token, at(8, 19, 50), at(8, 21, 10))
    assert checked_out["hours"] == 1.5
    return {"id": checked_out["id"], "volunteer": token}


def test_confirming_takes_the_computed_hours_and_tells_the_volunteer(site, record):
    confirmed = site.confirm(record["id"])

    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed"
    assert confirmed.json["confirmed_hours"] == confirmed.json["hours"] == 1.5
    assert datetime.fromisoformat(confirmed.json["confirmed_at"]) == at(8, 21, 10)
    notice = site.inbox(record["volunteer"])[0]
    assert notice["title"] == "服务时长已确认" and "1.5 小时" in notice["body"]


def test_confirming_the_computed_hours_explicitly_needs_no_reason(site, record):
    assert site.confirm(record["id"], {"hours": 1.5}).json["confirmed_hours"] == 1.5


def test_other_hours_need_a_reason(site, record):
    assert_error(site.confirm(record["id"], {"hours": 2}), 422, "validation_failed", "reason")

    confirmed = site.confirm(record["id"], {"hours": 2, "reason": "提前到场布置教室"})
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["confirmed_hours"] == 2.0 and confirmed.json["hours"] == 1.5
    assert confirmed.json["correction_reason"] == "提前到场布置教室"


def test_no_more_than_the_scheduled_time_can_be_confirmed(site, record):
    assert_error(site.confirm(record["id"], {"hours": 2.5, "reason": "加班"}), 422, "validation_failed", "hours")
    assert site.confirm(record["id"], {"hours": 2, "reason": "全程参加"}).status_code == 200


def test_confirming_twice_is_a_conflict(site, record):
    assert site.confirm(record["id"]).status_code == 200
    assert_error(site.confirm(record["id"], {"hours": 1, "reason": "再确认一次"}), 409, "already_confirmed")


def test_a_record_still_checked_in_cannot_be_confirmed(site):
    token = site.volunteer()
    checked_in = site.check_in(token, at(8, 19, 25)).json
    assert_error(site.confirm(checked_in["id"]), 409, "not_checked_out")


def test_an_unknown_record_is_not_found(site):
    assert_error(site.confirm(999999), 404, "record_not_found")


def test_a_volunteer_cannot_confirm(site, record):
    assert_error(site.confirm(record["id"], token=record["volunteer"]), 403, "forbidden")


@pytest.mark.parametrize("who", ["other_village_secretary", "other_county_staff"])
def test_organisers_elsewhere_cannot_confirm(site, record, who):
    if who == "other_village_secretary":
        token, _ = site.build.secretary(OTHER_VILLAGE)
    else:
        token = site.staff(OTHER_COUNTY_VILLAGE[:6], at(8, 21, 10))
    response = site.confirm(record["id"], token=token)
    assert response.status_code == 404, response.json
    assert site.confirm(record["id"]).status_code == 200  # still unconfirmed


def test_county_staff_over_the_village_can_confirm(site, record):
    county = site.staff(VILLAGE[:6], at(8, 21, 10))
    assert site.confirm(record["id"], token=county).status_code == 200


def test_a_secretary_cannot_confirm_their_own_service(site):
    """谁记录谁证明 — but nobody certifies their own hours."""
    profile = site.api.as_(site.secretary).post("/volunteers/me", registration(name="赵书记"))
    assert profile.status_code == 201, profile.json
    site.sign_up(site.secretary, site.session)
    own = site.attend(site.secretary)
    assert_error(site.confirm(own["id"]), 403, "own_record")
    county = site.staff(VILLAGE[:6], at(8, 21, 40))
    assert site.confirm(own["id"], token=county).status_code == 200
    assert_error(
        site.api.as_(site.secretary).post(f"/attendance/{own['id']}/correct", {"hours": 1, "reason": "改一下"}),
        403,
        "own_record",
    )


def test_a_volunteer_asks_for_a_correction_and_the_secretary_is_told(site, record):
    assert site.confirm(record["id"]).status_code == 200
    asked = site.api.as_(record["volunteer"]).post(
        f"/attendance/{record['id']}/correction-requests", {"reason": "我19:30就到了，扫码时网络不好", "hours": 2}
    )
    assert asked.status_code == 201, asked.json
    assert asked.json["record_id"] == record["id"]
    notice = site.inbox(site.secretary)[0]
    assert notice["title"] == "服务记录更正申请" and "网络不好" in notice["body"]


def test_someone_elses_record_cannot_be_questioned(site, record):
    other = site.volunteer()
    response = site.api.as_(other).post(f"/attendance/{record['id']}/correction-requests", {"reason": "不对"})
    assert_error(response, 404, "record_not_found")
    assert all(m["title"] != "服务记录更正申请" for m in site.inbox(site.secretary))


def correct(site, record_id, body, token=None):
    return site.api.as_(token or site.secretary).post(f"/attendance/{record_id}/correct", body)


def test_correcting_changes_the_hours_tells_the_volunteer_and_resolves_requests(site, record, app):
    assert site.confirm(record["id"]).status_code == 200
    site.api.as_(record["volunteer"]).post(f"/attendance/{record['id']}/correction-requests", {"reason": "少算了"})

    corrected = correct(site, record["id"], {"hours": 2, "reason": "核对签到表后更正"})

    assert corrected.status_code == 200, corrected.json
    assert corrected.json["confirmed_hours"] == 2.0 and corrected.json["correction_reason"] == "核对签到表后更正"
    assert site.api.as_(record["volunteer"]).get("/volunteers/me/records").json["total_hours"] == 2.0
    notice = site.inbox(record["volunteer"])[0]
    assert notice["title"] == "服务时长已更正" and "2 小时" in notice["body"]
    with app.app_context():
        [request] = db.session.scalars(select(CorrectionRequest).where(CorrectionRequest.record_id == record["id"]))
        assert request.resolved_at is not None and request.resolved_by == site.secretary_id


def test_every_correction_is_told_even_back_to_an_earlier_value(site, record):
    assert site.confirm(record["id"]).status_code == 200
    for minute, hours in ((20, 2), (25, 1.5), (30, 2)):
        clock.freeze(at(8, 21, minute))
        assert correct(site, record["id"], {"hours": hours, "reason": "反复核对"}).status_code == 200
    titles = [m["title"] for m in site.inbox(record["volunteer"])]
    assert titles[:4] == ["服务时长已更正"] * 3 + ["服务时长已确认"]


def test_a_correction_needs_a_reason_and_a_confirmed_record(site, record):
    assert_error(correct(site, record["id"], {"hours": 2, "reason": "核对"}), 409, "not_confirmed")
    site.confirm(record["id"])
    assert correct(site, record["id"], {"hours": 2}).status_code == 422
    assert_error(correct(site, record["id"], {"hours": 3, "reason": "核对"}), 422, "validation_failed", "hours")
    assert_error(correct(site, record["id"], {"hours": 2, "reason": "核对"}, record["volunteer"]), 403, "forbidden")


def test_each_step_leaves_an_audit_row_by_whom(site, record, app):
    site.confirm(record["id"])
    correct(site, record["id"], {"hours": 2, "reason": "核对签到表后更正"})
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.object_type == "service_record", AuditEntry.object_id == str(record["id"]))
                .order_by(AuditEntry.id)
            )
        )
    assert [row.action for row in rows] == ["check_in", "check_out", "confirm", "correct"]
    assert all(row.region_code == VILLAGE for row in rows)
    volunteer_user = rows[0].actor_id
    assert rows[1].actor_id == volunteer_user and volunteer_user != site.secretary_id
    assert [row.actor_id for row in rows[2:]] == [site.secretary_id] * 2
    assert rows[2].after["confirmed_minutes"] == 90 and rows[2].before["status"] == "checked_out"
    assert rows[3].before["confirmed_minutes"] == 90 and rows[3].after["confirmed_minutes"] == 120
    assert rows[3].after["reason"] == "核对签到表后更正"
