from tests.sessions.helpers import calendar, cheap_passwords, county, secretary  # noqa: F401
