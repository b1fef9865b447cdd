"""A re-offer over a reach reads only volunteers available for the slot (app/dispatch/pool.py's available_in,
tested byte by byte in PostgreSQL): it must keep exactly those graph.build's rule (eligibility.available) keeps,
or a volunteer who could come is never asked."""

import random
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import LargeBinary, literal, select

from app.dispatch.eligibility import ZONE, available, needed_masks
from app.dispatch.pool import available_in
from app.extensions import db
from app.volunteers.availability import CELL_MINUTES
from tests.fixtures import at


def windows_mask(rng: random.Random) -> np.ndarray:
    """Seven days of one or two windows each (some days none), as people give them."""
    masks = np.zeros(7, dtype=np.int64)
    for day in range(7):
        for _ in range(rng.choice([0, 1, 1, 2])):
            first = rng.randrange(0, 47)
            last = rng.randrange(first + 1, 49)
            masks[day] |= (1 << last) - (1 << first)
    return masks


def test_the_database_keeps_exactly_whom_the_rule_keeps(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the pre-filter runs on PostgreSQL only (elsewhere the rule alone decides)")
        rng = random.Random(2026)
        kept = refused = 0
        for _ in range(400):
            quarter = timedelta(minutes=CELL_MINUTES // 2)  # starts on and between half-hours
            start = at(rng.randrange(1, 8), 0).astimezone(ZONE) + quarter * rng.randrange(48)
            end = start + timedelta(minutes=15 * rng.randrange(1, 40))  # up to ten hours, past midnight too
            masks = windows_mask(rng)
            if rng.random() < 0.3:  # exactly the slot's cells (and nothing else on those days)
                masks = needed_masks(start, end).copy()
            cells = [(day, int(bits)) for day, bits in enumerate(needed_masks(start, end)) if bits]
            stored = literal(masks.astype("<i8").tobytes(), LargeBinary)
            in_database = db.session.scalar(select(available_in([cells], stored)))
            assert in_database == available(masks, start, end), (start, end, masks)
            kept += bool(in_database)
            refused += not in_database
        assert kept > 50 and refused > 50  # both sides were tried
