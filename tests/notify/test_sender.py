"""The sender against the fake WeChat: one push per allowance, never a call without one, and every
WeChat answer recorded as the right outcome."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from app import wechat
from app.core import clock
from app.extensions import db
from app.notify import operations, sender
from app.notify.models import Message
from config.rules import RULES
from tests.fake_wechat_fixtures import TIMEOUT_SECONDS
from tests.notify.helpers import add_user, allow, allowance, message, queue, send, template_id

SUBSCRIBE = "cgi-bin/message/subscribe/send"
LATER = timedelta(hours=3)  # past any backoff before the last attempts


def later(delta=LATER):
    clock.freeze(clock.now() + delta)


# --- allowances ---------------------------------------------------------------------------------


def test_who_accepted_gets_one_push_who_did_not_reads_it_in_the_inbox(pusher, wechat_api, fake_wechat):
    ann, bob = (volunteer(wechat_api, fake_wechat, name) for name in ("ann", "bob"))
    reminder = template_id()
    accepted = ann.post("/subscriptions", {"results": {reminder: "accept"}})
    assert accepted.status_code == 200, accepted.json
    fake_wechat.grant("openid-ann", reminder)  # what WeChat recorded for the same tap
    bob.post("/subscriptions", {"results": {reminder: "reject"}})
    for caller in (ann, bob):
        queue(caller.get("/me").json["id"], f"session:1:reminder-24h:{caller.token[:8]}", title="周六支教")

    assert send() == {"claimed": 2, "sent": 1, "inbox_only": 1}

    assert [pushed["touser"] for pushed in fake_wechat.subscribe_sent] == ["openid-ann"]
    for caller in (ann, bob):
        assert [item["title"] for item in caller.get("/inbox").json["items"]] == ["周六支教"]
    assert reminder in ann.get("/subscriptions").json["renew"], "spent: ask again next time"


def volunteer(wechat_api, fake_wechat, name):
    fake_wechat.add_code(f"code-{name}", f"openid-{name}")
    response = wechat_api.post("/auth/wechat-login", {"code": f"code-{name}"})
    assert response.status_code == 200, response.json
    return wechat_api.as_(response.json["token"])


def test_one_allowance_one_push_the_second_message_waits_in_the_inbox(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    queue(ann, "reminder:1:24h")
    queue(ann, "reminder:2:24h")

    counts = send()

    assert counts == {"claimed": 2, "sent": 1, "inbox_only": 1}
    assert len(fake_wechat.subscribe_sent) == 1
    assert len(fake_wechat.calls_to(SUBSCRIBE)) == 1
    first, second = message("reminder:1:24h"), message("reminder:2:24h")
    assert first.delivery == "sent" and first.wechat_msgid and first.sent_at is not None
    assert second.delivery == "inbox_only" and second.last_error == "no allowance"
    assert allowance(ann).remaining == 0


def test_no_allowance_no_call_at_all(pusher, fake_wechat):
    bob = add_user("openid-bob")
    fake_wechat.grant("openid-bob", template_id())  # WeChat would take it, but the user never told us
    queue(bob, "reminder:3:24h")

    assert send() == {"claimed": 1, "inbox_only": 1}
    assert fake_wechat.calls_to(SUBSCRIBE) == []
    assert fake_wechat.calls_to("cgi-bin/token") == []


def test_what_was_pushed_fits_the_template_and_opens_the_message(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    title = "青年讲习所：乡村振兴政策宣讲与农村电商技能培训（第三期）"
    queue(ann, "reminder:4:24h", title=title, place="和顺镇南李阳村")

    assert send()["sent"] == 1

    (pushed,) = fake_wechat.subscribe_sent
    assert pushed["touser"] == "openid-ann" and pushed["template_id"] == template_id()
    assert pushed["data"]["thing1"]["value"] == title[:19] + "…"  # thing: at most 20 characters
    assert pushed["data"]["time2"]["value"] == "2026-12-05 19:30"  # 11:30 UTC in Asia/Shanghai
    assert pushed["data"]["thing3"]["value"] == "和顺镇南李阳村"
    assert pushed["page"] == "pages/mine/index"


def test_long_term_template_pushes_every_time(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, "broadcast")
    fake_wechat.grant("openid-ann", template_id("broadcast"), n=None)
    for n in range(3):
        queue(ann, f"broadcast:{n}:{ann}", purpose="broadcast")

    assert send() == {"claimed": 3, "sent": 3}
    assert allowance(ann, "broadcast").active


# --- WeChat's answers ---------------------------------------------------------------------------


def test_43101_goes_to_the_inbox_empties_the_ledger_and_is_never_retried(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, times=2)  # we believe two; WeChat has none (e.g. the user subscribed on another phone)
    queue(ann, "reminder:5:24h")

    assert send() == {"claimed": 1, "inbox_only": 1}
    later()
    assert send() == {"claimed": 0}

    assert len(fake_wechat.calls_to(SUBSCRIBE)) == 1
    found = message("reminder:5:24h")
    assert found.delivery == "inbox_only" and "43101" in found.last_error
    assert allowance(ann).remaining == 0


def test_47003_fails_for_good_and_gives_the_allowance_back(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    fake_wechat.fail_next(SUBSCRIBE, errcode=47003, errmsg="argument invalid! data.thing1.value exceeds limit")
    queue(ann, "reminder:6:24h")

    assert send() == {"claimed": 1, "failed": 1}
    later()
    assert send() == {"claimed": 0}

    assert len(fake_wechat.calls_to(SUBSCRIBE)) == 1
    found = message("reminder:6:24h")
    assert found.delivery == "failed" and found.last_error.startswith("47003")
    assert allowance(ann).remaining == 1  # WeChat did not use it


@pytest.mark.parametrize("errcode", [40003, 40037, 41030])
def test_other_permanent_refusals_are_not_retried(pusher, fake_wechat, errcode):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.fail_next(SUBSCRIBE, errcode=errcode)
    queue(ann, "reminder:7:24h")

    assert send() == {"claimed": 1, "failed": 1}
    later()
    assert send() == {"claimed": 0}
    assert message("reminder:7:24h").last_error.startswith(str(errcode))


@pytest.mark.parametrize(
    "failure",
    [{"http_status": 500}, {"http_status": 503}, {"errcode": -1}, {"errcode": 45009}],
    ids=["http-500", "http-503", "busy", "quota"],
)
def test_temporary_failures_are_retried_later_then_delivered(pusher, fake_wechat, failure):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    fake_wechat.fail_next(SUBSCRIBE, **failure)
    queue(ann, "reminder:8:24h")

    assert send() == {"claimed": 1, "retry": 1}
    waiting = message("reminder:8:24h")
    assert waiting.delivery == "pending" and waiting.attempts == 1 and waiting.last_error
    assert waiting.next_attempt_at > clock.now() + timedelta(seconds=10)
    assert send() == {"claimed": 0}, "not before its next attempt"

    later()
    assert send() == {"claimed": 1, "sent": 1}

    delivered = message("reminder:8:24h")
    assert delivered.delivery == "sent" and delivered.attempts == 2 and delivered.last_error is None
    assert len(fake_wechat.subscribe_sent) == 1
    assert allowance(ann).remaining == 0, "one allowance for the message, however many attempts"


def test_a_timeout_is_retried_and_the_message_delivered(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, times=2)
    fake_wechat.grant("openid-ann", template_id(), 2)
    fake_wechat.fail_next(SUBSCRIBE, delay=TIMEOUT_SECONDS * 1.6)
    queue(ann, "reminder:9:24h")

    assert send() == {"claimed": 1, "retry": 1}
    assert "Timeout" in message("reminder:9:24h").last_error
    later()
    assert send() == {"claimed": 1, "sent": 1}

    assert message("reminder:9:24h").delivery == "sent"
    # WeChat carries out the call that timed out, too: nobody can tell it did, so a timeout may
    # reach the user twice. That is the price of never losing a reminder.
    assert len(fake_wechat.calls_to(SUBSCRIBE)) == 2


def test_retries_end_in_the_dead_letters(pusher, fake_wechat, monkeypatch):
    monkeypatch.setitem(pusher.config, "SEND_MAX_ATTEMPTS", 3)
    ann = add_user("openid-ann")
    allow(ann)
    for _ in range(3):
        fake_wechat.fail_next(SUBSCRIBE, http_status=502)
    queue(ann, "reminder:10:24h")

    outcomes = []
    for _ in range(4):
        outcomes.append(send())
        later()

    retry, dead, nothing = {"claimed": 1, "retry": 1}, {"claimed": 1, "dead": 1}, {"claimed": 0}
    assert outcomes == [retry, retry, dead, nothing]
    dead = message("reminder:10:24h")
    assert dead.delivery == "dead" and dead.attempts == 3
    assert allowance(ann).remaining == 1


def test_backoff_grows_exponentially_with_jitter_up_to_a_cap(pusher):
    waits = {n: [sender.backoff(n).total_seconds() for _ in range(50)] for n in (1, 2, 3, 10)}

    assert all(15 <= w < 30 for w in waits[1])
    assert all(30 <= w < 60 for w in waits[2])
    assert all(60 <= w < 120 for w in waits[3])
    assert all(900 <= w < 1800 for w in waits[10])
    assert len(set(waits[3])) > 40, "jittered"


# --- the token ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stale", ["superseded", "expired"])
def test_a_refused_token_is_refreshed_once_and_the_message_delivered(pusher, fake_wechat, wechat_token, stale):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    if stale == "superseded":
        fake_wechat.issue_token()  # someone fetched behind our back: ours is no longer the latest
    else:
        fake_wechat.expire_token()
    fetches = fake_wechat.token_fetches
    queue(ann, "reminder:11:24h")

    assert send() == {"claimed": 1, "sent": 1}

    assert fake_wechat.token_fetches == fetches + 1
    tokens_used = [call.args["access_token"] for call in fake_wechat.calls_to(SUBSCRIBE)]
    assert len(tokens_used) == 2 and tokens_used[0] == wechat_token != tokens_used[1]


def test_a_token_refused_twice_waits_for_a_later_attempt(pusher, fake_wechat, wechat_token):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    fake_wechat.fail_next(SUBSCRIBE, errcode=40001)
    fake_wechat.fail_next(SUBSCRIBE, errcode=40001)
    queue(ann, "reminder:12:24h")

    assert send() == {"claimed": 1, "retry": 1}
    later()
    assert send() == {"claimed": 1, "sent": 1}
    assert fake_wechat.token_fetches == 2  # the fixture's, and one refresh; none for the second refusal


def test_the_sender_fetches_a_missing_token_through_the_refresher(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, times=3)
    fake_wechat.grant("openid-ann", template_id(), 3)
    for n in range(3):
        queue(ann, f"reminder:{n}:missing-token")

    assert send() == {"claimed": 3, "sent": 3}
    assert fake_wechat.token_fetches == 1


# --- routes that push nothing, or something else ------------------------------------------------


def test_a_withdrawn_user_gets_nothing_pushed(pusher, fake_wechat):
    gone = add_user(None)
    allow(gone)
    queue(gone, "reminder:13:24h")

    assert send() == {"claimed": 1, "inbox_only": 1}
    assert message("reminder:13:24h").last_error == "no openid"
    assert fake_wechat.calls_to(SUBSCRIBE) == []
    assert allowance(gone).remaining == 1


def test_a_pending_notice_is_never_pushed(pusher, fake_wechat):
    ann = add_user("openid-ann")
    queue(ann, "notice:1", purpose="notice")

    assert send() == {"claimed": 1, "none": 1}
    assert message("notice:1").delivery == "none"
    assert fake_wechat.calls == []


def test_a_chat_reply_is_a_customer_service_text_without_allowance(pusher, fake_wechat):
    ann = add_user("openid-ann")
    queue(ann, "chat:msg-1", purpose="chat", title="我的任务")

    assert send() == {"claimed": 1, "sent": 1}
    (reply,) = fake_wechat.custom_sent
    assert reply == {"touser": "openid-ann", "msgtype": "text", "text": {"content": "我的任务 将于明天开始"}}
    assert fake_wechat.calls_to(SUBSCRIBE) == []


def test_a_chat_reply_after_the_48_hour_window_fails_for_good(pusher, fake_wechat):
    ann = add_user("openid-ann")
    fake_wechat.fail_next("cgi-bin/message/custom/send", errcode=45015, errmsg="response out of time limit")
    queue(ann, "chat:msg-2", purpose="chat")

    assert send() == {"claimed": 1, "failed": 1}
    assert message("chat:msg-2").last_error.startswith("45015")


def test_a_cancelled_message_is_not_sent(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann)
    queue(ann, "broadcast:cancel", purpose="reminder")
    found = message("broadcast:cancel")
    found.delivery = "cancelled"
    db.session.commit()

    assert send() == {"claimed": 0}
    assert fake_wechat.calls_to(SUBSCRIBE) == []


# --- idempotency and crashes --------------------------------------------------------------------


def test_the_same_event_told_twice_is_one_row_and_one_push(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, times=2)
    fake_wechat.grant("openid-ann", template_id(), 2)
    queue(ann, "session:7:reminder-24h:1")
    queue(ann, "session:7:reminder-24h:1", title="换了标题也还是同一件事")

    assert send() == {"claimed": 1, "sent": 1}
    assert send() == {"claimed": 0}
    assert len(fake_wechat.subscribe_sent) == 1
    assert allowance(ann).remaining == 1


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the sender catches it."""


def test_a_crash_after_wechat_answered_resends_only_that_message(pusher, fake_wechat, monkeypatch):
    ann = add_user("openid-ann")
    allow(ann, times=6)
    fake_wechat.grant("openid-ann", template_id(), 6)
    for n in range(5):
        queue(ann, f"reminder:crash:{n}")
    record = sender._record
    calls = []

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise Crash
        return record(*args, **kwargs)

    monkeypatch.setattr(sender, "_record", dies_on_the_third)
    with pytest.raises(Crash):
        send(batch=5)
    monkeypatch.setattr(sender, "_record", record)

    assert send() == {"claimed": 0}, "the unsent are still claimed by the dead sender"
    clock.freeze(clock.now() + timedelta(seconds=RULES["SEND_CLAIM_SECONDS"] + 1))
    assert send() == {"claimed": 3, "sent": 3}

    titles = [pushed["data"]["thing1"]["value"] for pushed in fake_wechat.subscribe_sent]
    assert len(titles) == 6, "five messages, and the one in flight when it died once more"
    assert all(message(f"reminder:crash:{n}").delivery == "sent" for n in range(5))
    assert allowance(ann).remaining == 1, "the resent message did not spend a second allowance"


# --- the sandbox ----------------------------------------------------------------------------------


def test_the_sandbox_pretends_and_says_so(app, caplog):
    with app.app_context():
        ann = add_user("sandbox-ann")
        allow(ann)
        queue(ann, "reminder:sandbox")

        with caplog.at_level("INFO"):
            assert send() == {"claimed": 1, "sent": 1}

        assert message("reminder:sandbox").wechat_msgid.startswith("sandbox-")
    assert "沙箱：未真正推送" in caplog.text


def test_a_push_under_way_when_its_broadcast_is_cancelled_is_recorded_as_sent(pusher, fake_wechat, monkeypatch):
    ann = add_user("openid-ann")
    allow(ann)
    fake_wechat.grant("openid-ann", template_id())
    queue(ann, "reminder:race-cancel")
    channel = wechat.gateway()
    send_subscribe = channel.send_subscribe

    def cancelled_meanwhile(*args):
        msgid = send_subscribe(*args)
        db.session.execute(update(Message).where(Message.key == "reminder:race-cancel").values(delivery="cancelled"))
        db.session.commit()
        return msgid

    monkeypatch.setattr(channel, "send_subscribe", cancelled_meanwhile)

    assert send() == {"claimed": 1, "sent": 1}
    assert message("reminder:race-cancel").delivery == "sent"


def test_the_push_opens_the_page_with_the_messages_link(pusher, fake_wechat):
    ann = add_user("openid-ann")
    allow(ann, "signup_result")
    fake_wechat.grant("openid-ann", template_id("signup_result"))
    operations.tell(ann, "signup_result", "session:9:promoted:1", "候补成功", "已转为正式报名", link="session:9")
    db.session.commit()

    assert send()["sent"] == 1
    (pushed,) = fake_wechat.subscribe_sent
    assert pushed["page"] == "pages/mine/index?link=session:9"
    assert pushed["data"]["phrase2"]["value"] == "通知"  # no status given: a neutral phrase
    assert pushed["data"]["thing1"]["value"] == "候补成功"
