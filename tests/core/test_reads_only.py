"""The reads every volunteer makes on opening the app (sessions, needs, inbox, profile, who am I), and a
session sign-up (one database function), run without BEGIN and COMMIT on PostgreSQL, two round trips of
three; the connection goes back to the pool ready for the next request's transaction."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from app.core.audit import AuditEntry
from app.extensions import db
from tests.contract import assert_error, created
from tests.sessions.helpers import session_body

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


def test_a_session_sign_up_commits_itself_in_its_one_statement(app, api, build, secretary):
    """The sign-up is one database function doing all its work (seat, sign-up, notice, audit): with the
    caller kept, the request runs it outside a transaction, and what it wrote is there for every reader."""
    if app.extensions.get("auth.principals") is None:
        pytest.skip("without Redis the caller is read from the database first, inside a transaction")
    session_id = created(api.as_(secretary).post("/sessions", session_body(capacity=1)))["id"]
    first, _ = build.volunteer()
    second, _ = build.volunteer()
    for token in (first, second):
        assert api.as_(token).get("/me").status_code == 200  # the caller is kept from now on
    with autocommit_of_statements(app) as statements:
        answer = api.as_(first).post(f"/sessions/{session_id}/signups")
    assert answer.status_code == 201, answer.json
    assert answer.json["status"] == "confirmed"
    assert statements and all(statements)
    with autocommit_of_statements(app) as statements:
        waitlisted = api.as_(second).post(f"/sessions/{session_id}/signups")
        refused = api.as_(first).post(f"/sessions/{session_id}/signups")
    assert waitlisted.status_code == 201 and waitlisted.json["status"] == "waitlisted"
    assert waitlisted.json["position"] == 1
    assert_error(refused, 409, "already_signed_up")
    assert statements and all(statements)
    assert api.as_(first).get(f"/sessions/{session_id}").json["taken"] == 1
    notices = [m["title"] for m in api.as_(first).get("/inbox").json["items"]]
    assert "报名成功" in notices[0]
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "signup")).all()
    assert len(audited) == 2
