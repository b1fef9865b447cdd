"""Migrations that move data keep it: run on a database made at the revision before them."""

import json

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db


def test_series_take_their_template_from_their_first_occurrence(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'old.db'}")
    with app.app_context():
        upgrade(revision="5e8f2a7c1b90")
        old = db.engine.connect()  # not db.session: the suite points that at its own database
        old.execute(
            text(
                "INSERT INTO regions (code, name, level, parent_code, deep_poverty, poor_village) VALUES "
                "('140105001001', '小店村', 'village', NULL, 0, 0)"
            )
        )
        old.execute(text("INSERT INTO users (id, openid, is_admin, created_at) VALUES (1, 'o1', 0, '2026-11-01')"))
        old.execute(
            text(
                "INSERT INTO series (id, type, rule, first_starts_at, duration_minutes, template_id, "
                "materialized_until, created_by, created_at) VALUES "
                "(1, 'session', 'FREQ=WEEKLY;COUNT=3', '2026-12-01', 120, 7, '2026-12-01', 1, '2026-11-01')"
            )
        )
        old.execute(
            text(
                "INSERT INTO activities (id, type, series_id, village_code, title, description, skills, kind, topic, "
                "starts_at, ends_at, capacity, taken, status, created_by, created_at, updated_at) VALUES "
                "(7, 'session', 1, '140105001001', '青年夜校：法律常识', '', '[]', 'night_school', 'law', "
                "'2026-12-01 11:00', '2026-12-01 13:00', 20, 0, 'open', 1, '2026-11-01', '2026-11-01')"
            )
        )
        old.commit()
        old.close()
        upgrade()
        with db.engine.connect() as new:
            template = new.execute(text("SELECT template FROM series WHERE id = 1")).scalar()
    assert json.loads(template) == {
        "village_code": "140105001001",
        "title": "青年夜校：法律常识",
        "description": "",
        "area": None,
        "skills": [],
        "kind": "night_school",
        "topic": "law",
        "capacity": 20,
    }
