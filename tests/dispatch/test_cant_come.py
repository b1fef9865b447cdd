""" "不能来" on an accepted offer: the volunteer's dispatch sign-up is withdrawn (in the mini-program, by
POST /signups/{id}/cant-come, or "不能来 N" in the chat with N the offer's number), the seat is freed and
re-offered at once to the next best volunteer, and that volunteer is never asked for the slot again."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activities.models import Signup
from app.chatbot import commands
from app.core import auth, clock
from app.core.audit import AuditEntry
from app.core.errors import AppError
from app.dispatch.models import Offer
from app.extensions import db
from tests.contract import assert_error
from tests.dispatch.helpers import approved_need, offer, seats, volunteer_id
from tests.fixtures import at, titles, user_id


@pytest.fixture
def need(api, secretary, county) -> dict:
    """Saturday 5 December 09:00–12:00 in 小店村, one slot."""
    return approved_need(api, secretary, county, slots=1)


def accepted(app, api, token, need_id) -> tuple[int, int]:
    """The dispatcher's offer, accepted: (offer id, sign-up id)."""
    offer_id = offer(app, api, token, need_id)
    answer = api.as_(token).post(f"/assignments/{offer_id}/accept")
    assert answer.status_code == 200, answer.json
    return offer_id, answer.json["signup_id"]


def offers_of(app, need_id) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (row.volunteer_id, row.status)
            for row in db.session.execute(
                select(Offer.volunteer_id, Offer.status).where(Offer.activity_id == need_id).order_by(Offer.id)
            )
        ]


def offer_trail(app, offer_id) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.after)
                .where(AuditEntry.object_type == "offer", AuditEntry.object_id == str(offer_id))
                .order_by(AuditEntry.id)
            )
        )


def chat(app, api, token, text: str) -> str:
    """What the chat bot answers (commands.answer, as the callback calls it), committed."""
    with app.app_context():
        reply = commands.answer(auth.build_principal(user_id(api, token)), text)
        db.session.commit()
    return reply.body


def never_again(app, api, token, need_id) -> None:
    vid = volunteer_id(app, api, token)
    with pytest.raises(AppError) as refused:
        offer(app, api, token, need_id)
    assert refused.value.code == "already_offered"
    with app.app_context():  # and the database itself refuses a second offer of the same slot
        db.session.add(
            Offer(
                activity_id=need_id, volunteer_id=vid, status="offered", expires_at=clock.now(), created_at=clock.now()
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_withdrawing_an_accepted_offer_re_offers_the_seat_at_once_to_the_next_best(app, api, need, people):
    offer_id, signup_id = accepted(app, api, people[0], need["id"])
    waiting = people[1]  # also suitable: same village, the team, Saturdays
    assert seats(app, need["id"]) == (1, 0, "filled")

    assert api.as_(people[0]).delete(f"/needs/{need['id']}/signups/me").status_code == 204

    first, second = volunteer_id(app, api, people[0]), volunteer_id(app, api, waiting)
    assert offers_of(app, need["id"]) == [(first, "accepted"), (second, "offered")]
    assert seats(app, need["id"]) == (0, 1, "filled")  # freed, and held at once for the next best
    assert "新的志愿服务邀请" in titles(api, waiting)
    with app.app_context():
        assert db.session.get_one(Signup, signup_id).status == "cancelled"
    # The offer stays accepted (the volunteer did accept); its trail says it was withdrawn.
    assert offer_trail(app, offer_id)[-1] == {"status": "accepted", "withdrawn": True, "reason": "本人取消"}
    mine = api.as_(people[0]).get("/assignments/me").json["items"]
    assert [(a["id"], a["status"], a["withdrawn"]) for a in mine] == [(offer_id, "accepted", True)]
    never_again(app, api, people[0], need["id"])


def test_cant_come_in_the_chat_takes_the_offers_number(app, api, need, people, secretary):
    offer_id, signup_id = accepted(app, api, people[0], need["id"])
    waiting = people[1]

    assert chat(app, api, people[0], f"不能来 {offer_id}").startswith("已收到")

    with app.app_context():
        assert db.session.get_one(Signup, signup_id).status == "cancelled"
    assert offers_of(app, need["id"])[-1] == (volunteer_id(app, api, waiting), "offered")
    assert "志愿者无法参加" in titles(api, secretary)
    assert offer_trail(app, offer_id)[-1]["withdrawn"] is True
    never_again(app, api, people[0], need["id"])
    # Said again, it is already cancelled: nothing more happens.
    assert chat(app, api, people[0], f"不能来 {offer_id}") == "该报名已取消"
    assert len(offers_of(app, need["id"])) == 2


def test_cant_come_in_the_chat_still_takes_the_sign_ups_number(app, api, need, people):
    _, signup_id = accepted(app, api, people[0], need["id"])

    assert chat(app, api, people[0], f"不能来 {signup_id}").startswith("已收到")

    with app.app_context():
        assert db.session.get_one(Signup, signup_id).status == "cancelled"


def test_accepting_in_the_chat_says_how_to_say_cant_come(app, api, need, people):
    offer_id = offer(app, api, people[0], need["id"])
    assert f"不能来 {offer_id}" in chat(app, api, people[0], f"接受 {offer_id}")


def test_the_mini_programs_cant_come_re_offers_too(app, api, need, people):
    _, signup_id = accepted(app, api, people[0], need["id"])
    waiting = people[1]

    assert api.as_(people[0]).post(f"/signups/{signup_id}/cant-come").status_code == 200

    assert offers_of(app, need["id"])[-1] == (volunteer_id(app, api, waiting), "offered")


def test_with_nobody_else_suitable_the_seat_is_simply_free_again(app, api, need, people):
    accepted(app, api, people[0], need["id"])

    assert api.as_(people[0]).delete(f"/needs/{need['id']}/signups/me").status_code == 204

    assert seats(app, need["id"]) == (0, 0, "open")
    assert len(offers_of(app, need["id"])) == 1
    never_again(app, api, people[0], need["id"])


def test_too_close_to_the_start_the_seat_is_freed_but_offered_to_nobody(app, api, need, people):
    accepted(app, api, people[0], need["id"])
    people[1]
    clock.freeze(at(5, 8))  # an hour before the start: sign-up has closed, no offer is made any more

    assert api.as_(people[0]).delete(f"/needs/{need['id']}/signups/me").status_code == 204

    assert seats(app, need["id"]) == (0, 0, "open")
    assert len(offers_of(app, need["id"])) == 1


def test_a_self_sign_up_withdrawn_is_not_an_offers_business(app, api, need, people):
    assert api.as_(people[0]).post(f"/needs/{need['id']}/signups").status_code == 201
    people[1]

    assert api.as_(people[0]).delete(f"/needs/{need['id']}/signups/me").status_code == 204

    assert offers_of(app, need["id"]) == []  # the hourly round offers the free seat
    assert seats(app, need["id"]) == (0, 0, "open")


def test_someone_elses_offer_number_is_not_found(app, api, need, people):
    offer_id, _ = accepted(app, api, people[0], need["id"])
    assert chat(app, api, people[1], f"不能来 {offer_id}") == "报名记录不存在"
    assert_error(api.as_(people[1]).post(f"/signups/{offer_id}/cant-come"), 404, "signup_not_found")


def test_a_number_that_is_both_a_sign_up_and_another_accepted_offer_is_refused(app, api, need, people, monkeypatch):
    own = api.as_(people[0]).post(f"/needs/{need['id']}/signups")
    assert own.status_code == 201, own.json
    with app.app_context():
        signup_id = db.session.scalar(select(Signup.id).where(Signup.volunteer_id == volunteer_id(app, api, people[0])))
    # As if offer number `signup_id` were an accepted offer of theirs for another sign-up.
    monkeypatch.setattr(commands.offers, "accepted_signup", lambda principal, number: number + 1000)

    answer = chat(app, api, people[0], f"不能来 {signup_id}")

    assert answer.startswith(f"编号 {signup_id} 既是你的一项报名") and "我的任务" in answer
    with app.app_context():
        assert db.session.get_one(Signup, signup_id).status == "confirmed"  # nothing was cancelled
