"""Only WeChat gets in: signed, fresh, once; in safe mode encrypted for our appid."""

from datetime import UTC, datetime

import pytest
from wechatpy.crypto import WeChatCrypto

from app.core import clock
from tests.chatbot.helpers import AES_KEY, TOKEN, openid_of, replies, sign, text_xml


@pytest.fixture
def person(api, build, chat_app):
    """Someone who logged in to the mini-program: (user id, openid)."""
    token = build.login()
    user_id = api.as_(token).get("/me").json["id"]
    return user_id, openid_of(chat_app, user_id)


@pytest.fixture(autouse=True)
def today():
    clock.freeze(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))


def refused(response, code: str) -> None:
    assert response.status_code == 403, response.get_data(as_text=True)
    assert response.json["error"]["code"] == code


def test_wechat_server_check_echoes_echostr_only_when_signed(chat_app):
    client = chat_app.test_client()
    timestamp, nonce = str(int(clock.now().timestamp())), "4242"
    query = {"timestamp": timestamp, "nonce": nonce, "echostr": "echo-7788"}
    answered = client.get("/wechat/callback", query_string={**query, "signature": sign(TOKEN, timestamp, nonce)})
    assert answered.status_code == 200 and answered.get_data(as_text=True) == "echo-7788"
    refused(client.get("/wechat/callback", query_string={**query, "signature": "0" * 40}), "push_signature_invalid")
    refused(client.get("/wechat/callback", query_string=query), "push_signature_invalid")


def test_a_signed_message_is_answered_with_success_and_one_reply(chat_app, wechat, person):
    user_id, openid = person
    response = wechat.text(openid, "帮助")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "success" and response.mimetype == "text/plain"
    assert len(replies(chat_app, user_id)) == 1


def test_unsigned_or_badly_signed_pushes_are_refused(chat_app, wechat, person):
    user_id, openid = person
    query, body = wechat.signed(text_xml(openid, "帮助"))
    refused(wechat.send({"timestamp": query["timestamp"], "nonce": query["nonce"]}, body), "push_signature_invalid")
    refused(
        wechat.send({**query, "signature": sign("not-our-token", query["timestamp"], query["nonce"])}, body),
        "push_signature_invalid",
    )
    refused(wechat.send({**query, "nonce": query["nonce"] + "1"}, body), "push_signature_invalid")
    assert replies(chat_app, user_id) == []


def test_stale_or_future_timestamps_are_refused(chat_app, wechat, person):
    user_id, openid = person
    refused(wechat.deliver(text_xml(openid, "帮助"), skew=-301), "push_stale")
    refused(wechat.deliver(text_xml(openid, "帮助"), skew=301), "push_stale")
    assert replies(chat_app, user_id) == []
    assert wechat.deliver(text_xml(openid, "帮助"), skew=-290).status_code == 200  # clocks drift a little


def test_a_replayed_request_is_not_acted_on_again_but_answered_success(chat_app, wechat, person):
    """WeChat stops repeating a push once answered "success"; a refusal would make it retry and then show
    the person an error, so a request seen before gets "success" and nothing happens."""
    user_id, openid = person
    query, body = wechat.signed(text_xml(openid, "帮助"))
    assert wechat.send(query, body).get_data(as_text=True) == "success"
    again = wechat.send(query, body)
    assert again.status_code == 200 and again.get_data(as_text=True) == "success"
    # Plain mode does not sign the body: the same signed URL with another message is a replay too.
    assert wechat.send(query, text_xml(openid, "我的任务")).status_code == 200
    [reply] = replies(chat_app, user_id)
    assert "我的任务" in reply.body  # the help, the first message's answer; the second body was never read


def test_wechat_retrying_one_message_gets_one_reply(chat_app, wechat, person):
    user_id, openid = person
    first = wechat.text(openid, "帮助", msg_id=24_999_000_000_000_001)
    retry = wechat.text(openid, "帮助", msg_id=24_999_000_000_000_001)  # new nonce, same MsgId
    assert first.status_code == retry.status_code == 200
    assert len(replies(chat_app, user_id)) == 1


def test_malformed_or_entity_laden_xml_is_refused(chat_app, wechat, person):
    user_id, openid = person
    assert wechat.deliver(text_xml(openid, "帮助")[:-10]).status_code == 400
    entity = text_xml(openid, "&a;").replace("<xml>", '<!DOCTYPE xml [<!ENTITY a "帮助">]><xml>').replace("&amp;", "&")
    assert wechat.deliver(entity).status_code == 400
    assert replies(chat_app, user_id) == []


def test_without_a_configured_token_every_push_is_refused(chat_app, wechat, person, monkeypatch):
    monkeypatch.setitem(chat_app.config, "WECHAT_TOKEN", None)
    refused(wechat.text(person[1], "帮助"), "push_not_configured")


# --- safe mode ----------------------------------------------------------------------------------


def test_safe_mode_message_is_decrypted_and_answered(chat_app, safe_mode, person):
    user_id, openid = person
    response = safe_mode.text(openid, "帮助")
    assert response.status_code == 200, response.get_data(as_text=True)
    [reply] = replies(chat_app, user_id)
    assert "我的任务" in reply.body


def test_safe_mode_refuses_tampered_ciphertext_and_signatures(chat_app, safe_mode, person):
    user_id, openid = person
    query, body = safe_mode.signed(text_xml(openid, "帮助"))
    encrypted = body.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    flipped = ("B" if encrypted[10] != "B" else "C").join((encrypted[:10], encrypted[11:]))
    refused(safe_mode.send(query, body.replace(encrypted, flipped)), "push_signature_invalid")
    refused(safe_mode.send({**query, "msg_signature": "f" * 40}, body), "push_signature_invalid")
    refused(safe_mode.send({k: v for k, v in query.items() if k != "msg_signature"}, body), "push_signature_invalid")
    assert replies(chat_app, user_id) == []


def test_safe_mode_refuses_plaintext_even_when_signed(chat_app, safe_mode, person):
    safe_mode.safe = False
    refused(safe_mode.text(person[1], "帮助"), "push_plaintext_refused")


def test_safe_mode_refuses_a_message_encrypted_for_another_appid(chat_app, safe_mode, person):
    user_id, openid = person
    timestamp, nonce = str(int(clock.now().timestamp())), "5151"
    envelope = WeChatCrypto(TOKEN, AES_KEY, "wx-someone-else").encrypt_message(
        text_xml(openid, "帮助"), nonce, timestamp
    )
    msg_signature = envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    query = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes", "msg_signature": msg_signature}
    refused(safe_mode.send(query, envelope), "push_undecryptable")
    assert replies(chat_app, user_id) == []
