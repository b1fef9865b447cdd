"""One transaction per request: operations only flush; the request commits once, or rolls back."""

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.core.db import db
from app.core.errors import error_response, unexpected_error
from app.core.principals import PrincipalsUnconfirmed

_View = TypeVar("_View", bound=Callable)


def reads_only(view: _View) -> _View:
    """Mark a GET that only reads: on PostgreSQL it runs without a transaction of its own.

    BEGIN and COMMIT are each a round trip; a list read by every volunteer opening the app pays
    them for nothing (one SELECT is one consistent snapshot anyway). Only for views that never
    write: their statements would each commit at once.
    """
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def one_statement_write() -> None:
    """Call before a write that is one self-contained statement (a database function doing all its work in one
    call, atomic on its own): on PostgreSQL, when the request has not touched the database yet, its connection
    runs in autocommit and the statement commits itself. BEGIN and COMMIT were two round trips of three for a
    sign-up. A request that has read or written already (its caller not kept, say) keeps its transaction.
    """
    session = db.session()  # the request's own Session (in_transaction is not proxied by the scoped one)
    if g.get("autocommit") or session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.autocommit = True


def _autocommit_reads() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    # A session bound to a connection already in a transaction (the test suite's) keeps it.
    if (
        request.method in ("GET", "HEAD")
        and getattr(view, "reads_only", False)
        and isinstance(db.session.get_bind(), Engine)
    ):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.autocommit = True


def init_app(app: Flask) -> None:
    """Register before the hooks that may read (who is calling), so they share the read's connection."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _real_sqlite_transactions(db.engine)
        elif db.engine.dialect.name == "postgresql":
            # SQLite has no round trips to save, and its BEGIN is emitted by the hook below.
            app.before_request(_autocommit_reads)

    @app.after_request
    def _finish(response):
        if g.get("autocommit") and not (db.session.new or db.session.dirty or db.session.deleted):
            return response  # each statement committed itself: nothing to commit or roll back
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except IntegrityError:
            # A concurrent request won a uniqueness race after our checks passed.
            db.session.rollback()
            return error_response(409, "conflict", "数据已被其他操作修改，请刷新后重试")
        except PrincipalsUnconfirmed as refused:
            # A change to tokens or roles the other processes could not hear of (Redis is away): not made.
            db.session.rollback()
            answer = error_response(refused.status, refused.code, refused.message)
            answer.headers["Retry-After"] = "1"
            return answer
        return response

    @app.errorhandler(IntegrityError)
    def _lost_race(error: IntegrityError):
        # Operations flush (to get ids), so a race lost after our checks can surface here, before
        # the commit; it is the same conflict, not a server fault. The response rolls back.
        # Logged without the statement or its parameters, which may hold personal data.
        app.logger.warning("integrity conflict on %s %s", request.method, request.path)
        return error_response(409, "conflict", "数据已被其他操作修改，请刷新后重试")

    @app.errorhandler(DBAPIError)
    def _database_unreachable(error: DBAPIError):
        # A pooled connection found dead (the database restarted) or no connection at all: the
        # transaction is gone, nothing was written that the client could not write again.
        # SQLAlchemy has discarded the pool, so the retry gets a fresh connection.
        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            return unexpected_error(error)
        app.logger.warning("database unreachable on %s %s: %s", request.method, request.path, type(error.orig).__name__)
        response = error_response(503, "database_unavailable", "服务暂时不可用，请稍后重试")
        response.headers["Retry-After"] = "1"
        return response

    @app.teardown_request
    def _discard(exc):
        if exc is not None:
            db.session.rollback()


def _real_sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN itself (the recipe in SQLAlchemy's SQLite notes).

    Python's sqlite3 driver (before 3.12's autocommit=False) begins no transaction before a
    SELECT or a SAVEPOINT, so a released savepoint is committed for good and a rollback misses
    it: nested transactions, and the test suite's per-test rollback, silently keep data.

    Transactions begin IMMEDIATE: the embedded default serves requests on several threads, and a
    deferred transaction that reads and then writes can fail at once with "database is locked";
    taking the write lock up front makes writers queue (busy timeout) instead. WAL lets reads go on
    meanwhile; foreign keys are enforced as on PostgreSQL.
    """

    @event.listens_for(engine, "connect")
    def _no_driver_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
