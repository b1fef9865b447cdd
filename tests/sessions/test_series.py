"""Weekly sessions all year: occurrences exist a window ahead, the bot (or `flask activities extend`)
keeps the window filled, and each occurrence lives its own life."""

from datetime import timedelta

import pytest

from app.core import clock
from tests.contract import assert_error, created
from tests.fixtures import NOW, at, titles, user_id
from tests.sessions.helpers import audit_trail, series_ids, session_body

ALL_YEAR = "FREQ=WEEKLY;BYDAY=TU;UNTIL=20271130T235959"


@pytest.fixture
def series(api, secretary) -> dict:
    """Tuesday 19:30–21:30 from 8 December 2026 to the end of November 2027, three seats."""
    return created(api.as_(secretary).post("/sessions", session_body(recurrence=ALL_YEAR)))


def starts(api, token, series_id) -> list[str]:
    items = api.as_(token).get("/sessions", limit=200).json["items"]
    return [s["starts_at"] for s in items if s["series_id"] == series_id]


def extend(app) -> str:
    result = app.test_cli_runner().invoke(args=["activities", "extend"])
    assert result.exit_code == 0, result.output
    return result.output


def test_only_the_window_is_materialised(app, api, secretary, series):
    # Eight weeks from 1 December 09:00 ends 26 January 09:00: Tuesdays 8 December … 19 January.
    assert series["occurrences"] == 7
    assert starts(api, secretary, series["series_id"]) == [
        f"{day.date().isoformat()}T19:30:00+08:00" for day in (at(8, 0) + timedelta(weeks=n) for n in range(7))
    ]
    assert series["status"] == "open" and series["starts_at"] == "2026-12-08T19:30:00+08:00"


def test_extend_after_time_passes_adds_the_next_weeks_once(app, api, secretary, series):
    assert "新生成 0 场" in extend(app)
    clock.freeze(NOW + timedelta(weeks=2))
    assert "新生成 2 场" in extend(app)  # 26 January and 2 February
    assert "新生成 0 场" in extend(app)
    ids = series_ids(app, series["series_id"])
    assert len(ids) == 9 == len(set(ids))
    later = api.get(f"/sessions/{ids[-1]}").json
    assert later["starts_at"] == "2027-02-02T19:30:00+08:00" and later["status"] == "open"
    assert later["title"] == series["title"] and later["capacity"] == 3


def test_each_occurrence_is_audited_when_it_is_created(app, api, series):
    trail = audit_trail(app, "series", series["series_id"])
    assert [row["action"] for row in trail] == ["create"]
    assert trail[0]["after"]["rule"] == ALL_YEAR
    for occurrence in series_ids(app, series["series_id"]):
        assert [row["action"] for row in audit_trail(app, "session", occurrence)] == ["create"]
    clock.freeze(NOW + timedelta(weeks=1))
    extend(app)
    newest = series_ids(app, series["series_id"])[-1]
    (row,) = audit_trail(app, "session", newest)
    assert row["action"] == "create" and row["actor"] is None and row["after"]["status"] == "open"


def test_an_occurrence_is_edited_on_its_own(app, api, secretary, series):
    ids = series_ids(app, series["series_id"])
    before = {i: api.get(f"/sessions/{i}").json for i in ids}
    changed = api.as_(secretary).patch(
        f"/sessions/{ids[2]}",
        {
            "title": "青年夜校：普法专场",
            "capacity": 5,
            "starts_at": at(22, 19).isoformat(),
            "ends_at": at(22, 21).isoformat(),
        },
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["title"] == "青年夜校：普法专场" and changed.json["capacity"] == 5
    assert changed.json["starts_at"] == "2026-12-22T19:00:00+08:00"
    for i in ids:
        if i != ids[2]:
            assert api.get(f"/sessions/{i}").json == before[i]


def test_an_occurrence_is_cancelled_on_its_own_and_never_comes_back(app, api, secretary, series):
    ids = series_ids(app, series["series_id"])
    cancelled = api.as_(secretary).post(f"/sessions/{ids[1]}/cancel", {"reason": "村委会议室检修"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert [api.get(f"/sessions/{i}").json["status"] for i in ids] == ["open", "cancelled"] + ["open"] * 5
    clock.freeze(NOW + timedelta(weeks=3))
    extend(app)
    assert api.get(f"/sessions/{ids[1]}").json["status"] == "cancelled"
    later = series_ids(app, series["series_id"])
    assert len(later) == 10 and later[:7] == ids


def test_editing_the_first_occurrence_does_not_change_the_weeks_to_come(app, api, secretary, series):
    first = series["id"]
    edited = api.as_(secretary).patch(f"/sessions/{first}", {"title": "开班仪式暨法律常识", "capacity": 30})
    assert edited.status_code == 200, edited.json
    clock.freeze(NOW + timedelta(weeks=2))
    extend(app)
    newest = api.get(f"/sessions/{series_ids(app, series['series_id'])[-1]}").json
    assert newest["title"] == "青年夜校：法律常识" and newest["capacity"] == 3
    assert api.get(f"/sessions/{first}").json["title"] == "开班仪式暨法律常识"


def test_cancelling_the_first_occurrence_keeps_the_series_going(app, api, secretary, series):
    assert api.as_(secretary).post(f"/sessions/{series['id']}/cancel", {"reason": "首课改期"}).status_code == 200
    clock.freeze(NOW + timedelta(weeks=1))
    assert "新生成 1 场" in extend(app)
    newest = api.get(f"/sessions/{series_ids(app, series['series_id'])[-1]}").json
    assert newest["status"] == "open"


@pytest.fixture
def spring_term(api, secretary) -> dict:
    """Ten Tuesdays from 2 March 2027: only the first is made now, the rest when the window reaches them."""
    body = session_body(
        starts_at=at(2, 19, month=3, year=2027).isoformat(),
        ends_at=at(2, 21, month=3, year=2027).isoformat(),
        recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=10",
    )
    series = created(api.as_(secretary).post("/sessions", body))
    assert series["occurrences"] == 1
    return series


def test_a_series_that_starts_beyond_the_window_waits_for_the_bot(app, spring_term):
    clock.freeze(at(1, 9, month=3, year=2027))
    assert "新生成 7 场" in extend(app)
    assert len(series_ids(app, spring_term["series_id"])) == 8


def test_a_counted_series_stops_at_its_count(app, api, secretary):
    series = created(api.as_(secretary).post("/sessions", session_body(recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=3")))
    assert series["occurrences"] == 3
    clock.freeze(NOW + timedelta(weeks=20))
    assert "新生成 0 场" in extend(app)


def test_creating_a_series_is_audited_with_the_secretary_as_actor(app, api, build, hire):
    token, secretary_id = hire.secretary("140105001001")
    series = created(api.as_(token).post("/sessions", session_body(recurrence="FREQ=WEEKLY;BYDAY=TU;COUNT=2")))
    (row,) = audit_trail(app, "series", series["series_id"])
    assert row["actor"] == secretary_id and row["region"] == "140105001001"
    for occurrence in series_ids(app, series["series_id"]):
        (row,) = audit_trail(app, "session", occurrence)
        assert row["actor"] == secretary_id and row["after"]["capacity"] == 3


def test_moving_one_occurrence_tells_only_its_volunteers(app, api, build, secretary, series):
    ids = series_ids(app, series["series_id"])
    first, second = build.volunteer()[0], build.volunteer()[0]
    assert api.as_(first).post(f"/sessions/{ids[0]}/signups").status_code == 201
    assert api.as_(second).post(f"/sessions/{ids[1]}/signups").status_code == 201
    moved = api.as_(secretary).patch(
        f"/sessions/{ids[1]}", {"starts_at": at(16, 19).isoformat(), "ends_at": at(16, 21).isoformat()}
    )
    assert moved.status_code == 200, moved.json
    assert "活动时间变更" in titles(api, second)
    assert "活动时间变更" not in titles(api, first)
    assert user_id(api, second) != user_id(api, first)


def test_an_occurrence_of_another_secretary_cannot_be_touched(app, api, build, series, hire):
    other, _ = hire.secretary("140105001002")
    assert_error(api.as_(other).patch(f"/sessions/{series['id']}", {"title": "改个名字"}), 404, "session_not_found")
    assert_error(
        api.as_(other).post(f"/sessions/{series['id']}/cancel", {"reason": "不想办了"}), 404, "session_not_found"
    )


def test_editing_the_only_occurrence_made_yet_does_not_change_the_weeks_to_come(app, api, secretary, spring_term):
    """Before, the first occurrence was the series' template unless an unedited twin could take over."""
    first = spring_term["id"]
    edited = api.as_(secretary).patch(f"/sessions/{first}", {"title": "开班仪式暨法律常识", "capacity": 30})
    assert edited.status_code == 200, edited.json
    clock.freeze(at(1, 9, month=3, year=2027))
    assert "新生成 7 场" in extend(app)
    later = [api.get(f"/sessions/{i}").json for i in series_ids(app, spring_term["series_id"])[1:]]
    assert {(s["title"], s["capacity"]) for s in later} == {(spring_term["title"], spring_term["capacity"])}
