"""Fixtures for the outbox, the ledger and the sender, against the fake WeChat server.

`pusher` is wechat_app (real wechatpy against `fake_wechat`) with an app context pushed and a high
send cap, so tests are not slowed by the rate limit unless they set one.
"""

import pytest

from tests.notify.helpers import FAST


@pytest.fixture
def pusher(wechat_app, fake_wechat, monkeypatch):
    monkeypatch.setitem(wechat_app.config, "SEND_RATE_PER_SECOND", FAST)
    with wechat_app.app_context():
        yield wechat_app
