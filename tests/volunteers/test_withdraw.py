"""Withdrawing: personal data erased, the row and volunteer number kept, the tokens refused."""

from sqlalchemy import select, text

from app.core.audit import AuditEntry
from app.extensions import db
from config.catalog import PRIVACY_POLICY_VERSION
from tests.builders import registration
from tests.contract import assert_error
from tests.volunteers.helpers import assert_not_stored, database_text, id_number

SENSITIVE = {"version": PRIVACY_POLICY_VERSION, "sensitive": True}


def register(api, build, wechat_name: str, **overrides) -> tuple[str, dict]:
    token = build.login(wechat_name)
    response = api.as_(token).post("/volunteers/me", registration(**overrides))
    assert response.status_code == 201, response.json
    return token, response.json


def test_withdraw_erases_personal_data_and_keeps_the_number(app, api, build):
    number = id_number()
    token, profile = register(
        api, build, "withdrawer", name="赵志愿", phone="13812345678", id_number=number, consent=SENSITIVE
    )
    api.as_(token).post("/teams/medical/members/me")

    response = api.as_(token).delete("/volunteers/me")
    assert response.status_code == 204
    assert response.get_data() == b""

    with app.app_context():
        row = db.session.execute(text("SELECT * FROM volunteers WHERE id = :id"), {"id": profile["id"]})
        row = row.mappings().one()
        memberships = db.session.execute(
            text("SELECT count(*) FROM team_memberships WHERE volunteer_id = :id"), {"id": profile["id"]}
        ).scalar()
        stored = database_text()
    assert row["volunteer_no"] == profile["volunteer_no"]
    assert row["name"] != "赵志愿"
    for column in ("phone", "phone_hash", "id_number", "id_number_hash", "birth_year", "sensitive_consent_at"):
        assert row[column] is None, column
    assert row["withdrawn_at"] is not None
    assert row["home_region_code"] == "140105"  # only the county stays, for statistics
    assert memberships == 0
    assert_not_stored(stored, "赵志愿", "13812345678", number)


def test_the_old_token_is_refused_after_withdrawal(api, build):
    token, _ = register(api, build, "gone")
    other_device = build.login("gone")
    api.as_(token).delete("/volunteers/me")
    for each in (token, other_device):
        assert_error(api.as_(each).get("/volunteers/me"), 401, "unauthenticated")
        assert_error(api.as_(each).get("/me"), 401, "unauthenticated")


def test_the_same_wechat_user_can_come_back_and_register_fresh(api, build):
    number = id_number()
    token, first = register(api, build, "returning", phone="13812345678", id_number=number, consent=SENSITIVE)
    api.as_(token).delete("/volunteers/me")

    again = build.login("returning")
    assert api.as_(again).get("/me").json["registered"] is False
    assert_error(api.as_(again).get("/volunteers/me"), 404, "not_registered")
    response = api.as_(again).post(
        "/volunteers/me", registration(phone="13812345678", id_number=number, consent=SENSITIVE)
    )
    assert response.status_code == 201, response.json
    assert response.json["id"] != first["id"]
    assert response.json["volunteer_no"] != first["volunteer_no"]


def test_withdrawal_is_audited(app, api, build):
    token, profile = register(api, build, "audited")
    user_id = api.as_(token).get("/me").json["id"]
    api.as_(token).delete("/volunteers/me")
    with app.app_context():
        [row] = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "volunteer",
                AuditEntry.object_id == str(profile["id"]),
                AuditEntry.action == "withdraw",
            )
        )
    assert row.actor_id == user_id
    assert row.after == {"status": "withdrawn"}


def test_a_withdrawn_secretary_loses_the_role(api, build):
    token, user_id = build.secretary("140105001001")
    api.as_(token).post("/volunteers/me", registration())
    assert api.as_(token).delete("/volunteers/me").status_code == 204
    admin = build.staff(admin=True)
    assert_error(api.as_(admin).delete(f"/secretaries/{user_id}"), 404, "secretary_not_found")


def test_only_a_volunteer_can_withdraw(api, build):
    assert_error(api.as_(build.login()).delete("/volunteers/me"), 404, "not_registered")
    assert_error(api.delete("/volunteers/me"), 401, "unauthenticated")


def test_a_secretary_withdrawing_leaves_a_trace_of_the_lost_role(app, api, build):
    token, user_id = build.secretary("140105001001")
    api.as_(token).post("/volunteers/me", registration())
    api.as_(token).delete("/volunteers/me")
    with app.app_context():
        [row] = db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "secretary",
                AuditEntry.object_id == str(user_id),
                AuditEntry.action == "delete",
            )
        )
    assert row.before == {"village": "140105001001"}
    assert row.region_code == "140105001001"
