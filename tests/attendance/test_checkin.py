"""Checking in and out on site by scanning the organiser's code."""

from datetime import datetime, timedelta

from app.core import clock
from tests.attendance.helpers import END, OTHER_VILLAGE, START, VILLAGE, at
from tests.contract import assert_error


def test_a_confirmed_volunteer_checks_in_and_out(site):
    volunteer = site.volunteer()

    checked_in = site.check_in(volunteer, at(8, 19, 25))
    assert checked_in.status_code == 201, checked_in.json
    record = checked_in.json
    assert record["status"] == "checked_in"
    assert datetime.fromisoformat(record["checked_in_at"]) == at(8, 19, 25)
    assert record["checked_out_at"] is None and record["hours"] is None and record["confirmed_hours"] is None
    assert record["activity"]["id"] == site.session and record["activity"]["village_name"] == "小店村"

    checked_out = site.check_out(volunteer, at(8, 21, 35))
    assert checked_out.status_code == 200, checked_out.json
    assert checked_out.json["id"] == record["id"]
    assert checked_out.json["status"] == "checked_out"
    assert datetime.fromisoformat(checked_out.json["checked_out_at"]) == at(8, 21, 35)


def test_the_code_is_read_as_typed_in_lower_case_with_spaces(site):
    volunteer = site.volunteer()
    code = site.code(at(8, 19, 25))
    assert site.api.as_(volunteer).post("/checkins", {"code": f" {code.lower()} "}).status_code == 201


def test_an_unknown_code_is_refused(site):
    volunteer = site.volunteer()
    clock.freeze(at(8, 19, 25))
    response = site.api.as_(volunteer).post("/checkins", {"code": "ZZZZ2345"})
    assert_error(response, 422, "checkin_code_invalid", "code")


def test_an_expired_code_is_refused_with_a_hint_to_rescan(site):
    volunteer = site.volunteer()
    code = site.code(at(8, 19, 25))
    clock.freeze(at(8, 19, 28))  # 180 s later
    assert_error(site.api.as_(volunteer).post("/checkins", {"code": code}), 422, "checkin_code_expired", "code")
    site.check_in(volunteer, at(8, 19, 28))  # a fresh code works
    code = site.code(at(8, 21, 35))
    clock.freeze(at(8, 21, 40))
    assert_error(site.api.as_(volunteer).post("/checkouts", {"code": code}), 422, "checkin_code_expired", "code")


def test_the_code_of_another_activity_is_refused(site):
    volunteer = site.volunteer()
    other = site.schedule(title="青年讲习所：政策宣讲")
    clock.freeze(at(8, 19, 25))
    response = site.check_in(volunteer, at(8, 19, 25), other)
    assert_error(response, 403, "not_signed_up")


def test_a_waitlisted_volunteer_cannot_check_in(site):
    small = site.schedule(capacity=1)
    site.volunteer(small)
    waiting, _ = site.build.volunteer()
    site.sign_up(waiting, small, expect="waitlisted")
    assert_error(site.check_in(waiting, at(8, 19, 25), small), 403, "not_signed_up")


def test_a_volunteer_who_withdrew_cannot_check_in(site):
    volunteer = site.volunteer()
    clock.freeze(at(2, 9))
    assert site.api.as_(volunteer).delete(f"/sessions/{site.session}/signups/me").status_code == 204
    assert_error(site.check_in(volunteer, at(8, 19, 25)), 403, "not_signed_up")


def test_someone_not_registered_as_a_volunteer_cannot_check_in(site):
    code = site.code(at(8, 19, 25))
    assert_error(site.api.as_(site.secretary).post("/checkins", {"code": code}), 403, "forbidden")
    assert_error(site.api.post("/checkins", {"code": code}), 401, "unauthenticated")


def test_checking_in_twice_is_a_conflict(site):
    volunteer = site.volunteer()
    assert site.check_in(volunteer, at(8, 19, 25)).status_code == 201
    assert_error(site.check_in(volunteer, at(8, 19, 40)), 409, "already_checked_in")
    site.check_out(volunteer, at(8, 21, 0))
    assert_error(site.check_in(volunteer, at(8, 21, 10)), 409, "already_checked_in")


def test_checking_out_before_checking_in_is_a_conflict(site):
    volunteer = site.volunteer()
    assert_error(site.check_out(volunteer, at(8, 21, 30)), 409, "not_checked_in")


def test_checking_out_twice_is_a_conflict_and_keeps_the_first_time(site):
    volunteer = site.volunteer()
    site.check_in(volunteer, at(8, 19, 25))
    first = site.check_out(volunteer, at(8, 20, 30))
    assert first.status_code == 200
    assert_error(site.check_out(volunteer, at(8, 21, 30)), 409, "already_checked_out")
    [record] = site.api.as_(volunteer).get("/volunteers/me/records").json["items"]
    assert datetime.fromisoformat(record["checked_out_at"]) == at(8, 20, 30)
    assert record["hours"] == first.json["hours"] == 1.0


def test_check_in_opens_an_hour_before_the_start_and_closes_at_the_end(site):
    early, late = site.volunteer(), site.volunteer()
    code = site.code(START - timedelta(minutes=60))
    clock.freeze(START - timedelta(minutes=60))
    assert site.api.as_(early).post("/checkins", {"code": code}).status_code == 201
    code = site.code(END + timedelta(minutes=1))  # codes are still shown after the end, for check-outs
    clock.freeze(END + timedelta(minutes=1))
    assert_error(site.api.as_(late).post("/checkins", {"code": code}), 409, "checkin_not_open")


def test_a_need_is_checked_into_like_a_session(site):
    need = site.need()
    volunteer = site.volunteer(need, type_="need")
    assert site.check_in(volunteer, at(5, 8, 50), need, type_="need").status_code == 201
    checked_out = site.check_out(volunteer, at(5, 12, 5), need, type_="need")
    assert checked_out.status_code == 200, checked_out.json
    assert checked_out.json["hours"] == 3.0 and checked_out.json["activity"]["area"] == "education"


def test_the_organiser_sees_who_checked_in(site):
    present, absent = site.volunteer(name="李到场"), site.volunteer(name="王缺席")
    site.check_in(present, at(8, 19, 25))
    listing = site.api.as_(site.secretary).get("/attendance", activity=site.session)
    assert listing.status_code == 200, listing.json
    [row] = listing.json["items"]
    assert row["volunteer"]["name"] == "李到场" and row["volunteer"]["volunteer_no"]
    assert row["status"] == "checked_in"
    assert "phone" not in str(row)

    assert_error(site.api.as_(absent).get("/attendance", activity=site.session), 403, "forbidden")
    other_secretary, _ = site.build.secretary(OTHER_VILLAGE)
    assert site.api.as_(other_secretary).get("/attendance", activity=site.session).status_code == 404


def test_a_volunteer_who_has_checked_in_cannot_withdraw(site):
    volunteer = site.volunteer()
    assert site.check_in(volunteer, at(8, 18, 45)).status_code == 201
    clock.freeze(at(8, 18, 50))
    response = site.api.as_(volunteer).delete(f"/sessions/{site.session}/signups/me")
    assert response.status_code == 409, response.status_code


def test_the_county_s_statistics_count_who_checked_in(site):
    """Check-in counts the session's attendees (activities.attendees), which GET /stats reads."""
    present, _absent = site.volunteer(name="李到场"), site.volunteer(name="王缺席")
    site.check_in(present, at(8, 19, 25))
    assert site.check_in(present, at(8, 19, 26)).status_code == 409  # a second scan counts nothing
    clock.freeze(at(9, 9))
    county = site.build.staff(VILLAGE[:6])
    answer = site.api.as_(county).get("/stats")
    assert answer.status_code == 200, answer.json
    figures = answer.json["region"]["figures"]
    assert (figures["sessions_held"], figures["session_signups"], figures["session_attendees"]) == (1, 2, 1)
    assert figures["attendance_rate"] == 0.5
