"""Small helpers for tests that handle personal data."""

import json

from sqlalchemy import text

from app.extensions import db

_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_CHECK = "10X98765432"


def id_number(body: str = "14010519900307123") -> str:
    """A resident ID number with a correct GB 11643 check character for its 17-digit body."""
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def database_text() -> str:
    """Every row of every table, as one string, read with plain SQL."""
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def assert_not_stored(stored: str, *values: str) -> None:
    """Neither as typed nor as JSON writes it (\\u escapes for Chinese)."""
    for value in values:
        assert value not in stored, value
        assert json.dumps(value)[1:-1] not in stored, value
