"""The leader lease, in Redis and in the database: one holder at a time, renewed only by its
holder, free again when it expires or is released."""

import time
import uuid

import pytest

from bots.leader import DatabaseLease, RedisLease, lease_for

pytestmark = pytest.mark.real_commits

TTL = 0.5


@pytest.fixture(params=["database", "redis"])
def lease(request, app, ctx):
    name = f"test-{uuid.uuid4().hex[:8]}"
    if request.param == "database":
        return DatabaseLease(name, TTL)
    redis = app.extensions["redis"]
    if redis is None:
        pytest.skip("Redis lease needs TEST_REDIS_URL")
    return RedisLease(redis, name, TTL)


def test_one_holder_at_a_time_and_only_the_holder_renews(lease):
    assert lease.hold("bot-a")
    assert not lease.hold("bot-b")
    assert lease.hold("bot-a")  # renewal
    assert lease.holder() == "bot-a"


def test_an_expired_lease_goes_to_the_next_and_the_old_holder_cannot_renew_it(lease):
    assert lease.hold("bot-a")
    time.sleep(TTL + 0.2)
    assert lease.holder() is None
    assert lease.hold("bot-b")
    assert not lease.hold("bot-a")
    assert lease.holder() == "bot-b"


def test_release_frees_it_at_once_but_only_for_the_holder(lease):
    assert lease.hold("bot-a")
    lease.release("bot-b")
    assert not lease.hold("bot-b")
    lease.release("bot-a")
    assert lease.holder() is None
    assert lease.hold("bot-b")


def test_redis_when_configured_else_the_database(app, ctx):
    chosen = lease_for(app, "bots", 30)
    assert isinstance(chosen, RedisLease if app.extensions["redis"] is not None else DatabaseLease)
