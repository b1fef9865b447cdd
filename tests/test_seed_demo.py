"""flask seed-demo: a province with a story (needs, sessions, records, a broadcast), written once."""

import logging

import pytest
from sqlalchemy import func, select

from app import demo
from app.accounts.models import User
from app.core import clock
from app.demo import script, stage
from app.dispatch.models import DispatchRound, Offer
from app.extensions import db
from app.notify.models import Message
from app.volunteers.models import Volunteer

# Demo staff hash their passwords cheaply (tests/fixtures.py).
pytestmark = pytest.mark.usefixtures("cheap_passwords")
VOLUNTEERS = "40"  # enough for every part of the story, quicker than the default 300


def seed(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--volunteers", VOLUNTEERS])
    assert result.exit_code == 0, result.output
    return result.output


def totals(app) -> dict[str, int]:
    with app.app_context():
        counts = stage.table_counts()
        counts["users"] = db.session.scalar(select(func.count()).select_from(User))
        counts["messages"] = db.session.scalar(select(func.count()).select_from(Message))
        return counts


def login(api, code: str) -> str:
    response = api.post("/auth/wechat-login", {"code": code})
    assert response.status_code == 200, response.json
    return response.json["token"]


def test_the_demo_province_has_a_story_and_a_second_run_adds_nothing(app, api, caplog):
    """One test, as seeding takes seconds: what a newcomer can see and try, after two runs."""
    with caplog.at_level(logging.INFO):
        output = seed(app)
    assert "本次新增" in output
    assert not [r for r in caplog.records if r.name == "app.wechat.gateway"]  # no line per sandbox login
    first = totals(app)
    assert all(first[name] > 0 for name in ("needs", "sessions", "signups", "confirmed", "certificates", "broadcasts"))

    again = seed(app)
    assert totals(app) == first
    assert "需求 0 条" in again and "报名 0 人次" in again and "志愿者 0 名" in again

    volunteer = api.as_(login(api, "dev:volunteer-1"))
    open_needs = volunteer.get("/needs").json["items"]
    assert open_needs and {need["status"] for need in open_needs} <= {"open", "filled"}
    assert len({need["area"] for need in open_needs}) >= 3
    sessions = volunteer.get("/sessions").json["items"]
    assert {session["kind"] for session in sessions} == {"night_school", "lecture_hall"}
    assert any(session["series_id"] for session in sessions)

    records = volunteer.get("/volunteers/me/records").json
    confirmed = [r for r in records["items"] if r["status"] == "confirmed"]
    assert confirmed and records["total_hours"] > 0
    assert all(r["checked_in_at"] < r["checked_out_at"] < r["confirmed_at"] for r in confirmed)
    inbox = volunteer.get("/inbox").json["items"]
    assert any(item["title"] == script.BROADCAST[0] for item in inbox)

    # Something is under way now: dev:volunteer-1 has a seat and can check in at once.
    with app.app_context():
        happening = stage.happening_now(clock.now())
        assert {activity.type for activity in happening} == {"session", "need"}
        session = next(a.id for a in happening if a.type == "session")
    secretary = api.as_(login(api, f"dev:secretary-{script.HERO_VILLAGE}"))
    code = secretary.get(f"/sessions/{session}/checkin-code")
    assert code.status_code == 200, code.json
    checked_in = volunteer.post("/checkins", {"code": code.json["code"]})
    assert checked_in.status_code == 201, checked_in.json

    # Needs wait for the county's review.
    username = demo.DEMO_STAFF[3][0]  # xiaodian, 小店区团委
    response = api.post("/auth/staff-login", {"username": username, "password": demo.DEMO_PASSWORD})
    assert response.status_code == 200, response.json
    pending = api.as_(response.json["token"]).get("/needs", status="pending_review").json["items"]
    assert pending and all(need["village"].startswith("140105") for need in pending)

    # The county's statistics over the demo's history show the villagers its secretaries counted and its programs.
    today = clock.local(clock.now()).date()
    span = {"from": (today - script.HISTORY).isoformat(), "to": today.isoformat()}
    stats = api.as_(response.json["token"]).get("/stats", **span).json
    assert stats["region"]["figures"]["villagers"] > 0
    assert {"乡伴计划", "希望工程"} <= {row["name"] for row in stats["programs"]}


def test_the_demo_ends_with_a_dispatch_round_so_demo_volunteers_have_offers_to_answer(app, api):
    """seed-demo's last step: open needs that suit demo volunteers, and one round per demo county."""
    output = seed(app)
    assert "派单邀请" in output
    with app.app_context():
        numbers = {stage.openid(f"volunteer-{n}"): n for n in range(1, int(VOLUNTEERS) + 1)}
        rows = db.session.execute(
            select(User.openid, Offer.id)
            .join(Volunteer, Volunteer.user_id == User.id)
            .join(Offer, Offer.volunteer_id == Volunteer.id)
            .where(Offer.status == "offered")
            .order_by(Offer.id)
        ).all()
        rounds = db.session.scalar(select(func.count()).select_from(DispatchRound))
    offered = sorted({numbers[row.openid] for row in rows if row.openid in numbers})
    assert rounds == len(demo.DEMO_COUNTIES)
    assert len(offered) >= 3, offered  # several demo volunteers have offers
    assert 1 in offered  # dev:volunteer-1 among them: the demo's needs are shaped after them

    first = api.as_(login(api, f"dev:volunteer-{offered[0]}"))
    items = [item for item in first.get("/assignments/me").json["items"] if item["status"] == "offered"]
    assert items and all(item["why"] for item in items)
    answer = first.post(f"/assignments/{items[0]['id']}/accept")
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "accepted" and answer.json["signup_id"]

    if len(offered) > 1:
        second = api.as_(login(api, f"dev:volunteer-{offered[1]}"))
        (item, *_) = [i for i in second.get("/assignments/me").json["items"] if i["status"] == "offered"]
        assert second.post(f"/assignments/{item['id']}/decline").json["status"] == "declined"

    # A second run posts no more needs and runs no more rounds.
    before = totals(app)
    seed(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DispatchRound)) == rounds
    assert totals(app)["needs"] == before["needs"]
