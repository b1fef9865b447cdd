"""The optional geofence: a volunteer who consented to share location (sensitive personal
information, separate consent) checks in and out only near the organiser's phone, when that phone
gave its position with the code. The volunteer's position is used for that and never kept."""

from app.core import clock
from config.catalog import PRIVACY_POLICY_VERSION
from tests.attendance.helpers import at
from tests.contract import assert_error

VENUE = {"latitude": 37.7353, "longitude": 112.5649}  # 小店村
NEARBY = {"latitude": 37.7363, "longitude": 112.5649}  # about 111 m north
FAR = {"latitude": 37.7453, "longitude": 112.5649}  # about 1.1 km north
SHARES_LOCATION = {"consent": {"version": PRIVACY_POLICY_VERSION, "sensitive": True}}


def code_at(site, when, position=VENUE, activity=None) -> str:
    """The organiser's screen, with the phone's position when given."""
    clock.freeze(when)
    response = site.api.as_(site.secretary).get(
        f"/sessions/{activity or site.session}/checkin-code", **(position or {})
    )
    assert response.status_code == 200, response.json
    return response.json["code"]


def scan(site, token, path, code, position=None):
    return site.api.as_(token).post(path, {"code": code, **({"location": position} if position else {})})


def test_near_the_organiser_a_volunteer_checks_in_and_out_and_the_distance_is_shown(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    checked_in = scan(site, volunteer, "/checkins", code_at(site, at(8, 19, 25)), NEARBY)
    assert checked_in.status_code == 201, checked_in.json
    assert 100 <= checked_in.json["checkin_distance_m"] <= 120
    checked_out = scan(site, volunteer, "/checkouts", code_at(site, at(8, 21, 35)), VENUE)
    assert checked_out.status_code == 200, checked_out.json
    assert checked_out.json["checkout_distance_m"] == 0
    listed = site.api.as_(site.secretary).get("/attendance", activity=site.session).json["items"][0]
    assert (listed["checkin_distance_m"], listed["checkout_distance_m"]) == (checked_in.json["checkin_distance_m"], 0)
    assert "latitude" not in str(listed) and "37.73" not in str(listed)


def test_far_from_the_organiser_the_scan_is_refused_and_nothing_is_written(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    code = code_at(site, at(8, 19, 25))
    error = assert_error(scan(site, volunteer, "/checkins", code, FAR), 409, "not_on_site")
    assert "米" in error["message"]
    assert site.api.as_(site.secretary).get("/attendance", activity=site.session).json["items"] == []
    assert scan(site, volunteer, "/checkins", code, NEARBY).status_code == 201


def test_a_consenting_volunteer_without_a_position_is_asked_for_one(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    response = scan(site, volunteer, "/checkins", code_at(site, at(8, 19, 25)))
    assert_error(response, 422, "location_required", "location")


def test_a_volunteer_who_did_not_consent_is_not_located(site):
    volunteer = site.volunteer()
    checked_in = scan(site, volunteer, "/checkins", code_at(site, at(8, 19, 25)), FAR)
    assert checked_in.status_code == 201, checked_in.json
    assert checked_in.json["checkin_distance_m"] is None


def test_without_the_organisers_position_there_is_no_geofence(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    checked_in = scan(site, volunteer, "/checkins", code_at(site, at(8, 19, 25), position=None), FAR)
    assert checked_in.status_code == 201, checked_in.json
    assert checked_in.json["checkin_distance_m"] is None


def test_a_refreshed_code_keeps_the_venue_when_the_phone_stops_saying(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    assert scan(site, volunteer, "/checkins", code_at(site, at(8, 19, 25)), NEARBY).status_code == 201
    later = code_at(site, at(8, 21, 35), position=None)
    assert_error(scan(site, volunteer, "/checkouts", later, FAR), 409, "not_on_site")
    assert scan(site, volunteer, "/checkouts", later, NEARBY).status_code == 200


def test_positions_out_of_range_or_half_given_are_refused(site):
    volunteer = site.volunteer(**SHARES_LOCATION)
    clock.freeze(at(8, 19, 25))
    path = f"/sessions/{site.session}/checkin-code"
    assert_error(
        site.api.as_(site.secretary).get(path, latitude=91, longitude=112), 422, "validation_failed", "latitude"
    )
    assert_error(site.api.as_(site.secretary).get(path, latitude=37.7), 422, "validation_failed", "longitude")
    code = code_at(site, at(8, 19, 25))
    bad = scan(site, volunteer, "/checkins", code, {"latitude": 37.7, "longitude": 200})
    assert_error(bad, 422, "validation_failed")
