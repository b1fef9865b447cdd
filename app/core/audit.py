"""The audit trail: every change to a tracked object, who made it, when, before and after.

Rows are append-only. Personal fields are recorded masked, never in plaintext.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.core.auth import current_actor_id
from app.core.db import Model, UTCDateTime, copy_rows, db


class AuditEntry(Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_region_at", "region_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The user who acted; None for the system (the bot, a CLI without a user).
    actor_id: Mapped[int | None]
    #: e.g. "create", "update", "delete", "approve", "withdraw".
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    #: The region the object belongs to, so staff can read the trail of their own region.
    region_code: Mapped[str | None] = mapped_column(String(12))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def record(
    action: str,
    object_type: str,
    object_id: Any,
    *,
    before: dict | None = None,
    after: dict | None = None,
    region_code: str | None = None,
    actor_id: int | None = None,
) -> None:
    """Write one audit row in the caller's transaction (it commits or rolls back with the change).

    A plain INSERT rather than an ORM object: audit rows are never read back in the same request.
    """
    db.session.execute(
        insert(AuditEntry).values(
            at=clock.now(),
            actor_id=actor_id if actor_id is not None else current_actor_id(),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            region_code=region_code,
            before=_plain(before) if before is not None else None,
            after=_plain(after) if after is not None else None,
        )
    )


def record_many(entries: list[dict[str, Any]]) -> None:
    """Many audit rows at once (a dispatch round's offers: one COPY on PostgreSQL, else one executemany); each
    entry holds record()'s arguments."""
    if not entries:
        return
    at, actor = clock.now(), current_actor_id()
    rows = [
        {
            "at": at,
            "actor_id": entry.get("actor_id", actor),
            "action": entry["action"],
            "object_type": entry["object_type"],
            "object_id": str(entry["object_id"]),
            "region_code": entry.get("region_code"),
            "before": _plain(entry["before"]) if entry.get("before") is not None else None,
            "after": _plain(entry["after"]) if entry.get("after") is not None else None,
        }
        for entry in entries
    ]
    if not copy_rows(AuditEntry.__table__, rows):  # one COPY on PostgreSQL
        db.session.execute(insert(AuditEntry), rows)


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, for a compact update row."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}
