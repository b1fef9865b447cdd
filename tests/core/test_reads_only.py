"""The reads every volunteer makes on opening the app (sessions, needs, inbox, profile, who am I) run
without BEGIN and COMMIT on PostgreSQL, two round trips of three; the connection goes back to the pool
ready for the next request's transaction."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db

pytestmark = pytest.mark.real_commits


@pytest.fixture(autouse=True)
def postgres(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no round trips to save")


@contextmanager
def autocommit_of_statements(app):
    """For each statement the app runs while the block runs: was its connection outside a transaction."""
    seen: list[bool] = []

    def record(conn, _cursor, _statement, *_args):
        seen.append(conn.connection.dbapi_connection.autocommit)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("path", ["/sessions", "/needs", "/inbox", "/volunteers/me", "/me"])
def test_a_read_runs_outside_a_transaction_and_the_next_write_inside_one(app, api, build, path):
    token, _ = build.volunteer()
    with autocommit_of_statements(app) as reads:
        answer = api.as_(token).get(path, **({"region": "140105"} if path in ("/sessions", "/needs") else {}))
    assert answer.status_code == 200, answer.json
    assert reads and all(reads)
    with autocommit_of_statements(app) as writes:
        answer = api.as_(token).patch("/volunteers/me", {"skills": ["支教", "医疗"]})
    assert answer.status_code == 200, answer.json
    assert writes and not any(writes)
    assert api.as_(token).get("/volunteers/me").json["skills"] == ["支教", "医疗"]
