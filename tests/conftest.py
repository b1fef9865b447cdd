"""Fixtures: one app and schema per run (built by the real migrations), each test rolled back.

TEST_DATABASE_URL / TEST_REDIS_URL choose PostgreSQL and Redis; unset, the suite runs on a
SQLite file with in-process equivalents.
"""

import os
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.orm import scoped_session, sessionmaker
from werkzeug.serving import make_server

from app import create_app
from app.activities.signup_function import forget_signup_targets
from app.core import clock
from app.extensions import db, limiter
from app.regions import operations as regions
from tests.builders import Builders
from tests.caller import Caller

# The fake WeChat API server and the app wired to it, and the fixtures every folder shares
# (calendar, cheap passwords, staff and secretaries, volunteers); and the scan of every answer and log
# record for full phone and ID numbers.
pytest_plugins = ["tests.pii_guard", "tests.fake_wechat_fixtures", "tests.fixtures"]

# Townships and villages the tests use, under real Shanxi county codes.
TEST_GEOGRAPHY = [
    ("140105001", "小店街道"),
    ("140105001001", "小店村"),
    ("140105001002", "西温庄村"),
    ("140105002", "坞城街道"),
    ("140105002001", "坞城村"),
    ("140106001", "迎泽街道"),
    ("140106001001", "迎泽村"),
    ("140723001", "和顺镇"),
    ("140723001001", "南李阳村"),
]


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or (f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}")
    app = create_app("test", SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=True)
    with app.app_context():
        _fresh_schema()
        regions.load_official("140000")
        rows, errors = regions.read_csv(["code,name"] + [f"{c},{n}" for c, n in TEST_GEOGRAPHY])
        report = regions.import_rows(rows, errors)
        assert not report.errors, report.errors
        db.session.commit()
    return app


def _fresh_schema() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


@pytest.fixture(autouse=True)
def transaction(app, request):
    """Each test runs inside a transaction that is rolled back; commits become savepoints.

    No app context stays pushed while the test runs, so each request gets its own, as in
    production; code that needs one outside a request uses the `ctx` fixture.
    """
    if request.node.get_closest_marker("real_commits"):
        yield from _real_commits(app)
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        limiter.reset()
        redis = app.extensions["redis"]
        if redis is not None:
            redis.flushdb()
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        outer.rollback()
        connection.close()
        clock.freeze(None)


KEPT_TABLES = {"regions", "alembic_version"}


def _real_commits(app):
    """For tests that need other connections to see their data (races, servers): commits are real,
    and every table but the regions is emptied afterwards."""
    with app.app_context():
        limiter.reset()
    try:
        yield
    finally:
        clock.freeze(None)
        with app.app_context():
            db.session.remove()
            tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEPT_TABLES]
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    names = ", ".join(t.name for t in tables)
                    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                    forget_signup_targets()  # the ids start again
                else:
                    for table in tables:
                        conn.execute(table.delete())


@pytest.fixture
def live_server(app):
    """The app on a real threaded HTTP server on loopback; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture
def ctx(app):
    """An app context for tests that call operations or read the database directly."""
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client):
    return Caller(client)


@pytest.fixture
def build(app, api):
    return Builders(app, api)
