"""Staff login at the console: one answer for every bad guess, lock-out, two-factor, rate limit."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from app.accounts import operations as accounts
from app.core import clock
from app.extensions import db
from tests.builders import STAFF_PASSWORD
from tests.contract import assert_error

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def staff_account(app):
    """Makes a staff account directly (no login yet); returns its TOTP secret when asked for one."""

    def make(username: str = "clerk", region: str = "140105", *, with_totp: bool = False) -> str | None:
        with app.app_context():
            account = accounts.create_staff(username, STAFF_PASSWORD, region, with_totp=with_totp)
            secret = account.totp_secret
            db.session.commit()
        return secret

    return make


def login(api, username="clerk", password=STAFF_PASSWORD, **extra):
    return api.post("/auth/staff-login", {"username": username, "password": password, **extra})


def test_staff_login_answers_token_and_user(api, staff_account):
    staff_account(region="140105")
    response = login(api)
    assert response.status_code == 200, response.json
    assert response.json["user"]["roles"] == ["staff"]
    assert response.json["user"]["staff_region"] == "140105"
    assert api.as_(response.json["token"]).get("/me").json["roles"] == ["staff"]


def test_wrong_password_and_unknown_user_look_the_same(api, staff_account):
    staff_account()
    wrong_password = login(api, password="not-the-password")
    unknown_user = login(api, username="nobody-here")
    assert_error(wrong_password, 401, "invalid_credentials")
    assert wrong_password.status_code == unknown_user.status_code
    assert wrong_password.json == unknown_user.json


def test_five_failures_lock_the_account_even_for_the_right_password(app, api, staff_account):
    clock.freeze(START)
    staff_account()
    failures = app.config["STAFF_LOCKOUT_FAILURES"]
    assert failures == 5
    for _ in range(failures):
        assert_error(login(api, password="guess-guess-guess"), 401, "invalid_credentials")
    locked = login(api)
    error = assert_error(locked, 429, "account_locked")
    assert "分钟" in error["message"]

    clock.freeze(START + timedelta(minutes=app.config["STAFF_LOCKOUT_MINUTES"]) - timedelta(seconds=1))
    assert_error(login(api), 429, "account_locked")
    clock.freeze(START + timedelta(minutes=app.config["STAFF_LOCKOUT_MINUTES"]))
    assert login(api).status_code == 200


def test_a_success_clears_earlier_failures(app, api, staff_account):
    staff_account()
    for _ in range(app.config["STAFF_LOCKOUT_FAILURES"] - 1):
        login(api, password="guess-guess-guess")
    assert login(api).status_code == 200
    assert_error(login(api, password="guess-guess-guess"), 401, "invalid_credentials")
    assert login(api).status_code == 200


def test_a_two_factor_account_needs_a_valid_code(api, staff_account):
    secret = staff_account(with_totp=True)
    current = pyotp.TOTP(secret).now()
    wrong = f"{(int(current) + 500000) % 1000000:06d}"
    assert_error(login(api), 401, "invalid_credentials")
    assert_error(login(api, totp=wrong), 401, "invalid_credentials")
    assert_error(login(api, totp="12ab"), 422, "validation_failed", "totp")
    response = login(api, totp=current)
    assert response.status_code == 200, response.json


def test_a_right_code_with_a_wrong_password_is_refused(api, staff_account):
    secret = staff_account(with_totp=True)
    response = login(api, password="not-the-password", totp=pyotp.TOTP(secret).now())
    assert_error(response, 401, "invalid_credentials")


def test_staff_login_is_rate_limited_in_the_contract_shape(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_LOGIN_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        assert_error(login(api, username="nobody-here"), 401, "invalid_credentials")
    error = assert_error(login(api, username="nobody-here"), 429, "rate_limited")
    assert error["fields"] == {}


def test_staff_login_validates_its_body(api):
    assert_error(api.post("/auth/staff-login", {"username": "x"}), 422, "validation_failed", "password")
    assert_error(
        api.post("/auth/staff-login", {"username": "x", "password": "y", "role": "admin"}),
        422,
        "validation_failed",
        "role",
    )


def test_a_two_factor_code_logs_in_once(api, staff_account):
    """A code read over a shoulder, or sent twice, does not open a second session; the next code does."""
    clock.freeze(START)
    secret = staff_account(with_totp=True)
    code = pyotp.TOTP(secret).at(START)
    assert login(api, totp=code).status_code == 200
    assert_error(login(api, totp=code), 401, "invalid_credentials")
    later = START + timedelta(seconds=30)
    clock.freeze(later)
    assert_error(login(api, totp=code), 401, "invalid_credentials")  # still inside the drift window, but used
    assert login(api, totp=pyotp.TOTP(secret).at(later)).status_code == 200


def test_a_code_from_the_neighbouring_step_is_accepted_for_clock_drift(api, staff_account):
    clock.freeze(START)
    secret = staff_account(with_totp=True)
    assert login(api, totp=pyotp.TOTP(secret).at(START - timedelta(seconds=30))).status_code == 200
    assert_error(login(api, totp=pyotp.TOTP(secret).at(START - timedelta(seconds=60))), 401, "invalid_credentials")


def test_a_name_nobody_has_locks_exactly_like_a_real_one(app, api, staff_account, monkeypatch):
    """Otherwise five guesses would tell which staff usernames exist."""
    monkeypatch.setitem(app.config, "STAFF_LOGIN_RATE_LIMIT", "100 per minute")
    clock.freeze(START)
    staff_account()
    for name in ("clerk", "nobody-here"):
        for _ in range(app.config["STAFF_LOCKOUT_FAILURES"]):
            assert_error(login(api, username=name, password="guess-guess-guess"), 401, "invalid_credentials")
    real, unknown = login(api, username="clerk"), login(api, username="nobody-here")
    assert_error(real, 429, "account_locked")
    assert (real.status_code, real.json) == (unknown.status_code, unknown.json)


def test_failures_are_forgotten_after_a_day(app, api, staff_account):
    clock.freeze(START)
    staff_account()
    for _ in range(app.config["STAFF_LOCKOUT_FAILURES"] - 1):
        login(api, password="guess-guess-guess")
    with app.app_context():
        assert accounts.forget_old_login_failures(START + timedelta(hours=23)) == 0
        assert accounts.forget_old_login_failures(START + timedelta(days=1, seconds=1)) == 1
        db.session.commit()
    assert_error(login(api, password="guess-guess-guess"), 401, "invalid_credentials")
    assert login(api).status_code == 200  # one failure since: far from a lock-out
