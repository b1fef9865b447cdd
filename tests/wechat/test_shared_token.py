"""Without Redis the web app and the bot are still two processes: the access token (and its expiry)
is shared through the database, and so is the refresh lock. Two apps on one database stand for the
two processes; real commits, since each reads what the other wrote."""

import threading

import pytest

from app import create_app, wechat
from app.core import clock
from app.extensions import db
from app.wechat import token
from app.wechat.storage import DatabaseStorage
from tests.caller import Caller
from tests.contract import created
from tests.fake_wechat_fixtures import TIMEOUT_SECONDS
from tests.fixtures import NOW, Hire
from tests.sessions.helpers import need_body

pytestmark = pytest.mark.real_commits


def app_without_redis(app, fake_wechat_server):
    """An app of the service with real (fake) WeChat credentials and no Redis."""
    other = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,  # as every app of the suite: the limiter is shared (see fake_wechat_fixtures)
        WECHAT_APPID=fake_wechat_server.appid,
        WECHAT_SECRET=fake_wechat_server.secret,
        WECHAT_API_BASE=fake_wechat_server.url,
        WECHAT_TIMEOUT_SECONDS=TIMEOUT_SECONDS,
    )
    if other.extensions["redis"] is not None:  # the PostgreSQL run has Redis; these apps must do without
        other.extensions["redis"] = None
        wechat.init_app(other)
    return other


@pytest.fixture(scope="module")
def web(app, fake_wechat_server):
    return app_without_redis(app, fake_wechat_server)


@pytest.fixture(scope="module")
def bot(app, fake_wechat_server):
    return app_without_redis(app, fake_wechat_server)


@pytest.fixture(autouse=True)
def fresh(fake_wechat):
    """Each test starts as a first deployment: the fake has issued no token, none is stored."""
    clock.freeze(NOW)  # the calendar need_body() is written for
    return fake_wechat


@pytest.fixture
def hire(app, build) -> Hire:
    return Hire(app, build)


def test_both_apps_keep_the_token_in_the_database(web, bot):
    for one in (web, bot):
        assert isinstance(one.extensions["wechat"].client.session, DatabaseStorage)


def test_the_bot_refreshes_and_the_web_app_uses_that_token(web, bot, fake_wechat):
    with bot.app_context():
        assert token.refresh_if_needed() is True

    with web.app_context():
        assert wechat.gateway().text_is_safe("周末课业辅导") is True
        assert token.refresh_if_needed() is False  # fresh, and its expiry is known here too

    assert fake_wechat.token_fetches == 1
    [check] = fake_wechat.calls_to("wxa/msg_sec_check")
    assert check.args["access_token"] == fake_wechat.current_token


def test_a_token_the_web_app_fetched_is_the_bots_too(web, bot, fake_wechat):
    with web.app_context():
        assert wechat.gateway().text_is_safe("周末课业辅导") is True  # none stored: one refresh
    with bot.app_context():
        assert token.refresh_if_needed() is False
        assert token.keeper().current() == fake_wechat.current_token

    assert fake_wechat.token_fetches == 1


def test_a_secretary_publishes_before_the_bot_ever_ran_and_after_every_token_was_revoked(web, bot, hire, fake_wechat):
    secretary, _ = hire.secretary()
    api = Caller(web.test_client()).as_(secretary)

    created(api.post("/needs", need_body(title="周末课业辅导")))
    assert fake_wechat.token_fetches == 1

    fake_wechat.revoke_tokens()  # e.g. the AppSecret was reset
    created(api.post("/needs", need_body(title="暑期支教")))
    assert fake_wechat.token_fetches == 2

    with bot.app_context():
        assert token.refresh_if_needed() is False  # the bot finds the web app's new token
    assert fake_wechat.token_fetches == 2
    checks = fake_wechat.calls_to("wxa/msg_sec_check")
    assert all(call.args.get("access_token") for call in checks)  # never sent without one
    assert checks[-1].args["access_token"] == fake_wechat.current_token


def test_many_callers_in_both_apps_seeing_one_bad_token_cause_one_fetch(web, bot, fake_wechat):
    with bot.app_context():
        token.refresh_if_needed()
        stale = token.keeper().current()
    fake_wechat.revoke_tokens()
    barrier = threading.Barrier(6)
    fetched = []

    def saw_40001(one):
        with one.app_context():
            barrier.wait()
            fetched.append(token.refresh_after_invalid(stale))

    threads = [threading.Thread(target=saw_40001, args=(one,)) for one in (web, bot) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(fetched) == [False] * 5 + [True]
    assert fake_wechat.token_fetches == 2  # the bot's first and one refresh
    for one in (web, bot):
        with one.app_context():
            assert token.keeper().current() == fake_wechat.current_token


def test_a_token_fetched_by_a_request_that_fails_is_kept(web, hire, fake_wechat):
    with web.app_context():
        if db.engine.dialect.name == "sqlite":
            pytest.skip("on SQLite the storage joins the request's transaction (see app/wechat/storage.py)")
    secretary, _ = hire.secretary()
    api = Caller(web.test_client()).as_(secretary)

    refused = api.post("/needs", need_body(title="fraud wanted"))  # fetches, then 422 rolls back
    assert refused.status_code == 422, refused.json
    created(api.post("/needs", need_body()))

    assert fake_wechat.token_fetches == 1
