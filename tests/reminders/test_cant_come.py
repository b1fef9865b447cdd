""" "Can't come": the volunteer's own confirmed seat, before the start, goes to the first on the
waitlist (who is told), and the village secretary hears who cannot come."""

from datetime import timedelta

from app.activities.models import Activity
from app.core.auth import build_principal
from app.extensions import db
from app.reminders import operations
from tests.contract import assert_error
from tests.fixtures import inbox, titles, user_id
from tests.reminders.helpers import START, run_at, schedule, sign_up


def cant_come(api, token, signup_id):
    return api.as_(token).post(f"/signups/{signup_id}/cant-come")


def test_cant_come_frees_the_seat_promotes_the_waitlist_and_tells_the_secretary(app, api, build, secretary):
    session_id = schedule(api, secretary, capacity=1)
    (li, _), (wang, _) = build.volunteer(name="李明"), build.volunteer(name="王芳")
    seat = sign_up(api, li, session_id)
    assert sign_up(api, wang, session_id)["status"] == "waitlisted"

    answer = cant_come(api, li, seat["id"])
    assert answer.status_code == 200, answer.json
    assert answer.json == {"id": seat["id"], "activity_id": session_id, "status": "cancelled"}
    assert inbox(api, wang)[0]["title"] == "候补成功"
    roster = api.as_(secretary).get(f"/sessions/{session_id}/signups").json["items"]
    assert [(r["name"], r["status"]) for r in roster] == [("王芳", "confirmed")]
    (told,) = [m for m in inbox(api, secretary) if m["title"] == "志愿者无法参加"]
    assert told["body"] == "李明 无法参加「青年夜校：法律常识」（12月8日 19:30），已取消报名；候补志愿者 王芳 已递补。"
    assert told["purpose"] == "notice"


def test_without_a_waitlist_the_seat_opens_again(app, api, build, secretary):
    session_id = schedule(api, secretary, capacity=1)
    li, _ = build.volunteer(name="李明")
    seat = sign_up(api, li, session_id)
    assert cant_come(api, li, seat["id"]).status_code == 200
    session = api.as_(secretary).get(f"/sessions/{session_id}").json
    assert (session["taken"], session["status"]) == (0, "open")
    (told,) = [m for m in inbox(api, secretary) if m["title"] == "志愿者无法参加"]
    assert told["body"].endswith("已取消报名；空出 1 个名额。")


def test_only_ones_own_confirmed_sign_up_before_the_start(app, api, secretary, people):
    session_id = schedule(api, secretary, capacity=1)
    seat = sign_up(api, people[0], session_id)
    queued = sign_up(api, people[1], session_id)

    assert_error(cant_come(api, people[1], seat["id"]), 404, "signup_not_found")
    assert_error(cant_come(api, people[0], 999999), 404, "signup_not_found")
    assert_error(cant_come(api, people[1], queued["id"]), 409, "not_confirmed")
    assert_error(cant_come(api, secretary, seat["id"]), 403, "forbidden")
    assert_error(cant_come(api, None, seat["id"]), 401, "unauthenticated")

    run_at(app, START + timedelta(minutes=1))
    assert_error(cant_come(api, people[0], seat["id"]), 409, "already_started")


def test_saying_it_twice_is_a_conflict_not_a_second_cancellation(app, api, secretary, people):
    session_id = schedule(api, secretary)
    seat = sign_up(api, people[0], session_id)
    assert cant_come(api, people[0], seat["id"]).status_code == 200
    assert_error(cant_come(api, people[0], seat["id"]), 409, "already_cancelled")
    assert titles(api, secretary).count("志愿者无法参加") == 1


def test_after_a_reminder_the_one_who_cannot_come_is_replaced_and_the_next_is_reminded(app, api, secretary, people):
    session_id = schedule(api, secretary, capacity=1)
    seat = sign_up(api, people[0], session_id)
    sign_up(api, people[1], session_id)
    assert run_at(app, START - timedelta(hours=24)) == 1
    assert cant_come(api, people[0], seat["id"]).status_code == 200
    assert run_at(app, START - timedelta(hours=2)) == 1
    assert titles(api, people[0]).count("活动提醒") == 1
    assert titles(api, people[1]).count("活动提醒") == 1


def test_the_chat_bot_calls_the_same_operation_with_a_principal(app, api, secretary, people):
    session_id = schedule(api, secretary)
    seat = sign_up(api, people[0], session_id)
    volunteer = user_id(api, people[0])
    with app.app_context():
        signup = operations.cant_come(build_principal(volunteer), seat["id"])
        db.session.commit()
        assert signup.status == "cancelled" and signup.cancel_reason == "无法参加"
        assert db.session.get(Activity, session_id).taken == 0


def test_the_route_is_in_the_openapi_document(api):
    document = api.get("/openapi.json").json
    operation = document["paths"]["/api/v1/signups/{id}/cant-come"]["post"]
    assert {"200", "404", "409"} <= set(operation["responses"])
