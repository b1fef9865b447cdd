"""Broadcast fixtures: planning on 1 December 2026, county 140105's staff, and volunteers in and
around its education team."""

import pytest

from tests.broadcasts.helpers import Person
from tests.fixtures import ELSEWHERE, NEIGHBOUR, VILLAGE


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """Every broadcast test starts on 1 December 2026, 09:00, and hashes staff passwords cheaply."""


@pytest.fixture
def county(build) -> str:
    """Staff of 小店区 (140105), logged in over HTTP."""
    return build.staff("140105")


@pytest.fixture
def education_team(api, build) -> dict[str, Person]:
    """Volunteers in and around county 140105's education team."""

    def volunteer(**registration) -> Person:
        return Person(api, build.volunteer(**registration)[0])

    return {
        "teacher": volunteer(home_region=VILLAGE, areas=["education"]),
        "doctor_teacher": volunteer(home_region=NEIGHBOUR, areas=["medical", "education"]),
        "doctor": volunteer(home_region=VILLAGE, areas=["medical"]),
        "county_teacher": volunteer(home_region="140105", areas=["education"]),
        "other_county_teacher": volunteer(home_region=ELSEWHERE, areas=["education"]),
    }
