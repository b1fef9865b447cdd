"""The kept caller (core.principals, with Redis): an authenticated request reads no token row, and
every change to a token or a role is seen by the next request, in this process or any other."""

from contextlib import contextmanager

import pytest
from redis import Redis
from sqlalchemy import event, select, update

from app.accounts.models import User
from app.core import principals
from app.core.auth import _digest
from app.extensions import db
from tests.contract import assert_error
from tests.fixtures import user_id

VILLAGE = "140105001001"
NOWHERE = "redis://127.0.0.1:1/0"


@pytest.fixture(autouse=True)
def needs_redis(app):
    if app.extensions["redis"] is None:
        pytest.skip("callers are kept only with Redis (TEST_REDIS_URL)")


@contextmanager
def token_reads(app):
    """How many statements read the token table while the block runs."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if "auth_tokens" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_kept_caller_costs_no_token_query(app, api, build):
    token = build.login()
    api.as_(token).get("/me")
    with token_reads(app) as reads:
        assert api.as_(token).get("/me").status_code == 200
    assert reads == []


def test_logout_refuses_the_kept_token_at_once(app, api, build):
    token = build.login()
    assert api.as_(token).get("/me").status_code == 200  # kept now
    assert api.as_(token).post("/auth/logout").status_code == 204
    assert_error(api.as_(token).get("/me"), 401, "unauthenticated")


def test_a_removed_secretary_loses_the_role_at_once(api, build, hire):
    secretary, secretary_id = build.secretary(VILLAGE)
    assert "secretary" in api.as_(secretary).get("/me").json["roles"]
    assert api.as_(hire.staff("140105")).delete(f"/secretaries/{secretary_id}").status_code == 204
    me = api.as_(secretary).get("/me").json
    assert "secretary" not in me["roles"]
    assert me["secretary_village"] is None


def test_a_withdrawn_volunteer_is_refused_at_once(api, build):
    token, _ = build.volunteer()
    assert "volunteer" in api.as_(token).get("/me").json["roles"]
    assert api.as_(token).delete("/volunteers/me").status_code == 204
    assert_error(api.as_(token).get("/me"), 401, "unauthenticated")


def test_a_change_made_elsewhere_refuses_the_entry_kept_here(app, api, build):
    """Another process (the bot, a CLI, another worker) changes a role: it only stamps Redis, and the
    entry this process kept is refused because its stamp is older, locally and in Redis alike."""
    token = build.login()
    me = user_id(api, token)
    assert "admin" not in api.as_(token).get("/me").json["roles"]
    with app.app_context():
        kept = principals.cache()
        assert kept is not None and kept._entries[_digest(token)].principal.user_id == me
        db.session.get_one(User, me).is_admin = True
        db.session.commit()
        stamp = int(app.extensions["redis"].get(principals.USER + str(me)))
        assert stamp > kept._entries[_digest(token)].loaded_at  # the local entry is stale now
    assert "admin" in api.as_(token).get("/me").json["roles"]
    with app.app_context():
        db.session.get_one(User, me).is_admin = False
        db.session.commit()
        principals.cache().clear()  # a worker that never saw this token: only Redis's shared entry
    assert "admin" not in api.as_(token).get("/me").json["roles"]


def test_a_bulk_update_forgets_every_kept_caller(app, api, build):
    token = build.login()
    me = user_id(api, token)
    with app.app_context():
        db.session.execute(update(User).where(User.id == me).values(is_admin=True))  # which users: unknown
        db.session.commit()
    assert "admin" in api.as_(token).get("/me").json["roles"]


def test_redis_lost_its_data_trusts_nothing_kept(app, api, build):
    token = build.login()
    api.as_(token).get("/me")
    with app.app_context():
        me = db.session.scalar(select(User).where(User.id == user_id(api, token)))
        assert me is not None
        # Redis restarted empty, and meanwhile a raw statement (which stamps nothing) made the user an admin.
        db.session.connection().execute(User.__table__.update().where(User.id == me.id).values(is_admin=True))
        db.session.commit()
        app.extensions["redis"].flushdb()
    assert "admin" in api.as_(token).get("/me").json["roles"]


def test_without_redis_the_database_answers_and_changes_wait(app, api, build, monkeypatch):
    token, _ = build.volunteer()
    api.as_(token).get("/me")
    nowhere = Redis.from_url(NOWHERE, socket_connect_timeout=0.2)
    with app.app_context():
        kept = principals.cache()
        assert kept is not None
    monkeypatch.setitem(app.extensions, "auth.principals", principals.PrincipalCache(kept.size, nowhere, 60))
    monkeypatch.setitem(app.extensions, "redis", nowhere)
    assert "volunteer" in api.as_(token).get("/me").json["roles"]  # read from the database
    assert api.post("/auth/wechat-login", {"code": "dev:while-redis-is-away"}).status_code == 200  # a new token
    # A logout the other processes could not hear of is not made: a clear 503, the token still works.
    refused = assert_error(api.as_(token).post("/auth/logout"), 503, "auth_unavailable")
    assert refused["message"]
    assert api.as_(token).get("/me").status_code == 200
    monkeypatch.undo()
    assert api.as_(token).post("/auth/logout").status_code == 204
    assert_error(api.as_(token).get("/me"), 401, "unauthenticated")
