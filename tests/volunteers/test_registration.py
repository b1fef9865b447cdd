"""Registering as a volunteer: what the mini-program sees for good and bad input."""

from datetime import UTC, datetime

import pytest

from app.core import clock
from app.core.crypto import cipher
from app.volunteers import operations
from config.catalog import PRIVACY_POLICY_VERSION
from tests.builders import registration
from tests.contract import assert_error
from tests.volunteers.helpers import id_number

ID_NUMBER = id_number()


def test_register_answers_201_with_phone_and_id_masked(api, build):
    token = build.login()
    data = registration(
        phone="13812345678", id_number=ID_NUMBER, consent={"version": PRIVACY_POLICY_VERSION, "sensitive": True}
    )
    created = api.as_(token).post("/volunteers/me", data)
    assert created.status_code == 201, created.json
    read = api.as_(token).get("/volunteers/me")
    changed = api.as_(token).patch("/volunteers/me", {"name": "李志愿"})
    for response in (created, read, changed):
        assert response.json["phone"] == "138****5678"
        assert response.json["id_number"] == ID_NUMBER[:3] + "*" * 11 + ID_NUMBER[-4:]
        body = response.get_data(as_text=True)
        assert "13812345678" not in body
        assert ID_NUMBER not in body
    assert created.json["volunteer_no"]
    assert created.json["birth_year"] == 1990
    assert created.json["areas"] == ["education"]
    assert created.json["consent"]["sensitive"] is True


def test_me_shows_registered_after_registration(api, build):
    token = build.login()
    assert api.as_(token).get("/me").json["registered"] is False
    api.as_(token).post("/volunteers/me", registration())
    me = api.as_(token).get("/me").json
    assert me["registered"] is True
    assert "volunteer" in me["roles"]


def test_registering_twice_is_a_conflict(api, build):
    token, _ = build.volunteer()
    again = api.as_(token).post("/volunteers/me", registration())
    assert_error(again, 409, "already_registered")


def test_a_phone_number_belongs_to_one_volunteer(api, build):
    build.volunteer(phone="13812345678")
    other = build.login()
    response = api.as_(other).post("/volunteers/me", registration(phone="13812345678"))
    assert_error(response, 409, "phone_taken", "phone")
    assert api.as_(other).get("/me").json["registered"] is False


def test_an_id_number_belongs_to_one_volunteer(api, build):
    consent = {"version": PRIVACY_POLICY_VERSION, "sensitive": True}
    build.volunteer(id_number=ID_NUMBER, consent=consent)
    response = api.as_(build.login()).post("/volunteers/me", registration(id_number=ID_NUMBER, consent=consent))
    assert_error(response, 409, "id_number_taken", "id_number")


SENSITIVE = {"version": PRIVACY_POLICY_VERSION, "sensitive": True}

INVALID = [
    pytest.param({"phone": "12345678901"}, "phone", id="phone-not-mobile"),
    pytest.param({"phone": "1381234567"}, "phone", id="phone-10-digits"),
    pytest.param({"phone": "138123456789"}, "phone", id="phone-12-digits"),
    pytest.param({"phone": "13８１２３４５６７８"}, "phone", id="phone-fullwidth-digits"),
    pytest.param({"phone": "13²²²²²²²²²"}, "phone", id="phone-superscript-digits"),
    pytest.param({"phone": 13812345678}, "phone", id="phone-number-not-string"),
    pytest.param(
        {"id_number": ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2"), "consent": SENSITIVE},
        "id_number",
        id="id-bad-checksum",
    ),
    pytest.param({"id_number": "1401051990", "consent": SENSITIVE}, "id_number", id="id-too-short"),
    pytest.param({"id_number": id_number("14010518500101123"), "consent": SENSITIVE}, "id_number", id="id-born-1850"),
    pytest.param({"id_number": id_number("14010519901301123"), "consent": SENSITIVE}, "id_number", id="id-month-13"),
    pytest.param(
        {"id_number": id_number("１４０１０５１９９００３０７１２３"), "consent": SENSITIVE},
        "id_number",
        id="id-fullwidth-digits",
    ),
    pytest.param({"areas": ["space"]}, "areas.0", id="unknown-area"),
    pytest.param({"areas": ["education", "education"]}, "areas", id="duplicate-areas"),
    pytest.param({"areas": []}, "areas", id="no-area"),
    pytest.param({"areas": "education"}, "areas", id="areas-not-a-list"),
    pytest.param({"skills": ["技" * 21]}, "skills.0", id="skill-too-long"),
    pytest.param({"skills": ["支教", "支教"]}, "skills", id="duplicate-skills"),
    pytest.param({"nickname": "小张"}, "nickname", id="unknown-field"),
    pytest.param({"name": 12345}, "name", id="name-not-string"),
    pytest.param({"name": "张" * 21}, "name", id="name-too-long"),
    pytest.param({"name": " 张 "}, "name", id="name-too-short"),
    pytest.param({"birth_year": "nineteen"}, "birth_year", id="birth-year-not-number"),
    pytest.param({"gender": "other"}, "gender", id="unknown-gender"),
    pytest.param(
        {"availability": [{"weekday": 6, "start": "17:00", "end": "09:00"}]},
        "availability.0",
        id="availability-ends-before-start",
    ),
    pytest.param(
        {"availability": [{"weekday": 8, "start": "09:00", "end": "17:00"}]},
        "availability.0.weekday",
        id="availability-weekday-8",
    ),
    pytest.param(
        {"availability": [{"weekday": 1, "start": "25:00", "end": "26:00"}]},
        "availability.0.start",
        id="availability-bad-time",
    ),
    pytest.param({"availability": {"weekday": 1}}, "availability", id="availability-not-a-list"),
    pytest.param({"consent": "yes"}, "consent", id="consent-not-object"),
    pytest.param({"home_region": "shanxi"}, "home_region", id="home-region-not-a-code"),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID)
def test_invalid_registration_is_refused_field_by_field(api, build, overrides, field):
    token = build.login()
    response = api.as_(token).post("/volunteers/me", registration(**overrides))
    assert_error(response, 422, "validation_failed", field)
    assert api.as_(token).get("/me").json["registered"] is False


def test_missing_required_fields_are_each_named(api, build):
    response = api.as_(build.login()).post("/volunteers/me", {})
    error = assert_error(response, 422, "validation_failed", "name", "phone", "home_region", "areas", "consent")
    assert error["fields"]["name"] == "必填"


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("140105999999", id="unknown-village"),
        pytest.param("140000", id="province"),
        pytest.param("140100", id="city"),
    ],
)
def test_home_region_must_be_a_known_county_township_or_village(api, build, code):
    response = api.as_(build.login()).post("/volunteers/me", registration(home_region=code))
    assert_error(response, 422, "validation_failed", "home_region")


@pytest.mark.parametrize("code", ["140105", "140105001", "140105001001"])
def test_home_region_may_be_a_county_township_or_village(api, build, code):
    _, profile = build.volunteer(home_region=code)
    assert profile["home_region"] == code


def test_an_outdated_privacy_policy_version_is_refused(api, build):
    response = api.as_(build.login()).post("/volunteers/me", registration(consent={"version": "2020-01"}))
    error = assert_error(response, 422, "consent_outdated", "consent.version")
    assert PRIVACY_POLICY_VERSION in error["fields"]["consent.version"]


def test_an_id_number_needs_separate_consent(api, build):
    response = api.as_(build.login()).post("/volunteers/me", registration(id_number=ID_NUMBER))
    assert_error(response, 422, "validation_failed", "id_number")


def test_registration_needs_a_login(api):
    response = api.post("/volunteers/me", registration())
    assert_error(response, 401, "unauthenticated")


def test_staff_cannot_register_as_volunteers(api, build):
    response = api.as_(build.staff()).post("/volunteers/me", registration())
    assert_error(response, 403, "forbidden")


def test_nobody_reads_a_profile_before_registering(api, build):
    response = api.as_(build.login()).get("/volunteers/me")
    assert_error(response, 404, "not_registered")


def test_each_token_reads_only_its_own_profile(api, build):
    first, mine = build.volunteer(name="王一", phone="13800000001")
    second, theirs = build.volunteer(name="王二", phone="13800000002")
    assert api.as_(first).get("/volunteers/me").json["id"] == mine["id"]
    assert api.as_(second).get("/volunteers/me").json["id"] == theirs["id"]
    assert api.as_(second).get("/volunteers/me").json["name"] == "王二"
    # A changed profile is the caller's own, never someone else's.
    api.as_(second).patch("/volunteers/me", {"skills": ["护理"]})
    assert api.as_(first).get("/volunteers/me").json["skills"] == ["支教"]


def test_a_uniqueness_race_lost_at_flush_answers_409_not_500(api, build, monkeypatch):
    """Two registrations with one phone at once: both pass the check, the second insert fails."""

    def unchecked(volunteer, phone):
        volunteer.phone, volunteer.phone_hash = phone, cipher.lookup_hash(phone) if phone else None

    build.volunteer(phone="13812345678")
    monkeypatch.setattr(operations, "_set_phone", unchecked)
    token = build.login()
    response = api.as_(token).post("/volunteers/me", registration(phone="13812345678"))
    assert_error(response, 409, "conflict")
    assert api.as_(token).get("/me").json["registered"] is False


def test_the_volunteer_number_carries_the_year_in_china(api, build):
    clock.freeze(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))  # 2027-01-01 01:00 in Beijing
    _, profile = build.volunteer()
    assert profile["volunteer_no"].startswith("V2027")
