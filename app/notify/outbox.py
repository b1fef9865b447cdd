"""The one writer of `messages` columns: how a message becomes a row, alone or a whole audience at once.

`tell()` inserts one row built by `row()`; broadcasts fill the outbox for an audience with one
INSERT … SELECT whose SELECT list `selected()` builds from the same mapping, so both write the same
columns the same way. The PL/pgSQL sign-up (app/activities/sql/sign_up_v1.sql) writes this row inside
the database; tests/activities/test_signup_paths.py compares it with the Python path's.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ClauseElement, ColumnElement, CompoundSelect, Select, Table, case, cast, literal, null
from sqlalchemy.dialects import postgresql, sqlite

from app.core.db import UTCDateTime, copy_rows, insert_ignoring_conflicts
from app.extensions import db
from app.notify.models import Message

TITLE_LENGTH = 64


def row(
    *,
    user_id: Any,
    purpose: str,
    key: Any,
    title: str,
    body: str,
    now: Any,
    link: str | None = None,
    fields: dict | None = None,
    push: Any = True,
    broadcast_id: int | None = None,
) -> dict[str, Any]:
    """A message's columns. `push`: True queues it for the sender, False keeps it in the inbox only
    ("none"); a SQL condition (a bulk fill) decides per row: pending where it holds, else
    inbox_only, settled at once, so the sender never churns through people it cannot reach."""
    delivery: str | ColumnElement[str]
    if isinstance(push, bool):
        delivery, next_attempt_at = ("pending", now) if push else ("none", None)
    else:
        delivery, next_attempt_at = case((push, "pending"), else_="inbox_only"), case((push, now), else_=null())
    values = {
        "user_id": user_id,
        "purpose": purpose,
        "key": key,
        "title": title[:TITLE_LENGTH],
        "body": body,
        "link": link,
        "fields": fields or {},
        "created_at": now,
        "delivery": delivery,
        "attempts": 0,
        "next_attempt_at": next_attempt_at,
    }
    if broadcast_id is not None:
        values["broadcast_id"] = broadcast_id
    return values


def insert_one(**message: Any) -> None:
    """One message in the caller's transaction; a second with the same key does nothing."""
    db.session.execute(insert_ignoring_conflicts(Message).values(**row(**message)))


def insert_many(messages: list[dict[str, Any]]) -> None:
    """Many messages at once, each built by row(); keys already present are skipped. On PostgreSQL one COPY
    (through a temporary table, for the skipping), else one executemany."""
    if messages:
        rows = [row(**message) for message in messages]
        if not copy_rows(Message.__table__, rows, skip_conflicts=True):
            db.session.execute(insert_ignoring_conflicts(Message), rows)


def selected(*, now: datetime, fields: dict, **message: Any) -> dict[str, ColumnElement]:
    """row() as the SELECT list of a bulk fill: `message` may hold columns of the audience query
    (user_id, key, push); constants become bound literals, `fields` one JSON text for every row."""
    values = row(now=literal(now, UTCDateTime()), **message)
    values["fields"] = _json(fields)
    return {name: value if _is_sql(value) else literal(value) for name, value in values.items()}


def insert_selected(columns: dict[str, ColumnElement], source: Select | CompoundSelect):
    """INSERT INTO messages (columns) SELECT … ON CONFLICT (key) DO NOTHING: a second fill adds nothing."""
    insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
    table = Message.__table__
    assert isinstance(table, Table)  # a declarative class with a __tablename__ maps a Table
    return insert(table).from_select(list(columns), source).on_conflict_do_nothing(index_elements=["key"])


def _json(value: dict):
    """JSON text with Chinese as UTF-8 (half the bytes of \\u escapes, in a million rows)."""
    serialised = literal(json.dumps(value, ensure_ascii=False))
    return cast(serialised, JSON) if _dialect() == "postgresql" else serialised  # SQLite keeps JSON as text


def _is_sql(value: Any) -> bool:
    return isinstance(value, ClauseElement) or hasattr(value, "__clause_element__")


def _dialect() -> str:
    return db.session.get_bind().dialect.name
