import pytest

from app.extensions import db
from app.programs import operations as programs


@pytest.fixture(autouse=True)
def usual_programs(app):
    """The migration seeds them; a test with real commits elsewhere may have emptied the table since."""
    with app.app_context():
        programs.ensure_usual()
        db.session.commit()
