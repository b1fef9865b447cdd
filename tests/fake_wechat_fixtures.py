"""Fixtures for code that talks to WeChat: a fake WeChat server and an app pointed at it.

`fake_wechat` is one server for the whole run, reset before each test. `wechat_app` is a second app
on the session database, configured with credentials so it uses the real wechatpy gateway against
the fake. It needs no rollback of its own: the autouse `transaction` fixture replaces `db.session`
on the shared `db` object, and every request of either app goes through `db.session`, so wechat_app's
writes land in the test's rolled-back transaction too. `test_isolation.py` checks this on every
database (on SQLite it holds only with SQLAlchemy's pysqlite BEGIN recipe, which app/core/transactions.py
applies).

The one thing that does not go through `db.session` is the access token: without Redis it lives in
the `wechat_tokens` table, on connections of its own (app/wechat/storage.py). On SQLite the test's
transaction holds the database's only write lock for the whole test, so no other connection could
write (or, through SQLAlchemy, read) it: there wechat_app keeps its token in this process's memory
instead. The database storage has tests of its own on real commits (tests/wechat/test_shared_token.py);
with Redis (the PostgreSQL run) wechat_app shares its token through Redis as in production.
"""

import pytest
from wechatpy.session.memorystorage import MemoryStorage

from app import create_app
from app.extensions import db
from app.wechat.storage import DatabaseStorage
from app.wechat.token import TokenKeeper
from tests.caller import Caller
from tests.fake_wechat import FakeWeChat

TIMEOUT_SECONDS = 0.5


@pytest.fixture(scope="session")
def fake_wechat_server():
    server = FakeWeChat()
    yield server
    server.close()


@pytest.fixture
def fake_wechat(fake_wechat_server):
    """The fake WeChat, with no codes, grants, tokens, failures or recorded calls."""
    fake_wechat_server.reset()
    return fake_wechat_server


@pytest.fixture(scope="session")
def _wechat_app(app, fake_wechat_server):
    # Creating an app re-binds the module-level limiter to this app's (identical) settings.
    wechat_app = create_app(
        "test",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        WECHAT_APPID=fake_wechat_server.appid,
        WECHAT_SECRET=fake_wechat_server.secret,
        WECHAT_API_BASE=fake_wechat_server.url,
        WECHAT_TIMEOUT_SECONDS=TIMEOUT_SECONDS,
    )
    gateway = wechat_app.extensions["wechat"]
    with wechat_app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
    if sqlite and isinstance(gateway.client.session, DatabaseStorage):
        gateway.client.session = MemoryStorage()  # see above: SQLite's write lock is the test's
        gateway.tokens = TokenKeeper(gateway.client)
    return wechat_app


@pytest.fixture
def wechat_app(_wechat_app, fake_wechat):
    """An app whose gateway is real wechatpy against `fake_wechat`; no access token stored yet."""
    client = wechat_client_of(_wechat_app)
    client.session.delete(client.access_token_key)
    client.session.delete(client.access_token_expiry_key)
    return _wechat_app


@pytest.fixture
def wechat_api(wechat_app):
    """Calls wechat_app's API like `api` does: `wechat_api.post("/auth/wechat-login", {...})`."""
    return Caller(wechat_app.test_client())


@pytest.fixture
def wechat_client(wechat_app):
    """wechat_app's wechatpy client (ConfiguredClient), for calls the API does not expose yet."""
    return wechat_client_of(wechat_app)


@pytest.fixture
def wechat_token(wechat_client):
    """A valid access token in the shared storage, fetched as the refresher would fetch it."""
    return wechat_client.fetch_access_token()["access_token"]


def wechat_client_of(app):
    return app.extensions["wechat"].client
