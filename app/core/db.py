"""The declarative base and the column types every model shares."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CursorResult, DateTime, Integer, MetaData, Result, String, TypeDecorator, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from app.core.crypto import cipher

# Stable constraint names, so Alembic migrations name the same thing the same way everywhere.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Models subclass ``Model``: at runtime it *is* ``db.Model``, but mypy cannot use an instance
# attribute (``db.Model``) as a base class (python/mypy#8603), so it sees an equivalent class:
# the declarative base plus Flask-SQLAlchemy's model mixin (``query``, ``__fsa__`` …).
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FSAModel

    class Model(_FSAModel, Base):
        pass

else:
    Model = db.Model


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored as UTC on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedString(TypeDecorator):
    """Personal data: encrypted before it reaches the database, decrypted on load."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        return None if value is None else cipher.encrypt(value)

    def process_result_value(self, value: str | None, dialect):
        return None if value is None else cipher.decrypt(value)


def insert_ignoring_conflicts(model):
    """INSERT … ON CONFLICT DO NOTHING on PostgreSQL and SQLite alike (idempotent writes)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE, DELETE or INSERT executed by ``db.session.execute`` matched.

    ``Session.execute`` is typed as returning a ``Result``; for these statements it returns a
    ``CursorResult``, the one that carries ``rowcount``.
    """
    return cast(CursorResult[*tuple[Any, ...]], result).rowcount


#: Fewer rows than this go through a plain INSERT: COPY's set-up (and a temporary table) costs more.
COPY_AT_LEAST = 64


def copy_rows(table: Any, rows: list[dict[str, Any]], *, skip_conflicts: bool = False) -> bool:
    """On PostgreSQL, many rows (dicts of the same columns) into `table` by one COPY in the session's
    transaction, each value through its column's own bind processing (UTC datetimes, JSON text …). With
    `skip_conflicts`, through a temporary table and one INSERT … SELECT … ON CONFLICT DO NOTHING, so rows whose
    unique keys exist already are skipped as by insert_ignoring_conflicts. Answers False (nothing written)
    elsewhere or for fewer than COPY_AT_LEAST rows: the caller inserts those itself."""
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or len(rows) < COPY_AT_LEAST:
        return False
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    raw: Any = connection.connection.driver_connection
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    target = dialect.identifier_preparer.format_table(table)
    with raw.cursor() as cursor:
        into = target
        if skip_conflicts:
            into = "copy_rows_staging"
            cursor.execute(
                f"CREATE TEMPORARY TABLE {into} ON COMMIT DROP AS SELECT {quoted} FROM {target} WITH NO DATA"  # noqa: S608
            )
        with cursor.copy(f"COPY {into} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if process is None else process(value)
                        for value, process in zip((row[name] for name in names), processors, strict=True)
                    ]
                )
        if skip_conflicts:
            # Identifiers only, from the model's table and quoted by the dialect: nothing a caller types.
            cursor.execute(f"INSERT INTO {target} ({quoted}) SELECT {quoted} FROM {into} ON CONFLICT DO NOTHING")  # noqa: S608
            cursor.execute(f"DROP TABLE {into}")
    return True


def among(column: Any, values: list[int]) -> Any:
    """`column IN values` for many integers: on PostgreSQL `= ANY(:array)`, one bound array instead of one
    placeholder per value (10⁴ of them cost the driver time to parse and the server to plan); elsewhere IN."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(Integer)))
    return column.in_(values)
