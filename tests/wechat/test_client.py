"""wechatpy's real client, as configured by app/wechat/client.py, against the fake WeChat."""

import time
from contextlib import contextmanager

import pytest
import requests
from redis import Redis
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from app.wechat import WeChatGateway, WeChatUnavailable
from app.wechat.client import build_client
from tests.fake_wechat_fixtures import TIMEOUT_SECONDS

TEMPLATE = "TEMPLATE-session-reminder"


@contextmanager
def raises_errcode(errcode):
    """WeChat answered with `errcode` (None: an HTTP-level failure), as a WeChatClientException."""
    with pytest.raises(WeChatClientException) as info:
        yield info
    assert info.value.errcode == errcode, info.value


def send(client, openid="openid-ivy", **data):
    data = data or {"thing1": {"value": "Reading club"}}
    return client.wxa.send_subscribe_message(openid, TEMPLATE, data, page="pages/index/index")


# --- the token is never fetched behind our back -------------------------------------------------


@pytest.mark.parametrize("stale", ["superseded", "expired"])
def test_a_stale_token_is_tried_once_and_raises(wechat_client, fake_wechat, stale):
    fake_wechat.grant("openid-ivy", TEMPLATE)
    token = fake_wechat.issue_token()
    if stale == "superseded":
        fake_wechat.issue_token()  # e.g. someone else fetched: ours is no longer the latest
    else:
        fake_wechat.expire_token()
    wechat_client.session.set(wechat_client.access_token_key, token, 7200)
    fetches = fake_wechat.token_fetches

    with raises_errcode(40001 if stale == "superseded" else 42001):
        send(wechat_client)

    assert len(fake_wechat.calls_to("cgi-bin/message/subscribe/send")) == 1
    assert fake_wechat.calls_to("cgi-bin/token") == []
    assert fake_wechat.token_fetches == fetches
    assert fake_wechat.subscribe_sent == []


def test_without_a_stored_token_calls_go_out_without_one(wechat_client, fake_wechat):
    with raises_errcode(41001):
        send(wechat_client)

    assert fake_wechat.calls_to("cgi-bin/token") == []


def test_the_refresher_fetch_stores_the_token_and_has_a_timeout(wechat_client, fake_wechat):
    fake_wechat.fail_next("cgi-bin/token", delay=TIMEOUT_SECONDS * 3)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        wechat_client.fetch_access_token()
    assert time.monotonic() - started < TIMEOUT_SECONDS * 2

    token = wechat_client.fetch_access_token()["access_token"]

    assert wechat_client.access_token == token == fake_wechat.current_token


def test_a_slow_wechat_gives_up_after_the_configured_timeout(fake_wechat):
    gateway = WeChatGateway(
        build_client(fake_wechat.appid, fake_wechat.secret, fake_wechat.url, timeout=TIMEOUT_SECONDS)
    )
    fake_wechat.fail_next("sns/jscode2session", delay=TIMEOUT_SECONDS * 3)
    started = time.monotonic()

    with pytest.raises(WeChatUnavailable, match="Timeout"):
        gateway.code_to_session("any")

    assert time.monotonic() - started < TIMEOUT_SECONDS * 2


def test_wrong_credentials_are_refused_at_token_fetch(fake_wechat):
    client = build_client(fake_wechat.appid, "wrong-secret", fake_wechat.url, timeout=TIMEOUT_SECONDS)
    with raises_errcode(40125):
        client.fetch_access_token()
    assert client.access_token is None


# --- every call lands on WECHAT_API_BASE --------------------------------------------------------


def test_calls_wechatpy_spells_differently_land_on_the_fake_too(wechat_client, wechat_token, fake_wechat):
    # datacube has its own base URL; customservice methods use absolute URLs. The fake knows
    # neither (404), but each call must reach it rather than api.weixin.qq.com.
    with raises_errcode(None):
        wechat_client.datacube.get_user_summary("2025-06-01", "2025-06-02")
    with raises_errcode(None):
        wechat_client.customservice.get_wait_case()

    assert [call.path for call in fake_wechat.calls[1:]] == [
        "datacube/getusersummary",
        "customservice/kfsession/getwaitcase",
    ]


def test_every_endpoint_we_use_lands_on_the_fake(wechat_client, wechat_token, fake_wechat):
    fake_wechat.add_code("code-ivy", "openid-ivy")
    fake_wechat.grant("openid-ivy", TEMPLATE)

    wechat_client.wxa.code_to_session("code-ivy")
    send(wechat_client)
    wechat_client.message.send_text("openid-ivy", "Thanks, see you on Saturday")
    wechat_client.wxa.get_wxa_code_unlimited("s=42", page="pages/session/detail")
    wechat_client.wxa.check_text_security("Tutoring at the village school")

    assert [call.path for call in fake_wechat.calls] == [
        "cgi-bin/token",
        "sns/jscode2session",
        "cgi-bin/message/subscribe/send",
        "cgi-bin/message/custom/send",
        "wxa/getwxacodeunlimit",
        "wxa/msg_sec_check",
    ]
    assert all(call.args.get("access_token") == wechat_token for call in fake_wechat.calls[2:])


# --- the fake speaks WeChat's protocol ----------------------------------------------------------


def test_subscribe_send_uses_one_allowance_per_acceptance(wechat_client, wechat_token, fake_wechat):
    with raises_errcode(43101):
        send(wechat_client)
    fake_wechat.grant("openid-ivy", TEMPLATE, 2)

    first, second = send(wechat_client), send(wechat_client)
    with raises_errcode(43101):
        send(wechat_client)

    assert first["errcode"] == 0 and second["msgid"] > first["msgid"]
    assert [message["touser"] for message in fake_wechat.subscribe_sent] == ["openid-ivy"] * 2


def test_long_term_subscription_never_runs_out(wechat_client, wechat_token, fake_wechat):
    fake_wechat.grant("openid-ivy", TEMPLATE, n=None)

    for _ in range(5):
        send(wechat_client)

    assert len(fake_wechat.subscribe_sent) == 5


@pytest.mark.parametrize(
    ("key", "value", "accepted"),
    [
        ("thing1", "x" * 20, True),
        ("thing1", "x" * 21, False),
        ("phrase2", "12345", True),
        ("phrase2", "123456", False),
        ("name3", "n" * 10, True),
        ("name3", "n" * 11, False),
        ("time4", "2025-06-07 14:30", True),
        ("time4", "2025年6月7日 09:00", True),
        ("time4", "2025-06-07 14:30 ~ 2025-06-07 17:00", True),
        ("time4", "2:30 PM", False),
        ("time4", "tomorrow", False),
    ],
)
def test_subscribe_values_are_checked_by_field_kind(wechat_client, wechat_token, fake_wechat, key, value, accepted):
    fake_wechat.grant("openid-ivy", TEMPLATE)

    if accepted:
        assert send(wechat_client, **{key: {"value": value}})["errcode"] == 0
    else:
        with raises_errcode(47003):
            send(wechat_client, **{key: {"value": value}})
        assert fake_wechat.allowance("openid-ivy", TEMPLATE) == 1, "a refused send spends nothing"


def test_wxacode_is_a_png_and_scene_is_at_most_32(wechat_client, wechat_token, fake_wechat):
    answer = wechat_client.wxa.get_wxa_code_unlimited("s=" + "9" * 30)

    assert answer.headers["Content-Type"] == "image/png"
    assert answer.content.startswith(b"\x89PNG\r\n\x1a\n")
    with raises_errcode(40169):
        wechat_client.wxa.get_wxa_code_unlimited("s=" + "9" * 31)


def test_msg_sec_check_flags_risky_words(wechat_client, wechat_token, fake_wechat):
    fake_wechat.risky_words = {"lottery"}

    assert wechat_client.wxa.check_text_security("Volunteers wanted")["errcode"] == 0
    with raises_errcode(87014):
        wechat_client.wxa.check_text_security("Join our lottery")


def test_building_a_client_does_not_touch_redis(fake_wechat):
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)

    client = build_client(
        fake_wechat.appid, fake_wechat.secret, fake_wechat.url, storage=RedisStorage(unreachable, prefix="wechatpy")
    )

    assert client.access_token_key  # built; the storage is read only when a token is needed


TOKEN_CALLS = {
    "wxa/msg_sec_check": lambda client, token: client.check_text(token, "Volunteers wanted"),
    "wxa/getwxacodeunlimit": lambda client, token: client.wxa_code(token, "c=ABCD2345", None),
    "cgi-bin/message/subscribe/send": lambda client, token: client.send_subscribe(
        token, "openid-ivy", TEMPLATE, {"thing1": {"value": "Reading club"}}, None
    ),
    "cgi-bin/message/custom/send": lambda client, token: client.send_custom_text(token, "openid-ivy", "Thanks"),
}


@pytest.mark.parametrize("path", TOKEN_CALLS)
def test_every_endpoint_that_needs_a_token_checks_it(wechat_client, fake_wechat, path):
    fake_wechat.grant("openid-ivy", TEMPLATE, n=None)
    call = TOKEN_CALLS[path]

    with raises_errcode(41001):
        call(wechat_client, None)
    with raises_errcode(40001):
        call(wechat_client, "made-up")  # no token issued yet: nothing is valid
    token = fake_wechat.issue_token()
    call(wechat_client, token)
    fake_wechat.revoke_tokens()
    with raises_errcode(40001):
        call(wechat_client, token)
    fake_wechat.issue_token()
    with raises_errcode(40001):
        call(wechat_client, token)  # revoked for good, even once a new one is out

    assert [c.path for c in fake_wechat.calls] == [path] * 5
