"""The allowance ledger: spend, refund, empty, and one tap reported twice counting once."""

import threading
from datetime import timedelta

import pytest

from app.core import clock
from app.extensions import db
from app.notify import ledger
from tests.notify.helpers import add_user, allowance, template_id


@pytest.fixture
def ann(ctx):
    return add_user("openid-ledger-ann")


def accept(user_id, source, at, purpose="reminder"):
    return ledger.accept(user_id, template_id(purpose), kind="one_time", source=source, at=at)


def remaining(user_id):
    found = allowance(user_id)
    return found.remaining if found else 0


def test_spend_takes_one_until_none_are_left(ann):
    now = clock.now()
    accept(ann, "api", now)
    accept(ann, "api", now + timedelta(seconds=1))

    assert [ledger.spend(ann, template_id()) for _ in range(3)] == [True, True, False]
    assert remaining(ann) == 0


def test_spend_without_any_row_is_false(ann):
    assert ledger.spend(ann, template_id()) is False


def test_refund_gives_one_back_and_43101_empties(ann):
    for n in range(3):
        accept(ann, "api", clock.now() + timedelta(seconds=n))
    ledger.spend(ann, template_id())
    ledger.refund(ann, template_id())
    assert remaining(ann) == 3

    ledger.empty(ann, template_id())
    assert remaining(ann) == 0


def test_long_term_spends_without_counting_and_stops_when_emptied(ann):
    tid = template_id("broadcast")
    ledger.accept(ann, tid, kind="long_term", source="api")

    assert all(ledger.spend(ann, tid) for _ in range(5))
    ledger.empty(ann, tid)  # 43101: the user turned it off in WeChat's settings
    assert ledger.spend(ann, tid) is False


# --- one tap, two reports -------------------------------------------------------------------------


@pytest.mark.parametrize("first", ["api", "event"])
def test_the_two_reports_of_one_tap_count_once_whichever_comes_first(ann, first):
    second = "event" if first == "api" else "api"
    now = clock.now()

    assert accept(ann, first, now) is True
    assert accept(ann, second, now + timedelta(seconds=3)) is False
    assert remaining(ann) == 1


def test_two_taps_count_twice_even_when_the_events_come_late(ann):
    now = clock.now()
    accept(ann, "api", now)
    accept(ann, "api", now + timedelta(seconds=10))
    accept(ann, "event", now + timedelta(seconds=11))
    accept(ann, "event", now + timedelta(seconds=12))

    assert remaining(ann) == 2


def test_taps_reported_in_pairs_count_once_each(ann):
    now = clock.now()
    for n in range(3):
        accept(ann, "api", now + timedelta(seconds=20 * n))
        accept(ann, "event", now + timedelta(seconds=20 * n + 1))

    assert remaining(ann) == 3


def test_reports_further_apart_than_the_window_are_two_taps(ann):
    now = clock.now()
    accept(ann, "api", now)

    assert accept(ann, "event", now + timedelta(seconds=ledger.PAIRING_WINDOW_SECONDS + 1)) is True
    assert remaining(ann) == 2


def test_the_same_report_from_one_source_never_pairs_with_itself(ann):
    now = clock.now()
    accept(ann, "event", now)
    accept(ann, "event", now + timedelta(seconds=1))

    assert remaining(ann) == 2


def test_templates_and_users_are_paired_separately(ann):
    bob = add_user("openid-ledger-bob")
    now = clock.now()
    accept(ann, "api", now)

    assert accept(bob, "event", now) is True
    assert accept(ann, "event", now, purpose="assignment") is True


def test_a_report_whose_transaction_rolled_back_pairs_with_nothing(ann):
    now = clock.now()
    accept(ann, "api", now - timedelta(minutes=5))
    db.session.commit()
    savepoint = db.session.begin_nested()
    accept(ann, "api", now)
    savepoint.rollback()  # e.g. the request failed after the ledger was written

    assert accept(ann, "event", now + timedelta(seconds=2)) is True
    assert remaining(ann) == 2


def test_unknown_templates_in_a_push_event_are_ignored(ann):
    outcome = ledger.record_results(
        ann, {template_id(): "accept", "tmpl-from-another-app": "accept"}, source="event", strict=False
    )

    assert outcome == {template_id(): "counted", "tmpl-from-another-app": "ignored"}


# --- concurrency (PostgreSQL row locks; SQLite writers queue) -----------------------------------


@pytest.mark.real_commits
def test_concurrent_spends_never_take_more_than_there_is(app):
    with app.app_context():
        user_id = add_user("openid-ledger-race")
        for n in range(3):
            accept(user_id, "api", clock.now() + timedelta(seconds=n))
        db.session.commit()
    results, barrier = [], threading.Barrier(8)

    def spend():
        with app.app_context():
            barrier.wait()
            results.append(ledger.spend(user_id, template_id()))
            db.session.commit()

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False] * 5 + [True] * 3
    with app.app_context():
        assert remaining(user_id) == 0


@pytest.mark.real_commits
def test_concurrent_reports_of_one_tap_count_once(app):
    with app.app_context():
        user_id = add_user("openid-ledger-pair")
        db.session.commit()
    results, barrier = [], threading.Barrier(2)
    now = clock.now()

    def report(source):
        with app.app_context():
            barrier.wait()
            results.append(accept(user_id, source, now))
            db.session.commit()

    threads = [threading.Thread(target=report, args=(source,)) for source in ("api", "event")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(results) == [False, True]
    with app.app_context():
        assert remaining(user_id) == 1
