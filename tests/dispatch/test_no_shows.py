"""No-shows: NO_SHOW_AFTER_HOURS after an activity whose organiser ran check-in, a confirmed sign-up never
checked in becomes no_show (audited, told gently in the inbox, no push); once only; nowhere check-in was not
run; not for long-past activities; and the dispatcher reads them per volunteer since a moment."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.activities.models import SIGNUP_STATUSES, Activity, Signup
from app.attendance import no_shows
from app.core import clock
from app.core.audit import AuditEntry
from app.extensions import db
from app.notify.models import Message
from bots.jobs import JOBS
from tests.attendance.helpers import END, Site, at
from tests.dispatch.helpers import volunteer_id

AFTER = END + timedelta(hours=2)  # NO_SHOW_AFTER_HOURS after the end


@pytest.fixture
def site(api, build) -> Site:
    """小店村, its secretary, and a night school on Tuesday 8 December 2026, 19:30–21:30 (capacity 2)."""
    site = Site(api, build)
    site.session = site.schedule(capacity=2)
    return site


def mark(app, when) -> int:
    clock.freeze(when)
    with app.app_context():
        marked = no_shows.mark_due()
        db.session.commit()
    return marked


def status(app, token, api, activity_id) -> str:
    vid = volunteer_id(app, api, token)
    with app.app_context():
        return db.session.execute(
            select(Signup.status).where(Signup.volunteer_id == vid, Signup.activity_id == activity_id)
        ).scalar_one()


def test_a_confirmed_volunteer_who_never_checked_in_is_a_no_show_two_hours_after_the_end(app, api, site):
    came, absent = site.volunteer(), site.volunteer()
    queued, _ = site.build.volunteer()
    site.sign_up(queued, site.session, expect="waitlisted")
    site.attend(came)

    assert mark(app, AFTER - timedelta(minutes=1)) == 0
    assert mark(app, AFTER) == 1

    assert status(app, absent, api, site.session) == "no_show"
    assert status(app, came, api, site.session) == "confirmed"
    assert status(app, queued, api, site.session) == "waitlisted"
    (told,) = [m for m in site.inbox(absent) if m["title"] == "未签到提醒"]
    assert told["purpose"] == "notice" and "记为未到场" in told["body"] and "联系组织者" in told["body"]
    assert "青年夜校：法律常识" in told["body"]
    assert not [m for m in site.inbox(came) if m["title"] == "未签到提醒"]
    with app.app_context():
        signup_id = db.session.scalar(select(Signup.id).where(Signup.status == "no_show"))
        (message,) = db.session.scalars(select(Message).where(Message.key == f"no-show:{signup_id}"))
        assert message.delivery == "none"  # the inbox only: never pushed
        (entry,) = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "signup", AuditEntry.action == "no_show")
        )
        assert entry.object_id == str(signup_id) and entry.actor_id is None
        assert entry.before == {"status": "confirmed"} and entry.after["status"] == "no_show"
        # The seat stays counted: the activity is over, and the seat was taken.
        assert db.session.get_one(Activity, site.session).taken == 2

    # Once only: a second run (or a second bot) marks nobody again and tells nobody twice.
    assert mark(app, AFTER + timedelta(hours=1)) == 0
    assert len([m for m in site.inbox(absent) if m["title"] == "未签到提醒"]) == 1


def test_nobody_is_a_no_show_where_the_organiser_never_ran_check_in(app, api, site):
    absent = site.volunteer()

    assert mark(app, AFTER + timedelta(hours=5)) == 0
    assert status(app, absent, api, site.session) == "confirmed"


def test_a_forgotten_check_out_is_no_no_show(app, api, site):
    forgot = site.volunteer()
    assert site.check_in(forgot, at(8, 19, 40)).status_code == 201

    assert mark(app, AFTER) == 0
    assert status(app, forgot, api, site.session) == "confirmed"


def test_withdrawn_and_cancelled_sign_ups_are_left_alone(app, api, site):
    withdrew, absent = site.volunteer(), site.volunteer()
    clock.freeze(at(2, 9))
    assert api.as_(withdrew).delete(f"/sessions/{site.session}/signups/me").status_code in (200, 204)
    site.code(at(8, 19, 30))  # the organiser ran check-in

    assert mark(app, AFTER) == 1
    assert status(app, withdrew, api, site.session) == "cancelled"
    assert status(app, absent, api, site.session) == "no_show"


def test_activities_past_the_look_back_are_not_rewritten(app, api, site):
    absent = site.volunteer()
    site.code(at(8, 19, 30))

    assert mark(app, END + timedelta(days=app.config["NO_SHOW_LOOKBACK_DAYS"], minutes=1)) == 0
    assert status(app, absent, api, site.session) == "confirmed"


def test_a_need_sign_up_from_an_accepted_offer_can_be_a_no_show_too(app, api, site):
    need = site.need()
    absent = site.volunteer(need, type_="need")
    site.code(at(5, 9), need, type_="need")

    assert mark(app, at(5, 14)) == 1
    assert status(app, absent, api, need) == "no_show"


def test_the_dispatcher_reads_no_shows_per_volunteer_since_a_moment(app, api, site):
    first, second, came = site.volunteer(), site.volunteer(), None
    later = site.schedule(starts_at=at(15, 19, 30), ends_at=at(15, 21, 30), title="青年夜校：法律常识（二）")
    site.sign_up(first, later)
    came = site.volunteer(later)
    site.code(at(8, 19, 30))
    assert mark(app, AFTER) == 2
    site.attend(came, at(15, 19, 25), at(15, 21, 35), later)
    assert mark(app, at(15, 23, 30)) == 1

    ids = {name: volunteer_id(app, api, token) for name, token in (("first", first), ("second", second))}
    with app.app_context():
        everything = counts(no_shows.no_shows_since(at(1, 0)))
        assert everything == {ids["first"]: 2, ids["second"]: 1}
        recent = counts(no_shows.no_shows_since(at(10, 0)))
        assert recent == {ids["first"]: 1}
        only = no_shows.no_shows_since(at(1, 0), [ids["second"], volunteer_id(app, api, came)])
        assert counts(only) == {ids["second"]: 1}
        # As a subquery of the rollup.
        counted = no_shows.no_shows_since(at(1, 0)).subquery()
        assert db.session.scalar(select(counted.c.no_shows).where(counted.c.volunteer_id == ids["first"])) == 2


def counts(query) -> dict[int, int]:
    return {volunteer: n for volunteer, n in db.session.execute(query)}


def test_the_database_knows_the_no_show_status_and_no_other(app, api, site):
    absent = site.volunteer()
    assert "no_show" in SIGNUP_STATUSES
    vid = volunteer_id(app, api, absent)
    with app.app_context():
        signup = db.session.execute(select(Signup).where(Signup.volunteer_id == vid)).scalar_one()
        signup.status = "no_show"
        db.session.flush()
        with pytest.raises(IntegrityError), db.session.begin_nested():
            signup.status = "absent"
            db.session.flush()
        db.session.rollback()


def test_the_bot_marks_no_shows_every_half_hour():
    (job,) = [job for job in JOBS if job.name == "attendance_no_shows"]
    assert job.function == "app.attendance.no_shows:mark_due"
