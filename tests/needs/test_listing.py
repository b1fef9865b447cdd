"""Who sees which needs in GET /needs."""

import pytest

from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, at
from tests.sessions.helpers import need_body


@pytest.fixture
def needs(api, build, secretary, county, hire) -> dict[str, int]:
    """小店村: one approved, one pending, one rejected; 迎泽村 (county 140106): one pending."""

    def post(token, day, **overrides):
        body = need_body(starts_at=at(day, 9).isoformat(), ends_at=at(day, 12).isoformat(), **overrides)
        return created(api.as_(token).post("/needs", body))["id"]

    approved, pending, rejected = post(secretary, 5), post(secretary, 6, area="medical"), post(secretary, 7)
    assert api.as_(county).post(f"/needs/{approved}/review", {"approve": True}).status_code == 200
    assert (
        api.as_(county).post(f"/needs/{rejected}/review", {"approve": False, "reason": "重复发布"}).status_code == 200
    )
    far = post(hire.secretary(ELSEWHERE)[0], 8, village=ELSEWHERE)
    return {"approved": approved, "pending": pending, "rejected": rejected, "far": far}


def listed(api, token=None, **query) -> list[int]:
    response = api.as_(token).get("/needs", **query)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_volunteers_see_open_needs_only(api, build, needs):
    assert listed(api, build.volunteer()[0]) == [needs["approved"]]
    assert listed(api) == [needs["approved"]]
    assert listed(api, build.volunteer()[0], status="pending_review") == []
    assert listed(api, status="rejected") == []


def test_the_secretary_sees_everything_of_the_village(api, secretary, needs):
    assert listed(api, secretary) == [needs["approved"], needs["pending"], needs["rejected"]]
    assert listed(api, secretary, status="pending_review") == [needs["pending"]]


def test_staff_see_their_county_and_not_another(api, build, county, needs, hire):
    assert listed(api, county, status="pending_review") == [needs["pending"]]
    other = hire.staff("140106")
    assert listed(api, other, status="pending_review") == [needs["far"]]
    assert listed(api, other) == [needs["approved"], needs["far"]]
    assert listed(api, hire.staff("140100"), status="pending_review") == [needs["pending"], needs["far"]]


def test_filters(api, county, needs):
    assert listed(api, county, area="medical") == [needs["pending"]]
    assert listed(api, county, region="140106") == []
    assert listed(api, county, **{"from": at(6, 0).isoformat(), "to": at(7, 0).isoformat()}) == [needs["pending"]]
    assert_error(api.get("/needs", area="sports"), 422, "validation_failed", "area")
    assert_error(api.get("/needs", status="draft"), 422, "validation_failed", "status")


def test_a_listed_need_reads_as_its_own_answer(api, secretary, needs):
    """The list builds its items from column rows; each must be the need's own answer, field for field."""
    items = api.as_(secretary).get("/needs").json["items"]
    assert [item["id"] for item in items] == [needs["approved"], needs["pending"], needs["rejected"]]
    for item in items:
        assert item == api.as_(secretary).get(f"/needs/{item['id']}").json
