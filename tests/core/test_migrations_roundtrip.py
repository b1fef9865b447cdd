"""Migrations go down to nothing and up again on a populated database, and the service still works.

In a subprocess of its own (one app per pytest process), on a fresh database of its own: on
PostgreSQL one named after the suite's database, created and dropped here; on SQLite a file.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]

# The real CLI commands, invoked in one process (importing the app costs seconds each time).
SCRIPT = r"""
import sys
from sqlalchemy import func, select
from wsgi import app
from app.extensions import db
from app.volunteers.models import Volunteer

runner = app.test_cli_runner()

def run(*args):
    result = runner.invoke(args=list(args), catch_exceptions=True)
    if result.exit_code != 0 or result.exception is not None:
        sys.exit(f"flask {' '.join(args)} failed ({result.exit_code}): {result.exception!r}\n{result.output}")
    return result.output

run("db", "upgrade")
first = run("seed-demo", "--volunteers", "5")
run("db", "downgrade", "base")
with app.app_context():
    left = db.inspect(db.engine).get_table_names()
    assert set(left) <= {"alembic_version"}, left
    db.engine.dispose()
run("db", "upgrade")
again = run("seed-demo", "--volunteers", "5")
with app.app_context():
    volunteers = db.session.scalar(select(func.count()).select_from(Volunteer))
print("FIRST", first.splitlines()[0])
print("AGAIN", again.splitlines()[0])
print("VOLUNTEERS", volunteers)
"""


def _roundtrip(database_url: str) -> str:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        # Development mode reads DATABASE_URL (test mode would read TEST_DATABASE_URL: the suite's database).
        "APP_ENV": "development",
        "DATABASE_URL": database_url,
        # Given, so the development app writes no instance/dev-secrets.json.
        "SECRET_KEY": "roundtrip-secret-not-for-production",
        "FIELD_ENCRYPTION_KEY": "q8o2y1d0i1Y2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p7Q=",
        "WECHAT_TOKEN": "roundtrip-token",
    }
    for name in ("REDIS_URL", "WECHAT_APPID", "WECHAT_SECRET"):
        env.pop(name, None)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr[-4000:] + result.stdout[-2000:]
    print(f"migration round trip: {elapsed:.1f} s")
    return result.stdout


def _assert_it_works_again(output: str) -> None:
    lines = dict(line.split(" ", 1) for line in output.splitlines() if line.split(" ", 1)[0].isupper())
    # Both runs created the five volunteers: the downgrade really emptied the database, and the
    # upgraded schema takes the whole demo province again.
    assert "志愿者 5 名" in lines["FIRST"], lines
    assert "志愿者 5 名" in lines["AGAIN"], lines
    assert lines["VOLUNTEERS"] == "5"


def test_migrations_down_and_up_on_a_populated_postgresql_database():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    base = make_url(url)
    name = f"{base.database}_roundtrip"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _assert_it_works_again(_roundtrip(base.set(database=name).render_as_string(hide_password=False)))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrations_down_and_up_on_a_populated_sqlite_database(tmp_path):
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        pytest.skip("run in the SQLite pass of the suite")
    _assert_it_works_again(_roundtrip(f"sqlite:///{tmp_path / 'roundtrip.db'}"))
