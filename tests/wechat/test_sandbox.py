"""Without credentials the app logs in `dev:<name>` codes; production refuses to run that way."""

import pytest

from app import create_app
from app.wechat import SandboxGateway, WeChatCodeInvalid


def login(api, code):
    return api.post("/auth/wechat-login", {"code": code})


def test_the_test_app_runs_the_sandbox(app):
    assert app.config["SANDBOX"] is True
    assert isinstance(app.extensions["wechat"], SandboxGateway)


def test_a_dev_name_is_always_the_same_user(api):
    alice = login(api, "dev:alice")
    again = login(api, "dev:alice")
    bob = login(api, "dev:bob")

    assert alice.status_code == again.status_code == bob.status_code == 200
    assert alice.json["user"]["id"] == again.json["user"]["id"]
    assert bob.json["user"]["id"] != alice.json["user"]["id"]
    assert alice.json["token"] != again.json["token"]


def test_sandbox_openids_are_stable_and_distinct():
    gateway = SandboxGateway()

    assert gateway.code_to_session("dev:alice").openid == gateway.code_to_session("dev:alice").openid
    assert gateway.code_to_session("dev:bob").openid != gateway.code_to_session("dev:alice").openid


@pytest.mark.parametrize("code", ["081abcDEF123", "dev:", "alice"])
def test_the_sandbox_refuses_other_codes(api, code):
    response = login(api, code)

    assert response.status_code == 401, response.json
    assert response.json["error"]["code"] == "wechat_code_invalid"
    with pytest.raises(WeChatCodeInvalid):
        SandboxGateway().code_to_session(code)


PRODUCTION_READY = {
    "SECRET_KEY": "a-production-secret",
    "FIELD_ENCRYPTION_KEY": "q8o2y1d0i1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q=",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://volunteers@db.invalid/volunteers",
}


@pytest.mark.parametrize(
    "credentials",
    [{"WECHAT_APPID": None, "WECHAT_SECRET": None}, {"WECHAT_APPID": "wx123", "WECHAT_SECRET": ""}],
    ids=["neither", "no-secret"],
)
def test_production_refuses_to_start_without_wechat_credentials(credentials):
    with pytest.raises(RuntimeError, match="WECHAT_APPID / WECHAT_SECRET") as refused:
        create_app("production", **PRODUCTION_READY, **credentials)

    assert "SECRET_KEY" not in str(refused.value)


def test_production_names_everything_missing():
    missing = dict.fromkeys(
        ["SECRET_KEY", "FIELD_ENCRYPTION_KEY", "SQLALCHEMY_DATABASE_URI", "WECHAT_APPID", "WECHAT_SECRET"]
    )

    with pytest.raises(RuntimeError) as refused:
        create_app("production", **missing)

    for name in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATABASE_URL", "WECHAT_APPID"):
        assert name in str(refused.value)
