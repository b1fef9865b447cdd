"""Real commits across connections and processes: two senders at once never send a message twice,
and a sender killed mid-batch loses nothing and resends at most the one message it had in flight."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.extensions import db
from app.notify import sender
from app.notify.models import Message
from config.rules import RULES
from tests.notify.helpers import FAST, add_user, allow, queue, template_id

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.real_commits


def fill_outbox(app, fake_wechat, users: int, each: int, spare: int = 0) -> list[str]:
    """`users` users who each accepted `each` reminders (and `spare` more, at WeChat only) and
    have `each` queued; the titles."""
    titles = []
    with app.app_context():
        for u in range(users):
            openid = f"openid-many-{u}"
            user_id = add_user(openid)
            allow(user_id, times=each)
            fake_wechat.grant(openid, template_id(), each + spare)
            for n in range(each):
                titles.append(f"第{u}人第{n}条提醒")
                queue(user_id, f"reminder:many:{u}:{n}", title=titles[-1])
        db.session.commit()
    return titles


def deliveries(app) -> Counter:
    with app.app_context():
        rows = db.session.execute(select(Message.delivery, func.count()).group_by(Message.delivery))
        return Counter(dict(rows.all()))


def pushed_titles(fake_wechat) -> Counter:
    return Counter(pushed["data"]["thing1"]["value"] for pushed in fake_wechat.subscribe_sent)


def test_two_senders_at_once_never_send_a_message_twice(wechat_app, fake_wechat, monkeypatch):
    monkeypatch.setitem(wechat_app.config, "SEND_RATE_PER_SECOND", FAST)
    titles = fill_outbox(wechat_app, fake_wechat, users=8, each=6)
    barrier = threading.Barrier(3)
    totals = []

    def run_sender(name):
        with wechat_app.app_context():
            barrier.wait()
            while True:
                counts = sender.send_due(batch=5, worker=name)
                totals.append(counts)
                if not counts["claimed"]:
                    return

    threads = [threading.Thread(target=run_sender, args=(f"sender-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert pushed_titles(fake_wechat) == Counter(titles), "each message exactly once"
    assert sum(c.get("sent", 0) for c in totals) == len(titles)
    assert deliveries(wechat_app) == {"sent": len(titles)}


@pytest.mark.skipif(os.name != "posix", reason="kills a process with SIGKILL")
def test_a_killed_sender_loses_nothing_and_resends_at_most_one(wechat_app, fake_wechat, monkeypatch):
    monkeypatch.setitem(wechat_app.config, "SEND_RATE_PER_SECOND", FAST)
    # A message in flight when the sender dies may have reached WeChat and is sent again: that
    # second push uses an allowance of its own, so WeChat holds one more than we queue.
    titles = fill_outbox(wechat_app, fake_wechat, users=3, each=4, spare=1)
    url = wechat_app.config["SQLALCHEMY_DATABASE_URI"]
    doomed = subprocess.Popen(
        [sys.executable, "-m", "tests.notify.run_sender", url, fake_wechat.url, "5"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert doomed.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 20
        while len(fake_wechat.subscribe_sent) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        doomed.send_signal(signal.SIGKILL)  # no chance to clean up
        doomed.wait(10)
    finally:
        if doomed.poll() is None:
            doomed.kill()
    before = len(fake_wechat.subscribe_sent)
    assert 4 <= before < len(titles), "killed mid-batch"

    with wechat_app.app_context():
        assert sender.send_due()["claimed"] == 0, "the dead sender's claims still hold"
        clock.freeze(clock.now() + timedelta(seconds=RULES["SEND_CLAIM_SECONDS"] + 1))
        while sender.send_due()["claimed"]:
            pass

    assert deliveries(wechat_app) == {"sent": len(titles)}, "nothing lost"
    pushed = pushed_titles(fake_wechat)
    assert set(pushed) == set(titles)
    assert sum(pushed.values()) - len(titles) <= 1, "at most the message in flight was sent twice"
