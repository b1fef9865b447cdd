"""Where every process finds the access token, and the lock its refreshers take.

The web app and the bot are always two processes, so the token (and its expiry) must live outside
either: in Redis when REDIS_URL is set (wechatpy's RedisStorage, a Redis lock), else in the
database (`DatabaseStorage`, the `wechat_tokens` table).

`DatabaseStorage` reads and writes on short transactions of its own, never the caller's: a request
that rolls back must not take a freshly fetched token with it (WeChat has already replaced the old
one). Its refresh lock is a row of the same table, locked (SELECT … FOR UPDATE) in one transaction
that also re-reads the token, and writes the fetched one: the lock ends with that transaction, at
its commit or when the process holding it dies, so there is no lease to expire and nothing to poll.

SQLite has one writer at a time, and a transaction holds that place from its first statement to its
end (app/core/transactions.py begins every transaction IMMEDIATE): while a request's transaction is
open no other connection can write, or even read through SQLAlchemy, until it ends, and waiting for
it from inside the request would deadlock. So on SQLite — development only; production refuses it —
the storage joins the caller's transaction when one is open: that transaction already shuts out
every other writer, which is the refresh lock, and a token fetched in a request that then rolls back
is forgotten (the next caller fetches again). PostgreSQL never joins the caller's transaction.
"""

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from wechatpy.session import SessionStorage
from wechatpy.session.redisstorage import RedisStorage

from app.extensions import db
from app.wechat.models import WeChatToken

#: Takes the refresh lock called `name` (a context manager); one per token owner.
Lock = Callable[[str], AbstractContextManager]


def shared_storage(app, *, hold_seconds: float, wait_seconds: float) -> tuple[SessionStorage, Lock]:
    """The app's token storage and refresh lock: Redis when the app has it, else the database.

    `hold_seconds`: the longest a Redis lock outlives a holder that died; `wait_seconds`: the
    longest a refresher waits for the lock."""
    redis = app.extensions.get("redis")
    if redis is not None:
        return RedisStorage(redis, prefix="wechatpy"), lambda name: redis.lock(
            name, timeout=hold_seconds, blocking_timeout=wait_seconds
        )
    storage = DatabaseStorage(app, wait_seconds=wait_seconds)
    return storage, storage.lock


def process_lock() -> Lock:
    """One lock for this process's threads only (a client built without an app, e.g. in tests)."""
    lock = threading.Lock()
    return lambda name: lock


class DatabaseStorage(SessionStorage):
    """wechatpy's session storage in `wechat_tokens`; values as JSON, expiry as a UTC time."""

    def __init__(self, app, *, wait_seconds: float = 35):
        self.app = app
        self.wait_seconds = wait_seconds
        self._engine: Engine | None = None
        self._held = threading.local()  # the lock's connection, while this thread holds it

    def get(self, key, default=None):
        with self._connection() as connection:
            row = connection.execute(
                select(WeChatToken.value, WeChatToken.expires_at).where(WeChatToken.key == key)
            ).first()
        if row is None or (row.expires_at is not None and row.expires_at <= _now()):
            return default
        return json.loads(row.value)

    def set(self, key, value, ttl=None):
        expires_at = _now() + timedelta(seconds=ttl) if ttl else None
        with self._connection() as connection:
            insert = _insert(connection).values(key=key, value=json.dumps(value), expires_at=expires_at)
            connection.execute(
                insert.on_conflict_do_update(
                    index_elements=[WeChatToken.key],
                    set_={"value": insert.excluded.value, "expires_at": insert.excluded.expires_at},
                )
            )

    def delete(self, key):
        with self._connection() as connection:
            connection.execute(delete(WeChatToken).where(WeChatToken.key == key))

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold the lock row `name` for one transaction; this thread's get/set/delete use that
        transaction meanwhile, so what is read and written under the lock commits with it."""
        if getattr(self._held, "connection", None) is not None:
            raise RuntimeError("the token refresh lock is not reentrant")
        with self._connection() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(self.wait_seconds * 1000)}")
            connection.execute(_insert(connection).values(key=name, value="null").on_conflict_do_nothing())
            connection.execute(select(WeChatToken.key).where(WeChatToken.key == name).with_for_update())
            self._held.connection = connection
            try:
                yield
            finally:
                self._held.connection = None

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        held = getattr(self._held, "connection", None)
        if held is not None:
            yield held
            return
        joined = self._callers_sqlite_transaction()
        if joined is not None:
            yield joined
            return
        with self._get_engine().begin() as connection:
            yield connection

    def _callers_sqlite_transaction(self) -> Connection | None:
        """On SQLite, the connection of this app's session if it has a transaction open (see above)."""
        if self._get_engine().dialect.name != "sqlite" or not has_app_context():
            return None
        app = current_app._get_current_object()  # type: ignore[attr-defined]  # a LocalProxy, typed as Flask
        if app is not self.app:
            return None
        session = db.session()
        return session.connection() if session.in_transaction() else None

    def _get_engine(self) -> Engine:
        if self._engine is None:
            with self.app.app_context():
                self._engine = db.engine
        return self._engine


def _insert(connection: Connection):
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(WeChatToken)


def _now() -> datetime:
    """Tokens expire in real seconds: the wall clock, never the service clock tests may freeze."""
    return datetime.now(UTC)
