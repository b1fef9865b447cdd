"""`python -m bots --sender-only`, as an operator adds one for a large broadcast: it drains the outbox
holding no lease (each message pushed once, through the Redis send bucket), stops cleanly on SIGTERM,
and refuses to start without Redis, where its send rate could not be shared."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bots.helpers import wait_until
from tests.notify.test_crash_and_race import deliveries, fill_outbox, pushed_titles
from tests.pii_guard import scan_text

pytestmark = pytest.mark.real_commits

ROOT = Path(__file__).resolve().parents[2]


def sender_env(app, fake_wechat, redis_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FIELD_ENCRYPTION_KEY": app.config["FIELD_ENCRYPTION_KEY"],
        "WECHAT_APPID": fake_wechat.appid,
        "WECHAT_SECRET": fake_wechat.secret,
        "WECHAT_API_BASE": fake_wechat.url,
        "SEND_RATE_PER_SECOND": "200",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def test_an_extra_sender_drains_the_outbox_once_and_stops_cleanly(wechat_app, fake_wechat, tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url or wechat_app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
        pytest.skip("an extra sender shares Redis and a database file with the test")
    titles = fill_outbox(wechat_app, fake_wechat, users=5, each=4)
    with open(tmp_path / "sender.log", "w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bots", "--sender-only"],
            cwd=ROOT,
            env=sender_env(wechat_app, fake_wechat, redis_url),
            stdout=log,
            stderr=log,
        )
        try:
            wait_until(lambda: deliveries(wechat_app) == {"sent": len(titles)}, timeout=60, step=0.3)
            process.send_signal(signal.SIGTERM)
            assert process.wait(15) == 0
        finally:
            if process.poll() is None:
                process.kill()
        log.seek(0)
        said = log.read()
    scan_text("output of the sender-only bot", said)
    assert pushed_titles(fake_wechat) == {title: 1 for title in titles}
    assert "发送进程" in said and "已停止" in said and "Traceback" not in said


def test_an_extra_sender_refuses_to_start_without_redis(wechat_app, fake_wechat):
    if wechat_app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://":
        pytest.skip("the sender process needs a database file it can open")
    finished = subprocess.run(
        [sys.executable, "-m", "bots", "--sender-only"],
        cwd=ROOT,
        env=sender_env(wechat_app, fake_wechat, ""),
        capture_output=True,
        text=True,
        timeout=60,
    )
    scan_text("output of the sender-only bot without Redis", finished.stdout + finished.stderr)
    assert finished.returncode != 0
    assert "需要 Redis" in finished.stderr
