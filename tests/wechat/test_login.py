"""Mini-program login through wechatpy's real client against the fake WeChat."""

import socket

import pytest

from app.wechat import WeChatGateway
from app.wechat.client import build_client
from tests.fake_wechat_fixtures import TIMEOUT_SECONDS


def login(wechat_api, code):
    return wechat_api.post("/auth/wechat-login", {"code": code})


def assert_error(response, status, code):
    assert response.status_code == status, response.json
    assert set(response.json) == {"error"}
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert response.json["error"]["fields"] == {}


def test_login_with_a_registered_code_gives_a_working_token(wechat_api, fake_wechat):
    fake_wechat.add_code("code-alice", "openid-alice")

    response = login(wechat_api, "code-alice")

    assert response.status_code == 200, response.json
    me = wechat_api.as_(response.json["token"]).get("/me")
    assert me.status_code == 200, me.json
    assert me.json["id"] == response.json["user"]["id"]
    [call] = fake_wechat.calls_to("sns/jscode2session")
    assert call.args["js_code"] == "code-alice"
    assert call.args["appid"] == fake_wechat.appid


def test_same_openid_twice_is_the_same_user(wechat_api, fake_wechat):
    fake_wechat.add_code("first", "openid-bob")
    fake_wechat.add_code("second", "openid-bob")
    fake_wechat.add_code("other", "openid-carol")

    first = login(wechat_api, "first").json["user"]["id"]
    second = login(wechat_api, "second").json["user"]["id"]
    other = login(wechat_api, "other").json["user"]["id"]

    assert first == second
    assert other != first


def test_session_key_never_leaves_the_backend(wechat_api, fake_wechat):
    session_key = fake_wechat.add_code("code-dave", "openid-dave", unionid="union-dave")

    response = login(wechat_api, "code-dave")
    me = wechat_api.as_(response.json["token"]).get("/me")

    for answer in (response, me):
        assert answer.status_code == 200
        assert session_key not in answer.get_data(as_text=True)
        assert "session_key" not in answer.get_data(as_text=True)


def test_login_never_fetches_an_access_token(wechat_api, fake_wechat):
    fake_wechat.add_code("code-erin", "openid-erin")
    fake_wechat.fail_next("sns/jscode2session", errcode=45011, errmsg="api minute-quota reach limit")

    login(wechat_api, "code-erin")
    login(wechat_api, "code-erin")
    login(wechat_api, "unknown")

    assert [call.path for call in fake_wechat.calls] == ["sns/jscode2session"] * 3
    assert fake_wechat.token_fetches == 0
    assert all("access_token" not in call.args for call in fake_wechat.calls)


def test_unknown_code_is_refused(wechat_api, fake_wechat):
    assert_error(login(wechat_api, "not-a-real-code"), 401, "wechat_code_invalid")


def test_a_code_used_twice_is_refused(wechat_api, fake_wechat):
    fake_wechat.add_code("code-frank", "openid-frank")
    assert login(wechat_api, "code-frank").status_code == 200

    assert_error(login(wechat_api, "code-frank"), 401, "wechat_code_invalid")


def test_wechat_rate_limit_is_429(wechat_api, fake_wechat):
    fake_wechat.add_code("code-gina", "openid-gina")
    fake_wechat.fail_next("sns/jscode2session", errcode=45011, errmsg="api minute-quota reach limit")

    assert_error(login(wechat_api, "code-gina"), 429, "wechat_rate_limited")
    assert login(wechat_api, "code-gina").status_code == 200, "the code was not spent by the refusal"


@pytest.mark.parametrize(
    "failure",
    [
        {"http_status": 500},
        {"http_status": 503},
        {"errcode": -1, "errmsg": "system error"},
        {"delay": TIMEOUT_SECONDS * 3},
    ],
    ids=["http-500", "http-503", "system-busy", "timeout"],
)
def test_wechat_failures_are_503(wechat_api, fake_wechat, failure):
    fake_wechat.add_code("code-hank", "openid-hank")
    fake_wechat.fail_next("sns/jscode2session", **failure)

    assert_error(login(wechat_api, "code-hank"), 503, "wechat_unavailable")


def test_wechat_unreachable_is_503(wechat_app, wechat_api, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    unreachable = WeChatGateway(build_client("wx-appid", "secret", closed, timeout=TIMEOUT_SECONDS))
    monkeypatch.setitem(wechat_app.extensions, "wechat", unreachable)

    assert_error(login(wechat_api, "any-code"), 503, "wechat_unavailable")
