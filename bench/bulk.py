"""Bulk rows for the benchmarks: COPY on PostgreSQL, batched INSERTs elsewhere (the toy-sized tests on SQLite).

from bench.bulk import Raw, load
load("users", ("id", "openid", "is_admin", "created_at"), rows)
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text

from app.extensions import db


class Raw(str):
    """JSON text already serialised (written as is by COPY; parsed back for a plain INSERT)."""


def load(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """COPY on PostgreSQL (foreign keys unchecked while loading: the rows are consistent); INSERTs elsewhere."""
    columns, rows = _with_defaults(table, columns, rows)
    if db.engine.dialect.name != "postgresql":
        target = db.metadata.tables[table]
        for start in range(0, len(rows), 5000):
            chunk = [
                {c: (json.loads(v) if isinstance(v, Raw) else v) for c, v in zip(columns, row, strict=True)}
                for row in rows[start : start + 5000]
            ]
            db.session.execute(insert(target), chunk)
        db.session.commit()
        return
    with db.engine.begin() as conn:
        raw: Any = conn.connection.dbapi_connection  # psycopg's own connection: its cursor has copy()
        assert raw is not None
        with raw.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for start in range(0, len(rows), 100_000):
                    copy.write("".join(_line(row) for row in rows[start : start + 100_000]))
            cursor.execute("SET session_replication_role = DEFAULT")
            if "id" in columns:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {len(rows) + 1})")
        conn.execute(text(f"ANALYZE {table}"))


def _with_defaults(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> tuple[Sequence[str], Sequence]:
    """Required columns not named here (other rooms' additions) get the model's Python default."""
    missing = [
        column
        for column in db.metadata.tables[table].columns
        if column.name not in columns and not column.nullable and column.server_default is None
        and column.default is not None and not column.primary_key
    ]  # fmt: skip
    if not missing:
        return columns, rows
    extra = tuple(
        column.default.arg(None) if callable(column.default.arg) else column.default.arg  # type: ignore[union-attr]
        for column in missing
    )
    return (*columns, *(column.name for column in missing)), [(*row, *extra) for row in rows]


def _line(row: Sequence) -> str:
    return "\t".join(_cell(value) for value in row) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, Raw):
        return value.replace("\\", "\\\\")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)
