import pytest

from app.broadcasts import routes
from tests.broadcasts.helpers import (  # noqa: F401 — fixtures
    calendar,
    cheap_passwords,
    county,
    education_team,
)


@pytest.fixture(scope="session")
def app(app):
    """Until app/__init__.py registers the broadcasts blueprint: register it on the test app."""
    if "broadcasts" not in app.blueprints:
        app.register_api(routes.api)
    return app
