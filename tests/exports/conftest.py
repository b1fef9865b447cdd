import pytest

from tests.stats.dataset import build_dataset


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """1 December 2026, 09:00 (China), as the statistics tests."""


@pytest.fixture
def dataset(app, ctx):
    """The statistics tests' hand-counted province (tests/stats/dataset.py)."""
    build_dataset()
