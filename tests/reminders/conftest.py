import pytest

from app import create_app
from app.reminders import routes
from tests.builders import Builders
from tests.caller import Caller
from tests.sessions.helpers import calendar, cheap_passwords, county, hire, people, secretary  # noqa: F401


@pytest.fixture(scope="session")
def served(app):
    """The app with the reminders routes. Until the factory registers them, a second app on the
    same database does (like tests/wechat's app); db.session is shared, so per-test rollback holds."""
    if "reminders" in app.blueprints:
        return app
    other = create_app("test", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True)
    other.register_api(routes.api)
    return other


@pytest.fixture
def client(served):
    return served.test_client()


@pytest.fixture
def api(client):
    return Caller(client)


@pytest.fixture
def build(app, api):
    return Builders(app, api)
