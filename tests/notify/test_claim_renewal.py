"""Send claims are short (SEND_CLAIM_SECONDS) and renewed while their holder works.

A sender whose batch takes longer than the claim keeps it: another sender polling meanwhile takes
none of it, so nobody gets a message twice. A sender that dies stops renewing: another takes what it
left one claim time after its last renewal, and sends each message once.

Time is the service clock (app.core.clock), moved on inside each push as if WeChat took 20 s to answer,
so the batch "works" minutes while the test runs in about a second. The other sender runs in its own
thread with its own connection, as another process would.
"""

import threading
from collections import Counter
from datetime import timedelta

import pytest

from app import wechat
from app.core import clock
from app.extensions import db
from app.notify import sender
from config.rules import RULES
from tests.notify.helpers import add_user, allow, queue, template_id

pytestmark = pytest.mark.real_commits

CLAIM = timedelta(seconds=RULES["SEND_CLAIM_SECONDS"])
PUSH_TAKES = timedelta(seconds=20)  # two thirds of the claim: the holder renews before every message
BATCH = 6


class Crash(BaseException):
    """Stands for kill -9 in the middle of a push: not an Exception, so nothing in the sender catches it."""


def fill(fake_wechat) -> list[str]:
    """One user with BATCH reminders queued and as many allowances (ours and WeChat's); the titles."""
    titles = [f"第{n}条提醒" for n in range(BATCH)]
    user_id = add_user("openid-claims")
    allow(user_id, times=BATCH)
    fake_wechat.grant("openid-claims", template_id(), BATCH)
    for n, title in enumerate(titles):
        queue(user_id, f"reminder:claims:{n}", title=title)
    db.session.commit()
    return titles


def other_sender(app) -> dict[str, int]:
    """send_due as a second sender would run it: another thread, another connection, another name."""
    counts: dict[str, int] = {}

    def run() -> None:
        with app.app_context():
            counts.update(sender.send_due(batch=BATCH, worker="other"))
            db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    return counts


def pushed(fake_wechat) -> Counter:
    return Counter(push["data"]["thing1"]["value"] for push in fake_wechat.subscribe_sent)


def slow_pushes(monkeypatch, on_push) -> None:
    """The holder's subscribe pushes (this thread's, until normal_pushes) first move the service clock on by
    PUSH_TAKES and call on_push(n); the other sender's go straight to WeChat."""
    channel = wechat.gateway()
    send_subscribe = channel.send_subscribe
    holder = threading.current_thread()
    count = [0]

    def slow(*args, **kwargs):
        if threading.current_thread() is not holder:
            return send_subscribe(*args, **kwargs)
        count[0] += 1
        clock.freeze(clock.now() + PUSH_TAKES)
        on_push(count[0])
        return send_subscribe(*args, **kwargs)

    monkeypatch.setattr(channel, "send_subscribe", slow)


def normal_pushes(monkeypatch) -> None:
    monkeypatch.delattr(wechat.gateway(), "send_subscribe")  # the class's own method again


def test_a_live_sender_keeps_its_batch_however_long_it_works(pusher, fake_wechat, monkeypatch):
    clock.freeze(clock.now())
    titles = fill(fake_wechat)
    started = clock.now()
    others = []
    slow_pushes(monkeypatch, lambda n: others.append(other_sender(pusher)))

    counts = sender.send_due(batch=BATCH, worker="holder")

    assert others == [{"claimed": 0}] * BATCH, "the other sender took nothing while the holder worked"
    assert pushed(fake_wechat) == Counter(titles), "each message pushed exactly once"
    assert counts == {"claimed": BATCH, "sent": BATCH}
    assert clock.now() - started == BATCH * PUSH_TAKES > 3 * CLAIM, "the batch outlived its first claim"


def test_a_dead_senders_batch_is_taken_one_claim_time_after_its_last_renewal(pusher, fake_wechat, monkeypatch):
    clock.freeze(clock.now())
    titles = fill(fake_wechat)
    renewed_at = []

    def dies_in_the_second_push(n: int) -> None:
        if n == 2:  # before this push reaches WeChat
            raise Crash
        renewed_at.append(clock.now())  # the holder renews before its next message

    slow_pushes(monkeypatch, dies_in_the_second_push)
    with pytest.raises(Crash):
        sender.send_due(batch=BATCH, worker="holder")
    db.session.remove()
    normal_pushes(monkeypatch)
    assert pushed(fake_wechat) == Counter(titles[:1])

    last_renewal = renewed_at[-1]
    clock.freeze(last_renewal + CLAIM - timedelta(seconds=1))
    assert other_sender(pusher) == {"claimed": 0}, "not while the claim still runs"
    clock.freeze(last_renewal + CLAIM + timedelta(seconds=1))
    assert other_sender(pusher) == {"claimed": BATCH - 1, "sent": BATCH - 1}, "all it left, the one in flight too"
    assert pushed(fake_wechat) == Counter(titles), "each message pushed exactly once"
