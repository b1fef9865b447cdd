"""Reminders before a confirmed seat (24 h and 2 h before, once each, never late), and the
secretary's list of who is coming, the evening before."""

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.notify.models import Message
from tests.contract import created
from tests.fixtures import ELSEWHERE, at, inbox, titles
from tests.reminders.helpers import START, run_at, schedule, sign_up
from tests.sessions.helpers import need_body

HOUR = timedelta(hours=1)


def reminders(api, token) -> list[dict]:
    return [m for m in inbox(api, token) if m["title"] == "活动提醒"]


def test_a_confirmed_volunteer_gets_one_reminder_a_day_before_and_one_two_hours_before(app, api, secretary, people):
    session_id = schedule(api, secretary)
    signup = sign_up(api, people[0], session_id)

    assert run_at(app, START - 24 * HOUR - timedelta(minutes=1)) == 0
    assert run_at(app, START - 24 * HOUR) == 1
    assert run_at(app, START - 24 * HOUR) == 0
    assert run_at(app, START - 24 * HOUR + timedelta(minutes=10)) == 0
    (reminder,) = reminders(api, people[0])
    assert "「青年夜校：法律常识」将于 12月8日 19:30 在小店村开始" in reminder["body"]
    assert "不能参加" in reminder["body"]
    assert reminder["link"] == f"signup:{signup['id']}"
    assert reminder["purpose"] == "reminder"

    assert run_at(app, START - 2 * HOUR) == 1
    assert run_at(app, START - 2 * HOUR + timedelta(minutes=5)) == 0
    assert len(reminders(api, people[0])) == 2
    with app.app_context():
        fields = db.session.scalars(select(Message.fields).where(Message.purpose == "reminder")).all()
    assert fields[0] == {
        "title": "青年夜校：法律常识",
        "time": "2026-12-08T11:30:00+00:00",
        "place": "小店村",
        "note": "不能参加请在小程序中告知",
    }


def test_waitlisted_and_cancelled_sign_ups_get_no_reminder(app, api, secretary, people):
    session_id = schedule(api, secretary, capacity=1)
    assert sign_up(api, people[0], session_id)["status"] == "confirmed"
    assert sign_up(api, people[1], session_id)["status"] == "waitlisted"
    assert sign_up(api, people[2], session_id)["status"] == "waitlisted"
    assert api.as_(people[2]).delete(f"/sessions/{session_id}/signups/me").status_code == 204

    assert run_at(app, START - 24 * HOUR) == 1
    assert [len(reminders(api, token)) for token in people[0:3]] == [1, 0, 0]


def test_a_confirmed_volunteer_for_a_village_need_is_reminded_too(app, api, secretary, county, people):
    need = created(api.as_(secretary).post("/needs", need_body()))
    assert api.as_(county).post(f"/needs/{need['id']}/review", {"approve": True}).status_code == 200
    created(api.as_(people[0]).post(f"/needs/{need['id']}/signups"))

    assert run_at(app, at(5, 9) - 24 * HOUR) == 1
    (reminder,) = reminders(api, people[0])
    assert "周末课业辅导" in reminder["body"]


def test_a_reminder_long_overdue_is_skipped_not_sent_late(app, api, secretary, people):
    session_id = schedule(api, secretary)
    sign_up(api, people[0], session_id)
    # The bot was down from before the 24-hour moment until 61 minutes after it (grace: 60).
    assert run_at(app, START - 24 * HOUR + timedelta(minutes=61)) == 0
    assert run_at(app, START - 24 * HOUR + timedelta(minutes=59)) == 1  # within the grace: caught up
    assert run_at(app, START - 2 * HOUR) == 1


def test_a_sign_up_made_after_the_reminder_moment_gets_only_the_later_reminder(app, api, secretary, people):
    session_id = schedule(api, secretary)
    run_at(app, START - 23 * HOUR - timedelta(minutes=30))
    sign_up(api, people[0], session_id)
    assert run_at(app, START - 23 * HOUR - timedelta(minutes=25)) == 0  # the confirmation said it all
    assert run_at(app, START - 2 * HOUR) == 1


def test_a_moved_session_is_reminded_again_for_its_new_time(app, api, secretary, people):
    session_id = schedule(api, secretary)
    sign_up(api, people[0], session_id)
    assert run_at(app, START - 24 * HOUR) == 1
    later = START + 24 * HOUR
    moved = api.as_(secretary).patch(
        f"/sessions/{session_id}", {"starts_at": later.isoformat(), "ends_at": (later + 2 * HOUR).isoformat()}
    )
    assert moved.status_code == 200, moved.json
    assert run_at(app, later - 24 * HOUR) == 1
    assert len(reminders(api, people[0])) == 2
    assert "活动时间变更" in titles(api, people[0])


def test_the_secretary_gets_the_list_of_who_is_coming_the_evening_before(app, api, build, hire, people):
    secretary, _ = hire.secretary()
    other_village, _ = hire.secretary(ELSEWHERE)
    session_id = schedule(api, secretary, capacity=2)
    schedule(
        api,
        secretary,
        title="青年讲习所：政策宣讲",
        kind="lecture_hall",
        topic="policy",
        starts_at=at(8, 9).isoformat(),
        ends_at=at(8, 11).isoformat(),
    )
    schedule(api, secretary, title="下周的夜校", starts_at=at(9, 19).isoformat(), ends_at=at(9, 21).isoformat())
    coming = [build.volunteer(name=name)[0] for name in ("李明", "王芳", "赵强")]
    assert [sign_up(api, token, session_id)["status"] for token in coming] == ["confirmed", "confirmed", "waitlisted"]

    assert run_at(app, at(7, 17, 59)) == 0
    assert run_at(app, at(7, 18)) == 1
    assert run_at(app, at(7, 18, 20)) == 0
    (digest,) = [m for m in inbox(api, secretary) if m["title"] == "明日活动名单"]
    assert digest["body"] == (
        "明天（12月8日）小店村的活动：\n"
        "· 09:00 青年讲习所：政策宣讲（0/3 人）：暂无人报名\n"
        "· 19:30 青年夜校：法律常识（2/2 人）：李明、王芳"
    )
    assert "明日活动名单" not in titles(api, other_village)


def test_no_digest_when_nothing_is_planned_for_tomorrow(app, api, secretary):
    schedule(api, secretary)
    assert run_at(app, at(6, 18)) == 0
    assert "明日活动名单" not in titles(api, secretary)
