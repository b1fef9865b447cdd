"""Every call that needs the access token survives a dead or missing token the same way: none
stored yet, one refresh first; refused (40001/42001/40014/41001), one refresh and one more try;
each call keeps its own answers (87014 risky content is False, not an error)."""

import pytest

from app.wechat import WeChatRejected, WeChatTokenInvalid, WeChatUnavailable

TEMPLATE = "TEMPLATE-session-reminder"
OPENID = "openid-ivy"

# Each token-using call of the gateway, the path it reaches at WeChat, and what success looks like.
CALLS = {
    "text_is_safe": ("wxa/msg_sec_check", lambda g: g.text_is_safe("周末课业辅导"), lambda r: r is True),
    "wxa_code": (
        "wxa/getwxacodeunlimit",
        lambda g: g.wxa_code("c=ABCD2345", "pages/checkin/index"),
        lambda r: r.startswith(b"\x89PNG"),
    ),
    "send_subscribe": (
        "cgi-bin/message/subscribe/send",
        lambda g: g.send_subscribe(OPENID, TEMPLATE, {"thing1": {"value": "读书会"}}, None),
        lambda r: r.isdigit(),
    ),
    "send_custom_text": (
        "cgi-bin/message/custom/send",
        lambda g: g.send_custom_text(OPENID, "收到，周六见"),
        lambda r: r is None,
    ),
}


@pytest.fixture
def gateway(wechat_app, fake_wechat):
    fake_wechat.grant(OPENID, TEMPLATE, n=None)
    return wechat_app.extensions["wechat"]


def tokens_sent(fake_wechat, path):
    return [call.args.get("access_token") for call in fake_wechat.calls_to(path)]


@pytest.mark.parametrize("name", CALLS)
def test_with_no_token_stored_yet_the_call_refreshes_once_first(gateway, fake_wechat, name):
    path, call, succeeded = CALLS[name]

    assert succeeded(call(gateway))

    assert fake_wechat.token_fetches == 1
    assert tokens_sent(fake_wechat, path) == [fake_wechat.current_token]
    assert succeeded(call(gateway))
    assert fake_wechat.token_fetches == 1  # the next call finds the token waiting


@pytest.mark.parametrize("name", CALLS)
@pytest.mark.parametrize("dead", ["revoked", "expired", "malformed"])
def test_a_dead_token_is_refreshed_once_and_the_call_tried_again(gateway, wechat_token, fake_wechat, name, dead):
    path, call, succeeded = CALLS[name]
    if dead == "revoked":
        fake_wechat.revoke_tokens()  # AppSecret reset, or a fetch by someone else: 40001
    elif dead == "expired":
        fake_wechat.expire_token()  # 42001
    else:
        fake_wechat.fail_next(path, errcode=40014, errmsg="invalid access_token")

    assert succeeded(call(gateway))

    assert fake_wechat.token_fetches == 2  # the fixture's and one refresh
    assert tokens_sent(fake_wechat, path) == [wechat_token, fake_wechat.current_token]
    assert fake_wechat.current_token != wechat_token


@pytest.mark.parametrize("name", CALLS)
def test_a_token_refused_again_after_the_refresh_is_a_temporary_error(gateway, wechat_token, fake_wechat, name):
    path, call, _ = CALLS[name]
    fake_wechat.fail_next(path, errcode=40001)
    fake_wechat.fail_next(path, errcode=40001)

    with pytest.raises(WeChatTokenInvalid):
        call(gateway)

    assert fake_wechat.token_fetches == 2
    assert len(fake_wechat.calls_to(path)) == 2


@pytest.mark.parametrize("name", CALLS)
def test_a_refresh_that_fails_is_a_temporary_error_too(gateway, fake_wechat, name):
    path, call, _ = CALLS[name]
    fake_wechat.fail_next("cgi-bin/token", http_status=503)

    with pytest.raises(WeChatTokenInvalid, match="refresh failed"):
        call(gateway)

    assert fake_wechat.calls_to(path) == []  # never called without a token


def test_risky_content_is_false_without_a_refresh(gateway, wechat_token, fake_wechat):
    assert gateway.text_is_safe("fraud wanted") is False
    assert fake_wechat.token_fetches == 1


def test_content_safety_keeps_its_other_errors(gateway, wechat_token, fake_wechat):
    fake_wechat.fail_next("wxa/msg_sec_check", http_status=502)
    with pytest.raises(WeChatUnavailable):
        gateway.text_is_safe("周末课业辅导")
    fake_wechat.fail_next("wxa/msg_sec_check", errcode=61010, errmsg="some refusal")
    with pytest.raises(WeChatRejected) as refused:
        gateway.text_is_safe("周末课业辅导")
    assert refused.value.errcode == 61010


def test_a_bad_scene_is_refused_for_good(gateway, wechat_token, fake_wechat):
    with pytest.raises(WeChatRejected) as refused:
        gateway.wxa_code("s=" + "9" * 31, "pages/checkin/index")
    assert refused.value.errcode == 40169
    assert fake_wechat.token_fetches == 1


def test_login_needs_no_access_token(gateway, fake_wechat):
    fake_wechat.add_code("code-ivy", OPENID)

    assert gateway.code_to_session("code-ivy").openid == OPENID

    assert fake_wechat.token_fetches == 0
