"""Bearer tokens: missing, forged, expired and revoked tokens are all refused."""

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from app.core import clock
from app.extensions import db
from tests.contract import assert_error

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_no_token_means_unauthenticated(api):
    error = assert_error(api.get("/me"), 401, "unauthenticated")
    assert error["message"] == "请先登录"


def test_a_forged_token_is_refused(api, build):
    build.login()
    for token in ("garbage", "x" * 43, "Bearer", ""):
        assert_error(api.as_(token).get("/me"), 401, "unauthenticated")


def test_another_scheme_is_not_a_bearer_token(client, build):
    token = build.login()
    response = client.get("/api/v1/me", headers={"Authorization": f"Basic {token}"})
    assert_error(response, 401, "unauthenticated")
    response = client.get("/api/v1/me", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_a_mini_program_token_expires(app, api, build):
    clock.freeze(START)
    token = build.login()
    ttl = app.config["TOKEN_TTL_MINIPROGRAM"]
    clock.freeze(START + ttl - timedelta(seconds=1))
    assert api.as_(token).get("/me").status_code == 200
    clock.freeze(START + ttl)
    error = assert_error(api.as_(token).get("/me"), 401, "unauthenticated")
    assert error["message"] == "登录已失效，请重新登录"


def test_a_staff_token_expires_sooner(app, api, build):
    clock.freeze(START)
    token = build.staff()
    clock.freeze(START + app.config["TOKEN_TTL_STAFF"] + timedelta(seconds=1))
    assert_error(api.as_(token).get("/me"), 401, "unauthenticated")


def test_logout_revokes_only_that_token(api, build):
    phone = build.login("two-devices")
    tablet = build.login("two-devices")
    response = api.as_(phone).post("/auth/logout")
    assert response.status_code == 204
    assert_error(api.as_(phone).get("/me"), 401, "unauthenticated")
    assert_error(api.as_(phone).post("/auth/logout"), 401, "unauthenticated")
    assert api.as_(tablet).get("/me").status_code == 200


def test_logout_needs_a_token(api):
    assert_error(api.post("/auth/logout"), 401, "unauthenticated")


def test_tokens_are_stored_only_as_digests(app, api, build):
    token = build.login()
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM auth_tokens")).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_bad_wechat_code_is_refused(api):
    assert_error(api.post("/auth/wechat-login", {"code": "not-a-dev-code"}), 401, "wechat_code_invalid")


def test_wechat_login_answers_token_and_user(api):
    response = api.post("/auth/wechat-login", {"code": "dev:someone"})
    assert response.status_code == 200
    assert set(response.json) == {"token", "user"}
    assert response.json["user"]["registered"] is False
    assert response.json["user"]["roles"] == []
    assert "session_key" not in response.get_data(as_text=True)
    again = api.post("/auth/wechat-login", {"code": "dev:someone"})
    assert again.json["user"]["id"] == response.json["user"]["id"]
    assert again.json["token"] != response.json["token"]


def test_a_logged_out_request_is_told_to_log_in_before_anything_about_its_body(api, client):
    """An expired session must reach the mini-program's log-in handler, whatever it sent."""
    assert_error(api.post("/volunteers/me", {"phone": "12"}), 401, "unauthenticated")
    assert_error(api.patch("/volunteers/me", {"name": 5}), 401, "unauthenticated")
    assert_error(api.as_("expired-or-forged").post("/teams/space/members/me"), 401, "unauthenticated")
    response = client.post("/api/v1/volunteers/me", data="not json", content_type="text/plain")
    assert_error(response, 401, "unauthenticated")


def test_a_caller_without_the_role_is_refused_before_its_body_is_judged(api, build):
    volunteer, _ = build.volunteer()
    assert_error(api.as_(volunteer).post("/secretaries", {"user_id": "x"}), 403, "forbidden")
    assert_error(api.as_(volunteer).delete("/secretaries/0"), 403, "forbidden")


def test_public_routes_stay_public(api):
    assert api.get("/areas").status_code == 200
    assert api.get("/privacy-policy").status_code == 200
    assert api.post("/auth/wechat-login", {"code": "dev:public"}).status_code == 200
