"""Supervision fixtures: the clock at 1 December 2026, 09:00, and the statistics' hand-counted province."""

import pytest

from tests.stats.dataset import build_dataset


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """Every supervision test starts on 1 December 2026, 09:00 (China)."""


@pytest.fixture
def dataset(app, ctx):
    """Volunteers, needs, sessions and records in counties 140105 and 140106 (tests/stats/dataset.py)."""
    build_dataset()
