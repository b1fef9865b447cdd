import pytest


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """Every test here plans on 1 December 2026, 09:00 (tests/fixtures.py), and hashes staff passwords cheaply."""
