"""County staff (or above, in scope) review needs: approval opens them, rejection says why."""

from datetime import timedelta

import pytest

from app.core import clock
from tests.contract import assert_error, created
from tests.fixtures import NOW, at, inbox, user_id
from tests.sessions.helpers import audit_trail, need_body, row_counts, series_ids

WEEKLY = "FREQ=WEEKLY;BYDAY=SA;UNTIL=20271127T235959"  # every Saturday for a year


@pytest.fixture
def need(api, secretary) -> dict:
    return created(api.as_(secretary).post("/needs", need_body()))


def review(api, token, need_id, **body):
    return api.as_(token).post(f"/needs/{need_id}/review", body)


def extend(app) -> None:
    result = app.test_cli_runner().invoke(args=["activities", "extend"])
    assert result.exit_code == 0, result.output


def test_approval_opens_the_need_and_tells_the_secretary(app, api, secretary, county, need):
    approved = review(api, county, need["id"], approve=True)
    assert approved.status_code == 200, approved.json
    assert approved.json["status"] == "open"
    assert api.get(f"/needs/{need['id']}").json["status"] == "open"
    (told,) = inbox(api, secretary)
    assert told["title"] == "需求审核结果" and "已通过审核" in told["body"]
    _created, decided = audit_trail(app, "need", need["id"])
    assert decided["action"] == "review" and decided["actor"] == user_id(api, county)
    assert decided["before"] == {"status": "pending_review"} and decided["after"]["status"] == "open"


def test_rejection_needs_a_reason_and_tells_it(app, api, secretary, county, need):
    before = row_counts(app)
    error = assert_error(review(api, county, need["id"], approve=False), 422, "validation_failed", "reason")
    assert error["fields"]["reason"] == "驳回时请填写原因"
    assert row_counts(app) == before
    rejected = review(api, county, need["id"], approve=False, reason="时间与全县集中活动冲突")
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["review_reason"] == "时间与全县集中活动冲突"
    assert "时间与全县集中活动冲突" in inbox(api, secretary)[0]["body"]


def test_a_rejected_need_stays_hidden_from_volunteers(api, build, county, need):
    review(api, county, need["id"], approve=False, reason="信息不全")
    volunteer, _ = build.volunteer()
    assert_error(api.as_(volunteer).get(f"/needs/{need['id']}"), 404, "need_not_found")
    assert_error(api.as_(volunteer).post(f"/needs/{need['id']}/signups"), 404, "need_not_found")


def test_reviewing_twice(app, api, build, county, need, hire):
    assert review(api, county, need["id"], approve=True).status_code == 200
    province = hire.staff("140000")
    before = row_counts(app)
    assert_error(review(api, county, need["id"], approve=True), 409, "already_reviewed")
    assert_error(review(api, province, need["id"], approve=False, reason="重新考虑"), 409, "already_reviewed")
    assert row_counts(app) == before


def test_who_may_review(api, build, secretary, need, hire):
    volunteer, _ = build.volunteer()
    assert_error(review(api, volunteer, need["id"], approve=True), 403, "forbidden")
    assert_error(review(api, secretary, need["id"], approve=True), 403, "forbidden")
    assert_error(review(api, hire.staff("140106"), need["id"], approve=True), 404, "need_not_found")
    assert_error(review(api, hire.staff("140700"), need["id"], approve=True), 404, "need_not_found")
    assert review(api, hire.staff("140100"), need["id"], approve=True).json["status"] == "open"


def test_a_pending_need_cannot_be_seen_or_joined_by_volunteers(api, build, need):
    volunteer, _ = build.volunteer()
    assert_error(api.as_(volunteer).get(f"/needs/{need['id']}"), 404, "need_not_found")
    assert_error(api.as_(volunteer).post(f"/needs/{need['id']}/signups"), 404, "need_not_found")
    assert_error(api.get(f"/needs/{need['id']}"), 404, "need_not_found")


def test_a_need_whose_time_has_passed_is_not_opened(api, build, need, hire):
    clock.freeze(at(5, 9, 30))
    county = hire.staff("140105")  # staff tokens last a working day
    assert_error(review(api, county, need["id"], approve=True), 409, "need_started")
    assert review(api, county, need["id"], approve=False, reason="已过期").json["status"] == "rejected"


def test_a_series_is_approved_as_a_whole_and_later_weeks_come_open(app, api, secretary, county):
    first = created(api.as_(secretary).post("/needs", need_body(recurrence=WEEKLY)))
    ids = series_ids(app, first["series_id"])
    assert len(ids) == 8  # Saturdays 5 December … 23 January
    assert {api.as_(secretary).get(f"/needs/{i}").json["status"] for i in ids} == {"pending_review"}
    approved = review(api, county, ids[3], approve=True)  # any occurrence stands for its series
    assert approved.status_code == 200, approved.json
    assert {api.get(f"/needs/{i}").json["status"] for i in ids} == {"open"}
    assert [r["action"] for r in audit_trail(app, "series", first["series_id"])] == ["create", "review"]
    assert all(audit_trail(app, "need", i)[-1]["action"] == "review" for i in ids)
    clock.freeze(NOW + timedelta(weeks=2))
    extend(app)
    later = series_ids(app, first["series_id"])
    assert len(later) == 10
    assert [api.get(f"/needs/{i}").json["status"] for i in later[8:]] == ["open", "open"]


def test_a_rejected_series_grows_no_more(app, api, secretary, county):
    first = created(api.as_(secretary).post("/needs", need_body(recurrence=WEEKLY)))
    assert review(api, county, first["id"], approve=False, reason="请改为每月一次").status_code == 200
    ids = series_ids(app, first["series_id"])
    assert {api.as_(secretary).get(f"/needs/{i}").json["status"] for i in ids} == {"rejected"}
    clock.freeze(NOW + timedelta(weeks=4))
    extend(app)
    assert series_ids(app, first["series_id"]) == ids


def test_a_series_reviewed_late_opens_only_what_is_still_ahead(app, api, secretary, build, hire):
    first = created(api.as_(secretary).post("/needs", need_body(recurrence=WEEKLY)))
    clock.freeze(at(14, 9))  # two Saturdays passed while it waited
    county = hire.staff("140105")
    assert review(api, county, first["id"], approve=True).status_code == 200
    statuses = [api.as_(county).get(f"/needs/{i}").json["status"] for i in series_ids(app, first["series_id"])]
    assert statuses == ["cancelled", "cancelled"] + ["open"] * 6


def test_an_occurrence_cancelled_before_review_stays_cancelled(app, api, secretary, county):
    first = created(api.as_(secretary).post("/needs", need_body(recurrence=WEEKLY)))
    ids = series_ids(app, first["series_id"])
    assert api.as_(secretary).post(f"/needs/{ids[1]}/cancel", {"reason": "村里办喜事"}).status_code == 200
    assert review(api, county, ids[0], approve=True).status_code == 200
    assert [api.get(f"/needs/{i}").json["status"] for i in ids[:3]] == ["open", "cancelled", "open"]
