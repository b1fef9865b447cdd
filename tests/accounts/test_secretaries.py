"""Appointing village secretaries: who may, for which villages, and forged requests that must fail."""

import pytest
from sqlalchemy import select

from app.accounts import operations as accounts
from app.core.audit import AuditEntry
from app.extensions import db
from tests.builders import STAFF_PASSWORD
from tests.contract import assert_error

VILLAGE = "140105001001"  # 小店村, county 140105, city 140100
OTHER_COUNTY_VILLAGE = "140106001001"  # 迎泽村, county 140106


def user_id(api, token: str) -> int:
    return api.as_(token).get("/me").json["id"]


def test_county_staff_appoint_a_secretary_in_their_county(api, build):
    staff = build.staff("140105")
    person = build.login()
    response = api.as_(staff).post("/secretaries", {"user_id": user_id(api, person), "village": VILLAGE})
    assert response.status_code == 201, response.json
    assert response.json["village"] == VILLAGE
    assert response.json["appointed_by"] == user_id(api, staff)
    me = api.as_(person).get("/me").json
    assert "secretary" in me["roles"]
    assert me["secretary_village"] == VILLAGE


def test_staff_of_another_county_see_neither_the_village_nor_its_secretary(api, build):
    _, secretary_id = build.secretary(VILLAGE)
    person = build.login()
    other_county = build.staff("140106")
    appoint = api.as_(other_county).post("/secretaries", {"user_id": user_id(api, person), "village": VILLAGE})
    assert_error(appoint, 404, "not_found")
    remove = api.as_(other_county).delete(f"/secretaries/{secretary_id}")
    never_a_secretary = api.as_(other_county).delete(f"/secretaries/{user_id(api, person)}")
    # Existing-but-foreign and missing answer alike, so the request learns nothing.
    assert remove.status_code == never_a_secretary.status_code == 404
    assert remove.json == never_a_secretary.json


def test_staff_of_another_county_cannot_move_a_secretary_away(api, build):
    secretary, secretary_id = build.secretary(VILLAGE)
    other_county = build.staff("140106")
    response = api.as_(other_county).post("/secretaries", {"user_id": secretary_id, "village": OTHER_COUNTY_VILLAGE})
    assert response.status_code == 404
    assert api.as_(secretary).get("/me").json["secretary_village"] == VILLAGE


def test_city_staff_appoint_and_remove_in_their_counties(api, build):
    city = build.staff("140100")
    person = build.login()
    person_id = user_id(api, person)
    assert api.as_(city).post("/secretaries", {"user_id": person_id, "village": VILLAGE}).status_code == 201
    assert api.as_(city).delete(f"/secretaries/{person_id}").status_code == 204
    assert "secretary" not in api.as_(person).get("/me").json["roles"]
    assert_error(api.as_(city).delete(f"/secretaries/{person_id}"), 404, "secretary_not_found")


def test_city_staff_see_nothing_of_another_city(api, build):
    city = build.staff("140100")  # 太原
    person_id = user_id(api, build.login())
    response = api.as_(city).post("/secretaries", {"user_id": person_id, "village": "140723001001"})  # 晋中
    assert_error(response, 404, "not_found")


def test_county_staff_remove_a_secretary(api, build):
    secretary, secretary_id = build.secretary(VILLAGE)
    county = build.staff("140105")
    assert api.as_(county).delete(f"/secretaries/{secretary_id}").status_code == 204
    assert "secretary" not in api.as_(secretary).get("/me").json["roles"]


@pytest.mark.parametrize("region", ["140105001", "140105001001"])
def test_township_and_village_staff_cannot_appoint(app, api, build, region):
    with app.app_context():
        accounts.create_staff("local-clerk", STAFF_PASSWORD, region)
        db.session.commit()
    local = api.post("/auth/staff-login", {"username": "local-clerk", "password": STAFF_PASSWORD}).json["token"]
    person_id = user_id(api, build.login())
    response = api.as_(local).post("/secretaries", {"user_id": person_id, "village": VILLAGE})
    error = assert_error(response, 403, "forbidden")
    assert "县级" in error["message"]
    _, secretary_id = build.secretary(VILLAGE)
    assert_error(api.as_(local).delete(f"/secretaries/{secretary_id}"), 403, "forbidden")


def test_volunteers_and_secretaries_cannot_appoint(api, build):
    volunteer, _ = build.volunteer()
    secretary, _ = build.secretary(VILLAGE)
    person_id = user_id(api, build.login())
    for token in (volunteer, secretary):
        response = api.as_(token).post("/secretaries", {"user_id": person_id, "village": VILLAGE})
        assert_error(response, 403, "forbidden")
        assert_error(api.as_(token).delete(f"/secretaries/{person_id}"), 403, "forbidden")
    assert_error(api.post("/secretaries", {"user_id": person_id, "village": VILLAGE}), 401, "unauthenticated")


def test_appointing_an_unknown_user(api, build):
    staff = build.staff("140105")
    response = api.as_(staff).post("/secretaries", {"user_id": 999999, "village": VILLAGE})
    assert_error(response, 404, "user_not_found")


def test_a_staff_only_account_cannot_be_made_secretary(api, build):
    staff = build.staff("140105")
    response = api.as_(staff).post("/secretaries", {"user_id": user_id(api, staff), "village": VILLAGE})
    assert_error(response, 404, "user_not_found")


@pytest.mark.parametrize(
    ("village", "field"),
    [
        pytest.param("140105001", "village", id="township"),
        pytest.param("140105", "village", id="county"),
        pytest.param("140105999999", "village", id="unknown-village"),
        pytest.param("小店村", "village", id="not-a-code"),
    ],
)
def test_only_a_village_code_will_do(api, build, village, field):
    staff = build.staff("140105")
    person_id = user_id(api, build.login())
    response = api.as_(staff).post("/secretaries", {"user_id": person_id, "village": village})
    assert_error(response, 422, "validation_failed", field)


def test_admin_sees_everything(api, build):
    admin = build.staff("140105", admin=True)
    person_id = user_id(api, build.login())
    response = api.as_(admin).post("/secretaries", {"user_id": person_id, "village": "140723001001"})
    assert response.status_code == 201, response.json
    assert api.as_(admin).delete(f"/secretaries/{person_id}").status_code == 204
    _, secretary_id = build.secretary(OTHER_COUNTY_VILLAGE)
    assert api.as_(admin).delete(f"/secretaries/{secretary_id}").status_code == 204


def test_appointments_are_audited(app, api, build):
    staff = build.staff("140105")
    person_id = user_id(api, build.login())
    api.as_(staff).post("/secretaries", {"user_id": person_id, "village": VILLAGE})
    api.as_(staff).delete(f"/secretaries/{person_id}")
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "secretary", AuditEntry.object_id == str(person_id))
        ).all()
    assert [(row.action, row.actor_id, row.region_code) for row in rows] == [
        ("create", user_id(api, staff), VILLAGE),
        ("delete", user_id(api, staff), VILLAGE),
    ]
