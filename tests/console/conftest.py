import pytest

from tests.console.helpers import make_staff, sign_in


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """The console's tests plan on 1 December 2026, 09:00 (tests/fixtures.py), and hash passwords cheaply."""


@pytest.fixture
def console(app, client):
    """A test client signed in to the console as staff of 小店区 (140105)."""
    make_staff(app, "console-xiaodian", "140105")
    response = sign_in(client, "console-xiaodian")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
