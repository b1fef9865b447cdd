"""The access token has one owner: refreshed ahead of expiry, and once per bad token however many
senders saw it; nobody else fetches."""

import threading
import time

import pytest

from app.wechat import token


@pytest.fixture
def keeper(pusher):
    return token.keeper()


def test_a_fresh_token_is_left_alone(keeper, fake_wechat, wechat_token):
    assert token.refresh_if_needed() is False
    assert fake_wechat.token_fetches == 1
    assert keeper.expires_at() == pytest.approx(time.time() + 7200, abs=5)


def test_a_token_close_to_expiry_is_replaced_ahead_of_time(keeper, wechat_client, fake_wechat, wechat_token):
    wechat_client.session.set(wechat_client.access_token_expiry_key, time.time() + 120)

    assert token.refresh_if_needed(margin=300) is True
    assert token.refresh_if_needed(margin=300) is False

    assert fake_wechat.token_fetches == 2
    assert keeper.current() == fake_wechat.current_token != wechat_token


def test_no_token_at_all_is_fetched(keeper, fake_wechat):
    assert token.refresh_if_needed() is True
    assert keeper.current() == fake_wechat.current_token


def test_many_workers_seeing_one_bad_token_cause_one_fetch(pusher, keeper, fake_wechat, wechat_token):
    barrier = threading.Barrier(6)
    fetched = []

    def saw_40001():
        barrier.wait()
        fetched.append(keeper.refresh_after_invalid(wechat_token))

    threads = [threading.Thread(target=saw_40001) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(fetched) == [False] * 5 + [True]
    assert fake_wechat.token_fetches == 2  # the fixture's and one refresh
    assert keeper.current() == fake_wechat.current_token


def test_a_bad_token_already_replaced_is_not_fetched_again(keeper, fake_wechat, wechat_token):
    keeper.refresh_after_invalid(wechat_token)

    assert keeper.refresh_after_invalid(wechat_token) is False
    assert fake_wechat.token_fetches == 2


def test_the_sandbox_has_no_token_to_refresh(app):
    with app.app_context():
        assert token.keeper() is None
        assert token.refresh_if_needed() is False
