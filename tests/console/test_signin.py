"""Signing in to the console: the staff login's rules, a server-side session that really ends, CSRF."""

from datetime import timedelta

import pyotp
from sqlalchemy import select

from app.console.models import ConsoleSession
from app.core import clock
from app.core.auth import AuthToken
from app.extensions import db
from tests.console.helpers import csrf_of, make_staff, post_form, sign_in, text
from tests.fixtures import NOW


def test_every_page_asks_for_sign_in_first(client):
    for path in ("/console/", "/console/needs/review", "/console/dispatch", "/console/audit", "/console/volunteers"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login")


def test_staff_sign_in_opens_a_session_in_the_database_and_keeps_no_bearer_token(app, client):
    make_staff(app, "signin-a")
    response = sign_in(client, "signin-a")
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200 and "概览" in text(page) and "小店区" in text(page)
    with app.app_context():
        rows = db.session.scalars(select(ConsoleSession)).all()
        assert len(rows) == 1 and rows[0].ended_at is None
        assert all(token.revoked_at is not None for token in db.session.scalars(select(AuthToken)))


def test_the_cookie_is_httponly_and_samesite_lax(app, client):
    make_staff(app, "signin-cookie")
    response = sign_in(client, "signin-cookie")
    cookie = next(value for name, value in response.headers.items() if name == "Set-Cookie")
    assert cookie.startswith("console_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console/" in cookie


def test_production_cookies_are_secure():
    from config.settings import ProductionConfig, TestConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert TestConfig.SESSION_COOKIE_SECURE is False


def test_a_wrong_password_is_refused_in_chinese(app, client):
    make_staff(app, "signin-wrong")
    response = sign_in(client, "signin-wrong", password="not-the-password")
    assert response.status_code == 401
    assert "用户名或密码错误" in text(response)
    assert client.get("/console/").status_code == 302


def test_the_lock_out_of_the_api_login_holds_here(app, client):
    make_staff(app, "signin-locked")
    for _ in range(app.config["STAFF_LOCKOUT_FAILURES"]):
        assert sign_in(client, "signin-locked", password="nope-nope-nope").status_code == 401
    response = sign_in(client, "signin-locked")  # the right password, but locked
    assert response.status_code == 429
    assert "锁定" in text(response)


def test_totp_is_asked_where_enabled(app, client):
    secret = make_staff(app, "signin-totp", totp=True)
    assert secret
    assert sign_in(client, "signin-totp").status_code == 401
    code = pyotp.TOTP(secret).at(NOW)
    assert sign_in(client, "signin-totp", totp=code).status_code == 302


def test_signing_out_ends_the_session_for_good(app, client):
    make_staff(app, "signin-out")
    sign_in(client, "signin-out")
    cookie = client.get_cookie("console_session", path="/console/")
    assert cookie is not None
    stolen = cookie.value
    response = post_form(client, "/console/logout", {}, token_from="/console/")
    assert response.status_code == 302
    client.set_cookie("console_session", stolen, path="/console/")  # the old cookie, replayed
    assert client.get("/console/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ConsoleSession.end_reason)) == "signed_out"


def test_an_idle_session_times_out(app, client):
    make_staff(app, "signin-idle")
    sign_in(client, "signin-idle")
    assert client.get("/console/").status_code == 200
    clock.freeze(NOW + timedelta(minutes=app.config["CONSOLE_IDLE_MINUTES"] - 1))
    assert client.get("/console/").status_code == 200  # still there, and the idle clock restarts
    clock.freeze(NOW + timedelta(minutes=2 * app.config["CONSOLE_IDLE_MINUTES"] + 1))
    response = client.get("/console/")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ConsoleSession.end_reason)) == "idle"
    assert "登录已超时" in text(client.get("/console/login"))


def test_a_form_without_its_csrf_token_is_refused(app, client):
    make_staff(app, "signin-csrf")
    response = client.post("/console/login", data={"username": "signin-csrf", "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert "安全校验" in text(response)
    sign_in(client, "signin-csrf")
    assert client.post("/console/logout").status_code == 400
    assert client.get("/console/").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(app, client):
    make_staff(app, "signin-other")
    other = app.test_client()
    token = csrf_of(other, "/console/login")
    response = client.post(
        "/console/login", data={"csrf_token": token, "username": "signin-other", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400


def test_after_sign_in_only_a_console_path_is_followed(app, client):
    make_staff(app, "signin-next")
    token = csrf_of(client, "/console/login")
    data = {"csrf_token": token, "username": "signin-next", "password": "correct-horse-battery"}
    response = client.post("/console/login?next=//evil.example/", data=data)
    assert response.headers["Location"] == "/console/"


def test_the_rate_limit_of_the_api_login_holds_here(app, client):
    make_staff(app, "signin-rate")
    limit = int(app.config["STAFF_LOGIN_RATE_LIMIT"].split()[0])
    token = csrf_of(client, "/console/login")

    def attempt(n: int):  # a new name each time: the per-name lock-out is not what is tested here
        return client.post("/console/login", data={"csrf_token": token, "username": f"guess-{n}", "password": "x"})

    answers = [attempt(n).status_code for n in range(limit + 1)]
    assert answers[-1] == 429 and 429 not in answers[:-1]
    refused = attempt(limit + 1)
    assert "请求过于频繁" in text(refused) and refused.headers.get("Retry-After")


def test_the_locked_account_says_when_to_come_back(app, client):
    make_staff(app, "signin-retry")
    for _ in range(app.config["STAFF_LOCKOUT_FAILURES"]):
        sign_in(client, "signin-retry", password="nope-nope-nope")
    assert int(sign_in(client, "signin-retry").headers["Retry-After"]) > 0


def test_a_redirect_to_sign_in_comes_back_to_the_page(app, client):
    make_staff(app, "signin-back")
    response = client.get("/console/audit?object_type=need")
    assert response.headers["Location"] == "/console/login?next=/console/audit?object_type%3Dneed"
    token = csrf_of(client, "/console/login")
    data = {"csrf_token": token, "username": "signin-back", "password": "correct-horse-battery"}
    back = client.post("/console/login?next=/console/audit?object_type%3Dneed", data=data)
    assert back.headers["Location"] == "/console/audit?object_type=need"


def test_an_admin_sees_every_region(app, api, build, client):
    from tests.console.test_pages import pending_need

    make_staff(app, "signin-admin", "140000", admin=True)
    sign_in(client, "signin-admin")
    pending_need(api, build, title="小店村的需求")
    pending_need(api, build, "140106001001", title="迎泽村的需求")
    page = text(client.get("/console/needs/review"))
    assert "小店村的需求" in page and "迎泽村的需求" in page


def test_pages_are_never_framed_or_cached(console):
    response = console.get("/console/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_sends_a_signed_in_member_on(console):
    assert console.get("/console/login").headers["Location"] == "/console/"
