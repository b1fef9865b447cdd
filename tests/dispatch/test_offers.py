"""A volunteer's side of an offer: seen with why they were asked, accepted into a confirmed sign-up on
the seat it held, or declined (never asked again); expiry and pausing free the seat."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activities.models import Signup
from app.core import clock
from app.core.audit import AuditEntry
from app.core.errors import AppError
from app.dispatch import offers
from app.dispatch.models import Offer
from app.extensions import db
from tests.contract import assert_error, created
from tests.dispatch.helpers import WHY, approved_need, offer, seats, volunteer_id
from tests.fixtures import at, inbox, titles
from tests.reminders.helpers import run_at

HOUR = timedelta(hours=1)


@pytest.fixture
def need(api, secretary, county) -> dict:
    return approved_need(api, secretary, county)


def assignments(api, token) -> list[dict]:
    response = api.as_(token).get("/assignments/me")
    assert response.status_code == 200, response.json
    return response.json["items"]


def accept(api, token, offer_id):
    return api.as_(token).post(f"/assignments/{offer_id}/accept")


def decline(api, token, offer_id):
    return api.as_(token).post(f"/assignments/{offer_id}/decline")


def test_an_offer_holds_a_seat_and_the_volunteer_sees_it_with_why(app, api, need, people):
    offer_id = offer(app, api, people[0], need["id"])

    assert seats(app, need["id"]) == (0, 1, "open")
    (item,) = assignments(api, people[0])
    assert item["id"] == offer_id and item["status"] == "offered" and item["why"] == WHY
    assert item["need"] == {
        "id": need["id"],
        "title": "周末课业辅导",
        "village": "140105001001",
        "village_name": "小店村",
        "starts_at": "2026-12-05T09:00:00+08:00",
        "ends_at": "2026-12-05T12:00:00+08:00",
    }
    assert item["starts_at"] == "2026-12-05T09:00:00+08:00"
    assert item["expires_at"] == "2026-12-02T09:00:00+08:00"
    (message,) = inbox(api, people[0])
    assert message["title"] == "新的志愿服务邀请" and message["purpose"] == "assignment"
    assert "周末课业辅导" in message["body"] and WHY in message["body"]
    assert message["link"] == f"assignment:{offer_id}"
    assert assignments(api, people[1]) == []


def test_accepting_confirms_a_dispatch_sign_up_on_the_held_seat_with_its_reminders(app, api, need, people):
    offer_id = offer(app, api, people[0], need["id"])

    answer = accept(api, people[0], offer_id)

    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "accepted" and answer.json["signup_id"]
    assert seats(app, need["id"]) == (1, 0, "open")
    with app.app_context():
        signup = db.session.get_one(Signup, answer.json["signup_id"])
        assert (signup.status, signup.source, signup.activity_id) == ("confirmed", "dispatch", need["id"])
        trail = db.session.scalars(
            select(AuditEntry.after).where(AuditEntry.object_type == "offer").order_by(AuditEntry.id)
        ).all()
    assert [entry["status"] for entry in trail] == ["offered", "accepted"]
    assert titles(api, people[0]) == ["报名成功", "新的志愿服务邀请"]
    assert [a["status"] for a in assignments(api, people[0])] == ["accepted"]
    # Reminded as a self sign-up is: a day before the start.
    assert run_at(app, at(5, 9) - 24 * HOUR) == 1
    assert "活动提醒" in titles(api, people[0])


def test_accepting_twice_after_expiry_or_someone_elses_is_refused(app, api, need, people):
    first = offer(app, api, people[0], need["id"])
    assert accept(api, people[0], first).status_code == 200
    assert_error(accept(api, people[0], first), 409, "offer_not_open")
    assert_error(decline(api, people[0], first), 409, "offer_not_open")

    second = offer(app, api, people[1], need["id"], hours=2)
    assert_error(accept(api, people[2], second), 404, "offer_not_found")
    assert_error(decline(api, people[2], second), 404, "offer_not_found")
    assert_error(accept(api, people[1], 2**31 - 1), 404, "offer_not_found")
    clock.freeze(clock.now() + 3 * HOUR)
    assert_error(accept(api, people[1], second), 409, "offer_expired")
    assert seats(app, need["id"]) == (1, 1, "filled")  # the sweep has not run yet: still held


def test_declining_frees_the_seat_and_the_slot_is_never_offered_to_them_again(app, api, need, people):
    offer_id = offer(app, api, people[0], need["id"])

    answer = decline(api, people[0], offer_id)

    assert answer.status_code == 200 and answer.json["status"] == "declined"
    assert seats(app, need["id"]) == (0, 0, "open")
    with pytest.raises(AppError) as refused:
        offer(app, api, people[0], need["id"])
    assert refused.value.code == "already_offered"
    with app.app_context():  # and the database itself refuses a second offer of the same slot
        db.session.add(
            Offer(
                activity_id=need["id"],
                volunteer_id=volunteer_id(app, api, people[0]),
                status="offered",
                expires_at=clock.now() + HOUR,
                created_at=clock.now(),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_self_sign_up_cannot_take_a_held_seat_but_the_offered_volunteer_accepts_by_signing_up(
    app, api, secretary, county, people
):
    need = approved_need(api, secretary, county, slots=1)
    offer_id = offer(app, api, people[0], need["id"])
    assert seats(app, need["id"]) == (0, 1, "filled")
    assert api.get(f"/needs/{need['id']}").json["status"] == "filled"

    assert_error(api.as_(people[1]).post(f"/needs/{need['id']}/signups"), 409, "full")

    signed = created(api.as_(people[0]).post(f"/needs/{need['id']}/signups"))
    assert signed["status"] == "confirmed"
    assert seats(app, need["id"]) == (1, 0, "filled")
    (item,) = assignments(api, people[0])
    assert (item["id"], item["status"], item["signup_id"]) == (offer_id, "accepted", signed["id"])


def test_a_free_unheld_seat_is_still_open_for_self_sign_up(app, api, need, people):
    offer(app, api, people[0], need["id"])
    assert created(api.as_(people[1]).post(f"/needs/{need['id']}/signups"))["status"] == "confirmed"
    assert seats(app, need["id"]) == (1, 1, "filled")
    assert_error(api.as_(people[2]).post(f"/needs/{need['id']}/signups"), 409, "full")


def test_the_bot_expires_due_offers_and_frees_their_seats(app, api, need, people):
    soon = offer(app, api, people[0], need["id"], hours=1)
    later = offer(app, api, people[1], need["id"], hours=24)
    assert seats(app, need["id"]) == (0, 2, "filled")

    clock.freeze(clock.now() + 2 * HOUR)
    with app.app_context():
        assert offers.expire_due() == 1
        db.session.commit()
        assert offers.expire_due() == 0

    assert seats(app, need["id"]) == (0, 1, "open")
    assert [(a["id"], a["status"]) for a in assignments(api, people[0])] == [(soon, "expired")]
    assert "邀请已过期" in titles(api, people[0])
    assert [a["status"] for a in assignments(api, people[1])] == ["offered"]
    assert accept(api, people[1], later).status_code == 200


def test_pausing_offers_revokes_the_open_ones(app, api, need, people):
    offer(app, api, people[0], need["id"])

    paused = api.as_(people[0]).patch("/volunteers/me", {"offers_paused": True, "monthly_hours_cap": 20})

    assert paused.status_code == 200, paused.json
    assert (paused.json["offers_paused"], paused.json["monthly_hours_cap"]) == (True, 20)
    (item,) = assignments(api, people[0])
    assert (item["status"], item["revoke_reason"]) == ("revoked", "本人暂停接单")
    assert seats(app, need["id"]) == (0, 0, "open")
    assert "邀请已撤回" in titles(api, people[0])
    again = api.as_(people[0]).patch("/volunteers/me", {"offers_paused": False, "monthly_hours_cap": None})
    assert (again.json["offers_paused"], again.json["monthly_hours_cap"]) == (False, None)
    assert_error(api.as_(people[0]).patch("/volunteers/me", {"offers_paused": None}), 422, "validation_failed")
    assert_error(api.as_(people[0]).patch("/volunteers/me", {"monthly_hours_cap": 0}), 422, "validation_failed")


def test_cancelling_the_need_revokes_its_offers(app, api, secretary, need, people):
    offer(app, api, people[0], need["id"])
    cancelled = api.as_(secretary).post(f"/needs/{need['id']}/cancel", {"reason": "暴雨预警"})
    assert cancelled.status_code == 200
    (item,) = assignments(api, people[0])
    assert (item["status"], item["revoke_reason"]) == ("revoked", "活动取消")
    assert seats(app, need["id"]) == (0, 0, "cancelled")


def test_no_offer_beyond_the_free_seats(app, api, secretary, county, people):
    need = approved_need(api, secretary, county, slots=2)
    offer(app, api, people[0], need["id"])
    created(api.as_(people[1]).post(f"/needs/{need['id']}/signups"))
    with pytest.raises(AppError) as refused:
        offer(app, api, people[2], need["id"])
    assert refused.value.code == "no_free_slot"
    # Cutting the slots below what is taken and held is refused (422 on slots), not a database error.
    cut = api.as_(secretary).patch(f"/needs/{need['id']}", {"slots": 1})
    assert_error(cut, 422, "validation_failed")
    assert "slots" in cut.json["error"]["fields"]


def test_the_routes_are_in_the_openapi_document(api):
    paths = api.get("/openapi.json").json["paths"]
    assert set(paths["/api/v1/assignments/me"]) == {"get"}
    assert "409" in paths["/api/v1/assignments/{id}/accept"]["post"]["responses"]
    assert "409" in paths["/api/v1/assignments/{id}/decline"]["post"]["responses"]


def test_only_volunteers_see_assignments(api, secretary):
    assert api.get("/assignments/me").status_code == 401
    assert api.as_(secretary).get("/assignments/me").status_code == 403


def test_no_offer_to_a_paused_volunteer_nor_after_sign_up_closes(app, api, secretary, county, people):
    need = approved_need(api, secretary, county)
    assert api.as_(people[0]).patch("/volunteers/me", {"offers_paused": True}).status_code == 200
    with pytest.raises(AppError) as refused:
        offer(app, api, people[0], need["id"])
    assert refused.value.code == "volunteer_unavailable"
    # Expiry is cut to when sign-up closes (SIGNUP_CLOSE_MINUTES before the start).
    offer_id = offer(app, api, people[1], need["id"], hours=24 * 30)
    (item,) = assignments(api, people[1])
    assert item["id"] == offer_id and item["expires_at"] < item["starts_at"]
    clock.freeze(at(5, 8, 59))
    with pytest.raises(AppError) as late:
        offer(app, api, people[2], need["id"])
    assert late.value.code == "signup_closed"


def test_withdrawing_revokes_the_open_offers(app, api, need, people):
    offer_id = offer(app, api, people[0], need["id"])
    assert api.as_(people[0]).delete("/volunteers/me").status_code == 204
    with app.app_context():
        revoked = db.session.get_one(Offer, offer_id)
        assert (revoked.status, revoked.revoke_reason) == ("revoked", "本人注销")
    assert seats(app, need["id"]) == (0, 0, "open")
