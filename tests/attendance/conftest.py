"""Attendance fixtures: a village with its secretary and a scheduled night-school session."""

import pytest

from tests.attendance.helpers import Site


@pytest.fixture
def site(api, build):
    """小店村, its secretary, and a session on Tuesday 8 December 2026, 19:30–21:30."""
    return Site(api, build)
