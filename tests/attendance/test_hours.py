"""Hours: the time served inside the scheduled window, rounded by the rules in config/rules.py."""

from datetime import datetime

import pytest
from sqlalchemy import select

from app.attendance import operations as attendance
from app.attendance.models import ServiceRecord
from app.core import clock
from app.core.audit import AuditEntry
from app.extensions import db
from tests.attendance.helpers import END, at

SHORT_NOTE = "不足"
AUTO_NOTE = "未签退"


def test_on_time_is_the_full_scheduled_time_and_needs_no_review(site):
    record = site.attend(site.volunteer(), at(8, 19, 25), at(8, 21, 35))
    assert record["hours"] == 2.0
    assert record["review_note"] is None and record["auto_closed"] is False


@pytest.mark.parametrize(
    ("rounding", "arrive", "leave", "hours"),
    [
        ("nearest", at(8, 19, 50), at(8, 21, 10), 1.5),  # 80 min
        ("down", at(8, 19, 50), at(8, 21, 10), 1.0),
        ("nearest", at(8, 19, 45), at(8, 21, 0), 1.5),  # 75 min: half way rounds up
        ("down", at(8, 19, 45), at(8, 21, 0), 1.0),
        ("nearest", at(8, 20, 0), at(8, 21, 0), 1.0),  # 60 min: exact
        ("down", at(8, 20, 0), at(8, 21, 0), 1.0),
        ("nearest", at(8, 19, 40), at(8, 21, 20), 1.5),  # 100 min: 1.67 h rounds to 1.5
        ("down", at(8, 19, 30), at(8, 21, 29, 59), 1.5),  # a second short of 2 h
        ("nearest", at(8, 19, 30), at(8, 21, 29, 59), 2.0),
    ],
)
def test_late_arrival_and_early_leave_are_rounded_by_the_rule(site, app, monkeypatch, rounding, arrive, leave, hours):
    monkeypatch.setitem(app.config, "HOURS_ROUNDING", rounding)
    assert site.attend(site.volunteer(), arrive, leave)["hours"] == hours


@pytest.mark.parametrize(
    ("step", "rounding", "hours"),
    [(0.25, "nearest", 1.25), (0.25, "down", 1.25), (1, "nearest", 1.0), (1, "down", 1.0), (0.1, "down", 1.3)],
)
def test_the_step_is_configuration(site, app, monkeypatch, step, rounding, hours):
    monkeypatch.setitem(app.config, "HOURS_STEP", step)
    monkeypatch.setitem(app.config, "HOURS_ROUNDING", rounding)
    assert site.attend(site.volunteer(), at(8, 20, 10), at(8, 21, 28))["hours"] == hours  # 78 min


def test_coverage_below_the_minimum_share_is_marked_for_review(site, app, monkeypatch):
    short = site.attend(site.volunteer(), at(8, 20, 40), at(8, 21, 35))  # 50 of 120 min
    assert SHORT_NOTE in short["review_note"]
    assert short["hours"] == 1.0

    enough = site.attend(site.volunteer(), at(8, 20, 30), at(8, 21, 35))  # exactly half
    assert enough["review_note"] is None

    monkeypatch.setitem(app.config, "HOURS_MIN_SHARE", 0.8)
    stricter = site.attend(site.volunteer(), at(8, 19, 55), at(8, 21, 30))  # 95 of 120 min
    assert SHORT_NOTE in stricter["review_note"]


def test_checking_out_after_the_end_counts_only_until_the_end(site):
    record = site.attend(site.volunteer(), at(8, 19, 0), at(8, 23, 0))
    assert record["hours"] == 2.0
    assert datetime.fromisoformat(record["checked_out_at"]) == at(8, 23, 0)


def test_leaving_before_the_start_counts_nothing(site):
    record = site.attend(site.volunteer(), at(8, 18, 40), at(8, 19, 10))
    assert record["hours"] == 0.0 and SHORT_NOTE in record["review_note"]


def finish(app):
    """`flask activities finish`, as an operator (or the bot's schedule) runs it."""
    result = app.test_cli_runner().invoke(args=["activities", "finish"])
    assert result.exit_code == 0, result.output
    return result.output


def test_finish_closes_forgotten_check_outs_at_the_scheduled_end_for_review(site, app):
    forgot, left = site.volunteer(), site.volunteer()
    assert site.check_in(forgot, at(8, 19, 40)).status_code == 201
    site.attend(left, at(8, 19, 25), at(8, 21, 0))

    clock.freeze(at(8, 21, 0))  # before the end nothing is closed
    assert "自动签退 0 条记录" in finish(app)

    clock.freeze(at(8, 22, 15))
    assert "自动签退 1 条记录，结束 1 项活动" in finish(app)

    [record] = site.api.as_(forgot).get("/volunteers/me/records").json["items"]
    assert record["status"] == "checked_out" and record["auto_closed"] is True
    assert datetime.fromisoformat(record["checked_out_at"]) == END
    assert record["hours"] == 2.0  # 19:40–21:30 is 110 min, to the nearest half hour
    assert AUTO_NOTE in record["review_note"]
    [other] = site.api.as_(left).get("/volunteers/me/records").json["items"]
    assert other["auto_closed"] is False and other["hours"] == 1.5

    assert site.check_out(forgot, at(8, 22, 20)).status_code == 409
    assert "自动签退 0 条记录" in finish(app)


def test_close_forgotten_marks_short_and_auto_closed_records(site, app):
    volunteer = site.volunteer()
    site.check_in(volunteer, at(8, 21, 0))
    with app.app_context():  # as the bot calls it, outside any request
        assert attendance.close_forgotten(at(8, 21, 29)) == 0
        assert attendance.close_forgotten(at(8, 21, 31)) == 1
        record = db.session.scalars(select(ServiceRecord)).one()
        assert record.computed_minutes == 30 and record.checked_out_at == END
        assert AUTO_NOTE in record.review_note and SHORT_NOTE in record.review_note
        [entry] = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "service_record", AuditEntry.action == "auto_check_out")
        )
        assert entry.actor_id is None and entry.object_id == str(record.id)
