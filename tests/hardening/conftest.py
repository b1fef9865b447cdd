from tests.sessions.helpers import calendar, cheap_passwords, county, hire, people, secretary  # noqa: F401
