import pytest


@pytest.fixture(autouse=True)
def _planning(calendar, cheap_passwords):
    """Recognition tests plan on 1 December 2026, 09:00 (China)."""
