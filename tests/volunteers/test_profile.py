"""Changing a profile: only what is sent changes, and the audit trail keeps it masked."""

from sqlalchemy import select, text

from app.core.audit import AuditEntry
from app.extensions import db
from config.catalog import PRIVACY_POLICY_VERSION
from tests.contract import assert_error
from tests.volunteers.helpers import id_number


def audit_rows(app, volunteer_id: int, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.object_type == "volunteer", AuditEntry.object_id == str(volunteer_id))
    if action:
        query = query.where(AuditEntry.action == action)
    with app.app_context():
        return list(db.session.scalars(query.order_by(AuditEntry.id)))


def audit_text(app) -> str:
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM audit_log"))
        return " ".join(" ".join(str(value) for value in row) for row in rows)


def test_patch_changes_only_what_is_given(api, build):
    token, before = build.volunteer(phone="13812345678", skills=["支教", "电工"])
    response = api.as_(token).patch("/volunteers/me", {"name": "李志愿"})
    assert response.status_code == 200, response.json
    after = response.json
    assert after["name"] == "李志愿"
    for unchanged in ("phone", "home_region", "areas", "skills", "availability", "consent", "volunteer_no"):
        assert after[unchanged] == before[unchanged], unchanged
    assert api.as_(token).get("/volunteers/me").json == after


def test_patch_writes_one_masked_audit_row(app, api, build):
    token, profile = build.volunteer(phone="13812345678")
    response = api.as_(token).patch("/volunteers/me", {"phone": "13987654321", "skills": ["护理"]})
    assert response.status_code == 200, response.json
    assert response.json["phone"] == "139****4321"
    [row] = audit_rows(app, profile["id"], "update")
    assert row.before == {"phone": "138****5678", "skills": ["支教"]}
    assert row.after == {"phone": "139****4321", "skills": ["护理"]}
    assert row.actor_id == api.as_(token).get("/me").json["id"]
    everything = audit_text(app)
    assert "13812345678" not in everything
    assert "13987654321" not in everything


def test_an_id_number_is_audited_masked(app, api, build):
    number = id_number()
    token, profile = build.volunteer(consent={"version": PRIVACY_POLICY_VERSION, "sensitive": True})
    api.as_(token).patch("/volunteers/me", {"id_number": number})
    [row] = audit_rows(app, profile["id"], "update")
    assert row.after["id_number"] == number[:3] + "*" * 11 + number[-4:]
    everything = audit_text(app)
    assert number not in everything


def test_a_patch_that_changes_nothing_writes_no_audit_row(app, api, build):
    token, profile = build.volunteer()
    response = api.as_(token).patch("/volunteers/me", {"name": profile["name"]})
    assert response.status_code == 200
    assert audit_rows(app, profile["id"], "update") == []


def test_patch_cannot_take_another_volunteers_phone(api, build):
    build.volunteer(phone="13812345678")
    token, _ = build.volunteer()
    response = api.as_(token).patch("/volunteers/me", {"phone": "13812345678"})
    assert_error(response, 409, "phone_taken", "phone")


def test_patch_keeps_ones_own_phone(api, build):
    token, _ = build.volunteer(phone="13812345678")
    response = api.as_(token).patch("/volunteers/me", {"phone": "13812345678"})
    assert response.status_code == 200, response.json


def test_required_fields_cannot_be_cleared(api, build):
    token, _ = build.volunteer()
    for name in ("name", "phone", "home_region", "areas"):
        response = api.as_(token).patch("/volunteers/me", {name: None})
        assert_error(response, 422, "validation_failed", name)


def test_patch_validates_like_registration(api, build):
    token, _ = build.volunteer()
    assert_error(api.as_(token).patch("/volunteers/me", {"phone": "12345"}), 422, "validation_failed", "phone")
    assert_error(
        api.as_(token).patch("/volunteers/me", {"home_region": "140000"}), 422, "validation_failed", "home_region"
    )
    assert_error(api.as_(token).patch("/volunteers/me", {"volunteer_no": "V1"}), 422, "validation_failed")
    assert_error(api.as_(token).patch("/volunteers/me", {"consent": {"version": "2020-01"}}), 422, "consent_outdated")


def test_an_id_number_needs_separate_consent_on_patch_too(api, build):
    token, _ = build.volunteer()
    response = api.as_(token).patch("/volunteers/me", {"id_number": id_number()})
    assert_error(response, 422, "validation_failed", "id_number")


def test_withdrawing_sensitive_consent_erases_the_id_number(api, build):
    consent = {"version": PRIVACY_POLICY_VERSION, "sensitive": True}
    token, profile = build.volunteer(id_number=id_number(), consent=consent)
    assert profile["id_number"]
    response = api.as_(token).patch("/volunteers/me", {"consent": {"version": PRIVACY_POLICY_VERSION}})
    assert response.status_code == 200, response.json
    assert response.json["id_number"] is None
    assert response.json["consent"]["sensitive"] is False


def test_a_failed_patch_changes_nothing(api, build):
    token, before = build.volunteer()
    response = api.as_(token).patch("/volunteers/me", {"name": "新名字", "home_region": "140105999999"})
    assert response.status_code == 422
    assert api.as_(token).get("/volunteers/me").json == before
