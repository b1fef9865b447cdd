"""The send rate is capped across every sender: a token bucket in Redis, or in the process."""

import os
import threading
import time

import pytest
from redis import Redis

from app.core import throttle
from app.notify import sender
from tests.notify.helpers import add_user, allow, queue, template_id

REDIS_URL = os.environ.get("TEST_REDIS_URL")


def hammer(make_bucket, seconds: float, threads: int = 4) -> list[float]:
    """Take tokens from several threads for `seconds`; the moments each was granted."""
    granted, lock = [], threading.Lock()
    deadline = time.monotonic() + seconds

    def take():
        bucket = make_bucket()
        while True:
            bucket.acquire()
            now = time.monotonic()
            if now >= deadline:
                return
            with lock:
                granted.append(now)

    workers = [threading.Thread(target=take) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 5)
    return granted


def within_cap(granted: list[float], rate: float, burst: int, seconds: float) -> None:
    assert len(granted) <= rate * seconds + burst + 1
    # And it does not starve: from the first grant on (connecting may take a while on a busy machine) the
    # senders get most of the rate.
    granted.sort()
    assert granted and granted[-1] - granted[0] >= seconds / 2  # still granting late in the run
    assert len(granted) >= 0.75 * rate * (granted[-1] - granted[0])
    # No window of one second holds more than a second's worth (plus the burst).
    start = 0
    for end, moment in enumerate(granted):
        while moment - granted[start] > 1.0:
            start += 1
        assert end - start + 1 <= rate + burst + 1


def test_the_in_process_bucket_holds_the_cap_across_threads():
    name = f"test-local-{time.monotonic_ns()}"
    granted = hammer(lambda: throttle.bucket(name, 50), seconds=1.5)

    within_cap(granted, 50, throttle.default_burst(50), 1.5)


@pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL")
def test_the_redis_bucket_holds_the_cap_across_clients():
    name = f"test-redis-{time.monotonic_ns()}"
    # One Redis connection per thread: as separate processes would have.
    granted = hammer(lambda: throttle.bucket(name, 50, redis=Redis.from_url(REDIS_URL)), seconds=1.5)

    within_cap(granted, 50, throttle.default_burst(50), 1.5)


def test_a_full_bucket_lets_a_burst_through_then_waits():
    bucket = throttle.TokenBucket("test-burst", rate=10, burst=3)

    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]
    assert bucket.reserve() == pytest.approx(0.1, abs=0.02)
    assert bucket.reserve() == pytest.approx(0.2, abs=0.02)


def test_the_sender_keeps_to_the_configured_cap(pusher, fake_wechat, monkeypatch):
    monkeypatch.setitem(pusher.config, "SEND_RATE_PER_SECOND", 20)
    monkeypatch.setitem(pusher.config, "SEND_RATE_BURST", 1)
    ann = add_user("openid-ann")
    allow(ann, times=21)
    fake_wechat.grant("openid-ann", template_id(), 21)
    for n in range(21):
        queue(ann, f"reminder:rate:{n}")
    time.sleep(0.2)  # let the bucket fill up after earlier tests

    started = time.monotonic()
    assert sender.send_due() == {"claimed": 21, "sent": 21}
    elapsed = time.monotonic() - started

    assert elapsed >= 20 / 20 * 0.95  # 21 sends with a burst of one: at least a second
    assert elapsed < 6  # and not much more, even on a busy machine
