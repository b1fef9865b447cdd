"""Volunteers sign up for open needs: a slot or 409 `full` (needs have no waitlist)."""

import pytest

from app.core import clock
from tests.contract import assert_error, created
from tests.fixtures import at, titles, user_id
from tests.sessions.helpers import audit_trail, need_body, row_counts, session_body


@pytest.fixture
def need(api, secretary, county) -> dict:
    """Saturday 5 December 09:00–12:00, two volunteers wanted, approved."""
    need = created(api.as_(secretary).post("/needs", need_body()))
    assert api.as_(county).post(f"/needs/{need['id']}/review", {"approve": True}).status_code == 200
    return need


def join(api, token, need_id):
    return api.as_(token).post(f"/needs/{need_id}/signups")


def leave(api, token, need_id):
    return api.as_(token).delete(f"/needs/{need_id}/signups/me")


def test_slots_fill_then_full(app, api, need, people):
    first, second, third = people[:3]
    assert [created(join(api, t, need["id"]))["status"] for t in (first, second)] == ["confirmed", "confirmed"]
    shown = api.get(f"/needs/{need['id']}").json
    assert (shown["taken"], shown["status"]) == (2, "filled")
    before = row_counts(app)
    assert_error(join(api, third, need["id"]), 409, "full")
    assert row_counts(app) == before
    assert leave(api, first, need["id"]).status_code == 204
    assert api.get(f"/needs/{need['id']}").json["status"] == "open"
    assert created(join(api, third, need["id"]))["status"] == "confirmed"
    assert titles(api, third) == ["报名成功"]


def test_signing_up_twice(api, need, people):
    created(join(api, people[0], need["id"]))
    assert_error(join(api, people[0], need["id"]), 409, "already_signed_up")
    assert api.get(f"/needs/{need['id']}").json["taken"] == 1


def test_a_cancelled_need_tells_its_volunteers_and_takes_no_more(api, secretary, need, people):
    created(join(api, people[0], need["id"]))
    cancelled = api.as_(secretary).post(f"/needs/{need['id']}/cancel", {"reason": "暴雨预警"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert titles(api, people[0]).count("活动取消") == 1
    assert_error(join(api, people[1], need["id"]), 409, "activity_cancelled")
    assert_error(api.as_(secretary).post(f"/needs/{need['id']}/cancel", {"reason": "暴雨预警"}), 409, "not_cancellable")
    assert titles(api, people[0]).count("活动取消") == 1


def test_sign_ups_close_before_the_start(api, need, people):
    clock.freeze(at(5, 7, 1))
    assert_error(join(api, people[0], need["id"]), 409, "signup_closed")


def test_a_confirmed_session_at_the_same_time_conflicts(api, secretary, need, people):
    session = created(
        api.as_(secretary).post(
            "/sessions", session_body(starts_at=at(5, 11).isoformat(), ends_at=at(5, 13).isoformat())
        )
    )
    created(api.as_(people[0]).post(f"/sessions/{session['id']}/signups"))
    assert_error(join(api, people[0], need["id"]), 409, "time_conflict")


def test_withdrawing(api, need, people):
    assert_error(leave(api, people[0], need["id"]), 404, "not_signed_up")
    created(join(api, people[0], need["id"]))
    clock.freeze(at(5, 9))
    assert_error(leave(api, people[0], need["id"]), 409, "already_started")


def test_slots_cannot_go_below_the_confirmed(app, api, secretary, need, people):
    for token in people[:2]:
        created(join(api, token, need["id"]))
    before = row_counts(app)
    assert_error(api.as_(secretary).patch(f"/needs/{need['id']}", {"slots": 1}), 422, "validation_failed", "slots")
    assert_error(api.as_(secretary).patch(f"/needs/{need['id']}", {"slots": None}), 422, "validation_failed", "slots")
    assert_error(api.as_(secretary).patch(f"/needs/{need['id']}", {"slots": 0}), 422, "validation_failed", "slots")
    assert row_counts(app) == before
    grown = api.as_(secretary).patch(f"/needs/{need['id']}", {"slots": 3})
    assert grown.status_code == 200 and (grown.json["slots"], grown.json["status"]) == (3, "open")


def test_county_staff_may_edit_and_the_change_is_audited(app, api, county, need):
    changed = api.as_(county).patch(f"/needs/{need['id']}", {"title": "周末课业辅导（初中数学）"})
    assert changed.status_code == 200, changed.json
    row = audit_trail(app, "need", need["id"])[-1]
    assert row["action"] == "update" and row["actor"] == user_id(api, county)
    assert row["before"] == {"title": "周末课业辅导"} and row["after"] == {"title": "周末课业辅导（初中数学）"}


def test_moving_a_need_tells_its_volunteers(api, secretary, need, people):
    created(join(api, people[0], need["id"]))
    moved = api.as_(secretary).patch(
        f"/needs/{need['id']}", {"starts_at": at(6, 14).isoformat(), "ends_at": at(6, 17).isoformat()}
    )
    assert moved.status_code == 200, moved.json
    assert "活动时间变更" in titles(api, people[0])


def test_the_roster_is_for_organisers(api, build, secretary, need, people, hire):
    created(join(api, people[0], need["id"]))
    assert [e["status"] for e in api.as_(secretary).get(f"/needs/{need['id']}/signups").json["items"]] == ["confirmed"]
    assert_error(api.as_(people[0]).get(f"/needs/{need['id']}/signups"), 403, "forbidden")
    assert_error(api.as_(hire.staff("140106")).get(f"/needs/{need['id']}/signups"), 404, "need_not_found")


def test_a_finished_need_is_recorded_as_it_was(app, api, need, people):
    for token in people[:2]:
        created(join(api, token, need["id"]))
    clock.freeze(at(5, 12, 1))
    result = app.test_cli_runner().invoke(args=["activities", "finish"])
    assert result.exit_code == 0, result.output
    assert api.get(f"/needs/{need['id']}").json["status"] == "done"
    row = audit_trail(app, "need", need["id"])[-1]
    assert (row["action"], row["before"], row["after"], row["actor"]) == (
        "finish",
        {"status": "filled"},
        {"status": "done"},
        None,
    )
