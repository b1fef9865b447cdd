"""Unmasking a phone (volunteers.unmask_phone): staff whose own region holds the volunteer's home, and
admins; audited as "unmask" naming the field, never the number; anyone else 403 or 404."""

import logging

import pytest
from sqlalchemy import select

from app.core import auth
from app.core.access import Principal
from app.core.audit import AuditEntry
from app.core.errors import Forbidden, NotFound
from app.extensions import db
from app.volunteers import operations as volunteers
from tests.volunteers.helpers import assert_not_stored, database_text

PHONE = "13912345678"


@pytest.fixture
def profile(build) -> dict:
    return build.volunteer(phone=PHONE, home_region="140105001001")[1]


def staff(region: str, *, admin: bool = False, secretary: str | None = None) -> Principal:
    roles = {"staff", "admin"} if admin else {"staff"}
    return Principal(user_id=1, roles=frozenset(roles), staff_region=region, secretary_village=secretary)


def unmask_rows() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "unmask")))


@pytest.mark.parametrize("region", ["140105", "140100", "140000", "140105001"])
def test_staff_over_the_home_read_the_number_and_it_is_audited(app, profile, region, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        volunteer, phone = volunteers.unmask_phone(staff(region), profile["id"])
        assert phone == PHONE and volunteer.id == profile["id"]
        (entry,) = unmask_rows()
        assert (entry.object_type, entry.object_id, entry.region_code) == (
            "volunteer",
            str(profile["id"]),
            "140105001001",
        )
        assert entry.after == {"field": "phone"} and entry.before is None
        assert_not_stored(str(entry.after), PHONE)
        db.session.rollback()
    assert PHONE not in caplog.text


def test_the_audit_row_names_who_read_it(app, profile):
    with app.test_request_context():
        auth.act_as(staff("140105"))
        volunteers.unmask_phone(staff("140105"), profile["id"])
        assert unmask_rows()[0].actor_id == 1
        assert_not_stored(database_text(), PHONE)  # the audit row holds no number; the profile's is encrypted
        db.session.rollback()


def test_admins_read_any_number(app, profile):
    with app.app_context():
        assert volunteers.unmask_phone(staff("140600", admin=True), profile["id"])[1] == PHONE
        db.session.rollback()


@pytest.mark.parametrize("region", ["140106", "140600", "140105002"])
def test_staff_of_elsewhere_find_nothing(app, profile, region):
    with app.app_context():
        with pytest.raises(NotFound):
            volunteers.unmask_phone(staff(region), profile["id"])
        with pytest.raises(NotFound):
            volunteers.unmask_phone(staff("140105"), 999_999)
        assert unmask_rows() == []


def test_a_secretary_s_village_confers_nothing(app, profile):
    with app.app_context():
        as_secretary = Principal(user_id=1, roles=frozenset({"secretary"}), secretary_village="140105001001")
        with pytest.raises(Forbidden):
            volunteers.unmask_phone(as_secretary, profile["id"])
        with pytest.raises(NotFound):  # staff elsewhere who are also this village's secretary
            volunteers.unmask_phone(staff("140106", secretary="140105001001"), profile["id"])
        assert unmask_rows() == []


def test_a_withdrawn_volunteer_has_no_number_to_show(app, api, build):
    token, profile = build.volunteer(phone=PHONE, home_region="140105001001")
    assert api.as_(token).delete("/volunteers/me").status_code in (200, 204)
    with app.app_context(), pytest.raises(NotFound):
        volunteers.unmask_phone(staff("140105"), profile["id"])
