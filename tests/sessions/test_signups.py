"""Signing up for a session: seats, the waitlist and what each volunteer is told."""

import pytest

from app.core import clock
from tests.contract import assert_error, created
from tests.fixtures import at, inbox, titles, user_id
from tests.sessions.helpers import audit_trail, row_counts, session_body


@pytest.fixture
def session(api, secretary) -> dict:
    """Tuesday 8 December, 19:30–21:30, one seat."""
    return created(api.as_(secretary).post("/sessions", session_body(capacity=1)))


def join(api, token, session_id):
    return api.as_(token).post(f"/sessions/{session_id}/signups")


def leave(api, token, session_id):
    return api.as_(token).delete(f"/sessions/{session_id}/signups/me")


def roster(api, secretary, session_id) -> list[tuple[int, str]]:
    items = api.as_(secretary).get(f"/sessions/{session_id}/signups").json["items"]
    return [(item["signup_id"], item["status"]) for item in items]


def test_seats_then_the_waitlist_in_order(api, secretary, session, people):
    answers = [created(join(api, token, session["id"])) for token in people[:3]]
    assert [(a["status"], a["position"]) for a in answers] == [
        ("confirmed", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
    ]
    assert api.get(f"/sessions/{session['id']}").json["status"] == "filled"
    assert titles(api, people[0]) == ["报名成功"]
    assert titles(api, people[2]) == ["已进入候补"] and "候补第 2 位" in inbox(api, people[2])[0]["body"]


def test_signing_up_twice_is_refused_without_a_second_seat(app, api, secretary, session, people):
    created(join(api, people[0], session["id"]))
    created(join(api, people[1], session["id"]))
    before = row_counts(app)
    assert_error(join(api, people[0], session["id"]), 409, "already_signed_up")
    assert_error(join(api, people[1], session["id"]), 409, "already_signed_up")
    assert row_counts(app) == before
    assert len(roster(api, secretary, session["id"])) == 2


def test_signing_up_again_after_withdrawing_joins_the_end_of_the_queue(api, session, people):
    for token in people[:3]:
        created(join(api, token, session["id"]))
    assert leave(api, people[1], session["id"]).status_code == 204
    again = created(join(api, people[1], session["id"]))
    assert again["status"] == "waitlisted" and again["position"] == 2


def test_a_cancelled_session_takes_no_sign_ups(api, secretary, session, people):
    assert api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "下雪停课"}).status_code == 200
    assert_error(join(api, people[0], session["id"]), 409, "activity_cancelled")


def test_sign_ups_close_two_hours_before_the_start(api, session, people):
    clock.freeze(at(8, 17, 29))
    assert created(join(api, people[0], session["id"]))["status"] == "confirmed"
    clock.freeze(at(8, 17, 30))
    assert_error(join(api, people[1], session["id"]), 409, "signup_closed")


def test_no_two_confirmed_commitments_at_the_same_time(api, secretary, session, people):
    overlapping = created(
        api.as_(secretary).post(
            "/sessions", session_body(starts_at=at(8, 20).isoformat(), ends_at=at(8, 22).isoformat())
        )
    )
    after = created(
        api.as_(secretary).post(
            "/sessions", session_body(starts_at=at(8, 21, 30).isoformat(), ends_at=at(8, 22, 30).isoformat())
        )
    )
    created(join(api, people[0], session["id"]))
    assert_error(join(api, people[0], overlapping["id"]), 409, "time_conflict")
    assert created(join(api, people[0], after["id"]))["status"] == "confirmed"  # touching is not overlapping


def test_withdrawing_when_not_signed_up_or_after_the_start(api, session, people):
    assert_error(leave(api, people[0], session["id"]), 404, "not_signed_up")
    created(join(api, people[0], session["id"]))
    clock.freeze(at(8, 19, 30))
    assert_error(leave(api, people[0], session["id"]), 409, "already_started")


def test_the_waitlist_keeps_its_order_across_cancellations(api, secretary, session, people):
    a, b, c, d, e = people[:5]
    ids = {token: created(join(api, token, session["id"]))["id"] for token in people[:5]}
    assert leave(api, c, session["id"]).status_code == 204  # a waitlisted one leaves the queue
    assert leave(api, a, session["id"]).status_code == 204
    assert roster(api, secretary, session["id"]) == [
        (ids[b], "confirmed"),
        (ids[d], "waitlisted"),
        (ids[e], "waitlisted"),
    ]
    assert leave(api, b, session["id"]).status_code == 204
    assert roster(api, secretary, session["id"]) == [(ids[d], "confirmed"), (ids[e], "waitlisted")]
    assert leave(api, d, session["id"]).status_code == 204
    assert roster(api, secretary, session["id"]) == [(ids[e], "confirmed")]
    for token in (b, d, e):
        assert titles(api, token).count("候补成功") == 1
    assert "候补成功" not in titles(api, c)
    assert api.get(f"/sessions/{session['id']}").json["taken"] == 1


def test_the_last_confirmed_leaving_frees_the_seat(api, session, people):
    created(join(api, people[0], session["id"]))
    assert leave(api, people[0], session["id"]).status_code == 204
    after = api.get(f"/sessions/{session['id']}").json
    assert (after["taken"], after["status"]) == (0, "open")


def test_a_waitlisted_volunteer_busy_elsewhere_is_skipped(api, secretary, session, people):
    a, busy, free = people[:3]
    other = created(
        api.as_(secretary).post(
            "/sessions", session_body(starts_at=at(8, 20).isoformat(), ends_at=at(8, 21).isoformat())
        )
    )
    created(join(api, a, session["id"]))
    busy_id = created(join(api, busy, session["id"]))["id"]
    free_id = created(join(api, free, session["id"]))["id"]
    assert created(join(api, busy, other["id"]))["status"] == "confirmed"  # meanwhile, an overlapping seat
    assert leave(api, a, session["id"]).status_code == 204
    assert roster(api, secretary, session["id"]) == [(free_id, "confirmed"), (busy_id, "waitlisted")]
    assert "候补成功" not in titles(api, busy)
    assert "候补成功" in titles(api, free)


def test_more_seats_promote_the_waitlist_in_order(app, api, secretary, session, people):
    ids = [created(join(api, token, session["id"]))["id"] for token in people[:4]]
    grown = api.as_(secretary).patch(f"/sessions/{session['id']}", {"capacity": 3})
    assert grown.status_code == 200, grown.json
    assert (grown.json["taken"], grown.json["status"]) == (3, "filled")
    assert roster(api, secretary, session["id"]) == [
        (ids[0], "confirmed"),
        (ids[1], "confirmed"),
        (ids[2], "confirmed"),
        (ids[3], "waitlisted"),
    ]
    assert ["候补成功" in titles(api, token) for token in people[:4]] == [False, True, True, False]
    more = api.as_(secretary).patch(f"/sessions/{session['id']}", {"capacity": 6})
    assert (more.json["taken"], more.json["status"]) == (4, "open")
    (update, _more) = [row for row in audit_trail(app, "session", session["id"]) if row["action"] == "update"]
    assert (update["before"], update["after"]) == ({"capacity": 1, "taken": 1}, {"capacity": 3, "taken": 3})
    assert update["actor"] == user_id(api, secretary)


def test_capacity_cannot_go_below_the_confirmed(app, api, secretary, build, people):
    session = created(api.as_(secretary).post("/sessions", session_body(capacity=3)))
    for token in people[:2]:
        created(join(api, token, session["id"]))
    before = row_counts(app)
    assert_error(
        api.as_(secretary).patch(f"/sessions/{session['id']}", {"capacity": 1}), 422, "validation_failed", "capacity"
    )
    assert row_counts(app) == before
    assert api.as_(secretary).patch(f"/sessions/{session['id']}", {"capacity": 2}).json["status"] == "filled"


def test_cancelling_tells_everyone_once_even_if_retried(app, api, secretary, session, people):
    for token in people[:3]:
        created(join(api, token, session["id"]))
    cancelled = api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "村里停电"})
    assert cancelled.status_code == 200 and cancelled.json["taken"] == 0
    boxes = {token: inbox(api, token) for token in people[:3]}
    for box in boxes.values():
        assert [m["title"] for m in box].count("活动取消") == 1
        assert "村里停电" in box[0]["body"]
    before = row_counts(app)
    assert_error(
        api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "村里停电"}), 409, "not_cancellable"
    )
    assert row_counts(app) == before
    assert {token: inbox(api, token) for token in people[:3]} == boxes
    assert roster(api, secretary, session["id"]) == []


def test_a_cancellation_reason_is_published_text_too(app, api, secretary, session):
    before = row_counts(app)
    answer = api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "改为六合彩开奖"})
    assert_error(answer, 422, "content_unsafe", "reason")
    assert row_counts(app) == before


def test_moving_the_time_tells_every_signed_up_volunteer_each_time(api, secretary, session, people):
    created(join(api, people[0], session["id"]))
    created(join(api, people[1], session["id"]))
    path = f"/sessions/{session['id']}"
    assert api.as_(secretary).patch(path, {"title": "青年夜校：民法典"}).status_code == 200
    assert "活动时间变更" not in titles(api, people[0])
    later = {"starts_at": at(8, 20).isoformat(), "ends_at": at(8, 22).isoformat()}
    back = {"starts_at": at(8, 19, 30).isoformat(), "ends_at": at(8, 21, 30).isoformat()}
    for minute, change in enumerate((later, back, later), start=1):
        clock.freeze(at(1, 10, minute))
        assert api.as_(secretary).patch(path, change).status_code == 200
    for token in people[:2]:
        moved = [m["body"] for m in inbox(api, token) if m["title"] == "活动时间变更"]
        assert len(moved) == 3 and "12月8日 20:00" in moved[0]


def test_a_moved_session_is_checked_for_conflicts_at_its_new_time(api, secretary, session, people):
    created(join(api, people[0], session["id"]))
    other = created(
        api.as_(secretary).post(
            "/sessions", session_body(starts_at=at(9, 19).isoformat(), ends_at=at(9, 21).isoformat())
        )
    )
    moved = {"starts_at": at(9, 20).isoformat(), "ends_at": at(9, 22).isoformat()}
    assert api.as_(secretary).patch(f"/sessions/{session['id']}", moved).status_code == 200
    assert_error(join(api, people[0], other["id"]), 409, "time_conflict")


@pytest.mark.parametrize(
    "change",
    [
        {"capacity": 0},
        {"capacity": None},
        {"title": None},
        {"starts_at": None},
        {"starts_at": at(1, 8).isoformat()},
        {"ends_at": at(8, 19).isoformat()},
        {"ends_at": at(9, 20).isoformat()},
        {"kind": "lecture_hall"},
    ],
)
def test_bad_edits_are_refused_whole(app, api, secretary, session, change):
    before = row_counts(app)
    answer = api.as_(secretary).patch(f"/sessions/{session['id']}", change)
    assert_error(answer, 422, "validation_failed", *change)
    assert row_counts(app) == before
    assert api.get(f"/sessions/{session['id']}").json == {
        k: v for k, v in session.items() if k not in ("occurrences", "series_total")
    }


def test_only_organisers_edit_cancel_or_read_the_roster(api, build, session, people, hire):
    stranger = hire.staff("140106")
    volunteer = people[0]
    assert_error(api.as_(volunteer).patch(f"/sessions/{session['id']}", {"title": "我来改"}), 403, "forbidden")
    assert_error(api.as_(volunteer).post(f"/sessions/{session['id']}/cancel", {"reason": "不办了"}), 403, "forbidden")
    assert_error(api.as_(volunteer).get(f"/sessions/{session['id']}/signups"), 403, "forbidden")
    assert_error(api.as_(stranger).get(f"/sessions/{session['id']}/signups"), 404, "session_not_found")
    assert_error(
        api.as_(stranger).post(f"/sessions/{session['id']}/cancel", {"reason": "不办了"}), 404, "session_not_found"
    )


def test_the_roster_shows_masked_phones(api, build, secretary, session):
    token, _ = build.volunteer(name="李青年", phone="13912345678")
    created(join(api, token, session["id"]))
    (entry,) = api.as_(secretary).get(f"/sessions/{session['id']}/signups").json["items"]
    assert entry["name"] == "李青年" and entry["phone"] != "13912345678" and entry["phone"].endswith("5678")


def test_every_change_to_a_sign_up_is_audited(app, api, build, secretary, session, people):
    a, b = people[:2]
    first = created(join(api, a, session["id"]))
    second = created(join(api, b, session["id"]))
    assert leave(api, a, session["id"]).status_code == 204
    a_trail = audit_trail(app, "signup", first["id"])
    assert [(r["action"], r["before"], r["after"]["status"]) for r in a_trail] == [
        ("create", None, "confirmed"),
        ("update", {"status": "confirmed"}, "cancelled"),
    ]
    assert {r["actor"] for r in a_trail} == {user_id(api, a)}
    assert {r["region"] for r in a_trail} == {"140105001001"}
    b_trail = audit_trail(app, "signup", second["id"])
    assert [(r["action"], r["after"]["status"]) for r in b_trail] == [("create", "waitlisted"), ("update", "confirmed")]
    assert b_trail[1]["actor"] == user_id(api, a)  # promoted because a withdrew
    cancel = api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "场地冲突"})
    assert cancel.status_code == 200
    session_trail = audit_trail(app, "session", session["id"])
    assert [r["action"] for r in session_trail] == ["create", "cancel"]
    assert session_trail[1]["before"]["status"] == "filled" and session_trail[1]["after"]["status"] == "cancelled"
    assert session_trail[1]["actor"] == user_id(api, secretary)
    assert audit_trail(app, "signup", second["id"])[-1]["after"] == {"status": "cancelled", "reason": "活动取消"}


def test_unregistered_users_cannot_sign_up(api, build, session):
    assert_error(api.as_(build.login()).post(f"/sessions/{session['id']}/signups"), 403, "forbidden")
    assert_error(api.post(f"/sessions/{session['id']}/signups"), 401, "unauthenticated")
    assert_error(api.as_(build.volunteer()[0]).post("/sessions/999999/signups"), 404, "session_not_found")


def test_a_finished_session_is_neither_edited_nor_joined(app, api, secretary, session, people):
    clock.freeze(at(8, 21, 31))
    result = app.test_cli_runner().invoke(args=["activities", "finish"])
    assert result.exit_code == 0, result.output
    assert api.get(f"/sessions/{session['id']}").json["status"] == "done"
    assert_error(api.as_(secretary).patch(f"/sessions/{session['id']}", {"title": "补记标题"}), 409, "not_editable")
    assert_error(
        api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "补取消"}), 409, "not_cancellable"
    )
    assert_error(join(api, people[0], session["id"]), 409, "signup_not_open")


def test_later_notices_describe_the_session_as_edited(api, secretary, people):
    """The notice is written from the session as it is when the volunteer signs up, not as it was
    when someone else signed up before an edit."""
    session = created(api.as_(secretary).post("/sessions", session_body(capacity=5)))
    created(join(api, people[0], session["id"]))
    assert "19:30" in inbox(api, people[0])[0]["body"]
    clock.freeze(at(1, 10))
    edited = api.as_(secretary).patch(
        f"/sessions/{session['id']}",
        {"title": "电商直播入门", "starts_at": at(8, 20).isoformat(), "ends_at": at(8, 22).isoformat()},
    )
    assert edited.status_code == 200, edited.json
    created(join(api, people[1], session["id"]))
    body = inbox(api, people[1])[0]["body"]
    assert "电商直播入门" in body and "20:00" in body and "19:30" not in body


def test_a_session_cancelled_after_sign_ups_takes_no_more(api, secretary, session, people):
    created(join(api, people[0], session["id"]))
    clock.freeze(at(1, 10))
    assert api.as_(secretary).post(f"/sessions/{session['id']}/cancel", {"reason": "下雪停课"}).status_code == 200
    assert_error(join(api, people[1], session["id"]), 409, "activity_cancelled")
    assert titles(api, people[1]) == []
