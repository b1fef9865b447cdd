from tests.broadcasts.helpers import (  # noqa: F401 — fixtures
    calendar,
    cheap_passwords,
    county,
    education_team,
)
