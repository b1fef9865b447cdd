"""Phone and ID numbers at rest and in logs: encrypted in every column, absent from every log line."""

import logging

from sqlalchemy import text

from app.extensions import db
from config.catalog import PRIVACY_POLICY_VERSION
from tests.builders import registration
from tests.volunteers.helpers import assert_not_stored, database_text, id_number

PHONE, NEW_PHONE = "13812345678", "13987654321"
SENSITIVE = {"version": PRIVACY_POLICY_VERSION, "sensitive": True}


def test_phone_and_id_number_are_encrypted_in_the_volunteers_row(app, api, build):
    number = id_number()
    _, profile = build.volunteer(phone=PHONE, id_number=number, consent=SENSITIVE)
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM volunteers WHERE id = :id"), {"id": profile["id"]})
        row = row.mappings().one()
        stored = database_text()
    for column, value in row.items():
        assert PHONE not in str(value), column
        assert number not in str(value), column
        assert PHONE[-8:] not in str(value), column  # nor a recognisable part of it
    # Fernet tokens, so the service can still read them back.
    assert row["phone"].startswith("gAAAAA")
    assert row["id_number"].startswith("gAAAAA")
    assert_not_stored(stored, PHONE, number)


def test_no_log_line_holds_a_phone_or_id_number(api, build, caplog):
    caplog.set_level(logging.DEBUG)
    number, other_number = id_number(), id_number("14010619851224002")
    token, _ = build.volunteer(phone=PHONE, id_number=number, consent=SENSITIVE)
    assert api.as_(token).patch("/volunteers/me", {"phone": NEW_PHONE, "id_number": other_number}).status_code == 200
    # Failing requests: a taken phone, a bad check digit, a phone in a malformed body.
    stranger = build.login()
    assert api.as_(stranger).post("/volunteers/me", registration(phone=NEW_PHONE)).status_code == 409
    wrong_check = number[:-1] + ("0" if number[-1] != "0" else "1")
    bad_id = registration(phone="13700000000", id_number=wrong_check, consent=SENSITIVE)
    assert api.as_(stranger).post("/volunteers/me", bad_id).status_code == 422
    malformed = api.as_(stranger).post(
        "/volunteers/me", data=f'{{"phone": "{PHONE}", ', content_type="application/json"
    )
    assert malformed.status_code == 400
    logged = caplog.text + "\n".join(repr(record.args) for record in caplog.records)
    assert caplog.records, "expected the requests to log something"
    for secret in (PHONE, NEW_PHONE, number, other_number):
        assert secret not in logged, secret
