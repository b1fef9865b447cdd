"""A flaky WeChat: a tenth of the pushes answer an HTTP 5xx or time out (the call never reaching WeChat),
and some recipients are refused for good (43101: no subscription; 47003: the template data are bad).
Every message that can be delivered is delivered exactly once, and a refused one is tried once only."""

from datetime import timedelta

from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.notify.models import Message
from tests.fake_wechat_fixtures import TIMEOUT_SECONDS
from tests.notify.helpers import add_user, allow, queue, send, template_id

SUBSCRIBE = "cgi-bin/message/subscribe/send"
MESSAGES = 50
REFUSED = {3: 43101, 11: 43101, 19: 43101, 7: 47003, 23: 47003}  # recipient number -> WeChat's answer


def test_retryable_failures_are_delivered_once_and_refusals_never_retried(pusher, fake_wechat):
    clock.freeze(clock.now())
    for n in range(MESSAGES):
        openid = f"openid-flaky-{n}"
        user_id = add_user(openid)
        allow(user_id)
        fake_wechat.grant(openid, template_id())
        if n in REFUSED:
            fake_wechat.refuse(openid, REFUSED[n])
        queue(user_id, f"reminder:flaky:{n}", title=f"第{n}条提醒")
    fake_wechat.fail_randomly(SUBSCRIBE, rate=0.1, seed=5, timeout=TIMEOUT_SECONDS * 1.4)

    rounds = 0
    while db.session.scalar(select(func.count()).where(Message.delivery == "pending")) and rounds < 10:
        send(batch=MESSAGES)
        clock.freeze(clock.now() + timedelta(hours=1))  # past any backoff of the attempts so far
        rounds += 1

    drawn = fake_wechat.random_failures_drawn(SUBSCRIBE)
    assert drawn["timeout"] and sum(drawn.values()) > drawn["timeout"], f"timeouts and 5xx drawn: {drawn}"
    answers: dict[str, list[str]] = {}
    for call in fake_wechat.calls_to(SUBSCRIBE):
        answers.setdefault(call.json["touser"], []).append(call.answer)
    deliveries = dict(db.session.execute(select(Message.key, Message.delivery)).all())
    for n in range(MESSAGES):
        openid, state = f"openid-flaky-{n}", deliveries[f"reminder:flaky:{n}"]
        *retried, last = answers[openid]
        assert all(answer in ("timeout", "http 500", "http 502", "http 503") for answer in retried), answers[openid]
        if n in REFUSED:  # tried again only after a failure that was not the refusal
            assert last == f"errcode {REFUSED[n]}", answers[openid]
            assert state == ("inbox_only" if REFUSED[n] == 43101 else "failed")
        else:
            assert last == "ok", answers[openid]
            assert state == "sent"
    assert sum(len(calls) - 1 for calls in answers.values()) == sum(drawn.values()) > 0, "only failures retried"
