"""The migration itself seeds the usual programs on a new database."""

from flask_migrate import upgrade
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.programs.models import USUAL_PROGRAMS, Program


def test_a_fresh_database_has_the_usual_programs(tmp_path):
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}")
    with app.app_context():
        upgrade()
        assert set(db.session.scalars(select(Program.name))) == {name for name, _ in USUAL_PROGRAMS}
        db.session.remove()
        db.engine.dispose()
