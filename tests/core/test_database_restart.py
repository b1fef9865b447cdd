"""PostgreSQL restarts (or a connection is cut): the request that meets the dead connection answers
503 for the client to retry (never a 500), the next one works on a fresh connection, and what is
written then is kept."""

import psycopg
import pytest
from sqlalchemy import text

from app.extensions import db
from tests.contract import assert_error

pytestmark = [pytest.mark.real_commits]


def _cut_the_pooled_connection(app) -> None:
    """Leave exactly one connection in the pool and have the server end it, as a restart would."""
    with app.app_context():
        db.engine.dispose()
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.remove()
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]


def test_a_lost_connection_costs_one_retryable_answer(app, api, build):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("connections to PostgreSQL are what can be cut")
    token, _ = build.volunteer()
    _cut_the_pooled_connection(app)

    answer = api.as_(token).get("/me")
    if answer.status_code != 200:  # the pool finds the dead connection when it is used, not before
        assert_error(answer, 503, "database_unavailable")
        assert answer.headers["Retry-After"] == "1"

    again = api.as_(token).get("/volunteers/me")
    assert again.status_code == 200, again.json
    updated = api.as_(token).patch("/volunteers/me", {"skills": ["电商"]})
    assert updated.status_code == 200, updated.json
    assert api.as_(token).get("/volunteers/me").json["skills"] == ["电商"]
