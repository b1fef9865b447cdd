"""Who sees which sessions in GET /sessions, and the filters the mini-program uses."""

import pytest

from tests.contract import assert_error, created
from tests.fixtures import ELSEWHERE, at
from tests.sessions.helpers import session_body


@pytest.fixture
def programme(api, build, secretary, hire) -> dict[str, int]:
    """小店村: an open law night school on the 8th, a full lecture hall on the 9th, a cancelled one on
    the 10th; 迎泽村 (another county): an open night school on the 11th."""

    def make(token, **overrides):
        return created(api.as_(token).post("/sessions", session_body(**overrides)))["id"]

    open_ = make(secretary)
    full = make(
        secretary,
        kind="lecture_hall",
        topic="policy",
        title="青年讲习所：政策宣讲",
        capacity=1,
        starts_at=at(9, 19).isoformat(),
        ends_at=at(9, 21).isoformat(),
    )
    assert api.as_(build.volunteer()[0]).post(f"/sessions/{full}/signups").status_code == 201
    cancelled = make(secretary, starts_at=at(10, 19).isoformat(), ends_at=at(10, 21).isoformat())
    assert api.as_(secretary).post(f"/sessions/{cancelled}/cancel", {"reason": "天气原因"}).status_code == 200
    far_secretary, _ = hire.secretary(ELSEWHERE)
    far = make(far_secretary, village=ELSEWHERE, starts_at=at(11, 19).isoformat(), ends_at=at(11, 21).isoformat())
    return {"open": open_, "full": full, "cancelled": cancelled, "far": far}


def listed(api, token=None, **query) -> list[int]:
    response = api.as_(token).get("/sessions", **query)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["items"]]


def test_volunteers_and_visitors_see_what_they_can_join(api, build, programme):
    volunteer, _ = build.volunteer()
    expected = [programme["open"], programme["full"], programme["far"]]
    assert listed(api, volunteer) == expected
    assert listed(api) == expected


def test_organisers_also_see_cancelled_ones(api, secretary, programme):
    assert listed(api, secretary) == [programme["open"], programme["full"], programme["cancelled"], programme["far"]]
    assert listed(api, secretary, status="cancelled") == [programme["cancelled"]]


def test_filters(api, programme):
    assert listed(api, kind="lecture_hall") == [programme["full"]]
    assert listed(api, topic="law") == [programme["open"], programme["far"]]
    assert listed(api, region="140106") == [programme["far"]]
    assert listed(api, region="140105001001") == [programme["open"], programme["full"]]
    assert listed(api, **{"from": at(9, 0).isoformat(), "to": at(11, 0).isoformat()}) == [programme["full"]]
    assert listed(api, status="filled") == [programme["full"]]


@pytest.mark.parametrize(
    "query",
    [{"kind": "cinema"}, {"topic": "sport"}, {"status": "whatever"}, {"region": "14"}, {"from": "明天"}, {"limit": 0}],
)
def test_bad_filters_are_named(api, query):
    assert_error(api.get("/sessions", **query), 422, "validation_failed", *query)


def test_a_cancelled_session_can_still_be_opened_by_its_link(api, programme):
    shown = api.get(f"/sessions/{programme['cancelled']}")
    assert shown.status_code == 200 and shown.json["status"] == "cancelled"
    assert shown.json["kind_name"] == "青年夜校流动教学点" and shown.json["village_name"] == "小店村"
    assert_error(api.get("/sessions/999999"), 404, "session_not_found")
