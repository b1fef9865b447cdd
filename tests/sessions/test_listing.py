"""Who sees which sessions in GET /sessions, and the filters the mini-program uses."""

import pytest

from app.extensions import db
from app.programs import operations as programs
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


def test_a_listed_session_reads_as_its_own_answer(api, app, secretary, programme):
    """The list builds its items from column rows; each must be the session's own answer, field for field."""
    with app.app_context():
        programs.ensure_usual()
        db.session.commit()
    hope = next(p["id"] for p in api.get("/programs").json["items"] if p["name"] == "希望工程")
    with_program = created(api.as_(secretary).post("/sessions", session_body(program_id=hope)))["id"]
    items = api.as_(secretary).get("/sessions").json["items"]
    assert {item["id"] for item in items} == {*programme.values(), with_program}
    for item in items:
        assert item == api.get(f"/sessions/{item['id']}").json
    assert next(item for item in items if item["id"] == with_program)["program_name"] == "希望工程"


def _get(client, token, etag=None, path="/api/v1/sessions"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if etag:
        headers["If-None-Match"] = etag
    return client.get(path, headers=headers)


def test_an_unchanged_list_answers_304_and_a_changed_one_a_new_etag(client, api, build, programme):
    volunteer, _ = build.volunteer()
    first = _get(client, volunteer)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    again = _get(client, volunteer, first.headers["ETag"])
    assert again.status_code == 304 and again.data == b""
    # A seat taken changes the list (its count), though the session itself was not edited.
    assert api.as_(build.volunteer()[0]).post(f"/sessions/{programme['open']}/signups").status_code == 201
    changed = _get(client, volunteer, first.headers["ETag"])
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    taken = {item["id"]: item["taken"] for item in changed.json["items"]}
    assert taken[programme["open"]] == 1


def test_callers_who_see_the_same_list_share_its_etag_and_no_one_else(client, build, secretary, programme):
    one, two = build.volunteer()[0], build.volunteer()[0]
    etag = _get(client, one).headers["ETag"]
    assert _get(client, two, etag).status_code == 304  # the same open sessions for every volunteer
    # The secretary also sees the village's cancelled session: a volunteer's ETag is not theirs.
    theirs = _get(client, secretary, etag)
    assert theirs.status_code == 200
    assert programme["cancelled"] in [item["id"] for item in theirs.json["items"]]
